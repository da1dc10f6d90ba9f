"""Methods rules (kg/extract/methods.py) on the real spaCy pipeline: one parametrized test per rule family,
the role, the divergence exclusion, evidence round-trips, and the dev-gold bars for methods."""

from __future__ import annotations

import json

import pytest

from kg.errors import VocabularyError
from kg.eval import evaluate
from kg.extract import contexts, extract
from kg.extract.methods import MethodRules, find_methods, method_entities
from kg.extract.rules import run_rules
from kg.models import Paper, slug


def _methods(abstract: str, title: str = "A study", *, with_exclude: bool = True):
    """Tags of one paper; divergence/dataset tags of the real rules are passed as ``exclude``."""
    paper = Paper(id="t", title=title, abstract=abstract)
    ctx = next(contexts([paper]))
    exclude = []
    if with_exclude:
        x = run_rules(ctx)
        exclude = [*x.divergences, *x.datasets]
    return {t.entity.id: t for t in find_methods(ctx, exclude)}, paper


def _named(abstract: str, name: str, title: str = "A study"):
    """The tag named ``name`` (asserting there is one)."""
    tags, _ = _methods(abstract, title)
    by_name = {t.entity.name: t for t in tags.values()}
    assert name in by_name, sorted(by_name)
    return by_name[name]


@pytest.mark.parametrize(
    "abstract, entity_id, mention",
    [
        ("We train the network with SGD and a cosine schedule.", "method:stochastic-gradient-descent", "SGD"),
        ("Normalizing Flows are exact-likelihood models.", "method:normalizing-flow", "Normalizing Flows"),
        ("This is a special case of the Schr\\\"odinger bridge problem.", "method:schrodinger-bridge",
         'Schr\\"odinger bridge'),
        ("We study mixtures of experts at scale.", "method:mixture-of-expert", "mixtures of experts"),
        ("We fit it with weighted least-squares.", "method:weighted-least-square", "weighted least-squares"),
        ("We apply classifier-free guidance at sampling time.", "method:classifier-free-guidance",
         "classifier-free guidance"),
        ("Samples are drawn with Langevin Monte Carlo.", "method:langevin-monte-carlo", "Langevin Monte Carlo"),
    ],
)
def test_methods_vocab_alias(abstract, entity_id, mention):
    tags, _ = _methods(abstract)
    assert entity_id in tags, sorted(tags)
    assert mention in tags[entity_id].mentions
    assert tags[entity_id].role == "used"
    assert f"method.vocab:{entity_id}" in {e.rule for e in tags[entity_id].evidence}


@pytest.mark.parametrize(
    "abstract, absent",
    [
        ("We use sgd as a variable name.", "method:stochastic-gradient-descent"),  # cased acronym
        ("Adam and Eve were the first humans, said adam.", None),  # English word reading is fine for Adam
        ("The convolution of two densities is a density.", "method:convolution"),  # pruned generic word
        ("We pay attention to the details.", "method:attention"),
    ],
)
def test_methods_vocab_cased_and_pruned(abstract, absent):
    tags, _ = _methods(abstract)
    if absent is None:
        assert "method:adam" in tags and tags["method:adam"].mentions == ("Adam",)
    else:
        assert absent not in tags


def test_methods_acronym_scoped_to_paper():
    # the paper's own definition wins over the vocabulary's reading of "GMM"
    tags, _ = _methods("We fit a Gaussian mixture model (GMM) to the data. The GMM has five components.")
    assert "method:generalized-method-of-moment" not in tags
    gmm = tags["method:gaussian-mixture-model"]
    assert set(gmm.mentions) >= {"Gaussian mixture model", "GMM"}
    # and with the other definition, the same acronym is the other method
    tags, _ = _methods("We revisit the generalized method of moments (GMM). GMM is consistent.")
    assert "method:gaussian-mixture-model" not in tags
    assert set(tags["method:generalized-method-of-moment"].mentions) >= {"GMM"}
    assert len(tags["method:generalized-method-of-moment"].evidence) >= 3


