"""Benchmark: instructions per abstract of extraction, counted by valgrind, for one or more git revisions.

Wall and CPU time on a shared 2-core machine vary by ±30 % from run to run (and the same script has
read 4× apart on two days); an instruction count does not: callgrind counts the instructions the
process executes, whatever else the machine runs. So this is how two versions of the rules are
compared (is round N slower than round N-1?), and the figure the README quotes beside the
``bench/extract.py`` throughput.

For each revision (a git rev of this repository, or ``.`` for the working tree) it checks the tree
out in a temporary worktree, starts Python under ``valgrind --tool=callgrind`` with instrumentation
OFF, builds the pipeline, extracts ``--warm`` papers (lazy builds, the tokenizer's cache), turns
instrumentation on (``callgrind_control -i on``), extracts the next ``--papers`` papers of the corpus
(``--zone``: through :func:`kg.extract.parallel.extract_batch`, as ``kg ingest`` workers do, in
``nlp.memory_zone()`` batches of 50), and turns it off. It prints instructions per abstract and the
ratio against the first revision. Needs valgrind (Debian: ``apt-get install valgrind``). Slow: a
revision takes 3–10 minutes (start-up under valgrind dominates); the revisions run in parallel.

    .venv/bin/python bench/icount.py 2c5af20^1 HEAD [.] [--papers 150] [--zone]
        [--corpus ../shared/corpora/ml-abstracts-ccby.jsonl]

Not a test: measured here, never asserted.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Run inside the valgrind'ed interpreter: argv = root, corpus, warm, papers, zone.
_CHILD = r"""
import itertools, json, os, subprocess, sys
root, corpus, warm, n, zone = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5] == "1"
sys.path.insert(0, root)
from kg.extract import extract
from kg.models import Paper
papers = []
with open(corpus, encoding="utf-8") as fh:
    for i, line in enumerate(itertools.islice(fh, warm + n)):
        if line.strip():
            r = json.loads(line)
            papers.append(Paper(id=str(r.get("id", i)), title=r["title"], abstract=r["abstract"]))
if zone:
    from kg.extract.parallel import extract_batch, warm_up
    warm_up()
    run = lambda ps: [extract_batch(ps[i:i + 50]) for i in range(0, len(ps), 50)]
else:
    run = lambda ps: list(extract(ps, batch_size=64))
run(papers[:warm])
subprocess.run(["callgrind_control", "-i", "on", str(os.getpid())], capture_output=True, check=False)
run(papers[warm:])
subprocess.run(["callgrind_control", "-i", "off", str(os.getpid())], capture_output=True, check=False)
print("papers", len(papers) - warm)
"""


def _tree(rev: str, tmp: Path) -> Path:
    if rev == ".":
        return ROOT
    path = tmp / re.sub(r"[^\w.-]", "_", rev)
    subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "-q", "--detach", str(path), rev], check=True)
    data = path / "data"
    if not (data / "vocab").is_dir():  # very old trees kept data elsewhere: use this tree's
        shutil.rmtree(data, ignore_errors=True)
        data.symlink_to(ROOT / "data")
    return path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("revs", nargs="+", help="git revisions ('.' = the working tree); the first is the baseline")
    ap.add_argument("--papers", type=int, default=150)
    ap.add_argument("--warm", type=int, default=100, help="papers extracted before counting starts")
    ap.add_argument("--zone", action="store_true", help="the ingest worker path (memory_zone batches)")
    ap.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpora" / "ml-abstracts-ccby.jsonl")
    args = ap.parse_args()
    if shutil.which("valgrind") is None or shutil.which("callgrind_control") is None:
        sys.exit("valgrind is not installed (Debian: apt-get install valgrind)")
    if not args.corpus.exists():
        sys.exit(f"corpus not found: {args.corpus} (pass --corpus PATH)")
    with tempfile.TemporaryDirectory(prefix="kg-icount-") as tmp_name:
        tmp = Path(tmp_name)
        trees = [_tree(rev, tmp) for rev in args.revs]
        procs = []
        for k, tree in enumerate(trees):
            out = tmp / f"cg.{k}"
            cmd = ["valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={out}",
                   sys.executable, "-c", _CHILD, str(tree), str(args.corpus), str(args.warm), str(args.papers),
                   "1" if args.zone else "0"]
            procs.append(subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                          env={**os.environ, "PYTHONMALLOC": "malloc"}))
        base = None
        for rev, proc in zip(args.revs, procs, strict=True):
            stdout, stderr = proc.communicate()
            m = re.search(r"Collected : (\d+)", stderr)
            n = re.search(r"papers (\d+)", stdout)
            if proc.returncode != 0 or not m or not n:
                print(f"{rev:>14}: failed (exit {proc.returncode}): {stderr.strip()[-400:]}")
                continue
            per = int(m.group(1)) / int(n.group(1))
            base = base or per
            print(f"{rev:>14}: {per / 1e6:8.2f} M instructions per abstract ({int(n.group(1))} abstracts"
                  f"{', zone batches' if args.zone else ''}) | ratio {per / base:.3f}")
        for tree in trees:
            if tree != ROOT:
                subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tree)], check=False)


if __name__ == "__main__":
    main()
