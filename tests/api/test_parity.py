"""The CLI and the GraphQL API give the same answer (ids and totals) to each question, on both
stores, over the seed corpus — they are adapters over one query core (kg.query) and must not drift.

Each case is one researcher question asked three ways: the CLI (``--json``), GraphQL, and on the
other store; every way must agree, and the answer must not be empty (so agreement is not vacuous).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kg.cli import app

PAPER_CASES = [
    # (CLI args, GraphQL where, GraphQL extra args)
    (["papers-using", "KL divergence"], '{uses: [{name: "KL divergence"}]}', ""),
    (["papers-using", "GAN", "--order", "id"], '{uses: [{name: "GAN"}]}', "orderBy: ID"),
    (["papers-using", "f-divergence", "--order", "title", "--desc"], '{uses: [{name: "f-divergence"}]}',
     "orderBy: TITLE, direction: DESC"),
    (["papers-using", "diffusion model", "--with", "KL divergence"],
     '{uses: [{name: "diffusion model"}], with: ["KL divergence"]}', ""),
    (["papers-using", "Wasserstein distance", "--with", "GAN"],
     '{uses: [{name: "Wasserstein distance"}], with: ["GAN"]}', ""),
    (["papers", "--role", "proposed", "--dataset", "CIFAR-10"],
     '{method: {role: PROPOSED}, datasets: ["CIFAR-10"]}', ""),
    (["papers", "--any", "divergence", "--text", "variational"], '{divergence: {}, text: "variational"}', ""),
]


def _cli(args: list[str], store_args: list[str]) -> dict:
    result = CliRunner().invoke(app, [*args, *store_args, "--json", "--limit", "100"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def both(request, seed_delta, tmp_path_factory):
    """``{kind: (CLI store args, GraphQL client)}`` over the seed, for SQLite and Neo4j."""
    from kg.api import create_app
    from kg.store.sqlite_store import SQLiteStore

    here = str(Path(__file__).with_name("conftest.py"))
    api_conftest = next((m for m in list(sys.modules.values()) if getattr(m, "__file__", None) == here), None)
    if api_conftest is None:  # another folder's conftest took the name "conftest": load ours by path
        import importlib.util

        spec = importlib.util.spec_from_file_location("kg_tests_api_conftest", here)
        api_conftest = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(api_conftest)
    Client, open_test_store = api_conftest.Client, api_conftest.open_test_store

    path = Path(tmp_path_factory.mktemp("parity")) / "graph.json"
    with SQLiteStore(path) as nx:
        nx.write(seed_delta)
    out = {"sqlite": (["--store", "sqlite", "--graph", str(path)], Client(create_app(SQLiteStore(path))))}
    uri = request.getfixturevalue("neo4j_uri")
    neo = open_test_store("neo4j", request)
    neo.write(seed_delta)
    out["neo4j"] = (["--store", "neo4j", "--uri", uri], Client(create_app(neo)))
    yield out
    for _, client in out.values():
        client.close()
    neo.close()


@pytest.mark.parametrize(("cli", "where", "extra"), PAPER_CASES, ids=[" ".join(c[0]) for c in PAPER_CASES])
def test_parity_papers_cli_and_graphql_agree_on_both_stores(both, cli, where, extra):
    answers = {}
    for kind, (store_args, client) in both.items():
        c = _cli(cli, store_args)
        sep = ", " if extra else ""
        g = client.data(f"{{ papersConnection(where: {where}, first: 100{sep}{extra}) "
                        "{ totalCount nodes { id matches { entity { id } } } } }")["papersConnection"]
        cli_answer = (c["total"], [p["id"] for p in c["papers"]],
                      [sorted(m["entity"] for m in p["matches"]) for p in c["papers"]])
        gql_answer = (g["totalCount"], [n["id"] for n in g["nodes"]],
                      [sorted(m["entity"]["id"] for m in n["matches"]) for n in g["nodes"]])
        assert cli_answer == gql_answer, kind
        answers[kind] = cli_answer
    assert answers["sqlite"] == answers["neo4j"]
    assert answers["sqlite"][0] > 0, "a question with no answer proves nothing"


@pytest.mark.parametrize(
    ("cli", "gql", "pick_cli", "pick_gql"),
    [
        (["claims", "--about", "KL divergence"], '{ claimsConnection(about: "KL divergence", first: 100) '
         "{ totalCount nodes { id } } }",
         lambda d: (d["total"], [c["id"] for c in d["claims"]]),
         lambda d: (d["claimsConnection"]["totalCount"], [n["id"] for n in d["claimsConnection"]["nodes"]])),
        (["cooccurring", "Wasserstein distance", "--kind", "method", "--limit", "100"],
         '{ cooccurring(name: "Wasserstein distance", kind: METHOD, limit: 100) { entity { id } paperCount } }',
         lambda d: [(e["id"], e["paperCount"]) for e in d["entities"]],
         lambda d: [(r["entity"]["id"], r["paperCount"]) for r in d["cooccurring"]]),
        (["years", "GAN"], '{ papersByYear(name: "GAN") { year paperCount } }',
         lambda d: [(y["year"], y["paperCount"]) for y in d["years"]],
         lambda d: [(y["year"], y["paperCount"]) for y in d["papersByYear"]]),
        (["entities", "--kind", "dataset", "--top", "50"],
         "{ datasetsConnection(first: 50) { totalCount nodes { id paperCount } } }",
         lambda d: (d["total"], [(e["id"], e["paperCount"]) for e in d["entities"]]),
         lambda d: (d["datasetsConnection"]["totalCount"],
                    [(n["id"], n["paperCount"]) for n in d["datasetsConnection"]["nodes"]])),
    ],
    ids=["claims", "cooccurring", "years", "entities"],
)
def test_parity_other_questions_agree_on_both_stores(both, cli, gql, pick_cli, pick_gql):
    answers = {}
    for kind, (store_args, client) in both.items():
        args = [a for a in cli]
        result = CliRunner().invoke(app, [*args, *store_args, "--json"])
        assert result.exit_code == 0, result.output
        a, b = pick_cli(json.loads(result.stdout)), pick_gql(client.data(gql))
        assert a == b, kind
        answers[kind] = a
    assert answers["sqlite"] == answers["neo4j"]
    assert answers["sqlite"], "a question with no answer proves nothing"


@pytest.mark.parametrize(
    ("cli", "gql"),
    [
        (["papers-using", "diffusoin modle"], '{ papers(where: {uses: [{name: "diffusoin modle"}]}) { id } }'),
        (["claims", "--about", "wasserstien"], '{ claims(about: "wasserstien") { id } }'),
        (["cooccurring", "wasserstien"], '{ cooccurring(name: "wasserstien") { paperCount } }'),
        (["years", "wasserstien"], '{ papersByYear(name: "wasserstien") { year } }'),
    ],
    ids=["papers", "claims", "cooccurring", "years"],
)
def test_parity_unknown_name_is_the_same_error_everywhere(both, cli, gql):
    for kind, (store_args, client) in both.items():
        result = CliRunner().invoke(app, [*cli, *store_args])
        assert result.exit_code == 1 and "[E404]" in result.stderr, kind
        body = client.gql(gql)
        (error,) = body["errors"]
        assert error["extensions"]["code"] == "NOT_FOUND"
        assert error["extensions"]["suggestions"], error
        assert error["message"] in result.stderr.replace("\n", " ") or error["message"].split(";")[0] in result.stderr
        suggested = error["message"].split("did you mean: ")[-1].rstrip("?").split(", ")
        assert suggested == error["extensions"]["suggestions"]


@pytest.mark.parametrize("limit", [-1, 101, 500])
def test_parity_out_of_range_limit_is_an_error(both, limit):
    for _, client in both.values():
        body = client.gql(f'{{ papers(where: {{uses: [{{name: "KL"}}]}}, limit: {limit}) {{ id }} }}')
        (error,) = body["errors"]
        assert error["extensions"]["code"] == "BAD_USER_INPUT"
        assert "limit must be between 0 and 100" in error["message"]
        body = client.gql(f"{{ papersConnection(first: {limit}) {{ totalCount }} }}")
        assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


def test_parity_cursor_is_refused_under_other_filters_or_order(both):
    for _, client in both.values():
        first = client.data('{ papersConnection(where: {uses: [{name: "GAN"}]}, first: 2) '
                            "{ pageInfo { endCursor } nodes { id } } }")["papersConnection"]
        cursor = first["pageInfo"]["endCursor"]
        ok = client.data(f'{{ papersConnection(where: {{uses: [{{name: "GAN"}}]}}, first: 2, after: "{cursor}") '
                         "{ nodes { id } } }")["papersConnection"]
        assert ok["nodes"] and not {n["id"] for n in ok["nodes"]} & {n["id"] for n in first["nodes"]}
        for other in ('where: {uses: [{name: "GAN"}]}, orderBy: YEAR', 'where: {uses: [{name: "VAE"}]}'):
            body = client.gql(f'{{ papersConnection({other}, first: 2, after: "{cursor}") {{ totalCount }} }}')
            (error,) = body["errors"]
            assert error["extensions"]["code"] == "BAD_USER_INPUT" and "other filters" in error["message"]


def test_parity_cli_cursor_continues_the_same_question(both):
    store_args, client = both["sqlite"]
    result = CliRunner().invoke(app, ["papers-using", "GAN", *store_args, "--json", "--limit", "3"])
    page1 = json.loads(result.stdout)
    result = CliRunner().invoke(app, ["papers-using", "GAN", *store_args, "--json", "--limit", "3",
                                      "--after", page1["next_cursor"]])
    page2 = json.loads(result.stdout)
    full = _cli(["papers-using", "GAN"], store_args)
    assert [p["id"] for p in page1["papers"] + page2["papers"]] == [p["id"] for p in full["papers"]][:6]
    after = page1["next_cursor"]
    g = client.data(f'{{ papersConnection(where: {{uses: [{{name: "GAN"}}]}}, first: 3, after: "{after}") '
                    "{ nodes { id } } }")
    assert [n["id"] for n in g["papersConnection"]["nodes"]] == [p["id"] for p in page2["papers"]]
    bad = CliRunner().invoke(app, ["papers-using", "VAE", *store_args, "--after", page1["next_cursor"]])
    assert bad.exit_code == 2 and "other filters" in bad.stderr


def test_parity_explain_shows_cypher_or_plan(both):
    for kind, (store_args, client) in both.items():
        result = CliRunner().invoke(app, ["papers-using", "KL", *store_args, "--explain", "--limit", "1"])
        assert result.exit_code == 0
        expected = "USING INDEX SEEK m:FAM(" if kind == "neo4j" else "sqlite:"  # a family page read in index order
        assert expected in result.stderr
        body = client.gql('{ papers(where: {uses: [{name: "KL"}]}, limit: 1) { id } }')
        assert expected in body["extensions"]["explain"][0]
