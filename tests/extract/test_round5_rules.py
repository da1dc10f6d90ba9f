"""One test per method rule added in extraction round 5 (issue 12, methods recall on unseen text), and one
per trap each rule must not fall into. The abstracts are made up in the shapes seen in un-annotated corpus
abstracts (none is a gold sentence)."""

from __future__ import annotations

import pytest

from kg.extract import extract_one
from kg.models import Paper, fold


def _methods(abstract: str, title: str = "A study") -> dict[str, object]:
    x = extract_one(Paper(id="t", title=title, abstract=abstract))
    return {t.entity.name: t for t in x.methods}


# --- method.coined: coined names before (or right after) a method noun ---------------------------------

@pytest.mark.parametrize(("abstract", "names"), [
    ("We extend both the DCGAN and BEGAN approaches with a pairwise discriminator.", {"DCGAN", "BEGAN"}),
    ("It is faster than the popular NACLSTD and eNAC algorithms on every task.", {"NACLSTD", "eNAC"}),
    ("We then remove the head of the network, which gives the NIL algorithm.", {"NIL"}),
    ("We analyse the importance-weighted active learning algorithm IWAL, using its disagreement graph.", {"IWAL"}),
    ("A supernet trained this way beats Once-for-All networks at every budget.", {"Once-for-All networks"}),
])
def test_round5_coined_names_before_or_after_a_method_noun(abstract, names):
    assert names <= set(_methods(abstract))


def test_round5_coined_name_resolves_to_the_papers_own_definition():
    names = _methods("We revisit the Frank-Wolfe (FW) algorithm. The FW method converges slowly on polytopes.")
    assert "Frank-Wolfe" in names and "FW" not in names


@pytest.mark.parametrize(("abstract", "absent"), [
    ("Standard NLP models and GPU architectures are compared.", {"NLP", "GPU"}),          # fields, hardware
    ("We study natural language understanding (NLU) and NLU models fail.", {"NLU"}),       # a task acronym
    ("We train ReLU-activated models and KG-augmented models.", {"ReLU-activated", "KG-augmented"}),
    ("The FID metric and BLEU scores of several models are reported.", {"FID", "BLEU"}),  # metrics
])
def test_round5_coined_guard_fields_tasks_metrics_and_modifiers(abstract, absent):
    assert not absent & set(_methods(abstract))


# --- method.compared: what the paper compares with -------------------------------------------------------

@pytest.mark.parametrize(("abstract", "names"), [
    ("Our search costs 1737x less than DPC, 6.8x less than Auto-DeepLab and 7.4x less than DetNAS.",
     {"DPC", "Auto-DeepLab", "DetNAS"}),
    ("It outperforms the state-of-the-art BM3D-AMP and NLR-CS in accuracy.", {"BM3D-AMP", "NLR-CS"}),
    ("Our learner achieves better accuracy than IWAL given the same budget.", {"IWAL"}),
    ("Numerical experiments show that SSCN outperforms first-order methods.", {"SSCN"}),
    ("We compare against robustified methods (PGD, TRADES, and FSGM) on three tasks.", {"PGD", "TRADES", "FSGM"}),
])
def test_round5_compared_names(abstract, names):
    assert names <= set(_methods(abstract))


@pytest.mark.parametrize(("abstract", "absent"), [
    ("It runs 3x faster than GPU implementations and than CPU code.", {"GPU", "CPU"}),
    ("The run time is lower than XYZ implementations of the kernel.", {"XYZ"}),  # a modifier of a noun
    ("The bound is tighter than the NIPS 2011 result (Smith, 2011).", {"NIPS"}),
])
def test_round5_compared_guard(abstract, absent):
    assert not absent & set(_methods(abstract))


# --- method.compound: a known acronym in a hyphen compound with a coined part ---------------------------

