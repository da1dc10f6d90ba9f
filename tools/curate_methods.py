#!/usr/bin/env python3
"""Rebuild ``data/vocab/methods.jsonl`` (the curated methods vocabulary) from the shared gazetteers.

Why a script: the vocabulary is derived data. Papers with Code and SciREX name lists are raw material
(generic words such as "Convolution", acronyms that collide with English such as "BASE", noisy SciREX
surface forms); the pruning and the hand-written additions must be reproducible and reviewable, so the
whole curation lives here and in two data files:

* ``tools/method_extra.txt`` — hand-curated families in gold style (diffusion models, score matching,
  conformal prediction, ...). They win every collision and are never pruned.
* ``tools/method_stop.txt`` — names never kept as aliases.

An alias written ``?ACR`` in ``method_extra.txt`` is *guarded*: a short acronym that is also common
for other things ("CP", "DP", "SAM", "LM"). It is stored under ``guarded`` and only counts in a paper
that also names the method in full (or defines the acronym itself).

Rules applied to gazetteer names (never to the hand-curated ones):

* a single-word alias that is a common English word (spaCy's English lexeme probability > -15.5) is
  dropped ("Attention", "Adapter", "BASE", "AWARE");
* aliases of two characters or less, aliases with no letter, and SciREX names longer than five words or
  with digits-first model sizes ("300D LSTM encoders") are dropped;
* PwC methods used by fewer than ``--min-papers`` papers are skipped (long tail of one-off names).

Entities that share a folded alias are merged (hand-curated first, then PwC by popularity, then SciREX).

Usage::

    .venv/bin/python tools/curate_methods.py [--gazetteers /work/shared/gazetteers] [--out data/vocab/methods.jsonl]

The output is deterministic (sorted by id). Adapted gazetteer names stay CC BY-SA 4.0 (Papers with Code) /
Apache-2.0 (SciREX); see data/NOTICE.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kg.models import fold, slug  # noqa: E402

VOCAB = ROOT / "data" / "vocab"
HERE = Path(__file__).resolve().parent  # the curation inputs (not runtime data: they stay out of the wheel)
COMMON_WORD_LOGPROB = -15.5


def _common_words() -> dict[str, float]:
    """English word log-probabilities from spacy-lookups-data (installed with the [test] extra)."""
    try:
        import spacy_lookups_data
    except ImportError:  # pragma: no cover - curation needs the lookups package
        sys.exit("tools/curate_methods.py needs spacy-lookups-data: pip install spacy-lookups-data")
    path = Path(spacy_lookups_data.__file__).parent / "data" / "en_lexeme_prob.json.gz"
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        return json.load(fh)


def read_extra(path: Path) -> list[dict]:
    """Parse ``method_extra.txt``: ``name | alias | ... ; category`` per line."""
    out = []
    for n, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        body, _, category = line.partition(" ; ")
        names = [x.strip() for x in body.split(" | ") if x.strip()]
        if not names or names[0].startswith("?"):
            sys.exit(f"{path}:{n}: empty entry or guarded name")
        out.append({"name": names[0], "aliases": [x for x in names[1:] if not x.startswith("?")],
                    "guarded": [x[1:] for x in names[1:] if x.startswith("?")],
                    "category": category.strip() or None, "source": "curated"})
    return out


def read_stop(path: Path) -> set[str]:
    """Folded names that are never kept as aliases."""
    return {fold(x.strip()) for x in path.read_text(encoding="utf-8").splitlines()
            if x.strip() and not x.startswith("#")}


def _clean(alias: str) -> str:
    alias = re.sub(r"\s+", " ", alias.replace(" - ", "-")).strip()
    return alias.rstrip(".")


def keep_alias(alias: str, stop: set[str], probs: dict[str, float]) -> bool:
    """Whether a gazetteer alias is specific enough to be matched in abstracts."""
    if len(alias) <= 2 or not re.search(r"[A-Za-z]", alias) or fold(alias) in stop:
        return False
    if " " not in alias and probs.get(alias.lower(), -99.0) > COMMON_WORD_LOGPROB:
        return False
    return True


def read_pwc(path: Path, min_papers: int) -> list[dict]:
    rows = []
    with path.open(encoding="utf-8") as fh:
        for r in csv.DictReader(fh, delimiter="\t"):
            try:
                n = int(r.get("num_papers") or 0)
            except ValueError:
                n = 0
            if n < min_papers:
                continue
            names = [_clean(r["name"])]
            if r.get("full_name") and _clean(r["full_name"]) not in names:
                names.append(_clean(r["full_name"]))
            cat = (r.get("collections") or "").split(";")[0].strip() or None
            rows.append({"names": names, "category": cat, "source": "pwc", "n": n})
    rows.sort(key=lambda r: -r["n"])
    return rows


def read_scirex(path: Path) -> list[dict]:
    rows = []
    with path.open(encoding="utf-8") as fh:
        for r in csv.DictReader(fh, delimiter="\t"):
            if r.get("scirex_type") != "Method":
                continue
            name = _clean(r["name"])
            if re.match(r"^\d", name) or len(name.split()) > 5 or re.search(r"[^\w\s\-+.']", name):
                continue
            rows.append({"names": [name], "category": None, "source": "scirex", "n": int(r["n_docs"] or 0)})
    rows.sort(key=lambda r: -r["n"])
    return rows


def curate(gazetteers: Path, min_papers: int = 3) -> list[dict]:
    """Build the vocabulary entries (dicts with id, name, aliases, category, sources)."""
    stop = read_stop(HERE / "method_stop.txt")
    probs = _common_words()
    entities: list[dict] = []
    by_key: dict[str, dict] = {}

    def add(names: list[str], category: str | None, source: str, curated: bool,
            guarded: tuple[str, ...] = ()) -> None:
        kept = [a for a in names if curated or keep_alias(a, stop, probs)]
        if not kept:
            return
        # a hand-curated entry is its own entity (an alias colliding with another one is skipped);
        # a gazetteer row joins the first entity any of its names already belongs to
        probe = kept[:1] if curated else kept
        target = next((by_key[fold(a)] for a in probe if fold(a) in by_key), None)
        if target is None:
            target = {"id": f"method:{slug(kept[0])}", "name": kept[0], "aliases": [],
                      "category": category, "sources": [], "guarded": []}
            entities.append(target)
        for a in guarded:  # a guarded acronym also blocks gazetteer rows from reusing it bare
            by_key.setdefault(fold(a), target)
            target["guarded"].append(a)
        for a in kept:
            if not fold(a):
                continue
            if fold(a) not in by_key:
                by_key[fold(a)] = target
                if a != target["name"]:
                    target["aliases"].append(a)
            elif by_key[fold(a)] is target and a.lower() not in {x.lower() for x in
                                                                  [target["name"], *target["aliases"]]}:
                # same folded key, different tokens ("least-squares" vs "least squares"): both match
                if curated or is_cased(a, probs):
                    target["aliases"].append(a)
        if source not in target["sources"]:
            target["sources"].append(source)
        target["category"] = target["category"] or category

    for e in read_extra(HERE / "method_extra.txt"):
        add([e["name"], *e["aliases"]], e["category"], "curated", True, tuple(e["guarded"]))
    for r in read_pwc(gazetteers / "ml_methods_pwc.tsv", min_papers):
        add(r["names"], r["category"], "pwc", False)
    for r in read_scirex(gazetteers / "scirex_salient_entities.tsv"):
        add(r["names"], None, "scirex", False)

    seen: set[str] = set()
    out = []
    for e in sorted(entities, key=lambda e: e["id"]):
        if e["id"] in seen:  # two names slugging alike: keep the first, it already holds the aliases
            continue
        seen.add(e["id"])
        names = [e["name"], *e["aliases"]]
        cased = [a for a in names if is_cased(a, probs)]
        row = {"id": e["id"], "kind": "method", "name": e["name"],
               "aliases": [a for a in e["aliases"] if a not in cased], "cased": cased,
               "category": e["category"], "sources": e["sources"]}
        if e["guarded"]:
            row["guarded"] = e["guarded"]
        out.append(row)
    return out


def is_cased(alias: str, probs: dict[str, float]) -> bool:
    """Whether an alias must match exactly as written (see kg/extract/vocab.py ``cased``): one word with
    capitals that is an acronym ("SGD", "MoE", "ParVI") or whose lower-case form is an English word
    ("Adam", "Glow", "Prospect")."""
    if " " in alias or alias.islower():
        return False
    letters = [c for c in alias if c.isalpha()]
    upper = sum(c.isupper() for c in letters)
    if upper >= 2 and upper * 2 >= len(letters):
        return True
    return "-" not in alias and probs.get(alias.lower(), -99.0) > COMMON_WORD_LOGPROB


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--gazetteers", type=Path, default=Path("/work/shared/gazetteers"))
    ap.add_argument("--out", type=Path, default=VOCAB / "methods.jsonl")
    ap.add_argument("--min-papers", type=int, default=3)
    args = ap.parse_args(argv)
    entries = curate(args.gazetteers, args.min_papers)
    tmp = args.out.with_suffix(".tmp")
    with tmp.open("w", encoding="utf-8") as fh:
        for e in entries:
            fh.write(json.dumps(e, ensure_ascii=False, sort_keys=True) + "\n")
    tmp.replace(args.out)
    print(f"wrote {len(entries)} methods to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
