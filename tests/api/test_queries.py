"""What the GraphQL API answers, over HTTP, on the hand-made graph — against BOTH real stores
(networkx and Neo4j) with the same expected answers."""

from __future__ import annotations

import pytest

from kg.models import fold

PAGE = "{ id }"


def _ids(rows: list[dict]) -> list[str]:
    return [r["id"] for r in rows]


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        ('{divergence: {name: "KL"}}', ["h2", "h4"]),
        ('{divergence: {name: "relative entropy"}}', ["h2", "h4"]),
        ('{divergence: {name: "kullback–leibler divergence"}}', ["h2", "h4"]),
        ('{divergence: {name: "f-divergence"}}', ["h2", "h4"]),
        ('{divergence: {name: "f-divergence", exact: true}}', []),
        ('{divergence: {name: "optimal transport"}}', ["h1", "h4"]),
        ('{divergence: {name: "KL", variant: REVERSE}}', ["h2"]),
        ('{divergence: {name: "reverse KL"}}', ["h2"]),
        ('{method: {name: "GAN"}}', ["h1", "h3", "h4"]),
        ('{method: {name: "wgan flow", role: PROPOSED}}', ["h1"]),
        ('{method: {name: "GAN", role: PROPOSED}}', []),
        ('{dataset: {name: "cifar10"}}', ["h1", "h3"]),
        ('{uses: [{name: "Wasserstein"}, {name: "CIFAR-10"}]}', ["h1"]),
        ('{divergence: {name: "optimal transport"}, dataset: {name: "CIFAR-10"}}', ["h1"]),
        ("{year: {gte: 2021}}", ["h3", "h4"]),
        ("{year: {gte: 2020, lte: 2020}}", ["h2"]),
        ('{text: "samples"}', ["h1", "h3"]),
        ('{text: "GAN samples", year: {lte: 2020}}', ["h1"]),
        ('{method: {name: "GAN"}, text: "sinkhorn"}', ["h4"]),
        ('{id: {in: ["h3", "h1", "nope"]}}', ["h1", "h3"]),
    ],
)
def test_queries_papers_where(client, where, expected):
    data = client.data(f"{{ papers(where: {where}) {PAGE} papersConnection(where: {where}) {{ totalCount }} }}")
    assert _ids(data["papers"]) == expected
    assert data["papersConnection"]["totalCount"] == len(expected)


@pytest.mark.parametrize(
    ("where", "code", "message"),
    [
        ('{uses: [{name: "MNIST", kind: METHOD}]}', "NOT_FOUND", "[E404] no method named 'MNIST'"),
        ('{divergence: {name: "no such divergence"}}', "NOT_FOUND", "[E404] no divergence named 'no such divergence'"),
        ('{divergence: {name: "  "}}', "BAD_USER_INPUT", "an entity name must not be blank"),
    ],
)
def test_queries_unknown_or_blank_name_is_an_error_like_the_cli(client, where, code, message):
    body = client.gql(f"{{ papers(where: {where}) {{ id }} }}")
    (error,) = body["errors"]
    assert error["extensions"]["code"] == code and message in error["message"]


def test_queries_matches_carry_the_evidence_of_the_filter(client):
    data = client.data(
        '{ papers(where: {divergence: {name: "KL"}}) { id abstract matches { entity { id } variant '
        "evidence { start end surface sentence rule extractorVersion } } } }"
    )
    by_id = {p["id"]: p for p in data["papers"]}
    assert [m["entity"]["id"] for m in by_id["h2"]["matches"]] == ["divergence:kullback-leibler"]
    assert by_id["h2"]["matches"][0]["variant"] == "REVERSE"
    for paper in data["papers"]:
        for match in paper["matches"]:
            for ev in match["evidence"]:
                assert paper["abstract"][ev["start"] : ev["end"]] == ev["surface"]
                assert ev["surface"] in ev["sentence"]
                assert ev["extractorVersion"] == "test-1"


def test_queries_paper_with_everything(client):
    data = client.data(
        '{ paper(id: "h1") { id title year contentHash extractorVersion '
        "methods { entity { name } role mentions } "
        "divergences { entity { name ... on Divergence { family { name } } } } "
        "datasets { entity { name } } tags(kind: DATASET) { entity { id } } "
        "claims { id type text about { id } paper { id } } } }"
    )
    paper = data["paper"]
    assert paper["extractorVersion"] == "test-1"
    assert len(paper["contentHash"]) == 16
    assert {(m["entity"]["name"], m["role"]) for m in paper["methods"]} == {
        ("WGAN-Flow", "PROPOSED"),
        ("generative adversarial network", "USED"),
    }
    assert paper["divergences"][0]["entity"]["family"]["name"] == "optimal transport distance"
    assert [t["entity"]["id"] for t in paper["tags"]] == ["dataset:cifar-10"]
    assert [(c["id"], c["type"]) for c in paper["claims"]] == [("h1#0", "PROPOSAL"), ("h1#1", "EMPIRICAL")]
    assert {a["id"] for a in paper["claims"][0]["about"]} == {"method:wgan", "method:gan", "divergence:wasserstein"}
    assert paper["claims"][1]["paper"]["id"] == "h1"