@pytest.mark.parametrize(
    "abstract, name, mentions, role",
    [
        ("This is achieved by an estimator which we term the kernel method of moments (KMM). "
         "KMM is first-order optimal.", "kernel method of moments", {"kernel method of moments", "KMM"},
         "proposed"),
        ("Prior work relies on an implicit sampling network (ISN). The ISN is slow.",
         "implicit sampling network", {"implicit sampling network", "ISN"}, "used"),
        ("We propose label-distributionally robust (LDR) losses. LDR losses are consistent.",
         "label-distributionally robust loss", {"label-distributionally robust (LDR) losses", "LDR losses"},
         "proposed"),
    ],
)
def test_methods_acronym_definition(abstract, name, mentions, role):
    tag = _named(abstract, name)
    assert mentions <= set(tag.mentions)
    assert tag.role == role
    assert any(e.rule == "method.acronym" for e in tag.evidence)


@pytest.mark.parametrize(
    "abstract, name, rule",
    [
        ("In particular, we propose the so-called log-variance loss, which is stable.", "log-variance loss",
         "method.propose"),
        ("To this end, we introduce Prospect, a distributionally robust algorithm.", "Prospect", "method.propose"),
        ("We design a new sampler called Entropy-MCMC that explores flat basins.", "Entropy-MCMC",
         "method.called"),
        ("We lift this limitation by proposing non-exchangeable conformal risk control, which is valid.",
         "non-exchangeable conformal risk control", "method.propose"),
        ("Experiments show that our federated conformal prediction method is valid.",
         "federated conformal prediction", "method.our"),
        ("We show that our proposed sequential sampler converges.", "sequential sampler", "method.our"),
        ("We generalize it with a novel divergence minimization framework, termed f-distill, that covers "
         "many trade-offs.", "f-distill", "method.called"),
        ("We introduce a scheme, which we call muP, for feature learning.", "muP", "method.called"),
        ("The proposed model, dubbed Strategic Attentive Writer (STRAW), learns plans.",
         "Strategic Attentive Writer", "method.called"),
    ],
)
def test_methods_propose_and_called(abstract, name, rule):
    tag = _named(abstract, name)
    assert tag.role == "proposed"
    assert rule in {e.rule for e in tag.evidence}


@pytest.mark.parametrize(
    "title, abstract, name",
    [
        ("Uni-Instruct: One-step Diffusion Model through Unified Diffusion Divergence Instruction",
         "We unify distillation approaches inside one framework.", "Uni-Instruct"),
        ("ConjNorm: Tractable Density Estimation for Out-of-Distribution Detection",
         "Detecting outliers matters.", "ConjNorm"),
        ("The Monge Gap: A Regularizer to Learn All Transport Maps",
         "We introduce a regularizer, the Monge gap of a map.", "Monge Gap"),
        ("Adaptive Data-Free Quantization", "Quantization without data is hard.", "Adaptive Data-Free Quantization"),
        ("Tent: Fully Test-Time Adaptation by Entropy Minimization",
         "We adapt by test entropy minimization. Tent reduces the error.", "Tent"),
        ("Learning to Retain while Acquiring: Combating Distribution-Shift in Distillation",
         "We call our method Learning to Retain while Acquiring.", "Learning to Retain while Acquiring"),
        ("Project and Forget: Solving Large-Scale Metric Constrained Problems",
         "We propose Project and Forget, an algorithm.", "Project and Forget"),
    ],
)
def test_methods_title_contribution(title, abstract, name):
    tag = _named(abstract, name, title)
    assert tag.role == "proposed"
    assert any(e.rule == "method.title" and e.field == "title" for e in tag.evidence)


@pytest.mark.parametrize(
    "title",
    [
        "Towards the Fundamental Limits of Knowledge Transfer over Finite Domains",
        "Why does Throwing Away Data Improve Worst-Group Error?",
        "On the hardness of learning under symmetries",
        "Online Learning: Random Averages, Combinatorial Parameters, and Learnability",
        "Attention: a study of what we attend to",  # a word the abstract below uses in lower case
    ],
)
def test_methods_title_without_contribution(title):
    tags, _ = _methods("We study the problem. Attention matters, and attention is studied.", title)
    assert not any(e.rule == "method.title" for t in tags.values() for e in t.evidence), sorted(tags)


