"""Where records come from: paths, folders, globs and ``-`` (stdin), compressed or not, in any
encoding — read as a stream of numbered text lines, never as one whole file in memory.

* Compression is recognised by suffix or by magic bytes: ``.gz`` (gzip), ``.bz2``, ``.xz``
  (stdlib) and ``.zst`` (the ``zstandard`` package).
* Encoding: UTF-8 first (a BOM is dropped). When the first megabyte of a file is not UTF-8, the
  encoding is detected with charset-normalizer and :attr:`LineSource.warnings` says which one was
  used for which file (ISO-8859-1 is read as its superset Windows-1252, what spreadsheet exports
  really are). A later line that is not UTF-8 is decoded the same way, with one warning per file, so
  no record is lost to its bytes.
"""

from __future__ import annotations

import bz2
import codecs
import glob
import gzip
import io
import lzma
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from kg.errors import InputError

#: the file suffixes a folder is searched for (each also with a compression suffix)
SUFFIXES = frozenset({".jsonl", ".ndjson", ".json", ".csv", ".tsv", ".txt", ".bib"})
COMPRESSED = frozenset({".gz", ".bz2", ".xz", ".zst"})
STDIN = "-"
_SAMPLE = 1 << 20
_GLOB_CHARS = frozenset("*?[")


def data_suffix(name: str) -> str:
    """The suffix that says the format, under any compression suffix (``a.jsonl.gz`` → ``.jsonl``)."""
    p = Path(name.lower())
    if p.suffix in COMPRESSED:
        p = p.with_suffix("")
    return p.suffix


def expand(paths: str | Path | Iterable[str | Path]) -> Iterator[str]:
    """The input files of ``paths``: files as given, folders searched recursively for input files
    (:data:`SUFFIXES`, compressed or not, sorted), globs expanded (sorted), ``-`` for stdin.

    Raises:
        InputError: a path that does not exist, a glob or folder that matches no input file.
    """
    if isinstance(paths, (str, Path)):
        paths = [paths]
    for p in paths:
        name = str(p)
        if name == STDIN:
            yield STDIN
            continue
        path = Path(name)
        if not path.exists() and _GLOB_CHARS & set(name):
            found = sorted(q for q in glob.glob(name, recursive=True) if Path(q).is_file())
            if not found:
                raise InputError(f"no file matches {name}")
            yield from found
            continue
        if not path.exists():
            raise InputError(f"no such file or directory: {path}")
        if path.is_dir():
            found = sorted(str(q) for q in path.rglob("*") if q.is_file() and data_suffix(q.name) in SUFFIXES)
            if not found:
                raise InputError(f"no input files under {path} (looked for {', '.join(sorted(SUFFIXES))}, "
                                 f"optionally {', '.join(sorted(COMPRESSED))})")
            yield from found
        else:
            yield name


def _zstd(raw: IO[bytes]) -> IO[bytes]:
    try:
        import zstandard
    except ImportError:  # pragma: no cover - a declared dependency
        raise InputError("reading .zst needs the zstandard package: pip install zstandard") from None
    return zstandard.ZstdDecompressor().stream_reader(raw, read_across_frames=True)


def open_binary(name: str) -> IO[bytes]:
    """A binary stream of the (decompressed) content of ``name`` (``-`` is stdin)."""
    try:
        raw: IO[bytes] = sys.stdin.buffer if name == STDIN else open(name, "rb")  # noqa: SIM115
    except OSError as exc:
        raise InputError(f"cannot read {name}: {exc.strerror or exc}") from None
    buffered = raw if isinstance(raw, io.BufferedReader) else io.BufferedReader(raw)  # type: ignore[type-var]
    magic = buffered.peek(6)[:6]
    suffix = Path(name.lower()).suffix
    if magic[:2] == b"\x1f\x8b" or suffix == ".gz":
        return gzip.GzipFile(fileobj=buffered)  # type: ignore[return-value]
    if magic[:3] == b"BZh" or suffix == ".bz2":
        return bz2.BZ2File(buffered)
    if magic == b"\xfd7zXZ\x00" or suffix == ".xz":
        return lzma.LZMAFile(buffered)
    if magic[:4] == b"\x28\xb5\x2f\xfd" or suffix == ".zst":
        return io.BufferedReader(_zstd(buffered))  # type: ignore[type-var]
    return buffered


