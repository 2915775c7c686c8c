"""Typed settings: where data lives, how to fetch, which sources to ingest.

Paths: by default the raw archive is ``raw/`` and the SQLite store ``data/``
of the current checkout (the working directory). ``NEWSMILL_HOME`` (or
``--home``) moves both under one directory; ``NEWSMILL_DATABASE_URL`` selects
another database (e.g. ``postgresql://...``).
"""

from __future__ import annotations

import os
import re
from dataclasses import MISSING, dataclass, field, fields
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from newsmill.core.errors import ConfigError

SOURCE_KINDS = ("feed", "sitemap", "urls", "folder", "warc")


@dataclass(frozen=True)
class Paths:
    """Where the raw archive and the store live."""

    raw_dir: Path
    data_dir: Path
    database_url: str

    @classmethod
    def resolve(cls, home: str | os.PathLike[str] | None = None) -> Paths:
        home = home or os.environ.get("NEWSMILL_HOME") or None
        if home:
            base = Path(home).expanduser().resolve()
            raw_dir, data_dir = base / "raw", base / "data"
        else:
            cwd = Path.cwd()
            raw_dir, data_dir = cwd / "raw", cwd / "data"
        url = os.environ.get("NEWSMILL_DATABASE_URL") or f"sqlite:///{data_dir / 'newsmill.db'}"
        return cls(raw_dir=raw_dir, data_dir=data_dir, database_url=url)


@dataclass(frozen=True)
class DedupSettings:
    """Dedup policy (not sketch parameters, which live in
    :class:`newsmill.dedup.SketchParams` and are stored with the index).

    ``window_days``: compare a new article only with copies published within
    that many days of it (0: all of history). ``template_min_articles``: a
    paragraph found word for word in that many distinct articles of one
    site is a site template: the cleaner removes it, and it is not reported
    as a duplicate passage. Counted over a publisher group's sites, the
    same number makes a group template; a line printed on several sites
    needs half of it (:mod:`newsmill.storage.templates`). Environment:
    ``NEWSMILL_DEDUP_WINDOW_DAYS``, ``NEWSMILL_TEMPLATE_MIN_ARTICLES``.
    """

    window_days: float = 0.0
    template_min_articles: int = 5

    def __post_init__(self) -> None:
        if self.window_days < 0:
            raise ConfigError(f"dedup window_days must be >= 0 (0: all history), got {self.window_days}")
        if self.template_min_articles < 2:
            raise ConfigError(f"template_min_articles must be >= 2, got {self.template_min_articles}")

    @property
    def window(self) -> timedelta | None:
        return timedelta(days=self.window_days) if self.window_days else None

    @classmethod
    def from_env(cls) -> DedupSettings:
        def number(name: str, default: float) -> float:
            raw = os.environ.get(name, "").strip()
            if not raw:
                return default
            try:
                return float(raw)
            except ValueError:
                raise ConfigError(f"{name} must be a number, got {raw!r}") from None

        minimum = number("NEWSMILL_TEMPLATE_MIN_ARTICLES", cls.template_min_articles)
        if minimum != int(minimum):
            raise ConfigError(f"NEWSMILL_TEMPLATE_MIN_ARTICLES must be a whole number, got {minimum}")
        return cls(window_days=number("NEWSMILL_DEDUP_WINDOW_DAYS", cls.window_days),
                   template_min_articles=int(minimum))


