"""Every example query a user would copy (queries/*.graphql) runs as it is — default variables —
on the bundled seed corpus, returns data, and gives the same answer on SQLite and on Neo4j."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "queries").glob("*.graphql"))

# Top-level fields that may be empty on the bundled seed, and why.
MAY_BE_EMPTY = {
    ("facets.graphql", "allYears"): "the seed abstracts carry no publication year",
    ("facets.graphql", "familyYears"): "the seed abstracts carry no publication year",
}


def _empty(value) -> bool:
    return value is None or value == [] or value == {} or (isinstance(value, dict) and value.get("totalCount") == 0)


def test_examples_exist():
    names = {p.name for p in EXAMPLES}
    for wanted in ("papers-using", "paper-with-evidence", "cooccurrence", "claims-about", "taxonomy"):
        assert f"{wanted}.graphql" in names


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_examples_return_data_on_the_seed_and_agree_across_stores(seed_clients, path):
    query = path.read_text(encoding="utf-8")
    answers = {}
    for kind, client in seed_clients.items():
        body = client.gql(query)
        assert not body.get("errors"), (kind, body["errors"])
        data = body["data"]
        for field, value in data.items():
            if (path.name, field) not in MAY_BE_EMPTY:
                assert not _empty(value), f"{path.name}: {field} is empty on {kind}"
        answers[kind] = data
    first = next(iter(answers.values()))
    for kind, data in answers.items():
        assert data == first, f"{path.name}: {kind} answers differently"
