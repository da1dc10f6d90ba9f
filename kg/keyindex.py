"""Compact memory of the keys a long stream has seen: ~16 bytes a key instead of ~150.

Why a module of its own: three places remember every record of a run to drop duplicates — the
reader (:func:`kg.read.iter_papers`: id, folded title, DOI, arXiv id of each paper), the bulk loader
(each paper id) and the scale-out loader (:func:`kg.scaleout.load.read_extractions`). Kept in Python
``dict``/``set`` objects those keys cost 100–500 bytes a paper, which at a million papers is most of
an ingest's memory (measured: the reader's dict grew the ingest parent by ≈ 0.5 KB a paper, 500 MB at
1M). :class:`KeyIndex` keeps a 64-bit BLAKE2b digest and a 64-bit value per key in sorted numpy
arrays, with the newest keys in a small dict merged in as it fills; freeing it hands the arrays back
to the operating system at once (they are single large allocations, not pymalloc arenas).

Two different keys with the same 64-bit digest count as one: at 10 million keys the odds of any such
pair are about 3 in a million, and the effect is one record reported (not silently lost) as a
duplicate.

Example::

    from kg.keyindex import KeyIndex

    seen = KeyIndex()
    assert seen.claim(["arxiv:1706.03762", "doi:10.1/x"], 7) is None   # new: 7 stored under both
    assert seen.claim(["title:other", "doi:10.1/x"], 8) == (1, 7)       # key 1 was seen, as record 7
    assert seen.get("arxiv:1706.03762") == 7 and "title:other" not in seen
"""

from __future__ import annotations

import hashlib
from array import array
from collections.abc import Sequence

import numpy as np

__all__ = ["KeyIndex", "RecordLog", "digest"]


def digest(key: str | bytes) -> int:
    """The 64-bit BLAKE2b digest of ``key`` (UTF-8 for ``str``) as an unsigned int."""
    raw = key.encode("utf-8", "surrogatepass") if isinstance(key, str) else key
    return int.from_bytes(hashlib.blake2b(raw, digest_size=8).digest(), "little")


class KeyIndex:
    """A map from keys (``str`` or ``bytes``) to unsigned 64-bit values in ~16 bytes a key.

    A record with several keys (id, DOI, folded title, …) claims all of them at once
    (:meth:`claim`): the first record to claim a key keeps it, which is what "the first record wins"
    needs. Deterministic: the same keys in the same order give the same answers in every run.

    Args:
        recent: keys kept in a dict before they are merged into the sorted arrays (the dict grows to
            ``max(recent, len(self) // 8)``, so merging costs O(total) copies over a whole run).
    """

    def __init__(self, recent: int = 65536) -> None:
        self._min_recent = max(1, int(recent))
        self._keys = np.empty(0, dtype=np.uint64)
        self._values = np.empty(0, dtype=np.uint64)
        self._recent: dict[int, int] = {}

    def __len__(self) -> int:
        return len(self._keys) + len(self._recent)

    def __contains__(self, key: str | bytes) -> bool:
        return self._find(digest(key)) is not None

    def get(self, key: str | bytes) -> int | None:
        """The value stored for ``key``, or None."""
        return self._find(digest(key))

    def claim(self, keys: Sequence[str | bytes], value: int = 0) -> tuple[int, int] | None:
        """Store ``value`` under every key of ``keys`` unless one of them is already there.

        Returns:
            None when every key was new (all now hold ``value``); else ``(i, stored)`` for the first
            key already present, ``keys[i]``, and the value stored for it — nothing is stored then.
            Each key is digested and looked up once.
        """
        digests = [digest(k) for k in keys]
        for i, h in enumerate(digests):
            found = self._find(h)
            if found is not None:
                return i, found
        for h in digests:
            self._recent.setdefault(h, value)  # a key repeated within ``keys`` is stored once
        if len(self._recent) >= max(self._min_recent, len(self._keys) >> 3):
            self._merge()
        return None

    def _find(self, h: int) -> int | None:
        value = self._recent.get(h)
        if value is not None:
            return value
        keys = self._keys
        if len(keys):
            i = int(keys.searchsorted(np.uint64(h)))
            if i < len(keys) and int(keys[i]) == h:
                return int(self._values[i])
        return None

    def _merge(self) -> None:
        n = len(self._recent)
        new_keys = np.fromiter(self._recent.keys(), dtype=np.uint64, count=n)
        new_values = np.fromiter(self._recent.values(), dtype=np.uint64, count=n)
        order = np.argsort(new_keys, kind="stable")
        new_keys, new_values = new_keys[order], new_values[order]
        at = self._keys.searchsorted(new_keys)
        self._keys = np.insert(self._keys, at, new_keys)
        self._values = np.insert(self._values, at, new_values)
        self._recent = {}


class RecordLog:
    """Where each record of a stream came from — its id and ``file:line`` source — in ~30 bytes a
    record plus the id's own bytes (file names are stored once). Appending returns the record's
    number, a :class:`KeyIndex` value."""

    def __init__(self) -> None:
        self._ids = bytearray()
        self._ends = array("Q")
        self._lines = array("q")
        self._files = array("L")
        self._names: list[str] = []
        self._name_ix: dict[str, int] = {}

    def __len__(self) -> int:
        return len(self._ends)

    def append(self, record_id: str, source: str | None) -> int:
        """Remember one record; its number (0, 1, …)."""
        name, line = source or "", -1
        head, sep, tail = name.rpartition(":")
        if sep and tail.isdigit():
            name, line = head, int(tail)
        ix = self._name_ix.get(name)
        if ix is None:
            ix = self._name_ix[name] = len(self._names)
            self._names.append(name)
        self._ids += record_id.encode("utf-8", "surrogatepass")
        self._ends.append(len(self._ids))
        self._lines.append(line)
        self._files.append(ix)
        return len(self._ends) - 1

    def __getitem__(self, n: int) -> tuple[str, str | None]:
        """``(id, source)`` of record ``n``, the source as given to :meth:`append` (None stays None
        only when it was None or empty)."""
        start = self._ends[n - 1] if n else 0
        record_id = self._ids[start:self._ends[n]].decode("utf-8", "surrogatepass")
        name, line = self._names[self._files[n]], self._lines[n]
        source = f"{name}:{line}" if line >= 0 else name
        return record_id, source or None
