"""The one exception tree of kg.

Library code raises only these; the CLI turns them into one red line and an exit code, the GraphQL
layer into GraphQL errors. Every message starts with a stable code (``[E101]``) so that users can
search for it and tests can match on it without depending on the wording.

::

    KGError
    ├── InputError            bad user input: a file that cannot be read, an unknown format, a bad option
    │   └── RecordError       one malformed record (file, line, reason); ingest reports it and goes on
    ├── VocabularyError       a vocabulary/pattern data file is malformed (a bug in data/, not user input)
    ├── ExtractionError       the extraction pipeline failed on a text (should never happen on user text)
    ├── StoreError            the graph store failed
    │   ├── StoreUnavailable  cannot reach / authenticate to the store (Neo4j down, wrong password)
    │   ├── QueryTimeout      a read ran past the server-side time limit
    │   └── NotFound          a paper or entity that the store does not hold
    └── MissingExtra          an optional dependency group is not installed (says which pip install fixes it)
"""

from __future__ import annotations


class KGError(Exception):
    """Root of every error kg raises on purpose."""

    code = "E000"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:  # "[E101] cannot read foo.jsonl: ..."
        return f"[{self.code}] {self.message}"


class InputError(KGError):
    """User input cannot be used as given (file missing, unknown format, bad option value)."""

    code = "E100"


class RecordError(InputError):
    """One malformed input record; carries where it is so that it can be reported and skipped."""

    code = "E101"

    def __init__(self, source: str, line: int | None, reason: str) -> None:
        self.source = source
        self.line = line
        self.reason = reason
        where = f"{source}:{line}" if line is not None else source
        super().__init__(f"{where}: {reason}")


class VocabularyError(KGError):
    """A vocabulary or pattern file under data/ is malformed."""

    code = "E200"


class ExtractionError(KGError):
    """The extraction pipeline failed on a text."""

    code = "E300"


class StoreError(KGError):
    """The graph store failed to read or write."""

    code = "E400"


class StoreUnavailable(StoreError):
    """The store cannot be reached or refused the credentials."""

    code = "E401"


class QueryTimeout(StoreError):
    """A read ran longer than the time limit set for it (Neo4j transaction timeout, API deadline)."""

    code = "E402"


class NotFound(StoreError):
    """The store holds no paper or entity of that id or name; ``suggestions`` are close names
    (the GraphQL layer sends them in ``extensions.suggestions``)."""

    code = "E404"

    def __init__(self, message: str, suggestions: tuple[str, ...] | list[str] = ()) -> None:
        super().__init__(message)
        self.suggestions = tuple(suggestions)


class MissingExtra(KGError):
    """An optional dependency is missing; the message names the ``pip install`` that fixes it."""

    code = "E500"

    def __init__(self, module: str, extra: str) -> None:
        super().__init__(
            f"this needs the optional package '{module}': pip install 'kg[{extra}]'"
        )