@pytest.mark.parametrize(
    "abstract, name, head",
    [
        ("Minimizing the squared error logit loss gives an unbiased student.", "squared error logit loss", "loss"),
        ("We use the straight-through gradient trick here.", "straight-through gradient trick", "trick"),
        ("It relies on group sparsity regularizers for pruning.", "group sparsity regularizer", "regularizer"),
    ],
)
def test_methods_head_noun(abstract, name, head):
    tag = _named(abstract, name)
    assert f"method.head:{head}" in {e.rule for e in tag.evidence}


@pytest.mark.parametrize(
    "abstract",
    [
        "We propose a novel framework and a new method.",
        "Deep learning and machine learning algorithms rely on neural networks.",
        "These losses can be optimized by gradient-based algorithms.",
        "The expected loss and the unbounded losses are compared.",
        "Our approach is a simple, efficient algorithm.",
    ],
)
def test_methods_vague_words_excluded(abstract):
    tags, _ = _methods(abstract)
    assert tags == {}, sorted(tags)


@pytest.mark.parametrize(
    "abstract, present, absent",
    [
        ("We minimize the maximum mean discrepancy (MMD) between samples.", None, "maximum mean discrepancy"),
        ("We minimize the reverse Kullback-Leibler divergence.", None, "Kullback-Leibler divergence"),
        ("We train a Wasserstein GAN with gradient penalty.", "method:wasserstein-gan", None),
    ],
)
def test_methods_divergence_exclusion(abstract, present, absent):
    tags, _ = _methods(abstract)
    names = {fold_name for t in tags.values() for fold_name in (t.entity.name.lower(), *map(str.lower, t.mentions))}
    if present:
        assert present in tags
    if absent:
        assert absent.lower() not in names, names


@pytest.mark.parametrize(
    "abstract, name, role",
    [
        ("We sample with diffusion models trained on images.", "diffusion models", "used"),
        ("Our Rectified Straight Through Estimator (ReSTE) is stable.", "Rectified Straight Through Estimator",
         "proposed"),
        ("We compare against DropConnect, a regularizer.", "DropConnect", "used"),
        ("Prior work used the kernel density estimator of Parzen.", "kernel density estimator", "used"),
        ("We present a novel deep recurrent neural network architecture for planning.",
         "recurrent neural networks", "used"),
    ],
)
def test_methods_role(abstract, name, role):
    tag = _named(abstract, name)
    assert tag.role == role


def test_methods_rule_found_ids_are_shared_across_papers():
    a, _ = _methods("We propose the log-variance loss.")
    b, _ = _methods("Prior work used log-variance losses for sampling.")
    assert "method:log-variance-loss" in a and "method:log-variance-loss" in b


def test_methods_evidence_round_trips(seed_jsonl):
    papers = [Paper(**{k: v for k, v in json.loads(line).items() if k in ("id", "title", "abstract")})
              for line in seed_jsonl.read_text(encoding="utf-8").splitlines()[:60]]
    n = 0
    for x in extract(papers):
        for tag in x.methods:
            assert tag.role in ("proposed", "used")
            assert set(tag.mentions) == {e.surface for e in tag.evidence}
            for ev in tag.evidence:
                text = x.paper.title if ev.field == "title" else x.paper.abstract
                assert text[ev.start : ev.end] == ev.surface
                assert ev.rule.startswith("method.")
                n += 1
    assert n > 100


def test_methods_deterministic(seed_jsonl):
    papers = [Paper(**{k: v for k, v in json.loads(line).items() if k in ("id", "title", "abstract")})
              for line in seed_jsonl.read_text(encoding="utf-8").splitlines()[:30]]
    first = [[t.model_dump() for t in x.methods] for x in extract(papers)]
    second = [[t.model_dump() for t in x.methods] for x in extract(papers)]
    assert first == second


def test_methods_dev_gold_bars(seed_jsonl, gold_dev):
    papers = [Paper(**{k: v for k, v in json.loads(line).items() if k in ("id", "title", "abstract")})
              for line in seed_jsonl.read_text(encoding="utf-8").splitlines()]
    report = evaluate(gold_dev, extract(papers))
    assert report.kinds["methods"].f1 >= 0.65, report.kinds["methods"]
    assert report.role_accuracy is not None and report.role_accuracy >= 0.85, report.role_accuracy


