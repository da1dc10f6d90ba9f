"""Input shards, output shards and manifests: the on-disk contract of a scale-out job.

Why this module: a shard must mean the same records on every machine and on every re-run, so that a
worker anywhere can do it, a re-run can tell it is already done, and a failed one can be re-run alone.

* **Planning** (:func:`plan_shards`, on the client): a JSONL file (arXiv, OpenAlex and Semantic
  Scholar dumps) is scanned once and cut every ``shard_size`` records, at line starts, into byte
  ranges; the bytes of each range are hashed (sha256). CSV and seed-text files, small in practice
  and not splittable by line, are parsed whole and cut by record index. The same files and shard size
  always give the same shards, with the same ids.
* **Layout** of an output directory (a local path or any fsspec URL, e.g. ``s3://bucket/run1``)::

      DIR/manifest.json            the job: every planned shard and its status (written at the end)
      DIR/shards/<id>.jsonl        one kg.models.Extraction (JSON) a line, in input order
      DIR/shards/<id>.json         that shard's manifest: input range, content hash, extractor
                                   version, counts, problems; written after the .jsonl

  Both shard files are written atomically (a temporary name, then a rename), so a worker killed
  half-way leaves no shard that looks finished.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

from kg.errors import InputError, MissingExtra

SHARDS_DIR = "shards"
JOB_MANIFEST = "manifest.json"
DEFAULT_SHARD_SIZE = 5_000
_SUFFIXES = (".jsonl", ".ndjson", ".json", ".csv", ".tsv", ".txt", ".bib")
#: formats read one JSON object a line: cut into byte ranges (other formats are cut by record index)
LINE_FORMATS = frozenset({"jsonl", "arxiv", "openalex"})


def filesystem(url: str | Path) -> tuple[Any, str]:
    """``(fsspec filesystem, path)`` for a local path or a URL such as ``s3://bucket/dir``.

    Raises:
        MissingExtra: fsspec (installed with ``kg[dask]``) is missing.
        InputError: the URL's protocol has no fsspec implementation installed (e.g. ``s3fs``).
    """
    try:
        from fsspec.core import url_to_fs  # type: ignore[import-untyped]
    except ImportError:
        raise MissingExtra("fsspec", "dask") from None
    try:
        return url_to_fs(str(url))
    except (ImportError, ValueError) as exc:
        raise InputError(f"cannot open {url}: {exc}") from None


class ShardSpec(BaseModel):
    """One input shard: which records of which file. ``unit`` says what ``start``/``end`` count:
    bytes of a JSONL file (the range starts at a line start), or records of a CSV/seed file."""

    id: str = Field(description="'<file stem>-<8 hex of the path>-<index>', stable across runs.")
    source: str = Field(description="The input path as given (becomes Paper.source 'file:line').")
    format: str = Field(description="A kg.read format: jsonl, arxiv, openalex, csv, seed, bibtex, csljson.")
    unit: Literal["bytes", "records"]
    start: int
    end: int
    first_line: int = Field(description="Line number of the range's first line (bytes unit).")
    records: int = Field(description="Non-blank lines (JSONL) or parsed records in the shard.")
    content_hash: str = Field(description="sha256 of the shard's input bytes (and range for records).")


class Manifest(BaseModel):
    """What a finished output shard holds: written beside it, after it, by the worker that made it."""

    shard: ShardSpec
    extractor_version: str
    output: str = Field(description="File name of the output shard inside DIR/shards.")
    output_bytes: int
    output_sha256: str
    papers: int = Field(description="Extractions written (good records that extracted).")
    counts: dict[str, int] = Field(default_factory=dict, description="Tags and claims by kind.")
    problems: list[dict[str, Any]] = Field(default_factory=list, description="Bad records: source, line, reason.")
    seconds: float = 0.0
    cpu_seconds: float = Field(default=0.0, description="CPU time of the worker process on this shard.")
    worker: str = ""


def _stem(source: str) -> str:
    name = source.rstrip("/").rsplit("/", 1)[-1]
    for suffix in _SUFFIXES:
        if name.lower().endswith(suffix):
            name = name[: -len(suffix)]
            break
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name)[:40] or "input"


def shard_id(source: str, index: int) -> str:
    """``<stem>-<8 hex>-<index>``: the hash of the path keeps same-named files in two folders apart."""
    return f"{_stem(source)}-{hashlib.sha1(source.encode()).hexdigest()[:8]}-{index:05d}"


def input_files(paths: Iterable[str | Path]) -> list[str]:
    """Every input file of ``paths`` (folders, globs), as strings.

    Local paths expand as :func:`kg.read.read_papers` does (same order, same spelling, so ``Paper.source``
    is the same); ``scheme://`` URLs through fsspec.

    Raises:
        InputError: a path does not exist, a folder holds no input file, or ``-`` (stdin: not shardable).
    """
    from kg.read.sources import STDIN, expand

    out: list[str] = []
    for p in paths:
        text = str(p)
        if "://" not in text:
            for name in expand([text]):
                if name == STDIN:
                    raise InputError("--out cannot shard stdin ('-'): give files")
                out.append(name)
            continue
        fs, path = filesystem(text)
        if not fs.exists(path):
            raise InputError(f"no such file or directory: {text}")
        if fs.isdir(path):
            proto = text.split("://", 1)[0]
            found = sorted(f for f in fs.find(path) if f.lower().endswith(_SUFFIXES))
            if not found:
                raise InputError(f"no input files under {text}")
            out.extend(f"{proto}://{f}" for f in found)
        else:
            out.append(text)
    return out


def _compressed(source: str) -> bool:
    from kg.read.sources import COMPRESSED

    return Path(source.lower()).suffix in COMPRESSED


def _detect(source: str, fmt: str) -> str:
    from kg.read import FORMATS
    from kg.read.formats import detect_format
    from kg.read.sources import LineSource

    if fmt != "auto":
        if fmt not in FORMATS:
            raise InputError(f"unknown format {fmt!r} (choose auto, {', '.join(FORMATS)})")
        kind = fmt
    elif "://" in source:
        fs, path = filesystem(source)
        with fs.open(path, "rb") as fh:
            head = fh.read(4096).decode("utf-8", errors="ignore").lstrip("\ufeff")
        kind = detect_format(source, head)
    else:
        kind = detect_format(source, LineSource(source).head())
    if kind == "s2":
        raise InputError(f"{source}: Semantic Scholar bulk shards (papers joined to abstracts across files) "
                         "cannot be cut into independent shards: use kg ingest for them")
    return kind


def _jsonl_shards(fs: Any, path: str, source: str, kind: str, shard_size: int) -> Iterator[ShardSpec]:
    """Cut a JSON-lines file every ``shard_size`` non-blank lines; one streaming pass, hashing as it goes."""
    index = start = records = 0
    first_line = line_no = 1
    offset = 0
    h = hashlib.sha256()

    def spec(end: int) -> ShardSpec:
        return ShardSpec(id=shard_id(source, index), source=source, format=kind, unit="bytes",
                         start=start, end=end, first_line=first_line, records=records,
                         content_hash=h.hexdigest())

    with fs.open(path, "rb") as fh:
        for line in fh:
            if records == shard_size and line.strip():
                yield spec(offset)
                index += 1
                start, first_line, records, h = offset, line_no, 0, hashlib.sha256()
            h.update(line)
            if line.strip():
                records += 1
            offset += len(line)
            line_no += 1
    if records or index == 0:
        yield spec(offset)


def whole_file_records(source: str, kind: str) -> Iterator[Any]:
    """Every record of a local file as :func:`kg.read.read_papers` reads it (a Paper or a RecordError)."""
    from kg.read import _read_one
    from kg.read.sources import LineSource

    yield from _read_one(kind, LineSource(source), {})


def _record_shards(source: str, kind: str, shard_size: int) -> Iterator[ShardSpec]:
    if "://" in source:
        raise InputError(f"{source}: only JSON-lines inputs (not compressed) can be read from a URL; "
                         "copy it to a shared folder")
    n = sum(1 for _ in whole_file_records(source, kind))
    with open(source, "rb") as fh:
        base = hashlib.file_digest(fh, "sha256").hexdigest() if hasattr(hashlib, "file_digest") else \
            hashlib.sha256(fh.read()).hexdigest()
    for index, lo in enumerate(range(0, max(n, 1), shard_size)):
        hi = min(n, lo + shard_size)
        digest = hashlib.sha256(f"{base}:{lo}:{hi}".encode()).hexdigest()
        yield ShardSpec(id=shard_id(source, index), source=source, format=kind, unit="records",
                        start=lo, end=hi, first_line=1, records=hi - lo, content_hash=digest)


def plan_shards(paths: Iterable[str | Path], shard_size: int = DEFAULT_SHARD_SIZE, fmt: str = "auto"
                ) -> list[ShardSpec]:
    """The input shards of ``paths``, in input order (deterministic for the same files and size).

    JSON-lines formats (``jsonl``, ``arxiv``, ``openalex``), uncompressed, are cut into byte ranges;
    other formats and compressed files into record ranges (each such shard reads its whole file:
    give compressed dumps a ``shard_size`` of at least the records of one file).

    Args:
        paths: files, folders or globs, local or fsspec URLs.
        shard_size: records per shard (the last shard of a file may hold fewer).
        fmt: ``auto`` (by name, else content) or a :data:`kg.read.FORMATS` name.

    Raises:
        InputError: a path is missing or unreadable, a format unknown or not shardable, or
            ``shard_size`` < 1.
    """
    if shard_size < 1:
        raise InputError(f"--shard-size must be at least 1, got {shard_size}")
    out: list[ShardSpec] = []
    for source in input_files(paths):
        try:
            kind = _detect(source, fmt)
            if kind in LINE_FORMATS and not _compressed(source):
                fs, path = filesystem(source)
                out.extend(_jsonl_shards(fs, path, source, kind, shard_size))
            else:
                out.extend(_record_shards(source, kind, shard_size))
        except OSError as exc:
            raise InputError(f"cannot read {source}: {exc.strerror or exc}") from None
    return out


def read_shard_input(spec: ShardSpec) -> bytes:
    """The bytes a shard covers (the whole file for a records-unit shard)."""
    fs, path = filesystem(spec.source)
    if spec.unit == "bytes":
        return fs.cat_file(path, start=spec.start, end=spec.end)
    return fs.cat_file(path)


def input_hash(spec: ShardSpec, raw: bytes) -> str:
    """The content hash of ``raw`` as :func:`plan_shards` computes it for ``spec``."""
    if spec.unit == "bytes":
        return hashlib.sha256(raw).hexdigest()
    base = hashlib.sha256(raw).hexdigest()
    return hashlib.sha256(f"{base}:{spec.start}:{spec.end}".encode()).hexdigest()


# -- output side ----------------------------------------------------------------------------------


def _join(root: str, *parts: str) -> str:
    return "/".join([root.rstrip("/"), *parts])


class OutputDir:
    """An output directory of a job (local or fsspec URL): paths, atomic writes, manifests."""

    def __init__(self, url: str | Path) -> None:
        self.url = str(url)
        self.fs, self.root = filesystem(self.url)

    def data_path(self, sid: str) -> str:
        return _join(self.root, SHARDS_DIR, f"{sid}.jsonl")

    def manifest_path(self, sid: str) -> str:
        return _join(self.root, SHARDS_DIR, f"{sid}.json")

    def _tmp(self, final: str) -> str:
        head, _, name = final.rpartition("/")
        return f"{head}/.{name}.tmp-{uuid.uuid4().hex[:12]}"

    def write_lines(self, final: str, lines: Iterable[bytes]) -> tuple[int, str]:
        """Write ``lines`` to ``final`` atomically; ``(bytes, sha256)`` of what was written."""
        self.fs.makedirs(final.rpartition("/")[0], exist_ok=True)
        tmp = self._tmp(final)
        h, size = hashlib.sha256(), 0
        try:
            with self.fs.open(tmp, "wb") as fh:
                for line in lines:
                    fh.write(line)
                    h.update(line)
                    size += len(line)
            self.fs.mv(tmp, final)
        except BaseException:
            if self.fs.exists(tmp):
                self.fs.rm(tmp)
            raise
        return size, h.hexdigest()

    def write_json(self, final: str, data: Any) -> None:
        text = json.dumps(data, indent=1, ensure_ascii=False, sort_keys=True) + "\n"
        self.write_lines(final, [text.encode("utf-8")])

    def read_manifest(self, sid: str) -> Manifest | None:
        """The manifest of shard ``sid``, or None when there is none (or it is unreadable)."""
        path = self.manifest_path(sid)
        try:
            return Manifest.model_validate_json(self.fs.cat_file(path))
        except FileNotFoundError:
            return None
        except (OSError, ValueError):
            return None

    def is_done(self, spec: ShardSpec, version: str) -> bool:
        """Is ``spec`` already extracted here, by ``version``, from the same input bytes, with its
        output shard present at the size its manifest records?"""
        m = self.read_manifest(spec.id)
        if m is None or m.shard != spec or m.extractor_version != version:
            return False
        try:
            return int(self.fs.size(self.data_path(spec.id))) == m.output_bytes
        except (FileNotFoundError, OSError):
            return False

    def clean_temporaries(self) -> int:
        """Remove temporary files left by workers killed mid-write; how many were removed."""
        folder = _join(self.root, SHARDS_DIR)
        if not self.fs.exists(folder):
            return 0
        stale = [p for p in self.fs.ls(folder, detail=False) if ".tmp-" in p.rsplit("/", 1)[-1]]
        for p in stale:
            self.fs.rm(p)
        return len(stale)

    def job_manifest(self) -> dict[str, Any]:
        """The job manifest (``DIR/manifest.json``).

        Raises:
            InputError: there is none (not a ``kg extract --out`` directory) or it is unreadable.
        """
        path = _join(self.root, JOB_MANIFEST)
        if not self.fs.exists(self.root):
            raise InputError(f"no such folder: {self.url}")
        try:
            data = json.loads(self.fs.cat_file(path))
        except FileNotFoundError:
            raise InputError(f"{self.url} holds no {JOB_MANIFEST}: not the --out folder of a kg extract "
                             "run (or that run never finished planning)") from None
        except (OSError, ValueError) as exc:
            raise InputError(f"cannot read {_join(self.url, JOB_MANIFEST)}: {exc}") from None
        if not isinstance(data, dict) or not isinstance(data.get("shards"), list):
            raise InputError(f"{_join(self.url, JOB_MANIFEST)} is not a kg extract manifest")
        return data

    def write_job_manifest(self, data: dict[str, Any]) -> None:
        self.write_json(_join(self.root, JOB_MANIFEST), data)