@dataclass(frozen=True)
class FetchSettings:
    """Global fetch settings (the ``fetch:`` block of a sources file)."""

    user_agent: str = "newsmill/0.1 (+https://example.org/contact)"
    per_host_concurrency: int = 2
    per_host_delay: float = 1.0
    global_concurrency: int = 32
    timeout: float = 30.0
    connect_timeout: float = 10.0
    max_bytes: int = 10_000_000
    max_redirects: int = 5
    retries: int = 3
    backoff: float = 0.5
    obey_robots: bool = True

    def __post_init__(self) -> None:
        if self.per_host_concurrency < 1:
            raise ConfigError("fetch.per_host_concurrency must be >= 1")
        if self.global_concurrency < 1:
            raise ConfigError("fetch.global_concurrency must be >= 1")
        if self.per_host_delay < 0:
            raise ConfigError("fetch.per_host_delay must be >= 0 seconds")
        if self.timeout <= 0 or self.connect_timeout <= 0:
            raise ConfigError("fetch.timeout and fetch.connect_timeout must be > 0 seconds")
        if self.max_bytes < 1024:
            raise ConfigError("fetch.max_bytes must be >= 1024")
        if not 0 <= self.max_redirects <= 20:
            raise ConfigError("fetch.max_redirects must be between 0 and 20")
        if self.retries < 0:
            raise ConfigError("fetch.retries must be >= 0")


@dataclass(frozen=True)
class LimitSettings:
    """What one document may cost its extraction worker (the ``limits:``
    block of a sources file; the environment wins over it:
    ``NEWSMILL_DOCUMENT_SECONDS``, ``NEWSMILL_DOCUMENT_MEMORY_MB``,
    ``NEWSMILL_MAX_ELEMENTS``). A worker past ``document_seconds`` of CPU
    time on one document (or four times that on the clock), or whose resident memory passes ``document_memory_mb``, is
    killed from outside (:mod:`newsmill.execution.guard`) and the document
    recorded as ``timeout`` or ``too_much_memory``; a document of more than
    ``max_elements`` HTML elements is refused before it is parsed
    (``too_complex``). 0 turns a limit off. Defaults: docs/configuration.md
    (measured: benchmarks/RESULTS.md, Limits)."""

    document_seconds: float = 30.0
    document_memory_mb: int = 1024
    max_elements: int = 100_000

    def __post_init__(self) -> None:
        if self.document_seconds < 0:
            raise ConfigError(f"limits.document_seconds must be >= 0 (0: no limit), got {self.document_seconds}")
        if self.document_memory_mb < 0 or (0 < self.document_memory_mb < 64):
            raise ConfigError("limits.document_memory_mb must be 0 (no limit) or >= 64, "
                              f"got {self.document_memory_mb}")
        if self.max_elements < 0 or (0 < self.max_elements < 1000):
            raise ConfigError(f"limits.max_elements must be 0 (no limit) or >= 1000, got {self.max_elements}")

    @property
    def memory_bytes(self) -> int | None:
        return self.document_memory_mb * 1024 * 1024 if self.document_memory_mb else None

    @property
    def seconds(self) -> float | None:
        return self.document_seconds or None

    @classmethod
    def from_env(cls, base: LimitSettings | None = None) -> LimitSettings:
        """``base`` (default: the defaults) with what the environment sets."""
        base = base or cls()
        seconds = os.environ.get("NEWSMILL_DOCUMENT_SECONDS", "").strip()
        try:
            document_seconds = float(seconds) if seconds else base.document_seconds
        except ValueError:
            raise ConfigError(f"NEWSMILL_DOCUMENT_SECONDS must be a number of seconds, got {seconds!r}") from None
        memory, elements = _count("NEWSMILL_DOCUMENT_MEMORY_MB"), _count("NEWSMILL_MAX_ELEMENTS")
        return cls(document_seconds=document_seconds,
                   document_memory_mb=base.document_memory_mb if memory is None else memory,
                   max_elements=base.max_elements if elements is None else elements)


