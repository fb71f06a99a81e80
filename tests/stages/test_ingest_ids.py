"""The compact id index behind duplicate detection behaves like a first-wins dict."""

from __future__ import annotations

import random
import sys

from voc_pipeline.stages._ingest.ids import HashIndex, id_hash
from voc_pipeline.stages.ingest import SeenIds


def test_id_hash_parts_are_unambiguous():
    assert id_hash("a", "bc") != id_hash("ab", "c")
    assert id_hash(None, "x") != id_hash("None", "x") != id_hash("", "x")
    assert id_hash("2026-W47", "C1") == id_hash("2026-W47", "C1")
    assert 0 <= id_hash("x") < 2**64


def test_hash_index_matches_a_first_wins_dict_across_merges():
    rng = random.Random(7)
    index, reference = HashIndex(merge_every=50), {}
    ids = [f"R{rng.randrange(3000)}" for _ in range(5000)]   # many repeats, many merges
    for row, source_id in enumerate(ids):
        key = id_hash(source_id)
        expected = reference.get(source_id)
        assert index.get(key) == expected
        assert (key in index) == (expected is not None)
        index.add(key, row % 3, row)
        reference.setdefault(source_id, (row % 3, row))
    assert len(index) == len(reference)
    assert all(index.get(id_hash(k)) == v for k, v in reference.items())
    assert index.get(id_hash("never added")) is None


def test_seen_ids_names_the_first_file_and_row():
    seen = SeenIds()
    seen.add("2026-W47", "C1", "mon.csv", 2)
    seen.add("2026-W47", "C1", "tue.csv", 5)          # later: ignored
    seen.add("2026-W46", "C1", "tue.csv", 6)          # another period: its own entry
    seen.add(None, "C1", "undated.csv", 9)
    assert seen.first("2026-W47", "C1") == ("mon.csv", 2)
    assert seen.first("2026-W46", "C1") == ("tue.csv", 6)
    assert seen.first(None, "C1") == ("undated.csv", 9)
    assert seen.first("2026-W48", "C1") is None
    assert len(seen) == 3


def test_seen_ids_stays_compact():
    seen = SeenIds()
    n = 200_000
    for i in range(n):
        seen.add("2026-W47", f"R{i:08d}", "reviews.csv", i + 2)
    arrays = seen._first._keys.nbytes + seen._first._files.nbytes + seen._first._rows.nbytes
    pending = sys.getsizeof(seen._first._pending)
    assert len(seen) == n
    assert (arrays + pending) / n < 40    # a dict of (period, id) -> (file, row) tuples is ~250 bytes per id
    assert seen.first("2026-W47", f"R{n - 1:08d}") == ("reviews.csv", n + 1)


def test_hash_index_of_keys_only_is_a_set():
    index = HashIndex(merge_every=3, values=False)
    for i in range(10):
        index.add(id_hash(f"C{i % 7}"), 5, i)
    assert len(index) == 7
    assert all(id_hash(f"C{i}") in index for i in range(7))
    assert id_hash("C7") not in index and index.get(id_hash("C7")) is None
    assert index._files is None and index._keys.nbytes == 8 * len(index._keys)