def test_methods_vocabulary_entities_are_valid():
    ents = method_entities()
    assert len(ents) > 500
    assert len({e.id for e in ents}) == len(ents)
    assert all(e.id.startswith("method:") and e.kind == "method" for e in ents)


@pytest.mark.parametrize("broken", ['{"id": "method:x"', '{"name": "no id"}'])
def test_methods_malformed_vocabulary_raises(tmp_path, broken):
    from pathlib import Path

    src = Path(__file__).resolve().parents[2] / "data" / "vocab"
    for f in src.glob("method_*.txt"):
        (tmp_path / f.name).write_text(f.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "methods.jsonl").write_text(broken + "\n", encoding="utf-8")
    with pytest.raises(VocabularyError):
        MethodRules(tmp_path)


@pytest.mark.parametrize(
    "abstract, name",
    [
        ("We then sample with the Gibbs algorithm and study its risk.", "Gibbs algorithm"),
        ("The field is split by a Helmholtz decomposition into two parts.", "Helmholtz decomposition"),
        ("We rely on Bregman projections onto convex sets.", "Bregman projections"),
    ],
)
def test_methods_proper_name_head(abstract, name):
    tag = _named(abstract, name)
    assert any(e.rule.startswith("method.head:") for e in tag.evidence)


@pytest.mark.parametrize(
    "abstract",
    [
        "Entropy methods are popular. We study the entropy of a source.",  # "Entropy" is used lower-case
        "We bound the Lebesgue measure of the set.",  # a mathematical object, not a method
    ],
)
def test_methods_proper_name_head_rejects_common_words(abstract):
    tags, _ = _methods(abstract)
    assert not any(e.rule.startswith("method.head:") for t in tags.values() for e in t.evidence), sorted(tags)


@pytest.mark.parametrize(
    "abstract",
    [
        "We propose a new estimator, called textrm{FID}_infty, that is unbiased.",  # LaTeX remnant
        "We define a notion called Stability and show that stability implies robustness.",  # common word
    ],
)
def test_methods_called_rejects_non_names(abstract):
    tags, _ = _methods(abstract)
    assert not any(e.rule == "method.called" for t in tags.values() for e in t.evidence), sorted(tags)


def test_methods_undefined_acronym_merges_into_its_expansion():
    tags, _ = _methods("We propose the Cauchy-Schwarz Divergence Information Bottleneck for regression. "
                       "We show that our CS-IB is robust.")
    by_name = {t.entity.name: t for t in tags.values()}
    assert "CS-IB" not in by_name, sorted(by_name)
    merged = next(t for t in tags.values() if "CS-IB" in t.mentions)
    assert "Cauchy-Schwarz Divergence Information Bottleneck" in merged.mentions
    assert merged.role == "proposed"


@pytest.mark.parametrize(
    "title, name",
    [
        ("Entropic Neural Optimal Transport via Diffusion Processes", "Entropic Neural Optimal Transport"),
        ("Copula Conformal Prediction for Multi-step Time Series Forecasting", "Copula Conformal Prediction"),
        ("One-Class LP Classifiers for Dissimilarity Representations", "One-Class LP Classifier"),
    ],
)
def test_methods_title_variant_of_known_method(title, name):
    tag = _named("We study the setting.", name, title)
    assert tag.role == "proposed"
    assert tag.entity.id == f"method:{slug(name)}"


@pytest.mark.parametrize(
    "abstract, names, absent",
    [
        ("We unify existing distillation approaches, such as Diff-Instruct, SiD, f-distill, etc, inside one "
         "framework.", {"Diff-Instruct", "SiD", "f-distill"}, set()),
        ("We test fine-tuned models, including Zero-1-to-3, Versatile Diffusion, and DynamiCrafter.",
         {"Zero-1-to-3", "Versatile Diffusion", "DynamiCrafter"}, set()),
        ("It helps in applications such as Object Recognition and Speech.", set(), {"Object Recognition"}),
        ("Optimizers such as NADAM are based on moments.", {"NADAM"}, {"NADAM are based"}),
    ],
)
def test_methods_list_after_method_noun(abstract, names, absent):
    tags, _ = _methods(abstract)
    found = {t.entity.name for t in tags.values() if any(e.rule == "method.list" for e in t.evidence)}
    assert names <= found, found
    assert not absent & found
    assert all(tags[k].role == "used" for k in tags)


