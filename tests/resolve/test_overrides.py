"""Curation overrides (kg.resolve.overrides): validated with the line of a bad entry, applied to
extractions (reject, alias, merge, split, rename, family) and written back as a reviewed file."""

from __future__ import annotations

import pytest

from kg.errors import InputError
from kg.resolve.overrides import Alias, Family, Merge, Overrides, Reject, Rename, Split
from tests import world as gd


def p1():
    return gd.extractions()[0]  # AlphaNet (proposed), GAN (used), reverse KL, CIFAR-10; 2 claims


def test_overrides_reject_drops_the_tag_and_its_claim_mentions():
    ov = Overrides(items=(Reject(paper="p1", entity="method:gan"),))
    x = ov.apply(p1())
    assert [t.entity.id for t in x.methods] == ["method:alphanet"]
    assert all("method:gan" not in c.about for c in x.claims)
    assert ov.apply(gd.extractions()[2]).methods[0].entity.id == "method:gan"  # other papers keep it


def test_overrides_alias_and_rename_edit_the_entity():
    ov = Overrides(items=(Alias(entity="method:gan", alias="adversarial nets"),
                          Rename(entity="method:gan", name="Generative Adversarial Network")))
    gan = next(t for t in ov.apply(p1()).methods if t.entity.id == "method:gan").entity
    assert gan.name == "Generative Adversarial Network"
    assert "adversarial nets" in gan.aliases and "GAN" in gan.aliases


def test_overrides_merge_joins_tags_and_repoints_claims():
    ov = Overrides(items=(Merge(entity="method:alphanet", into="method:gan"),))
    x = ov.apply(p1(), {"method:gan": gd.GAN, "method:alphanet": gd.ALPHANET})
    (tag,) = x.methods
    assert tag.entity.id == "method:gan" and tag.role == "proposed"
    assert set(tag.mentions) == {"AlphaNet", "GAN"} and len(tag.evidence) == 2
    assert "AlphaNet" in tag.entity.aliases  # the merged name still finds it
    assert x.claims[0].about == ("method:gan", "divergence:kullback-leibler")


def test_overrides_split_moves_the_matching_mentions():
    ov = Overrides(items=(Split(entity="dataset:cifar-10", alias="CIFAR-10", new_id="dataset:cifar-10-split",
                                name="CIFAR-10 (split)"),))
    (tag,) = ov.apply(p1()).datasets
    assert (tag.entity.id, tag.entity.name) == ("dataset:cifar-10-split", "CIFAR-10 (split)")
    assert tag.entity.kind == "dataset"
    untouched = Overrides(items=(Split(entity="dataset:cifar-10", alias="CIFAR10", new_id="dataset:x"),))
    assert untouched.apply(p1()).datasets[0].entity.id == "dataset:cifar-10"


def test_overrides_family_sets_parents_of_a_divergence():
    ov = Overrides(items=(Family(entity="divergence:wasserstein", family="divergence:integral-probability-metric"),))
    w = ov.edit_entity(gd.W)
    assert "divergence:integral-probability-metric" in w.parents


def test_overrides_file_round_trip_keeps_lines(tmp_path):
    path = tmp_path / "overrides.yaml"
    ov = Overrides(path=str(path))
    ov = ov.add(Reject(paper="p1", entity="method:gan", reason="GAN is only a baseline"))
    ov = ov.add(Alias(entity="method:gan", alias="adversarial nets"))
    ov = ov.add(Alias(entity="method:gan", alias="adversarial nets"))  # no duplicate
    ov.save(path)
    text = path.read_text()
    assert text.startswith("# kg curation overrides")
    back = Overrides.load(path)
    assert [o.op for o in back.items] == ["reject", "alias"]
    assert back.items[0].reason == "GAN is only a baseline" and back.items[0].line == 3
    assert back.digest == ov.digest and back.version("x") == f"x+ov.{ov.digest}"
    assert Overrides.load(tmp_path / "missing.yaml").items == ()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("- op: reject\n  paper: p1\n  entity: method:gan\n- op: alias\n  entity: gan\n  alias: x\n",
         ":4: bad override (entity must be an id like 'method:gan'"),
        ("- op: explode\n  entity: method:gan\n", ":1: bad override"),
        ("- op: merge\n  entity: method:gan\n  into: dataset:mnist\n", "same kind"),
        ("- op: alias\n  entity: method:gan\n  alias: x\n  colour: red\n", "colour"),
        ("op: alias\n", ":1: expected a list of overrides"),
        ("- op: alias\n  entity: [unclosed\n", "not valid YAML"),
    ],
)
def test_overrides_bad_entry_names_its_line(tmp_path, text, message):
    path = tmp_path / "overrides.yaml"
    path.write_text(text)
    with pytest.raises(InputError) as info:
        Overrides.load(path)
    assert message in str(info.value) and str(path) in str(info.value)
