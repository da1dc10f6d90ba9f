"""Scoring extraction against gold annotations: P/R/F1 per kind and precision per rule id.

The matching is exactly that of ``shared/tools/score.py`` (the yardstick the project is judged by):
predictions join gold by id, else by normalized title; per paper and kind, a predicted entity matches
an unused gold entity when their normalized names match or any normalized mention of one equals a
normalized mention or name of the other; claims match on normalized sentence text (≥ 0.8 token
overlap). On top, every matched/unmatched prediction is credited to the rule ids in its evidence, so
a rule change shows up as a per-rule score change, and method role accuracy is reported on matches.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable
from pathlib import Path

from pydantic import BaseModel

from kg.errors import InputError
from kg.models import Extraction

KINDS = ("divergences", "methods", "datasets", "claims")


class KindScore(BaseModel):
    """True/false positives, false negatives and P/R/F1 (rounded to 3 places like score.py)."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    precision: float = 0.0
    recall: float = 0.0
    f1: float = 0.0


class RuleScore(BaseModel):
    """How often the predictions a rule contributed to were right."""

    kind: str
    rule: str
    tp: int = 0
    fp: int = 0
    precision: float = 0.0


class EvalReport(BaseModel):
    """Everything ``kg eval`` prints."""

    gold_papers: int
    predicted_papers: int
    missing: list[str]
    kinds: dict[str, KindScore]
    role_accuracy: float | None = None
    roles_matched: int = 0
    claim_type_accuracy: float | None = None
    claims_matched: int = 0
    rules: list[RuleScore]


# --- the matching of score.py --------------------------------------------------------------------

def norm(s: str) -> str:
    """score.py's normalization of a name or mention."""
    s = unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode()
    s = s.lower().replace("–", "-").replace("—", "-")
    s = re.sub(r"[\s_\-]+", " ", s)
    s = re.sub(r"[^a-z0-9 ]", "", s).strip()
    for suf in ("es", "s"):
        if s.endswith(suf) and len(s) > 4:
            s = s[: -len(suf)]
            break
    return s


def _keys(ent) -> set[str]:
    if isinstance(ent, str):
        return {norm(ent)}
    out = {norm(ent.get("name", ""))}
    out |= {norm(m) for m in ent.get("mentions", []) or []}
    out.discard("")
    return out


def _toks(s: str) -> set[str]:
    return set(re.findall(r"[a-z0-9]+", s.lower()))


def claim_match(a: str, b: str) -> bool:
    """score.py: same normalized sentence, or ≥ 0.8 token overlap."""
    ta, tb = _toks(a), _toks(b)
    if not ta or not tb:
        return False
    return len(ta & tb) / max(len(ta), len(tb)) >= 0.8


def title_key(t: str | None) -> str:
    return re.sub(r"[^a-z0-9]", "", unicodedata.normalize("NFKD", t or "").lower())


def _prf(tp: int, fp: int, fn: int) -> KindScore:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return KindScore(tp=tp, fp=fp, fn=fn, precision=round(p, 3), recall=round(r, 3), f1=round(f, 3))


def match_kind(kind: str, gold_items: list, pred_items: list) -> list[int | None]:
    """For each predicted item, the index of the gold item it matched (None: a false positive)."""
    used: set[int] = set()
    out: list[int | None] = []
    if kind == "claims":
        gs = [c["sentence"] if isinstance(c, dict) else c for c in gold_items]
        for c in pred_items:
            s = c["sentence"] if isinstance(c, dict) else c
            j = next((j for j, t in enumerate(gs) if j not in used and claim_match(s, t)), None)
            if j is not None:
                used.add(j)
            out.append(j)
        return out
    gk = [_keys(e) for e in gold_items]
    for e in pred_items:
        k = _keys(e)
        j = next((j for j, t in enumerate(gk) if j not in used and k & t), None)
        if j is not None:
            used.add(j)
        out.append(j)
    return out


def _rules_of(kind: str, item: dict, evidence: dict, extraction_rules: dict) -> list[str]:
    if kind == "claims":
        return [item.get("rule", "?")]
    return sorted(extraction_rules.get((kind, item.get("name")), ["?"]))