def test_methods_title_name_merges_into_defined_acronym():
    tags, _ = _methods(
        "In this paper, we propose the Parameter Allocation & Regularization (PAR), which adapts.",
        title="Task Difficulty Aware Parameter Allocation & Regularization for Lifelong Learning")
    par = next(t for t in tags.values() if "PAR" in t.mentions)
    assert par.entity.name == "Parameter Allocation & Regularization"
    assert "Task Difficulty Aware Parameter Allocation & Regularization" in par.mentions
    assert par.role == "proposed"
    assert len([t for t in tags.values() if "Regularization" in t.entity.name]) == 1


def test_methods_capitalised_name_spans_of():
    tag = _named("We propose a novel approach, called Self-supervised Aggregation of Diverse Experts, which "
                 "has two strategies.", "Self-supervised Aggregation of Diverse Experts")
    assert tag.role == "proposed"


@pytest.mark.parametrize(
    "abstract, title, entity_id, mention",
    [
        # the acronym's long form keeps its adjectives: "neural architecture search", not "architecture search"
        ("Weight-sharing neural architecture search (NAS) is effective. NAS builds a supernet.", "A study",
         "method:neural-architecture-search", "NAS"),
        # "<known method> algorithms" is the known method
        ("We relate it to Langevin Monte Carlo algorithms and mirror descent.", "A study",
         "method:langevin-monte-carlo", "Langevin Monte Carlo algorithms"),
    ],
)
def test_methods_resolves_to_vocabulary(abstract, title, entity_id, mention):
    tags, _ = _methods(abstract, title)
    assert entity_id in tags, sorted(tags)
    assert mention in tags[entity_id].mentions
    assert len(tags) == len({t.entity.id for t in tags.values()})
    assert not any(t.entity.name in ("architecture search", "Langevin Monte Carlo algorithm") for t in tags.values())


def test_methods_names_keep_their_spelling():
    tags, _ = _methods("We derive a simplification of the Hessian Free optimization method. Grams is fast.",
                       "Grams: Gradient Descent with Adaptive Momentum Scaling")
    names = {t.entity.name for t in tags.values()}
    assert "Grams" in names and "Gram" not in names
    assert "Hessian Free optimization method" in names or "Hessian Free optimization" in names, names


@pytest.mark.parametrize(
    "abstract, entity_id, present",
    [
        # a guarded acronym counts only beside the method's full name
        ("The CP decomposition of the tensor is unique.", "method:conformal-prediction", False),
        ("We use conformal prediction. CP gives coverage.", "method:conformal-prediction", True),
        ("The LM head is frozen.", "method:language-model", False),
        ("We apply SAM to the image.", "method:sharpness-aware-minimization", False),
    ],
)
def test_methods_guarded_acronyms(abstract, entity_id, present):
    tags, _ = _methods(abstract)
    assert (entity_id in tags) is present, sorted(tags)
    if present:
        assert "CP" in tags[entity_id].mentions


@pytest.mark.parametrize(
    "abstract, name",
    [
        ("Our algorithm, Sparse Sinkhorn Matching (SSM), scales to large graphs.", "Sparse Sinkhorn Matching"),
        ("We study guidance. The resulting method, Noise-Free Training (NFT), halves the cost.",
         "Noise-Free Training"),
        ("We propose a power based estimator, Smoothed Straight Through Estimator (SSTE), for binary nets.",
         "Smoothed Straight Through Estimator"),
        ("We describe Greedy Adaptive Coverage, a new algorithm that plans paths.", "Greedy Adaptive Coverage"),
    ],
)
def test_methods_apposition_is_proposed(abstract, name):
    assert _named(abstract, name).role == "proposed"


