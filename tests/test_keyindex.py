"""kg.keyindex: the compact key memory behind duplicate detection in long streams."""

from __future__ import annotations

import random

import pytest

from kg.keyindex import KeyIndex, RecordLog


@pytest.mark.parametrize("recent", [1, 3, 65536])
def test_key_index_answers_as_a_dict_whatever_merges_happened(recent: int) -> None:
    rng = random.Random(7)
    keys = [f"k{rng.randrange(5000)}" for _ in range(4000)]  # many repeats
    index, model = KeyIndex(recent=recent), {}
    for n, k in enumerate(keys):
        assert index.setdefault(k, n) == model.setdefault(k, n)  # the first value stays
    assert len(index) == len(model)
    for k in {f"k{i}" for i in range(5000)}:
        assert index.get(k) == model.get(k)
        assert (k in index) == (k in model)


def test_add_tells_whether_a_key_was_new_and_bytes_keys_work() -> None:
    index = KeyIndex(recent=2)
    assert index.add(b"i\x00paper") and index.add("x") and index.add("y")
    assert not index.add(b"i\x00paper") and not index.add("x")
    assert "y" in index and b"z" not in index and len(index) == 3


def test_large_values_round_trip() -> None:
    index = KeyIndex(recent=1)
    index.setdefault("big", 2**64 - 1)
    index.setdefault("other", 5)
    assert index.get("big") == 2**64 - 1 and index.get("other") == 5


def test_record_log_gives_back_id_and_source() -> None:
    log = RecordLog()
    rows = [("arxiv:1706.03762", "data/a.jsonl:3"), ("é-id", "data/a.jsonl:10"), ("p", None),
            ("q", "stdin"), ("r", "C:/x.csv:7")]
    numbers = [log.append(i, s) for i, s in rows]
    assert numbers == list(range(len(rows))) and len(log) == len(rows)
    assert [log[n] for n in numbers] == rows