# Latin-script single-byte code pages a detector confuses on short samples: read as Windows-1252
# (what spreadsheets and Windows tools write) whenever the bytes are valid Windows-1252.
_LATIN = frozenset({"cp1250", "cp1252", "cp1254", "cp1257", "latin-1", "iso8859-1", "iso8859-2", "iso8859-3",
                    "iso8859-4", "iso8859-9", "iso8859-10", "iso8859-13", "iso8859-14", "iso8859-15",
                    "iso8859-16", "mac-roman", "mac-latin2", "cp850", "cp437"})


def _detect(sample: bytes) -> str | None:
    """The encoding charset-normalizer finds for ``sample`` (a Latin code page read as Windows-1252)."""
    from charset_normalizer import from_bytes

    high = sum(1 for b in sample if b >= 0x80)
    if high <= len(sample) // 10 and _decodes(sample, "cp1252"):
        # mostly ASCII with a few accented letters or dashes: Latin text. Detectors guess wildly on
        # such samples (Big5, Cyrillic); multi-byte and non-Latin text is dense in high bytes.
        return "cp1252"
    best = from_bytes(sample).best()
    if best is None:
        return None
    enc = codecs.lookup(best.encoding).name
    return "cp1252" if enc in _LATIN and _decodes(sample, "cp1252") else enc


def _decodes(sample: bytes, encoding: str) -> bool:
    try:
        sample.decode(encoding)
        return True
    except UnicodeDecodeError:
        return False


def _is_utf8(sample: bytes, final: bool) -> bool:
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=final)
        return True
    except UnicodeDecodeError:
        return False


_NAMES = {"cp1252": "Windows-1252", "utf-16": "UTF-16", "utf-16-le": "UTF-16LE", "utf-16-be": "UTF-16BE"}


@dataclass
class LineSource:
    """The numbered text lines of one input (split on ``\\n`` only; ``\\r`` is left to the formats).

    Iterate it for ``(line number, text)``; lines keep their ``\\n``. ``warnings`` collects what was
    guessed (the encoding). A line that cannot be decoded at all keeps its bad bytes as lone
    surrogates (``surrogateescape``) so that the format reports exactly that record.
    """

    name: str
    warnings: list[str] = field(default_factory=list)
    encoding: str = "utf-8"
    _warned: bool = False

    def head(self, size: int = 4096) -> str:
        """The first ``size`` bytes, decoded, for format detection (opens the input again; not for stdin)."""
        if self.name == STDIN:
            raise InputError("stdin has no name to tell its format from: give --format")
        with open_binary(self.name) as f:
            sample = f.read(size)
        text = sample.decode("utf-8", errors="ignore")
        if not _is_utf8(sample, final=False):
            text = sample.decode(_detect(sample) or "cp1252", errors="replace")
        return text.lstrip("\ufeff")

    def __iter__(self) -> Iterator[tuple[int, str]]:
        stream = io.BufferedReader(open_binary(self.name), buffer_size=_SAMPLE)  # type: ignore[type-var]
        try:
            peek = stream.peek(_SAMPLE)
            if peek[:2] in (b"\xff\xfe", b"\xfe\xff"):  # UTF-16 with BOM: not line-splittable as bytes
                yield from self._utf16(stream)
                return
            if peek and not _is_utf8(peek[:_SAMPLE], final=False):
                self._fallback(peek[:_SAMPLE])
            for n, raw in enumerate(stream, 1):
                if n == 1 and raw.startswith(codecs.BOM_UTF8):
                    raw = raw[3:]
                yield n, self._decode(raw)
        except (OSError, EOFError, lzma.LZMAError) as exc:
            raise InputError(f"cannot read {self.name}: {exc}") from None
        finally:
            if self.name != STDIN:
                stream.close()
            else:
                stream.detach()

    def _fallback(self, sample: bytes) -> None:
        enc = _detect(sample) or "cp1252"
        if enc == "utf-8":
            enc = "cp1252"
        self.encoding = enc
        if not self._warned:
            self._warned = True
            self.warnings.append(f"{self.name}: not UTF-8; decoded as {_NAMES.get(enc, enc)} (detected)")

    def _decode(self, raw: bytes) -> str:
        if self.encoding == "utf-8":
            try:
                return raw.decode("utf-8")
            except UnicodeDecodeError:
                self._fallback(raw)
        try:
            return raw.decode(self.encoding)
        except UnicodeDecodeError:
            return raw.decode("utf-8", errors="surrogateescape")

    def _utf16(self, stream: IO[bytes]) -> Iterator[tuple[int, str]]:
        text = io.TextIOWrapper(stream, encoding="utf-16", newline="\n")
        self.encoding = "utf-16"
        self.warnings.append(f"{self.name}: not UTF-8; decoded as UTF-16 (byte order mark)")
        yield from enumerate(text, 1)