@pytest.mark.parametrize(
    "abstract, name, known",
    [
        # a known method with distinguishing words in a proposal: the longer name, not the known one
        ("Motivated by this, we propose a new algorithm, the saddle-free Newton method, that escapes saddles.",
         "saddle-free Newton method", "method:newton-method"),
        # a quoted name is taken whole, lower-case words included
        ('We propose a method dubbed "Knowledge Distillation between Different Domains" for web data.',
         "Knowledge Distillation between Different Domains", "method:knowledge-distillation"),
    ],
)
def test_methods_longest_name_wins_in_proposals(abstract, name, known):
    tags, _ = _methods(abstract)
    assert _named(abstract, name).role == "proposed"
    assert known not in tags or tags[known].role == "used"


def test_methods_novel_variant_does_not_propose_the_known_method():
    tags, _ = _methods("We analyse this novel class of denoising reflected diffusion models in depth.")
    assert tags["method:diffusion-model"].role == "used"


@pytest.mark.parametrize(
    "abstract, absent, present",
    [
        ("Any proper loss works; the VAE loss and the reconstruction loss too.", "loss", None),
        ("We minimise the squared error logit loss.", None, "squared error logit loss"),
        ("We minimise the log-variance loss.", None, "log-variance loss"),
        ("Acceleration in stochastic descent dynamics and double descent.", "descent", None),
        ("Bayesian methods are popular; so are methods that learn regularizers.", "method", None),
    ],
)
def test_methods_strict_heads_and_vague_modifiers(abstract, absent, present):
    tags, _ = _methods(abstract)
    names = {t.entity.name for t in tags.values()}
    if absent:
        assert not any(n.lower().endswith(absent) or n.lower().endswith(absent + "s") for n in names), names
    if present:
        assert present in names


@pytest.mark.parametrize(
    "title, abstract, name, role",
    [
        # a short capitalised title is the paper's own name, even when the vocabulary knows it
        ("Conformal Risk Control", "We extend conformal prediction to control expected losses.",
         "conformal risk control", "proposed"),
        # a title variant of a known method the abstract repeats wins over the shorter known name
        ("Optimistic policy iteration and natural actor-critic",
         "Optimistic policy iteration is popular. We analyse optimistic policy iteration.",
         "optimistic policy iteration", "used"),
    ],
)
def test_methods_title_names(title, abstract, name, role):
    tag = _named(abstract, name, title)
    assert tag.role == role
    if name == "optimistic policy iteration":
        tags, _ = _methods(abstract, title)
        assert "method:policy-iteration" not in tags


@pytest.mark.parametrize("title", ["No Unbiased Estimator of the Variance", "Individually Fair Rankings"])
def test_methods_title_statements_are_no_names(title):
    tags, _ = _methods("We study estimators of ranking quality.", title)
    assert not any(e.field == "title" for t in tags.values() for e in t.evidence), sorted(tags)


def test_methods_truncated_acronym_long_form_is_extended():
    tags, _ = _methods("Two popular algorithms: Proximal Policy Optimization (PPO) and Trust Region Policy "
                       "Optimization (TRPO). We use PPO.")
    ppo = tags["method:proximal-policy-optimization"]
    assert {"PPO", "Proximal Policy Optimization"} <= set(ppo.mentions)
    assert not any(t.entity.name == "Policy Optimization" for t in tags.values())


@pytest.mark.parametrize(
    "abstract, entity_id",
    [
        ("Baselines include isolation forest and local outlier factor.", "method:isolation-forest"),
        ("We compare with quasi-Newton methods and conjugate gradient.", "method:quasi-newton-method"),
        ("The oracle uses simulated annealing.", "method:simulated-annealing"),
        ("We attribute predictions with Shapley values.", "method:shapley-value"),
        ("We analyse TD(λ) with linear features.", "method:temporal-difference-learning"),
    ],
)
def test_methods_standard_techniques_in_vocabulary(abstract, entity_id):
    tags, _ = _methods(abstract)
    assert entity_id in tags, sorted(tags)


