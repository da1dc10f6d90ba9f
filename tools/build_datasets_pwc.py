"""Rebuild data/vocab/datasets-pwc.jsonl from ../shared/gazetteers/ml_datasets_pwc.tsv (CC BY-SA 4.0).

Run from the repo root: ``python tools/build_datasets_pwc.py /path/to/ml_datasets_pwc.tsv``.
Keeps only distinctive names (an inner capital or a digit, e.g. "YouCook2", "DIV2K", "NewsQA"), drops
English words (spaCy's English lexeme-probability table), short all-capital acronyms without digits
("SEND", "SPOT", "LKS": they collide with acronyms papers define), long descriptive names, and
names already in the curated datasets.jsonl. Every kept name matches only as written, and only in
a sentence that talks about data (see kg/extract/datasets.py).
"""

import csv
import gzip
import json
import re
import sys
from pathlib import Path

import spacy_lookups_data
from spacy.lang.en.stop_words import STOP_WORDS

HERE = Path(__file__).resolve().parents[1] / "data" / "vocab"  # reads datasets.jsonl, writes datasets-pwc.jsonl


def fold(s: str) -> str:
    return re.sub(r"[^a-z0-9]", "", s.lower())


def main(src: str) -> None:
    probs = json.loads(gzip.open(Path(spacy_lookups_data.__file__).parent / "data/en_lexeme_prob.json.gz").read())
    english = {w.lower() for w, p in probs.items() if p > -17}
    core, core_ids = set(), set()
    for line in (HERE / "datasets.jsonl").read_text().splitlines():
        r = json.loads(line)
        core_ids.add(r["id"])
        core |= {fold(a) for a in [r["name"], *r.get("aliases", []), *r.get("cased", [])]}
    out, seen = [], set()
    for row in csv.DictReader(open(src, encoding="utf-8"), delimiter="\t"):
        name = row["name"].strip()
        forms = [name] + [v.strip() for v in row["variants"].split("|") if v.strip()]
        keep = []
        for f in forms:
            if len(f) < 3 or len(f.split()) > 3 or re.search(r"[:()\[\],;]| - ", f):
                continue
            if not (re.search(r"[A-Z]", f[1:]) or re.search(r"\d", f)):
                continue
            if f.lower() in english or fold(f) in core:
                continue
            if re.fullmatch(r"[A-Z]{2,4}", f):
                continue
            words = f.split()
            if len(words) > 1 and all(w.lower() in english for w in words):
                continue  # "Robotic Instruments": a Title Case phrase, not a name
            if all(w.lower() in STOP_WORDS for w in f.split("-")):
                continue  # "IS-A": function words in capitals ("is a" relations), not a name
            if re.fullmatch(r"\d+[A-Za-z]?", f) or re.search(r"(?i)\b(dataset|data|corpus|benchmark)\b", f):
                continue
            keep.append(f)
        keep = list(dict.fromkeys(keep))
        if not keep or name.lower() in english:
            continue
        sid = "dataset:" + (re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "x")
        if sid in seen or sid in core_ids:
            continue
        seen.add(sid)
        out.append({"id": sid, "kind": "dataset", "name": name, "aliases": [], "cased": keep,
                    "context": True, "gazetteer": "pwc"})
    out.sort(key=lambda r: r["id"])
    (HERE / "datasets-pwc.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in out))
    print(f"{len(out)} datasets written")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "../shared/gazetteers/ml_datasets_pwc.tsv")
