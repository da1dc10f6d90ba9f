"""kg.store.plans.PlanGate: one first run per statement at a time, a few first runs at once, cold
again after the server went away (real threads; the Neo4j side is tests/infra/test_serve_fault.py)."""

from __future__ import annotations

import threading
import time

import pytest

from kg.store.plans import PlanGate, statement_key


class Probe:
    """A call that records how many runs overlap (per key and in all)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.running: dict[str, int] = {}
        self.max_same = 0
        self.max_all = 0
        self.runs: list[str] = []
        self.spans: list[tuple[float, float]] = []

    def call(self, key: str, seconds: float = 0.05):
        def run() -> str:
            start = time.monotonic()
            with self.lock:
                self.running[key] = self.running.get(key, 0) + 1
                self.max_same = max(self.max_same, self.running[key])
                self.max_all = max(self.max_all, sum(self.running.values()))
            time.sleep(seconds)
            with self.lock:
                self.running[key] -= 1
                self.runs.append(key)
                self.spans.append((start, time.monotonic()))
            return key

        return run


def _together(*targets) -> None:
    threads = [threading.Thread(target=t) for t in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)


def test_plans_first_run_of_a_statement_is_alone_then_runs_are_free():
    gate, probe = PlanGate(), Probe()
    _together(*[lambda: gate.run("q", probe.call("q")) for _ in range(6)])
    first, *rest = sorted(probe.spans)
    assert len(rest) == 5 and all(start >= first[1] for start, _ in rest)  # the others waited for the first
    assert gate.first_runs == 1 and gate.is_warm("q")
    probe.max_same = 0
    _together(*[lambda: gate.run("q", probe.call("q")) for _ in range(6)])  # warm: no lock any more
    assert probe.max_same > 1 and gate.first_runs == 1


def test_plans_limit_first_runs_of_different_statements():
    gate, probe = PlanGate(slots=2), Probe()
    _together(*[lambda k=f"q{i}": gate.run(k, probe.call(k)) for i in range(6)])
    assert sorted(probe.runs) == [f"q{i}" for i in range(6)]
    assert probe.max_all == 2 and gate.first_runs == 6


def test_plans_failed_first_run_stays_cold_and_forget_starts_over():
    gate = PlanGate()

    def fail() -> None:
        raise RuntimeError("server gone")

    with pytest.raises(RuntimeError):
        gate.run("q", fail)
    assert not gate.is_warm("q")
    assert gate.run("q", lambda: 1) == 1 and gate.is_warm("q")
    gate.forget()
    assert not gate.is_warm("q")
    assert gate.run("q", lambda: 2) == 2 and gate.first_runs == 2


def test_plans_forget_during_a_first_run_leaves_it_cold():
    gate = PlanGate()
    assert gate.run("q", gate.forget) is None  # the server went away while it ran
    assert not gate.is_warm("q")


def test_plans_statement_key_is_text_and_parameter_types():
    q = "MATCH (e:Entity) WHERE $kind IS NULL OR e.kind = $kind RETURN e"
    assert statement_key(q, {"kind": "method"}) == statement_key(q, {"kind": "dataset"})
    assert statement_key(q, {"kind": None}) != statement_key(q, {"kind": "method"})
    assert statement_key(q, {"ids": ["a"]}) == statement_key(q, {"ids": ["b", "c"]})
    assert statement_key(q, {"ids": [1]}) != statement_key(q, {"ids": ["a"]})
    assert statement_key(q, {"n": True}) != statement_key(q, {"n": 1})