@pytest.mark.parametrize(
    "title, abstract",
    [
        ("Sample Complexity of GAN: A Compression View", "We study how many samples a GAN needs."),
        ("Inference Scaling scriptsizeFLaws: The Limits of Resampling", "We study repeated sampling."),
    ],
)
def test_methods_title_property_or_latex_is_no_name(title, abstract):
    tags, _ = _methods(abstract, title)
    assert not any(t.role == "proposed" for t in tags.values()), sorted(tags)


@pytest.mark.parametrize("abstract", ["We propose an updated loss for the student.",
                                      "Our convolutional network model reaches 0.7% error."])
def test_methods_no_proposal_without_a_name(abstract):
    tags, _ = _methods(abstract)
    assert not any(t.role == "proposed" for t in tags.values()), sorted(tags)


def test_methods_hyphen_compound_with_stop_word_stays_in_the_name():
    tags, _ = _methods("We propose top-k multiclass SVM as a direct method for top-k performance.",
                       "Top-k Multiclass SVM")
    assert [(t.entity.name, t.role) for t in tags.values()] == [("top-k multiclass SVM", "proposed")]


def test_methods_title_variant_of_a_defined_background_method_stays_apart():
    tags, _ = _methods("Graph scattering transforms (GSTs) are stable. We prune GSTs to save computation.",
                       "Pruned Graph Scattering Transforms")
    by_name = {t.entity.name: t.role for t in tags.values()}
    assert by_name.get("Pruned Graph Scattering Transform") == "proposed", by_name
    assert by_name.get("Graph scattering transform") == "used", by_name


@pytest.mark.parametrize(
    "abstract, entity_id",
    [("Binary neural networks are small. BNNs are fast.", "method:binary-neural-network"),
     ("Bayesian neural networks are calibrated. BNNs are slow.", "method:bayesian-neural-network")],
)
def test_methods_ambiguous_guarded_acronym_follows_the_full_name(abstract, entity_id):
    tags, _ = _methods(abstract)
    assert list(tags) == [entity_id]
    assert "BNNs" in tags[entity_id].mentions


@pytest.mark.parametrize(
    "abstract, entity_id, role",
    [
        # named as background first, then "we introduce an approximate <known> rule": a variant of it
        ("Metropolis-Hastings (MH) is slow on large data. We introduce an approximate MH rule based on a "
         "sequential test.", "method:metropolis-hasting", "used"),
        # first named while introducing it: still the authors' own
        ("We build a sentence encoder by introducing self-attention. We also propose a self-attention "
         "mechanism with a penalty term.", "method:attention-mechanism", "proposed"),
    ],
)
def test_methods_known_method_named_earlier_is_background(abstract, entity_id, role):
    tags, _ = _methods(abstract)
    assert tags[entity_id].role == role


def test_methods_list_naming_a_known_method_lists_methods():
    tags, _ = _methods("We verify our claim with a range of conditional models for image generation, including "
                       "Zero-1-to-3, Versatile Diffusion, DiT, DynaCrafter, and InstructPix2Pix.")
    names = {t.entity.name for t in tags.values()}
    assert {"Zero-1-to-3", "Versatile Diffusion", "DynaCrafter"} <= names, names
    tags, _ = _methods("It is unclear for high-dimensional games, such as GANs or multi-agent RL.")
    assert not any("multi-agent" in t.entity.name for t in tags.values())


def test_methods_family_of_a_known_method():
    tags, _ = _methods("We analyse Adam-type methods.", "On the Convergence of A Class of Adam-Type Algorithms")
    fam = next(t for t in tags.values() if t.entity.name == "Adam-type")
    assert set(fam.mentions) == {"Adam-Type Algorithms", "Adam-type methods"}
    assert {e.rule for e in fam.evidence} == {"method.family"}


@pytest.mark.parametrize(
    "title, merged",
    [("Classifier-Free Diffusion Guidance", True),  # a word inside: the known method, renamed
     ("Stochastic Classifier-Free Guidance", False)],  # a word in front: a variant
)
def test_methods_title_rephrasing_a_known_method(title, merged):
    tags, _ = _methods("We show that classifier-free guidance works without a classifier.", title)
    cfg = tags["method:classifier-free-guidance"]
    assert (title in cfg.mentions) is merged
    assert (cfg.role == "proposed") is merged