def score(gold: dict[str, dict], pred: dict[str, dict],
          rules: dict[str, dict] | None = None) -> EvalReport:
    """Score predictions (gold-shaped records keyed by gold id) against gold records.

    ``rules`` optionally maps paper id → {(kind, name) or ("claims", sentence): [rule ids]} for the
    per-rule table.
    """
    kinds: dict[str, KindScore] = {}
    per_rule: dict[tuple[str, str], list[int]] = {}
    role_ok = role_n = type_ok = type_n = 0
    for kind in KINDS:
        tp = fp = fn = 0
        for pid, g in gold.items():
            p = pred.get(pid, {})
            gl = list(g.get(kind, []) or [])
            pl = list(p.get(kind, []) or [])
            matches = match_kind(kind, gl, pl)
            for item, j in zip(pl, matches, strict=True):
                if j is None:
                    fp += 1
                else:
                    tp += 1
                    if kind == "methods" and isinstance(item, dict) and isinstance(gl[j], dict):
                        role_n += 1
                        role_ok += item.get("role") == gl[j].get("role")
                    if kind == "claims" and isinstance(item, dict) and isinstance(gl[j], dict):
                        type_n += 1
                        type_ok += item.get("type") == gl[j].get("type")
                key = (kind, item["sentence"] if kind == "claims" else item.get("name")) \
                    if isinstance(item, dict) else (kind, item)
                for rule in ((rules or {}).get(pid, {}).get(key) or ["?"]):
                    counts = per_rule.setdefault((kind, rule), [0, 0])
                    counts[0 if j is not None else 1] += 1
            fn += len(gl) - sum(1 for j in matches if j is not None)
        kinds[kind] = _prf(tp, fp, fn)
    rule_rows = [
        RuleScore(kind=k, rule=r, tp=c[0], fp=c[1], precision=round(c[0] / (c[0] + c[1]), 3))
        for (k, r), c in sorted(per_rule.items())
    ]
    return EvalReport(
        gold_papers=len(gold),
        predicted_papers=sum(1 for k in gold if k in pred),
        missing=[k for k in gold if k not in pred],
        kinds=kinds,
        role_accuracy=round(role_ok / role_n, 3) if role_n else None,
        roles_matched=role_n,
        claim_type_accuracy=round(type_ok / type_n, 3) if type_n else None,
        claims_matched=type_n,
        rules=rule_rows,
    )


# --- files and extractions -----------------------------------------------------------------------

def load_gold(path: str | Path) -> dict[str, dict]:
    """Gold records by id from a JSONL file; raises :class:`InputError` if it cannot be read."""
    path = Path(path)
    out: dict[str, dict] = {}
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read gold file {path}: {exc}") from None
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
            out[rec["id"]] = rec
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise InputError(f"{path}:{n}: not a gold record: {exc}") from None
        problem = _gold_problem(rec)
        if problem:
            raise InputError(f"{path}:{n}: not a gold record: {problem}")
    return out


def _gold_problem(rec: dict) -> str | None:
    """What is wrong with a gold record's shape (see data/gold/GUIDELINE.md), or None."""
    for kind in ("divergences", "methods", "datasets", "claims"):
        items = rec.get(kind, [])
        if not isinstance(items, list):
            return f"'{kind}' must be a list, got {type(items).__name__}"
        key = "sentence" if kind == "claims" else "name"
        for item in items:
            if isinstance(item, str):
                continue  # score.py accepts bare names/sentences too
            if not isinstance(item, dict) or not isinstance(item.get(key), str):
                return f"every item of '{kind}' needs a string '{key}'"
            if kind != "claims" and not isinstance(item.get("mentions", []), list):
                return f"'mentions' of '{kind}' items must be a list"
    return None


def rules_by_item(x: Extraction) -> dict:
    """(kind, name) → rule ids of its evidence; ("claims", sentence) → the claim's rule."""
    out: dict = {}
    for kind, tags in (("divergences", x.divergences), ("methods", x.methods), ("datasets", x.datasets)):
        for t in tags:
            # vocabulary rules are grouped per kind ("vocab:divergence"), other rules kept as they are
            out[(kind, t.entity.name)] = sorted({re.sub(r"(vocab:[a-z]+):.*", r"\1", e.rule)
                                                 for e in t.evidence})
    for c in x.claims:
        out[("claims", c.text)] = [f"{c.rule}/{c.type}"]
    return out


def evaluate(gold_path: str | Path, extractions: Iterable[Extraction],
             titles: dict[str, str] | None = None) -> EvalReport:
    """Score extractions against a gold file, joining by id, else by normalized title.

    ``titles`` maps gold ids to titles (like score.py's ``--papers``) for inputs whose ids differ
    from the gold's, e.g. the raw seed text with title-derived ids.
    """
    gold = load_gold(gold_path)
    titles = titles or {}
    by_id: dict[str, Extraction] = {}
    by_title: dict[str, Extraction] = {}
    for x in extractions:
        by_id.setdefault(x.paper.id, x)
        by_title.setdefault(title_key(x.paper.title), x)
    pred: dict[str, dict] = {}
    rules: dict[str, dict] = {}
    for gid, g in gold.items():
        found = by_id.get(gid)
        title = g.get("title") or titles.get(gid)
        if found is None and title:
            found = by_title.get(title_key(title))
        if found is None:
            continue
        pred[gid] = found.to_gold(evidence=False)
        rules[gid] = rules_by_item(found)
    return score(gold, pred, rules)