@dataclass(frozen=True)
class SourceConfig:
    """One entry of the ``sources:`` list."""

    name: str
    kind: str
    site: str
    url: str | None = None
    path: str | None = None
    group: str = "default"
    language: str | None = None
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    max_articles: int = 200
    allow_private: bool = False
    recheck_hours: float = 0.0
    max_age_hours: float = 0.0
    hosts: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.max_age_hours < 0:
            raise ConfigError(f"source {self.name!r}: max_age_hours must be >= 0")
        if self.recheck_hours < 0:
            raise ConfigError(f"source {self.name!r}: recheck_hours must be >= 0")
        if not self.name:
            raise ConfigError("every source needs a name")
        if self.kind not in SOURCE_KINDS:
            raise ConfigError(
                f"source {self.name!r}: kind must be one of {', '.join(SOURCE_KINDS)}, got {self.kind!r}"
            )
        if self.kind in ("folder", "warc"):
            if not self.path:
                raise ConfigError(f"source {self.name!r}: kind {self.kind} needs `path:`")
        elif not self.url:
            raise ConfigError(f"source {self.name!r}: kind {self.kind} needs `url:`")
        elif self.kind != "urls" or ("://" in self.url and not self.url.startswith("file://")):
            parts = urlsplit(self.url)  # a `urls` list may also be a local path or file:// URI
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise ConfigError(f"source {self.name!r}: url must be an http:// or https:// address, "
                                  f"got {self.url!r}")
        if self.max_articles < 1:
            raise ConfigError(f"source {self.name!r}: max_articles must be >= 1")
        for host in self.hosts:
            if not host or "/" in host or " " in host:
                raise ConfigError(f"source {self.name!r}: hosts must be host names (or '*'), got {host!r}")
        for pattern in (*self.include, *self.exclude):
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ConfigError(f"source {self.name!r}: bad URL pattern {pattern!r}: {exc}") from exc

    @property
    def location(self) -> str:
        return self.url or self.path or ""

    def wants(self, url: str) -> bool:
        """True if ``url`` passes the include/exclude patterns."""
        if self.include and not any(re.search(p, url) for p in self.include):
            return False
        return not any(re.search(p, url) for p in self.exclude)

    def allowed_hosts(self) -> tuple[str, ...]:
        """The hosts this source may fetch from, each with its subdomains:
        the source URL's host (less a leading ``www.``) and ``hosts``; ``*``
        (or a ``urls`` list read from a local file, with no ``hosts``) is
        any host."""
        listed = tuple(h.lower().strip(".") for h in self.hosts)
        own = (urlsplit(self.url).hostname or "") if self.url and "://" in self.url and \
            not self.url.startswith("file://") else ""
        if not own and not listed:
            return ("*",)
        own = own.lower().strip(".")
        return (*((own.removeprefix("www."),) if own else ()), *listed)

    def allows_host(self, url: str) -> bool:
        """True if ``url``'s host is one of :meth:`allowed_hosts` or a subdomain of one."""
        allowed = self.allowed_hosts()
        if "*" in allowed:
            return True
        host = (urlsplit(url).hostname or "").lower().strip(".")
        return bool(host) and any(host == h or host.endswith("." + h) for h in allowed)


@dataclass(frozen=True)
class SourcesFile:
    """A parsed sources file."""

    fetch: FetchSettings = field(default_factory=FetchSettings)
    sources: tuple[SourceConfig, ...] = ()
    limits: LimitSettings = field(default_factory=LimitSettings)

    def select(self, names: list[str] | None = None, group: str | None = None) -> list[SourceConfig]:
        chosen = list(self.sources)
        if names:
            unknown = set(names) - {s.name for s in chosen}
            if unknown:
                raise ConfigError(f"unknown source(s): {', '.join(sorted(unknown))}")
            chosen = [s for s in chosen if s.name in names]
        if group:
            chosen = [s for s in chosen if s.group == group]
        return chosen


