"""The tail of a bulk load (entities, ABOUT, families, summary nodes) writes the same files whether
its family pass runs in a second process (large loads) or in this one. No Neo4j needed: the import
itself is not run (tests/ingest/test_bulk.py runs it on the real server)."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

import kg.store
from kg.ingest import ingest
from kg.models import Stats
from kg.store import bulk as B


class _EmptyDatabase:
    """What ingest and BulkImport ask of a Neo4j store whose database is empty."""

    name, database, uri = "stand-in", "neo4j", "bolt://stand-in"

    def _read(self, query, **params):
        return [{"nodes": 0}]

    def paper_versions(self, ids):
        return {}

    def stats(self):
        return Stats(papers=0, entities={}, links={}, claims=0)

    def flush(self):
        pass


class _Staging(B.BulkImport):
    def finish(self) -> None:  # the CSV files, not the import
        self._write_tail()
        self._close_files()

    def close(self) -> None:
        self._close_files()


def _stage(corpus: Path, out: Path, monkeypatch, parallel_above: int,
           made: list[_Staging] | None = None) -> dict[str, bytes]:
    def loader(store):
        stage = _Staging(_EmptyDatabase(), admin=["true"], directory=out, keep=True)
        if made is not None:
            made.append(stage)
        return stage

    monkeypatch.setattr(B, "PARALLEL_TAIL", parallel_above)
    monkeypatch.setattr(kg.store, "check_bulk_load", lambda store: None)
    monkeypatch.setattr(kg.store, "bulk_loader", loader)
    report = ingest([corpus], _EmptyDatabase(), bulk=True, workers=1)
    assert report.new > 200
    (folder,) = out.iterdir()
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def _die(*args) -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def test_bulk_tail_in_two_processes_writes_the_same_files(seed_jsonl, tmp_path, monkeypatch):
    inline = _stage(seed_jsonl, tmp_path / "inline", monkeypatch, parallel_above=10**9)
    parallel = _stage(seed_jsonl, tmp_path / "parallel", monkeypatch, parallel_above=0)
    assert "rel_FAM.csv" in inline and "nodes_FamPair.csv" in inline and "nodes_KgTag.csv" in inline
    assert not {"fam.staged", "about.staged"} & set(inline)  # staging files removed once read
    assert inline["rel_FAM.csv"].count(b"\n") > 500 and inline["nodes_KgTag.csv"].count(b"\n") > 2
    assert sorted(parallel) == sorted(inline)
    for name in inline:
        assert parallel[name] == inline[name], name


def test_bulk_tail_process_failure_is_a_store_error(seed_jsonl, tmp_path, monkeypatch):
    """A family pass that dies (here: its process is killed) is reported as a StoreError."""
    from kg.errors import StoreError

    monkeypatch.setattr(B, "write_families", _die)
    with pytest.raises(StoreError, match="family relationships"):
        _stage(seed_jsonl, tmp_path / "dies", monkeypatch, parallel_above=0)


def test_bulk_parses_only_files_with_line_breaks_as_multiline(seed_jsonl, wrapped_seed_jsonl, tmp_path,
                                                              monkeypatch):
    """neo4j-admin's multi-line mode is slow: it is asked for only on the files with a line break in
    a cell (a hard-wrapped abstract, its sentences and claims), listed with the v2 format; a corpus
    without any imports with ``--multiline-fields=false``. tests/ingest/test_bulk.py imports both
    kinds with the real neo4j-admin."""
    made: list[_Staging] = []
    _stage(seed_jsonl, tmp_path / "flat", monkeypatch, parallel_above=10**9, made=made)
    assert made[0].multiline == set()
    command = made[0].command()
    assert "--multiline-fields=false" in command and not any("format=v2" in a for a in command)

    made.clear()
    _stage(wrapped_seed_jsonl, tmp_path / "wrapped", monkeypatch, parallel_above=0, made=made)
    stage = made[0]
    assert {"nodes_Paper.csv", "nodes_Claim.csv", "rel_USES.csv"} <= stage.multiline
    assert not {"rel_FAM.csv", "rel_MAKES.csv", "nodes_Entity.csv", "rel_ABOUT.csv"} & stage.multiline
    command = stage.command()
    assert "--multiline-fields-format=v2" in command
    (listed,) = [a.split("=", 1)[1] for a in command if a.startswith("--multiline-fields=")]
    assert sorted(listed.split(",")) == sorted(str(stage.directory / n) for n in stage.multiline)


@pytest.mark.parametrize("setting,want", [(None, "512m"), ("1g", "1g"), ("", None)])
def test_import_page_cache_is_its_own(setting, want, tmp_path, monkeypatch):
    """neo4j-admin's import reads the server home's page cache size, which a server for queries sets
    large (RSS follows it); kg gives the import its own (``KG_NEO4J_ADMIN_PAGECACHE``, default 512m)
    through ``--additional-config``, or the home's when the setting is empty. tests/ingest/test_bulk.py
    runs the real neo4j-admin with the default."""
    if setting is not None:
        monkeypatch.setenv("KG_NEO4J_ADMIN_PAGECACHE", setting)
    stage = _Staging(_EmptyDatabase(), admin=["true"], directory=tmp_path, keep=True)
    command = stage.command()
    configs = [a.split("=", 1)[1] for a in command if a.startswith("--additional-config=")]
    if want is None:
        assert configs == []
    else:
        (path,) = configs
        assert Path(path).parent == stage.directory
        assert Path(path).read_text(encoding="utf-8") == f"server.memory.pagecache.size={want}\n"
    stage.cleanup()