def test_queries_unknown_paper_is_null_not_an_error(client):
    body = client.gql('{ paper(id: "nope") { id } }')
    assert body == {"data": {"paper": None}} or (body["data"] == {"paper": None} and not body.get("errors"))


@pytest.mark.parametrize("order", ["ID", "YEAR", "TITLE"])
def test_queries_relay_pages_walk_every_paper_once_in_a_stable_order(client, order):
    everything = _ids(client.data(f"{{ papers(limit: 100, orderBy: {order}) {PAGE} }}")["papers"])
    assert sorted(everything) == ["h1", "h2", "h3", "h4"]
    seen, after = [], None
    for _ in range(10):
        arg = f', after: "{after}"' if after else ""
        conn = client.data(
            f"{{ papersConnection(first: 3, orderBy: {order}{arg}) {{ totalCount "
            "pageInfo { hasNextPage hasPreviousPage endCursor } edges { cursor node { id } } } }"
        )["papersConnection"]
        assert conn["totalCount"] == 4
        assert conn["pageInfo"]["hasPreviousPage"] == bool(after)
        seen += [e["node"]["id"] for e in conn["edges"]]
        if not conn["pageInfo"]["hasNextPage"]:
            break
        after = conn["pageInfo"]["endCursor"]
    assert seen == everything
    offset_page = _ids(client.data(f"{{ papers(limit: 2, offset: 2, orderBy: {order}) {PAGE} }}")["papers"])
    assert offset_page == everything[2:4]


@pytest.mark.parametrize(
    ("field", "args", "expected"),
    [
        ("methods", "", ["generative adversarial network", "variational inference", "WGAN-Flow"]),
        ("methods", "orderBy: NAME", ["generative adversarial network", "variational inference", "WGAN-Flow"]),
        ("methods", 'where: {name: {contains: "GAN"}}', ["WGAN-Flow"]),
        ("methods", 'where: {name: {startsWith: "var"}}', ["variational inference"]),
        ("methods", 'where: {name: {eq: "wgan flow"}}', ["WGAN-Flow"]),
        ("methods", "where: {paperCount: {gte: 2}}", ["generative adversarial network"]),
        ("datasets", 'where: {name: {eq: "mnist"}}', ["MNIST"]),
        ("datasets", "orderBy: PAPER_COUNT", ["CIFAR-10", "MNIST"]),
        ("divergences", 'where: {name: {contains: "divergence"}}, orderBy: NAME',
         ["f-divergence", "Kullback-Leibler divergence", "Sinkhorn divergence"]),
        ("divergences", "limit: 2", ["Kullback-Leibler divergence", "maximum mean discrepancy"]),
    ],
)
def test_queries_entity_lists_filter_and_sort(client, field, args, expected):
    query = f"{{ {field}{f'({args})' if args else ''} {{ name paperCount }} }}"
    rows = client.data(query)[field]
    assert [r["name"] for r in rows] == expected
    assert all(isinstance(r["paperCount"], int) for r in rows)


def test_queries_entity_connection_and_papers(client):
    data = client.data(
        "{ divergencesConnection(first: 2, orderBy: NAME) { totalCount pageInfo { hasNextPage } "
        "nodes { name papers { id } exactly: papers(exact: true) { id } } } }"
    )
    conn = data["divergencesConnection"]
    assert conn["totalCount"] == 6 and conn["pageInfo"]["hasNextPage"]
    f_div = conn["nodes"][0]
    assert f_div["name"] == "f-divergence"
    assert _ids(f_div["papers"]) == ["h2", "h4"] and f_div["exactly"] == []


@pytest.mark.parametrize(
    ("name", "kind", "expected"),
    [
        ("KL", None, "divergence:kullback-leibler"),
        ("Kullback-Leibler", None, "divergence:kullback-leibler"),
        ("relative entropy", "DIVERGENCE", "divergence:kullback-leibler"),
        ("GANs", None, "method:gan"),
        ("KL", "METHOD", None),
        ("zzz", None, None),
    ],
)
def test_queries_entity_resolves_aliases(client, name, kind, expected):
    kind_arg = f", kind: {kind}" if kind else ""
    entity = client.data(f'{{ entity(name: "{name}"{kind_arg}) {{ id __typename }} }}')["entity"]
    assert (entity or {}).get("id") == expected


def test_queries_suggest_close_names(client):
    rows = client.data('{ suggest(name: "wasser") { id } }')["suggest"]
    assert [r["id"] for r in rows] == ["divergence:wasserstein"]