def _build(cls: type[Any], data: dict[str, Any], where: str) -> Any:
    known = {f.name for f in fields(cls)}
    unknown = set(data) - known
    if unknown:
        raise ConfigError(f"{where}: unknown setting(s) {', '.join(sorted(unknown))}", where=(min(unknown),))
    values = dict(data)
    required = [f.name for f in fields(cls) if f.default is MISSING and f.default_factory is MISSING]
    missing = [name for name in required if name not in values]
    if missing:
        raise ConfigError(f"{where}: missing required setting(s) {', '.join(missing)}")
    for key in ("include", "exclude", "hosts"):
        if key in values:
            if not isinstance(values[key], list | tuple):
                raise ConfigError(f"{where}: {key} must be a list of " + ("host names" if key == "hosts" else "regexes"))
            values[key] = tuple(str(v) for v in values[key])
    try:
        return cls(**values)
    except TypeError as exc:
        raise ConfigError(f"{where}: {exc}") from exc


def parse_sources(data: Any, *, base_dir: Path | None = None) -> SourcesFile:
    """Validate a sources mapping (as loaded from YAML)."""
    if not isinstance(data, dict):
        raise ConfigError("a sources file must be a mapping with a `sources:` list")
    fetch_data = data.get("fetch") or {}
    if not isinstance(fetch_data, dict):
        raise ConfigError("`fetch:` must be a mapping")
    fetch = _at(("fetch",), _build, FetchSettings, fetch_data, "fetch")
    limits_data = data.get("limits") or {}
    if not isinstance(limits_data, dict):
        raise ConfigError("`limits:` must be a mapping")
    limits = _at(("limits",), _build, LimitSettings, limits_data, "limits")
    entries = data.get("sources")
    if not isinstance(entries, list) or not entries:
        raise ConfigError("a sources file needs a non-empty `sources:` list")
    sources: list[SourceConfig] = []
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict):
            raise ConfigError(f"sources[{i}] must be a mapping")
        if base_dir is not None and entry.get("path"):
            p = Path(str(entry["path"])).expanduser()
            entry = {**entry, "path": str(p if p.is_absolute() else (base_dir / p).resolve())}
        sources.append(_at(("sources", i), _build, SourceConfig, entry, f"sources[{i}] ({entry.get('name', '?')})"))
    names = [s.name for s in sources]
    dupes = {n for n in names if names.count(n) > 1}
    if dupes:
        raise ConfigError(f"duplicate source name(s): {', '.join(sorted(dupes))}")
    return SourcesFile(fetch=fetch, sources=tuple(sources), limits=limits)


def _at(where: tuple[str | int, ...], build: Any, *args: Any) -> Any:
    """``build(*args)``; a ConfigError it raises is marked with ``where`` (a
    path into the YAML document) so :func:`load_sources` can name the line."""
    try:
        return build(*args)
    except ConfigError as exc:
        exc.where = (*where, *exc.where)
        raise


