"""A compact first-seen index of ids: 64-bit key hashes in sorted numpy arrays.

Duplicate detection must remember every id of a run (a million ids for a million records). A
Python ``set``/``dict`` of strings costs ~100-250 bytes per id; this costs 20 bytes (key hash,
file number, row), or 8 for a plain set of keys. New ids wait in a small dict and are merged
into the sorted arrays every ``merge_every`` additions, so lookups stay ``O(log n)`` and memory
stays flat per id.

Keys are the first 8 bytes of blake2b over the id's (length-prefixed) parts (deterministic
across runs). Two different ids share a hash with probability ~ n^2 / 2^65 (3e-8 for a million
ids per period and source); such a pair would be reported as a duplicate.
"""

from __future__ import annotations

import hashlib

import numpy as np


def id_hash(*parts: str | None) -> int:
    """The 64-bit key of an id made of ``parts``. The parts are length-prefixed, so different
    part tuples never give the same text (``None`` is distinct from every string)."""
    text = "".join("-" if p is None else f"{len(p)}:{p}" for p in parts)
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=8).digest(), "little")


class HashIndex:
    """key hash -> (file number, row) of the first time it was added; later adds of a key are ignored.

    ``values=False`` keeps the keys only (8 bytes per id): a set, ``get`` answers ``(0, 0)``."""

    def __init__(self, merge_every: int = 8192, values: bool = True) -> None:
        self._keys = np.empty(0, dtype=np.uint64)
        self._files = np.empty(0, dtype=np.int32) if values else None
        self._rows = np.empty(0, dtype=np.int64) if values else None
        self._pending: dict[int, tuple[int, int]] = {}
        self._merge_every = merge_every

    def __len__(self) -> int:
        return len(self._keys) + len(self._pending)

    def get(self, key: int) -> tuple[int, int] | None:
        hit = self._pending.get(key)
        if hit is not None:
            return hit
        keys = self._keys
        if not len(keys):
            return None
        i = int(keys.searchsorted(np.uint64(key)))   # the method: np.searchsorted's wrapper costs ~2x
        if i < len(keys) and int(keys[i]) == key:
            return (int(self._files[i]), int(self._rows[i])) if self._files is not None else (0, 0)
        return None

    def __contains__(self, key: int) -> bool:
        return self.get(key) is not None

    def add(self, key: int, file: int = 0, row: int = 0) -> None:
        if self.get(key) is not None:
            return
        self._pending[key] = (file, row)
        if len(self._pending) >= self._merge_every:
            self._merge()

    def _merge(self) -> None:
        if not self._pending:
            return
        keys = np.fromiter(self._pending.keys(), dtype=np.uint64, count=len(self._pending))
        order = np.argsort(keys)
        at = np.searchsorted(self._keys, keys[order])   # pending keys are never in the arrays (add checks)
        self._keys = np.insert(self._keys, at, keys[order])
        if self._files is not None:
            values = np.array(list(self._pending.values()), dtype=np.int64).reshape(-1, 2)[order]
            self._files = np.insert(self._files, at, values[:, 0].astype(np.int32))
            self._rows = np.insert(self._rows, at, values[:, 1])
        self._pending = {}