@pytest.mark.parametrize(("abstract", "name"), [
    ("We show that CHOCO-SGD achieves a linear speedup in the number of workers.", "CHOCO-SGD"),
    ("Many works enhance the robustness of D-SGD to faulty machines.", "D-SGD"),
])
def test_round5_known_acronym_in_a_coined_compound_is_a_variant(abstract, name):
    names = _methods(abstract)
    assert name in names and names[name].entity.id == f"method:{name.lower()}"


@pytest.mark.parametrize("abstract", [
    "Nearest neighbours are found with KD-Trees in logarithmic time.",   # a plain word after the acronym
    "We require that T is a c-OT map between the measures.",            # a one-letter symbol before it
    "We train a GAN-based generator.",                                  # a family suffix
])
def test_round5_compound_guard(abstract):
    assert not any("-" in n and n.split("-")[0] in ("KD", "c", "GAN") for n in _methods(abstract))


# --- method.head:network --------------------------------------------------------------------------------

@pytest.mark.parametrize(("abstract", "name"), [
    ("We apply it to federated learning of spherical neural networks.", "spherical neural network"),
    ("The prior work studies permutation-invariant networks on sets.", "permutation-invariant network"),
    ("The supernet is trained like slimmable neural networks.", "slimmable neural network"),
    ("We train deformation-aware neural networks on the scans.", "deformation-aware neural network"),
])
def test_round5_modifier_names_a_network_family(abstract, name):
    names = _methods(abstract)
    assert name in names and any(e.rule == "method.head:network" for e in names[name].evidence)



@pytest.mark.parametrize("abstract", [
    "Deep neural networks and wide neural networks generalize.",                   # size words
    "We study two-layer neural networks and fully-connected networks.",           # shape words
    "Defenses aim to harden neural networks; we study the way neural networks learn.",  # a verb, a noun
    "Social networks and citation networks are graphs.",                          # no "neural", one word
    "Rigorous neural network verification is hard for linear neural networks.",   # "-ous", "-ar" words
])
def test_round5_network_guard(abstract):
    assert not any(n.endswith(("network", "networks")) for n in _methods(abstract))


# --- acronyms -------------------------------------------------------------------------------------------

def test_round5_acronym_followed_by_a_loss_names_the_loss():
    names = _methods("We detect boundaries with a connectionist temporal classification (CTC) loss.")
    assert "CTC Loss" in names  # the vocabulary's entity, through "connectionist temporal classification loss"


def test_round5_acronym_of_a_name_another_rule_found_resolves_later_uses():
    names = _methods("We propose a family of methods called Counterfactual Simulation (CFS) which trace "
                     "examples. Experimentally, CFS separates models.")
    tag = names["Counterfactual Simulation"]
    assert "CFS" in tag.mentions and "CFS" not in names


def test_round5_acronym_apposed_to_a_proposed_framework():
    names = _methods("We propose a framework for subgoal generation and planning, hierarchical visual "
                     "foresight (HVF), which generates subgoal images.")
    assert names["hierarchical visual foresight"].role == "proposed"


def test_round5_agent_is_an_acronym_head():
    names = _methods("We propose a novel graph-aided transformer agent (GATA) that infers belief graphs.")
    assert "graph-aided transformer agent" in names


def test_round5_acronym_guard_a_task_is_no_method():
    assert not _methods("Knowledge transfer matters in automatic speech recognition (ASR) and ASR is hard.")


# --- proposals ------------------------------------------------------------------------------------------

def test_round5_coordinated_proposing_verb():
    names = _methods("We use this duality and propose a new method, Large Margin Discriminant Reduction "
                     "(LMDR) that learns the mapping.")
    assert names["Large Margin Discriminant Reduction"].role == "proposed"


def test_round5_coordinated_verb_needs_the_authors():
    assert not _methods("Smith analyses the duality and proposes a new method, Large Margin Reduction.")


