"""py3langid's language identifier, loaded in a fraction of the time.

py3langid ships its model as an xz-compressed ``.npz`` that it decompresses
through a temporary file at every first use (about 0.6 s, more than a
hundred pages' language detection), which every ``newsmill`` run and every
extraction workers' fork server pays. The decompressed model is kept once
per model file in the user's cache (``$XDG_CACHE_HOME/newsmill``, else
``~/.cache/newsmill``; 68 MB) and read from there (about 0.15 s); when the
cache cannot be written or read, py3langid loads its model as it does by
itself.
"""

from __future__ import annotations

import contextlib
import hashlib
import lzma
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import py3langid
from py3langid import langid as _langid
from py3langid import modelio as _modelio


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "newsmill"


def _model_file() -> Path:
    return Path(str(_langid.MODEL_DIR)) / str(_langid.MODEL_FILE)


def _cached_model(model: Path, cache: Path) -> Path:
    """The decompressed model in ``cache`` (written there the first time)."""
    stat = model.stat()
    key = hashlib.sha256(f"{model}\x1f{stat.st_size}\x1f{stat.st_mtime_ns}\x1f{py3langid.__version__}".encode())
    path = cache / f"py3langid-{key.hexdigest()[:16]}.npz"
    if not path.exists():
        cache.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=cache, prefix=".py3langid-", suffix=".npz")
        try:
            with os.fdopen(fd, "wb") as out, lzma.open(model) as src:
                shutil.copyfileobj(src, out, length=1 << 20)
            os.replace(tmp, path)  # atomic: a concurrent run reads either no file or a whole one
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
    return path


def _identifier(path: Path) -> Any:
    """py3langid's identifier from a decompressed model, as its own loader builds it."""
    with np.load(path, allow_pickle=False) as data:
        return _langid.LanguageIdentifier(
            np.asarray(data["ptc"]), np.asarray(data["pc"]), data["classes"].tolist(),
            _modelio._to_array(data["nextmove"]), data["out_feat"].tolist(),
            tk_row=_modelio._to_array(data["nextmove_row"]))


def load_identifier(cache: Path | None = None) -> bool:
    """Load py3langid's identifier from the cached model, if it is not
    loaded yet; False when the cache could not be used (py3langid then
    loads its model itself on first use)."""
    if _langid.IDENTIFIER is not None:
        return True
    try:
        _langid.IDENTIFIER = _identifier(_cached_model(_model_file(), cache or cache_dir()))
    except (OSError, ValueError, KeyError, AttributeError, TypeError, lzma.LZMAError):
        return False
    return True


__all__ = ["cache_dir", "load_identifier"]
