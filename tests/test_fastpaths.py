"""The parent-side shortcuts of a large ingest give what the plain code they replaced gives.

``kg.models.fold`` (every paper's search text and title key), the reader's lone-surrogate check (every
record) and the bulk loader's CSV cells (millions of them) have fast paths; each is compared here with
the straightforward version on real abstracts, the seed and fuzzed text full of separators, case,
punctuation, plurals, non-ASCII letters and surrogates.
"""

from __future__ import annotations

import json
import random
import re
import unicodedata
from pathlib import Path
from typing import Any

from kg.models import fold, singular
from kg.read import _surrogate_problem
from kg.store import bulk as B

ROOT = Path(__file__).resolve().parent.parent


def reference_fold(text: str) -> str:
    text = re.sub(r"[\s_\-\u2010-\u2015\u2212/]+", " ", text)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    text = text.lower()
    text = re.sub(r"[^a-z0-9 ]", "", text)
    words = text.split()
    if "wise" in words[1:]:
        words = [w for i, w in enumerate(words) if w != "wise" or i == 0]
    return " ".join(singular(w) for w in words)


def reference_surrogate(text: str) -> str | None:
    for c in text:
        if 0xD800 <= ord(c) <= 0xDFFF:
            if 0xDC80 <= ord(c) <= 0xDCFF:
                return "undecodable bytes (not UTF-8)"
            return f"invalid Unicode: lone surrogate U+{ord(c):04X} (e.g. a JSON escape like \\ud800)"
    return None


def reference_cell(value: Any, column: str) -> str:
    if value is None:
        return ""
    if column.endswith("[]"):
        if not value:
            return ""
        return B.ARRAY_DELIMITER.join(str(v).replace(B.ARRAY_DELIMITER, " ") for v in value)
    return str(value)


def _texts() -> list[str]:
    texts = []
    for line in (ROOT / "data" / "seed" / "papers.jsonl").read_text(encoding="utf-8").splitlines():
        r = json.loads(line)
        texts += [r["title"], r["abstract"], f"{r['title']} {r['abstract']}"]
    rnd = random.Random(11)
    alpha = "abcdefghijklmnopqrstuvwxyz0123456789 sssiieeuuwise-_/.,'’é–\u2212\u00a0ﬁ\tXYZS\x1c\x0b\r\n\x00\x7f"
    texts += ["".join(rnd.choice(alpha) for _ in range(rnd.randint(0, 30))) for _ in range(20000)]
    texts += ["".join(chr(rnd.randint(0, 127)) for _ in range(rnd.randint(0, 20))) for _ in range(5000)]
    texts += ["".join(chr(rnd.randint(0, 0x2300)) for _ in range(rnd.randint(0, 12))) for _ in range(5000)]
    texts += ["block-wise coordinate descent", "Wise wise", "losses", "classes", "series", "ties", "10s", "100s", ""]
    return texts


def test_fold_is_the_plain_fold():
    texts = _texts()
    assert [fold(t) for t in texts] == [reference_fold(t) for t in texts]


def test_surrogate_check_is_the_character_loop():
    rnd = random.Random(5)
    texts = _texts()[:2000]
    texts += ["".join(chr(rnd.choice([rnd.randint(0, 127), rnd.randint(0xD700, 0xE100), rnd.randint(0, 0x10FFFF)]))
                      for _ in range(rnd.randint(0, 8))) for _ in range(20000)]
    texts += ["a\udc80b", "\ud800x\udc80", "ok é"]
    assert [_surrogate_problem(t) for t in texts] == [reference_surrogate(t) for t in texts]
    assert _surrogate_problem("a\udc80") == "undecodable bytes (not UTF-8)"


def test_bulk_row_cells_are_the_plain_cells():
    props: dict[str, Any] = {"title": "T", "year": 2020, "authors": ["A", "B\x1fC"], "venue": None, "url": "",
                             "mentions": [], "count": 0, "pos": 3, "start": None, "keys": ("k",), "parents": [],
                             "about": ["x"], "score": 1.5, "flag": True}
    for columns in (B.PAPER_COLUMNS, B.ENTITY_COLUMNS, B.LINK_COLUMNS, B.CLAIM_COLUMNS, B.FAM_COLUMNS,
                    ("title", "year:long", "authors:string[]", "keys:string[]", "score", "flag", "missing[]")):
        want = [reference_cell(props.get(c.split(":", 1)[0]), c) for c in columns]
        assert B._row(props, columns) == want
        assert B._row({}, columns) == [""] * len(columns)


def test_bulk_csv_lines_are_the_csv_modules_lines():
    """Byte for byte what csv.writer writes, but for a cell holding a carriage return, which
    Python 3.11's writer leaves unquoted with a "\\n" line terminator (a line break to other
    readers) and ours quotes; every line reads back as its cells."""
    import csv
    import io

    rnd = random.Random(23)
    texts = _texts()
    values: list[Any] = [*texts, '"', '""', ",", "a,b", 'say "hi"', "\n", "\r", "\r\n", " ", "\x1f", None, 0, -3, 2020,
                         1.5, True]
    rows = [[rnd.choice(values) for _ in range(rnd.randint(1, 6))] for _ in range(30000)]
    rows += [[""], [None], ["", ""], [texts[0]], [json.dumps([{"a": 'x"y', "b": [1, 2]}])]]
    plain = [row for row in rows if not any(isinstance(c, str) and "\r" in c for c in row)]
    assert len(plain) > len(rows) // 2
    want = io.StringIO()
    csv.writer(want, lineterminator="\n").writerows(plain)
    got = io.StringIO()
    B._LineWriter(got).writerows(plain)
    assert got.getvalue() == want.getvalue()

    everything = io.StringIO()
    B._LineWriter(everything).writerows(rows)
    back = list(csv.reader(io.StringIO(everything.getvalue(), newline="")))
    assert back == [["" if c is None else str(c) for c in row] for row in rows]
    assert B.csv_line(["x", "y,z", None, 3]) == 'x,"y,z",,3\n'
    assert B.csv_line(["a\rb"]) == '"a\rb"\n'
