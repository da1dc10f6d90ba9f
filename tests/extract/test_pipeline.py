"""The spaCy pipeline (kg/extract/pipeline.py): named components, the sentencizer's hard cases,
and the NORM key that makes vocabulary matching case-, accent-, hyphen- and plural-tolerant."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
import spacy

import kg.extract
from kg.extract.docext import EXTENSIONS
from kg.extract.normalize import normalize
from kg.extract.pipeline import get_nlp, norm_key


def _sents(text: str) -> list[str]:
    return [s.text for s in get_nlp()(normalize(text).text).sents]


def test_pipeline_components_registered_by_name():
    assert get_nlp().pipe_names == ["kg_sentencizer", "kg_acronym_detector", "kg_vocab", "kg_vocab_cased",
                                    "kg_method_matcher"]


def test_pipeline_acronym_detector_writes_doc_extension():
    doc = get_nlp()("We bound the maximum mean discrepancy (MMD) of the two samples.")
    assert [(long.text, short.text) for long, short in doc._.kg_acronyms] == [("maximum mean discrepancy", "MMD")]


def test_pipeline_method_matcher_writes_doc_extension():
    doc = get_nlp()("We propose a sampler trained with Adam and stochastic gradient descent.")
    vocab, triggers = doc._.kg_method_matches
    assert {"method:adam", "method:stochastic-gradient-descent"} <= {m[0] for m in vocab}
    assert triggers["verb"]  # "propose"


def test_pipeline_components_leave_no_user_data():
    doc = get_nlp()("We propose a sampler (FS) trained with Adam. It works.")
    # every key is a registered Doc extension's (spaCy keeps ``doc._.x`` under ("._.", "x", None, None))
    assert set(doc.user_data) <= {("._.", name, None, None) for name in EXTENSIONS}
    assert doc._.kg_sent_starts == [0, 11]


def test_pipeline_docext_fast_access_is_the_registered_extension():
    from kg.extract import docext

    doc = get_nlp()("We use Adam. It works.")
    for name in EXTENSIONS:
        assert docext.get(doc, name) is getattr(doc._, name)
    docext.put(doc, "kg_words", ["x"])
    assert doc._.kg_words == ["x"]
    assert docext.get(doc, "kg_text") == doc.text  # kept by the pipeline's tokenizer


def test_pipeline_method_rules_refuse_docs_without_the_matcher():
    from kg.errors import ExtractionError
    from kg.extract.methods.tokens import _matches
    from kg.extract.methods.vocab import _rules

    bare = spacy.blank("en")("We propose a sampler.")
    with pytest.raises(ExtractionError, match="kg_method_matcher"):
        _matches(_rules(), bare)


def test_pipeline_extract_package_has_no_import_cycles():
    """Module-level imports inside kg.extract form no cycle (a package importing its own submodules aside)."""
    root = Path(kg.extract.__file__).parent
    graph: dict[str, set[str]] = {}
    for path in root.rglob("*.py"):
        name = ".".join(("kg", "extract", *path.relative_to(root).with_suffix("").parts)).removesuffix(".__init__")
        deps = set()
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("kg.extract"):
                # "from kg.extract import docext" depends on the submodule, not on the package
                subs = {f"{node.module}.{a.name}" for a in node.names}
                found = {m for m in subs if (root / Path(*m.split(".")[2:])).with_suffix(".py").exists()}
                deps |= found or {node.module}
        graph[name] = deps - {name}

    def reach(start: str) -> set[str]:
        seen, todo = set(), [start]
        while todo:
            for d in graph.get(todo.pop(), ()):
                if d not in seen and not start.startswith(d + "."):  # a submodule's own package
                    seen.add(d)
                    todo.append(d)
        return seen

    assert [n for n in graph if n in reach(n)] == []


@pytest.mark.parametrize(
    "text, expected",
    [
        ("As shown by Smith et al. in 2020, it works. We agree.", 2),
        ("We use priors, i.e. Gaussian ones, and e.g. Laplace. Then we stop.", 2),
        ("We differentiate w.r.t. the parameters. It is fast.", 2),
        ("The FID drops from 2.35 to 1.02 in 3.5 hours. Good.", 2),
        ("It works on many tasks.Our code is online.", 2),
        ("It reaches 1.46 FID.Our code is online.", 2),
        ("We pretrain on ImageNet-1K. We also test.", 2),
        ("A classifier over labels mathcal A. We show more.", 2),
        ("See Fig. 2 for details. Done.", 2),
        ('It asks "is a picture worth a thousand words?"; (b) then more. End.', 2),
        ("One sentence only without a final period", 1),
    ],
)
def test_pipeline_sentencizer_hard_cases(text, expected):
    assert len(_sents(text)) == expected, _sents(text)


def test_pipeline_vocab_ruler_gives_the_spans_of_spacys_span_ruler(seed_jsonl):
    """kg's VocabRuler skips what spaCy's SpanRuler does around its phrase matcher (an empty token
    matcher and its silenced warning) and must find the same spans, in the same order, on the seed."""
    from spacy.pipeline import SpanRuler

    from kg.extract.docext import VOCAB_KEY
    from kg.extract.pipeline import VocabRuler
    from kg.read import read_papers

    nlp = get_nlp()
    ours = [nlp.get_pipe("kg_vocab"), nlp.get_pipe("kg_vocab_cased")]
    assert all(type(r) is VocabRuler for r in ours) and all(len(r.patterns) > 100 for r in ours)
    spacys = []
    for r in ours:  # spaCy's own ruler, the same settings and patterns
        ruler = SpanRuler(nlp, r.name, spans_key=VOCAB_KEY, phrase_matcher_attr=r.phrase_matcher_attr,
                          overwrite=r.overwrite)
        ruler.phrase_matcher = r.phrase_matcher
        ruler._match_label_id_map = r._match_label_id_map
        ruler._patterns = r._patterns
        spacys.append(ruler)
    texts = [normalize(t).text for p in read_papers(seed_jsonl).papers for t in (p.title, p.abstract)]
    found = 0
    for text in texts:
        a, b = nlp.make_doc(text), nlp.make_doc(text)
        for mine, theirs in zip(ours, spacys, strict=True):
            mine(a)
            theirs(b)
        spans = [(s.start, s.end, s.label_, s.id_) for s in a.spans[VOCAB_KEY]]
        assert spans == [(s.start, s.end, s.label_, s.id_) for s in b.spans[VOCAB_KEY]], text
        found += len(spans)
    assert found > 200  # (264 spans in the seed's 448 texts)


def test_pipeline_sentencizer_text_shortcut_same_starts(seed_jsonl):
    """A text whose only whitespace is single spaces has no whitespace token, and the sentencizer
    (which then reads no IS_SPACE column) sets the same starts as without the shortcut."""
    from spacy.attrs import IS_SPACE, SENT_START

    from kg.extract import docext
    from kg.extract.pipeline import kg_sentencizer
    from kg.read import read_papers

    nlp = get_nlp()
    texts = [t for p in read_papers(seed_jsonl).papers[:60] for t in (p.title, p.abstract)]
    texts += [t[:40] + extra + t[40:] for t in texts[:40] for extra in ("  ", "\n", " \n", "\u00a0", ". A. B")]
    texts += [" lead", "trail ", "a. B", "x"]
    for text in texts:
        fast, full = nlp.make_doc(text), nlp.make_doc(text)
        docext.put(full, "kg_text", None)  # (no text: the full path)
        kg_sentencizer(fast)
        kg_sentencizer(full)
        assert docext.get(fast, "kg_sent_starts") == docext.get(full, "kg_sent_starts"), text
        assert fast.to_array(SENT_START).tolist() == full.to_array(SENT_START).tolist(), text
        if text.isprintable() and "  " not in text and not text.startswith(" "):
            assert not any(fast.to_array(IS_SPACE).tolist()), text


@pytest.mark.parametrize(
    "token, key",
    [("Rényi", "renyi"), ("CIFAR-10", "cifar10"), ("Divergences", "divergence"), ("losses", "loss"),
     ("discrepancies", "discrepancy"), ("MMDs", "mmd"), ("–", "-"), ("analysis", "analysis"), ("KL", "kl")],
)
def test_pipeline_norm_key(token, key):
    assert norm_key(token) == key


@pytest.mark.parametrize(
    "text, entity",
    [
        ("the Kullback–Leibler Divergences", "divergence:kullback-leibler"),
        ("the kullback leibler divergence", "divergence:kullback-leibler"),
        ("on CIFAR10 and", "dataset:cifar-10"),
        ("the MMD", "divergence:mmd"),
    ],
)
def test_pipeline_vocab_ruler_matches_on_norm(text, entity):
    doc = get_nlp()(text)
    assert entity in {s.id_ for s in doc.spans["kg_vocab"]}


@pytest.mark.parametrize("text", ["the mmd of", "a Fid value", "the kl of"])
def test_pipeline_cased_aliases_only_as_written(text):
    assert not get_nlp()(text).spans["kg_vocab"]
