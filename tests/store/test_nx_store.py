"""What only the embedded store does: persistence (lazy load, atomic node-link JSON, flush on close),
clear errors for unusable files, and the documented node/edge keys."""

from __future__ import annotations

import json
import re
import sys

import pytest

from kg.errors import StoreError
from kg.models import EntityFilter, PaperQuery
from kg.store.nx_store import NetworkXStore

gd = sys.modules["kg_tests_graphdata"]  # loaded by tests/store/conftest.py


@pytest.fixture
def path(tmp_path):
    return tmp_path / "sub" / "graph.json"


def test_nx_store_persists_only_on_flush_and_reloads(path):
    store = NetworkXStore(path)
    store.write(gd.delta())
    assert not path.exists()
    store.close()
    assert path.exists()
    again = NetworkXStore(path)
    assert again.stats() == store.stats()
    assert again.papers(["p1", "p3"]) == store.papers(["p1", "p3"])
    assert [e.id for e in again.lookup("relative entropy")] == ["divergence:kullback-leibler"]
    assert [e.id for e in again.children("divergence:wasserstein")] == ["divergence:wasserstein-1"]


def test_nx_store_file_is_node_link_json_with_documented_keys(path):
    with NetworkXStore(path) as store:
        store.write(gd.delta())
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["graph"]["kg_format"] == 1
    assert "edges" in data and "links" not in data
    keys = {n["_key"] for n in data["nodes"]}
    assert {"Paper:p1", "Entity:divergence:kullback-leibler", "Claim:p1#0"} <= keys
    uses = [e for e in data["edges"] if e["source"] == "Paper:p1" and e["key"] == "USES"]
    assert {e["target"] for e in uses} == {"Entity:method:gan", "Entity:divergence:kullback-leibler"}
    kl = next(e for e in uses if e["target"].endswith("kullback-leibler"))
    assert kl["variant"] == "reverse" and kl["rules"] == ["divergence.vocab:divergence:kullback-leibler"]
    assert json.loads(kl["evidence"])[0]["surface"] == "reverse KL divergence"


def test_nx_store_flush_is_atomic_and_skips_when_clean(path):
    with NetworkXStore(path) as store:
        store.write(gd.delta())
    stamp = path.stat().st_mtime_ns
    store = NetworkXStore(path)
    store.find_papers(PaperQuery(using=(EntityFilter(ids=("divergence:kullback-leibler",)),)))
    store.close()
    assert path.stat().st_mtime_ns == stamp
    assert [p.name for p in path.parent.iterdir()] == ["graph.json"]


def test_nx_store_loads_lazily(path):
    path.parent.mkdir(parents=True)
    path.write_text("{not json", encoding="utf-8")
    store = NetworkXStore(path)  # opening does not read
    with pytest.raises(StoreError) as info:
        store.stats()
    assert str(path) in str(info.value) and "\n" not in str(info.value)


@pytest.mark.parametrize(
    "content",
    [
        '{"directed": true, "multigraph": true, "graph": {}, "nodes": [], "edges": []}',
        '{"nodes": 3}',
        "[]",
    ],
)
def test_nx_store_rejects_foreign_files(path, content):
    path.parent.mkdir(parents=True)
    path.write_text(content, encoding="utf-8")
    with pytest.raises(StoreError):
        NetworkXStore(path).lookup("KL")


def test_nx_store_unwritable_location_is_a_store_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    store = NetworkXStore(blocker / "graph.json")
    store.write(gd.delta())
    with pytest.raises(StoreError, match="cannot write the graph file"):
        store.flush()


def test_nx_store_in_memory_without_path():
    store = NetworkXStore(None)
    store.write(gd.delta())
    store.close()
    assert store.stats().papers == 5


def test_nx_store_clear_is_persisted(path):
    with NetworkXStore(path) as store:
        store.write(gd.delta())
    with NetworkXStore(path) as store:
        store.clear()
    assert NetworkXStore(path).stats().papers == 0


@pytest.mark.parametrize(
    "content, message",
    [
        ('{"directed":true,"multigraph":true,"graph":{"kg_format":1},'
         '"nodes":[{"_key":"Paper:x","id":"x","label":"Paper"}],"edges":[]}', "is damaged: node 'x' (Paper)"),
        ("[1, 2]", "is not a kg graph file"),
        ("{not json", "is not a kg graph file (not JSON"),
    ],
)
def test_nx_store_damaged_file_is_one_store_error(tmp_path, content, message):
    from kg.errors import StoreError
    from kg.store.nx_store import NetworkXStore

    path = tmp_path / "graph.json"
    path.write_text(content)
    with pytest.raises(StoreError, match=re.escape(message)):
        NetworkXStore(path).stats()