def test_queries_taxonomy(client):
    roots = client.data("{ taxonomy { id children { id parents { id } } descendants { id } } }")["taxonomy"]
    by_id = {r["id"]: r for r in roots}
    assert sorted(by_id) == ["divergence:f-divergence", "divergence:mmd", "divergence:optimal-transport"]
    ot = by_id["divergence:optimal-transport"]
    assert [c["id"] for c in ot["children"]] == ["divergence:sinkhorn", "divergence:wasserstein"]
    assert all(c["parents"] == [{"id": "divergence:optimal-transport"}] for c in ot["children"])
    assert [d["id"] for d in by_id["divergence:f-divergence"]["descendants"]] == ["divergence:kullback-leibler"]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ('about: "GAN"', ["h1#0", "h3#1", "h4#0"]),
        ('about: "GAN", type: EMPIRICAL', ["h3#1"]),
        ("type: EMPIRICAL", ["h1#1", "h3#1"]),
        ('about: "f-divergence"', ["h4#0"]),
        ('about: "f-divergence", exact: true', []),
    ],
)
def test_queries_claims(client, args, expected):
    data = client.data(
        f"{{ claims({args}) {{ id text type about {{ name }} paper {{ title }} }} "
        f"claimsConnection({args}) {{ totalCount }} }}"
    )
    assert _ids(data["claims"]) == expected
    assert data["claimsConnection"]["totalCount"] == len(expected)
    assert all(c["paper"]["title"] and c["text"] for c in data["claims"])


def test_queries_cooccurrence_and_facets(client):
    data = client.data(
        '{ cooccurring(name: "optimal transport", kind: METHOD) { entity { name } paperCount } '
        "byYear: papersByYear { year paperCount } "
        'cifarByYear: papersByYear(name: "CIFAR-10") { year paperCount } '
        "stats { papers claims entities { key count } links { key count } } }"
    )
    assert [(r["entity"]["name"], r["paperCount"]) for r in data["cooccurring"]] == [
        ("generative adversarial network", 2),
        ("WGAN-Flow", 1),
    ]
    assert data["byYear"] == [{"year": 2019, "paperCount": 1}, {"year": 2020, "paperCount": 1},
                              {"year": 2021, "paperCount": 2}]
    assert data["cifarByYear"] == [{"year": 2019, "paperCount": 1}, {"year": 2021, "paperCount": 1}]
    body = client.gql('{ nothing: papersByYear(name: "unknown") { year } }')
    assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"  # as in the CLI, not an empty list
    stats = data["stats"]
    assert stats["papers"] == 4 and stats["claims"] == 5
    assert {e["key"]: e["count"] for e in stats["entities"]} == {"dataset": 2, "divergence": 6, "method": 3}


def test_queries_get_requests_work_too(client):
    response = client.request("GET", "/graphql", params={"query": '{ paper(id: "h2") { title } }'})
    assert response.status_code == 200
    assert response.json()["data"]["paper"]["title"] == "Mass-covering variational inference"


def test_queries_cypher_extension_only_on_neo4j(client, api_store):
    body = client.gql('{ papers(where: {divergence: {name: "KL"}}) { id } }')
    if api_store.name == "neo4j":
        cypher = body["extensions"]["cypher"]
        assert any("MATCH" in c["query"] for c in cypher)
        assert all(isinstance(c["params"], dict) for c in cypher)
        assert all("KL" not in c["query"] for c in cypher)  # user input travels as parameters only
    else:
        assert "cypher" not in body["extensions"]
        assert body["extensions"]["explain"][0].startswith("networkx plan:")


def test_queries_concurrent_requests_get_their_own_answers_and_cypher(client, api_store):
    """Concurrent requests (the server runs each in its own worker thread) each get their own
    papers and, on Neo4j, the Cypher they ran — not a neighbour's."""
    import asyncio

    expected = {"KL": ["h2", "h4"], "MMD": ["h3"], "Wasserstein": ["h1"], "CIFAR-10": ["h1", "h3"]}
    names = list(expected) * 5
    query = "query($n: String!) { papers(where: {uses: [{name: $n}]}) { id } }"

    async def one(name):
        r = await client.http.post("/graphql", json={"query": query, "variables": {"n": name}})
        return name, r.json()

    async def many():
        return await asyncio.gather(*(one(n) for n in names))

    for name, body in client.loop.run_until_complete(many()):
        assert _ids(body["data"]["papers"]) == expected[name]
        if api_store.name == "neo4j":
            keys = [c["params"]["key"] for c in body["extensions"]["cypher"] if "key" in c["params"]]
            assert keys and all(k == fold(name) for k in keys), (name, keys)
        else:
            assert "cypher" not in body["extensions"]
