"""storage/links.py: clusters are named by their canonical member."""

from __future__ import annotations

from newsmill.storage import Store
from newsmill.storage.links import DedupLinks
from tests.storage.helpers import art


def test_clusters_follow_links_in_the_batch_and_in_the_store(store: Store) -> None:
    x = art(1)
    y = art(2, duplicate_of=x.id, similarity=0.9)
    store.save_batch([x, y])
    a = art(3)
    b = art(4, duplicate_of=a.id)  # a copy of an article earlier in the batch
    c = art(5, duplicate_of=b.id)  # a copy of a copy
    d = art(6, duplicate_of=y.id)  # a copy of a stored copy
    e = art(7, duplicate_of="unknown")  # an original that is not stored
    with store.db.connect() as conn:
        clusters = DedupLinks.clusters(conn, [a, b, c, d, e])
    assert clusters == {a.id: a.id, b.id: a.id, c.id: a.id, d.id: x.id, e.id: "unknown"}
