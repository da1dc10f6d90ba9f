"""Benchmark: full extraction vs a bare ``spacy.blank("en")`` tokenizer over the same texts.

Prints, for the seed repeated (default 10×, 2,240 papers) and for the 530-abstract CC BY corpus
(read by splitting on "\\n" only), the median over repeats of abstracts/s for both, and the ratio
full/bare (target ≥ 0.35×), and checks that two runs give identical JSON. Run from the repo root::

    .venv/bin/python bench/extract.py [--repeats 5] [--seed-times 10] [--corpus PATH]

Times are CPU seconds of this process (``time.process_time``): the machine is shared, and wall
time there mostly measures the other processes. Not a test: speed is measured here, never asserted
in timed tests.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import spacy

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kg.extract import extract  # noqa: E402
from kg.extract.pipeline import get_nlp  # noqa: E402
from kg.models import Paper  # noqa: E402
from kg.read import read_papers  # noqa: E402


def _corpus(path: Path) -> list[Paper]:
    papers = []
    for i, line in enumerate(path.read_text(encoding="utf-8").split("\n")):
        if line.strip():
            r = json.loads(line)
            papers.append(Paper(id=str(r.get("id", i)), title=r["title"], abstract=r["abstract"]))
    return papers


def _time(fn, repeats: int) -> list[float]:
    out = []
    for _ in range(repeats):
        t0 = time.process_time()
        fn()
        out.append(time.process_time() - t0)
    return out


def bench(name: str, papers: list[Paper], repeats: int) -> float:
    """Time both over ``papers``; print medians and the ratio; return the ratio."""
    bare = spacy.blank("en")
    texts = [t for p in papers for t in (p.title, p.abstract)]
    list(bare.pipe(texts[:50]))  # warm up
    list(extract(papers[:20]))
    t_bare = statistics.median(_time(lambda: list(bare.pipe(texts, batch_size=128)), repeats))
    t_full = statistics.median(_time(lambda: list(extract(papers, batch_size=64)), repeats))
    n = len(papers)
    ratio = (n / t_full) / (n / t_bare)
    print(f"{name:28s} {n:6d} abstracts | bare tokenizer {n / t_bare:9.0f}/s (median {t_bare:.3f}s) | "
          f"full extraction {n / t_full:7.0f}/s (median {t_full:.3f}s) | ratio {ratio:.2f}x "
          f"({'meets' if ratio >= 0.35 else 'BELOW'} the 0.35x target)")
    return ratio


def stages(papers: list[Paper], repeats: int) -> None:
    """Median milliseconds per paper of each stage, to show where the time goes."""
    from kg.extract import contexts
    from kg.extract.claims import find_claims
    from kg.extract.datasets import find_datasets
    from kg.extract.divergences import find_divergences

    try:
        from kg.extract.methods import find_methods
    except ImportError:  # the methods module has not landed
        find_methods = None
    ctxs = list(contexts(papers))
    parts = {
        "normalize+pipeline+context": lambda: list(contexts(papers)),
        "divergences": lambda: [find_divergences(c) for c in ctxs],
        "datasets": lambda: [find_datasets(c) for c in ctxs],
        "claims": lambda: [find_claims(c, []) for c in ctxs],
    }
    if find_methods is not None:
        parts["methods"] = lambda: [find_methods(c, []) for c in ctxs]
    row = [f"{name} {1000 * statistics.median(_time(fn, repeats)) / len(papers):.2f}" for name, fn in parts.items()]
    print("stages, ms/paper (median): " + " | ".join(row))


def determinism(papers: list[Paper]) -> bool:
    """Extract twice (different batch sizes) and compare the JSON byte for byte; print its digest."""
    import hashlib

    def dump(batch_size: int) -> bytes:
        rows = (json.dumps(x.to_gold(), sort_keys=True, ensure_ascii=False)
                for x in extract(papers, batch_size=batch_size))
        return "\n".join(rows).encode("utf-8")

    first, second = dump(64), dump(7)
    same = first == second
    print(f"deterministic: {'yes' if same else 'NO'} (two runs, {len(papers)} papers, "
          f"sha256 {hashlib.sha256(first).hexdigest()[:16]})")
    return same


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--seed-times", type=int, default=10)
    ap.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpora" / "ml-abstracts-ccby.jsonl")
    args = ap.parse_args()
    t0 = time.perf_counter()
    get_nlp()
    print(f"pipeline build (once per process): {time.perf_counter() - t0:.2f}s; repeats={args.repeats}, medians")
    seed = read_papers(ROOT / "data" / "seed" / "papers.jsonl").papers
    ratios = [bench(f"seed x{args.seed_times}", seed * args.seed_times, args.repeats)]
    stages(seed, args.repeats)
    if args.corpus.exists():
        ratios.append(bench("ml-abstracts-ccby (530)", _corpus(args.corpus), args.repeats))
    else:
        print(f"corpus not found at {args.corpus}: skipped")
    print(f"worst ratio {min(ratios):.2f}x (target >= 0.35x)")
    determinism(seed)


if __name__ == "__main__":
    main()
