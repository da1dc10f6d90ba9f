"""Settings: flags over environment over defaults; bad values are InputErrors, never tracebacks."""

from __future__ import annotations

import pytest

from kg.config import load_settings
from kg.errors import InputError


def test_config_standard_neo4j_env_names(monkeypatch):
    monkeypatch.setenv("NEO4J_URI", "neo4j://db.example:7687")
    monkeypatch.setenv("NEO4J_PASSWORD", "s3cret-pass")
    monkeypatch.setenv("NEO4J_DATABASE", "papers")
    s = load_settings()
    assert s.neo4j_uri == "neo4j://db.example:7687"
    assert s.neo4j_password.get_secret_value() == "s3cret-pass"
    assert "s3cret-pass" not in repr(s)
    assert s.neo4j_database == "papers"


def test_config_kg_prefix_wins_over_standard_names(monkeypatch):
    monkeypatch.setenv("NEO4J_URI", "bolt://a:1")
    monkeypatch.setenv("KG_NEO4J_URI", "bolt://b:2")
    assert load_settings().neo4j_uri == "bolt://b:2"


def test_config_flags_override_env_and_none_is_not_given(monkeypatch):
    monkeypatch.setenv("KG_STORE", "neo4j")
    assert load_settings(store=None).store == "neo4j"
    assert load_settings(store="networkx").store == "networkx"
    assert load_settings(store="sqlite").store == "sqlite"


@pytest.mark.parametrize("var,value", [("KG_STORE", "postgres"), ("KG_BATCH_SIZE", "0"), ("KG_BATCH_SIZE", "many")])
def test_config_bad_value_is_input_error(monkeypatch, var, value):
    monkeypatch.setenv(var, value)
    with pytest.raises(InputError, match=r"bad setting"):
        load_settings()


@pytest.mark.parametrize("value", ["lots", "512 m", "-1g", "1gb"])
def test_bulk_admin_memory_setting_is_checked(value):
    assert load_settings(neo4j_admin_memory="512m").neo4j_admin_memory == "512m"
    assert load_settings(neo4j_admin_memory="25%").neo4j_admin_memory == "25%"
    with pytest.raises(InputError, match="neo4j_admin_memory"):
        load_settings(neo4j_admin_memory=value)


@pytest.mark.parametrize("value", ["lots", "512 m", "-1g", "25%"])
def test_bulk_admin_pagecache_setting_is_checked(value):
    assert load_settings().neo4j_admin_pagecache == "512m"
    assert load_settings(neo4j_admin_pagecache="2g").neo4j_admin_pagecache == "2g"
    with pytest.raises(InputError, match="neo4j_admin_pagecache"):
        load_settings(neo4j_admin_pagecache=value)