def _line_of(text: str, where: tuple[str | int, ...]) -> int | None:
    """The 1-based line of the node at ``where`` (mapping keys, list indexes) in a YAML document."""
    try:
        node: Any = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return None
    line = None
    for step in where:
        if isinstance(node, yaml.MappingNode):
            found = [(k, v) for k, v in node.value if getattr(k, "value", None) == step]
            if not found:
                break
            line, node = found[0][0].start_mark.line + 1, found[0][1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(step, int) and step < len(node.value):
            node = node.value[step]
            line = node.start_mark.line + 1
        else:
            break
    return line


def load_sources(path: str | os.PathLike[str]) -> SourcesFile:
    """Read and validate a sources file (YAML). Every error is one line
    naming the file, and the line when it is known."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read sources file {p}: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(f"sources file {p} is not UTF-8 text: {exc.reason}") from exc
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f", line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(f"sources file {p}{at}: not valid YAML: {' '.join(str(problem).split())}") from exc
    try:
        return parse_sources(data, base_dir=p.parent.resolve())
    except ConfigError as exc:
        line = _line_of(text, exc.where)
        raise ConfigError(f"sources file {p}{f', line {line}' if line else ''}: {exc}") from exc


RUNNERS = ("default", "processes", "dask")


@dataclass(frozen=True)
class RunnerSettings:
    """Where extraction runs (docs/scaling.md): in the flow's process
    (``default``), on a pool of local worker processes (``processes``), or
    on a Dask cluster (``dask``). Environment: ``NEWSMILL_TASK_RUNNER``,
    ``NEWSMILL_PROCESSES``, ``NEWSMILL_DASK_ADDRESS``, ``NEWSMILL_DASK_WORKERS``,
    ``NEWSMILL_WORKER_NICENESS``; ``limits``: what one document may cost
    a worker (:class:`LimitSettings`)."""

    kind: str = "default"
    dask_address: str | None = None
    dask_workers: int | None = None
    processes: int | None = None
    worker_niceness: int | None = None
    limits: LimitSettings = field(default_factory=LimitSettings)

    def __post_init__(self) -> None:
        if self.kind not in RUNNERS:
            raise ConfigError(f"NEWSMILL_TASK_RUNNER must be one of {', '.join(RUNNERS)}, got {self.kind!r}")
        if self.dask_workers is not None and self.dask_workers < 1:
            raise ConfigError(f"NEWSMILL_DASK_WORKERS must be >= 1, got {self.dask_workers}")
        if self.processes is not None and self.processes < 1:
            raise ConfigError(f"NEWSMILL_PROCESSES must be >= 1, got {self.processes}")
        if self.worker_niceness is not None and not 0 <= self.worker_niceness <= 19:
            raise ConfigError(f"NEWSMILL_WORKER_NICENESS must be between 0 and 19, got {self.worker_niceness}")

    @classmethod
    def from_env(cls, kind: str | None = None) -> RunnerSettings:
        """From the environment; ``kind``, when given, is the runner unless
        ``NEWSMILL_TASK_RUNNER`` names one (the operator's choice wins)."""
        named = os.environ.get("NEWSMILL_TASK_RUNNER", "").strip()
        return cls(kind=(named or kind or "default").lower(),
                   dask_address=os.environ.get("NEWSMILL_DASK_ADDRESS", "").strip() or None,
                   dask_workers=_count("NEWSMILL_DASK_WORKERS"), processes=_count("NEWSMILL_PROCESSES"),
                   worker_niceness=_count("NEWSMILL_WORKER_NICENESS"), limits=LimitSettings.from_env())

    @property
    def pool_size(self) -> int:
        """Worker processes of the ``processes`` runner."""
        return self.processes or os.cpu_count() or 1

    def describe(self) -> str:
        if self.kind == "default":
            return "in-process"
        if self.kind == "processes":
            return f"{self.pool_size} local worker process(es)"
        if self.dask_address:
            return f"Dask cluster at {self.dask_address}"
        return f"Dask LocalCluster, {self.dask_workers or os.cpu_count() or 1} worker(s)"


def _count(name: str) -> int | None:
    value = os.environ.get(name, "").strip()
    try:
        return int(value) if value else None
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, got {value!r}") from None


@dataclass(frozen=True)
class RunSettings:
    """Everything a run takes from its entry point's parameters and the
    environment, read once there and passed down (nothing below reads the
    environment)."""

    paths: Paths
    dedup: DedupSettings = field(default_factory=DedupSettings)
    runner: RunnerSettings = field(default_factory=RunnerSettings)
    site_overrides: str | None = None  # the operator's site-overrides file (NEWSMILL_SITE_OVERRIDES)

    @classmethod
    def from_env(cls, home: str | os.PathLike[str] | None = None, *, runner: str | None = None) -> RunSettings:
        """``home``: the data directory (else ``NEWSMILL_HOME``); ``runner``:
        the runner when ``NEWSMILL_TASK_RUNNER`` names none."""
        return cls(paths=Paths.resolve(home), dedup=DedupSettings.from_env(), runner=RunnerSettings.from_env(runner),
                   site_overrides=site_overrides_path())


def site_overrides_path() -> str | None:
    """The operator's site-overrides file (``NEWSMILL_SITE_OVERRIDES``), if any."""
    return os.environ.get("NEWSMILL_SITE_OVERRIDES") or None
