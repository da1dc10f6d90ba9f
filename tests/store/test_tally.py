"""The bulk loader's bounded-memory counter: spilled runs merge to the counts one Counter gives."""

from __future__ import annotations

import random
from collections import Counter

from kg.store.tally import SpillCounter


def test_spilled_counts_merge_to_the_exact_totals_in_key_order(tmp_path):
    rng = random.Random(7)
    names = ["a", "b", "c|d", 'q"uote', "é", "x,y", "tag:method:proposed:"]
    batches = [[(rng.choice(names), rng.choice(names)) for _ in range(rng.randrange(0, 9))] for _ in range(300)]
    truth: Counter = Counter()
    with SpillCounter(tmp_path, limit=5) as counter:
        for keys in batches:
            counter.update(keys)
            truth.update(keys)
        assert len(counter.runs) > 3  # it did spill
        assert len(counter.counts) < 5  # and holds at most the limit in memory
        assert list(counter.items()) == sorted(truth.items())
        runs = list(counter.runs)
    assert runs and not any(p.exists() for p in runs)  # closing removes the runs


def test_without_spilling_it_is_a_counter(tmp_path):
    with SpillCounter(tmp_path) as counter:
        counter.update([("b", "2019"), ("a", "unknown"), ("b", "2019")])
        assert counter.runs == []
        assert list(counter.items()) == [(("a", "unknown"), 1), (("b", "2019"), 2)]
    assert list(tmp_path.iterdir()) == []
