"""The article store (SQL) and the raw archive (WARC)."""

from newsmill.storage.archive import ArchiveWriter, RawArchive
from newsmill.storage.store import SaveResult, Store, open_store

__all__ = ["ArchiveWriter", "RawArchive", "SaveResult", "Store", "open_store"]
