"""storage/claims.py: a batch's claims are written in chunked statements,
and a key claimed already (in the store, or earlier in the same batch)
keeps its first location."""

from __future__ import annotations

from newsmill.core.records import ArchiveLocation
from newsmill.storage import Store
from newsmill.storage.archive import Claim
from newsmill.storage.claims import ArchiveRecords


def claim(n: int, offset: int = 0) -> Claim:
    return Claim(f"key-{n:04d}", ArchiveLocation("raw/2026/12/07/part-0.warc.gz", offset or n * 100, 90),
                 f"https://wire.example/{n}")


def test_claims_of_a_batch_larger_than_a_statement_are_all_written_once(store: Store) -> None:
    records = ArchiveRecords(store.db)
    with store.db.begin() as conn:
        ArchiveRecords.insert(conn, [claim(0, offset=7)])
    # 450 claims: three statements; key 0 is claimed already, key 5 comes twice.
    batch = [claim(n) for n in range(450)] + [claim(5, offset=99_999)]
    with store.db.begin() as conn:
        ArchiveRecords.insert(conn, batch)
        ArchiveRecords.insert(conn, [])
    stored = records.all()
    assert len(stored) == 450
    assert stored["key-0000"].endswith("#offset=7&length=90")  # claimed first, kept
    assert stored["key-0005"].endswith("#offset=500&length=90")  # the batch's first claim of it
    assert stored["key-0449"].endswith("#offset=44900&length=90")
    assert records.locations(["key-0123"])["key-0123"] == ArchiveLocation("raw/2026/12/07/part-0.warc.gz", 12300, 90)
