"""kg.keyindex: the compact key memory behind duplicate detection in long streams."""

from __future__ import annotations

import random

import pytest

from kg.keyindex import KeyIndex, RecordLog


def claim_in(model: dict, keys: list, value: int) -> tuple[int, int] | None:
    """What KeyIndex.claim must do, on a dict of the keys themselves."""
    for i, k in enumerate(keys):
        if k in model:
            return i, model[k]
    for k in keys:
        model.setdefault(k, value)
    return None


@pytest.mark.parametrize("recent", [1, 3, 65536])
def test_key_index_claims_as_a_dict_would_whatever_merges_happened(recent: int) -> None:
    rng = random.Random(7)
    index, model = KeyIndex(recent=recent), {}
    outcomes = []
    for n in range(4000):  # records of 1-3 keys from a small space: many repeats, some within a record
        keys = [f"k{rng.randrange(6000)}" for _ in range(rng.randint(1, 3))]
        got = index.claim(keys, n)
        assert got == claim_in(model, keys, n)  # the first record to claim a key keeps it
        outcomes.append(got is None)
    assert 0 < sum(outcomes) < len(outcomes)  # both new records and duplicates happened
    assert len(index) == len(model)
    for k in {f"k{i}" for i in range(6000)}:
        assert index.get(k) == model.get(k)
        assert (k in index) == (k in model)


def test_a_duplicate_stores_nothing_and_bytes_keys_work() -> None:
    index = KeyIndex(recent=2)
    assert index.claim([b"i\x00paper", "x"], 1) is None and index.claim(["y"], 2) is None
    assert index.claim(["z", "x"], 3) == (1, 1)  # "x" was record 1's
    assert "z" not in index and len(index) == 3  # the duplicate's new key "z" was not stored
    assert index.claim([b"i\x00paper"]) == (0, 1) and index.claim([]) is None


def test_large_values_round_trip() -> None:
    index = KeyIndex(recent=1)
    index.claim(["big"], 2**64 - 1)
    index.claim(["other"], 5)
    assert index.get("big") == 2**64 - 1 and index.get("other") == 5


def test_record_log_gives_back_id_and_source() -> None:
    log = RecordLog()
    rows = [("arxiv:1706.03762", "data/a.jsonl:3"), ("é-id", "data/a.jsonl:10"), ("p", None),
            ("q", "stdin"), ("r", "C:/x.csv:7")]
    numbers = [log.append(i, s) for i, s in rows]
    assert numbers == list(range(len(rows))) and len(log) == len(rows)
    assert [log[n] for n in numbers] == rows
