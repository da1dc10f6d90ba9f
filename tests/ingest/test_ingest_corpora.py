"""Ingest of the real corpora's fixtures (tests/read/fixtures) into both stores: paper metadata
(year, venue, authors, DOI, arXiv id, url, categories) lands on Paper, the same paper from arXiv and
from a BibTeX entry is one Paper, and the CLI reports every bad record as file:line without a
traceback while ingesting every good one."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from kg.cli import app
from kg.ingest import ingest
from kg.models import PaperQuery

FIX = Path(__file__).resolve().parent.parent / "read" / "fixtures"
ALL = sorted(FIX.iterdir())


def test_ingest_corpora_metadata_lands_on_paper_and_sources_merge(empty_store):
    report = ingest([FIX / "arxiv-snapshot.jsonl", FIX / "zotero.bib", FIX / "s2-graph.jsonl",
                     FIX / "openalex-works.jsonl"], empty_store)
    # LoRA is in the arXiv snapshot and the BibTeX file; "Attention" in S2 and OpenAlex
    assert report.papers_read == 2 + 4 + 2 + 1 - 2
    papers = empty_store.papers(["arxiv:2106.09685", "arxiv:1706.03762", "doi:10.3390/e23091134"])
    lora = papers["arxiv:2106.09685"].paper
    assert (lora.arxiv_id, lora.year, lora.url) == ("2106.09685", 2021, "https://arxiv.org/abs/2106.09685")
    assert lora.categories == ("cs.CL", "cs.AI", "cs.LG") and lora.authors[0] == "Edward J. Hu"
    attention = papers["arxiv:1706.03762"].paper
    assert attention.venue == "Neural Information Processing Systems"
    # ingest streams: the first record of a paper wins and a later one from another source is reported
    # as its duplicate (kg.read.read_papers, which holds every record, also fills in missing metadata)
    assert any("duplicate of paper arxiv:1706.03762" in p.reason and p.where.startswith(str(FIX / "openalex"))
               for p in report.problems)
    assert papers["doi:10.3390/e23091134"].paper.doi == "10.3390/e23091134"
    hits = empty_store.find_papers(PaperQuery(text="low rank adaptation"))
    assert [h.paper.id for h in hits.items] == ["arxiv:2106.09685"]
    dup = [p for p in report.problems if "duplicate of paper arxiv:2106.09685" in p.reason]
    assert len(dup) == 1 and dup[0].where.endswith("zotero.bib:4")


def test_ingest_corpora_cli_reports_bad_records_without_traceback(tmp_path):
    graph = tmp_path / "g.json"
    result = CliRunner().invoke(app, ["ingest", *map(str, ALL), "--graph", str(graph)])
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    err = result.stderr
    for where in ("arxiv-snapshot.jsonl:3: broken JSON", "openalex-works.jsonl:3: field 'abstract_inverted_index'",
                  "zotero.bib:33: entry broken2020: broken BibTeX", "zotero-csl.json:52: entry",
                  "s2-abstracts.jsonl:3: abstract of corpusid 424242", "s2-graph.jsonl:3: missing or empty abstract"):
        assert where in err, where
    stats = CliRunner().invoke(app, ["stats", "--json", "--graph", str(graph)])
    # 2 arXiv + 4 BibTeX + 2 S2 API + 1 OpenAlex + 2 S2 bulk + 2 CSL, less LoRA, Attention and WGAN read twice
    assert '"papers": 10' in stats.stdout