@pytest.mark.parametrize(("abstract", "name"), [
    ("We present Deep Voice, a text-to-speech system built from neural networks.", "Deep Voice"),
    ("We introduce Deep Voice 2, which is based on a similar pipeline.", "Deep Voice 2"),
])
def test_round5_capitalised_generic_word_and_version_number_belong_to_the_name(abstract, name):
    names = _methods(abstract)
    assert name in names and names[name].role == "proposed" and "Voice" not in names


def test_round5_built_on_name_is_used_not_proposed():
    names = _methods("We also design an SVD-based task reweighting scheme and show that it helps.")
    assert names["singular value decomposition"].role == "used"


# --- titles and merges ----------------------------------------------------------------------------------

def test_round5_title_variant_spelled_without_hyphen_in_the_abstract():
    names = _methods("The core of the method is a doubly recurrent neural network model.",
                     title="Tree-structured decoding with doubly-recurrent neural networks")
    assert "doubly recurrent neural network" in {fold(n) for n in names}
    assert "recurrent neural network" not in {fold(n) for n in names}  # the variant, not the known method


def test_round5_title_name_with_a_generic_noun_is_the_cited_method():
    names = _methods("We study Approximate Policy Iteration (API) (Bertsekas & Tsitsiklis, 1996) and compare "
                     "its bounds.", title="Approximate Policy Iteration Schemes: A Comparison")
    assert "Approximate Policy Iteration Scheme" not in names
    assert names["Approximate Policy Iteration"].role == "used"


def test_round5_known_method_the_authors_call_theirs_is_proposed():
    names = _methods("We propose an approximate strategy. Our approach, called adaptive softmax, exploits the "
                     "unbalanced word distribution.")
    assert names["Adaptive Softmax"].role == "proposed"


def test_round5_so_called_known_method_stays_used():
    names = _methods("We study the so-called adaptive softmax in our experiments.")
    assert names["Adaptive Softmax"].role == "used"


def test_round5_coined_name_defined_as_a_method():
    names = _methods("OSCAR is a competitive sparse modeling approach with automatic feature grouping.")
    assert "OSCAR" in names


def test_round5_coined_name_is_a_needs_the_article_and_plain_words():
    assert "OSCAR" not in _methods("OSCAR is applied with another approach.")


def test_round5_verb_after_we_is_no_modifier_of_a_head():
    names = _methods("In particular, we explore knowledge distillation and learning rate warmup.")
    assert "knowledge distillation" in names and not any(n.startswith("explore") for n in names)


def test_round5_acronym_between_em_dashes():
    names = _methods("We propose a new randomized algorithm—Stochastic Subspace Cubic Newton (SSCN)—for minimizing "
                     "a convex function. SSCN converges fast.")
    tag = names["Stochastic Subspace Cubic Newton"]
    assert tag.role == "proposed" and "SSCN" in tag.mentions


@pytest.mark.parametrize(("title", "name"), [
    ("Community Detection Using Time-Dependent Personalized PageRank", "Time-Dependent Personalized PageRank"),
    ("Adaptive Dropout with Rademacher Complexity Regularization", "Rademacher Complexity Regularization"),
    ("Visual Question Answering via Progressive Module Networks", "Progressive Module Network"),
])
def test_round5_title_names_its_means(title, name):
    names = _methods("We study the problem and report results on several benchmarks.", title=title)
    assert name in names and names[name].role == "proposed"


@pytest.mark.parametrize("title", [
    "Training Deep Networks with Large Learning Rates",        # a quantity, no method head
    "Gaussian Process Inference with GPU Acceleration",        # a device acronym
    "Memorization with Unbounded Losses",                      # one adjective before a strict head
    "Learning to Reason with Probabilistic Guarantees",
])
def test_round5_title_means_guard(title):
    names = _methods("We study the problem and report results on several benchmarks.", title=title)
    assert not any(n.lower().startswith(("large", "gpu", "unbounded", "probabilistic")) for n in names)
