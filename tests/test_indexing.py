"""Incremental, atomic indexing on real SQLite files."""
import shutil
import subprocess
import sys
import textwrap

import pytest

from indexer.build import Indexer
from retrieval.analysis import Analyzer
from retrieval.local_index import LocalIndex
from retrieval.tokens import TokenCounter
from tests.conftest import FIXTURE_CORPUS, ROOT

ANALYZER = Analyzer()
TOKENS = TokenCounter()


@pytest.fixture
def corpus(tmp_path):
    target = tmp_path / "corpus"
    shutil.copytree(FIXTURE_CORPUS, target)
    return target


def indexer_for(path):
    return Indexer(index=LocalIndex(path), analyzer=ANALYZER, tokens=TOKENS)


def test_unchanged_files_are_not_parsed_again(corpus, tmp_path):
    indexer = indexer_for(tmp_path / "i.sqlite")
    first = indexer.run(corpus)
    assert sorted(first.added) == ["jimu.txt", "kyuka.md"]
    second = indexer.run(corpus)
    assert second.added == second.updated == [] and sorted(second.unchanged) == ["jimu.txt", "kyuka.md"]
    assert second.passages == 0


def test_changed_metadata_sidecar_reindexes_the_file(corpus, tmp_path):
    indexer = indexer_for(tmp_path / "i.sqlite")
    indexer.run(corpus)
    (corpus / "jimu.txt.meta.yaml").write_text("url: https://reiki.example.test/ryohi\ncategory: 規則\n",
                                               encoding="utf-8")
    summary = indexer.run(corpus)
    assert summary.updated == ["jimu.txt"]
    hits = indexer.index.search_terms(ANALYZER.terms("旅費 精算"), limit=3)
    assert hits[0].passage.url == "https://reiki.example.test/ryohi"
    assert hits[0].passage.category == "規則"


def test_deleted_file_is_removed_from_the_index(corpus, tmp_path):
    indexer = indexer_for(tmp_path / "i.sqlite")
    indexer.run(corpus)
    (corpus / "jimu.txt").unlink()
    summary = indexer.run(corpus)
    assert summary.removed == ["jimu.txt"]
    assert indexer.index.search_terms(ANALYZER.terms("旅費 精算"), limit=5) == []
    assert set(indexer.index.document_hashes()) == {"kyuka.md"}


def test_broken_file_is_reported_and_keeps_its_previous_version(corpus, tmp_path):
    indexer = indexer_for(tmp_path / "i.sqlite")
    indexer.run(corpus)
    (corpus / "kyuka.md").write_text("---\ntitle: [unclosed\n---\n本文", encoding="utf-8")
    summary = indexer.run(corpus)
    assert [doc for doc, _ in summary.failed] == ["kyuka.md"]
    assert "front matter" in summary.failed[0][1]
    assert summary.removed == []  # a parse failure never deletes what was indexed before
    assert indexer.index.search_terms(ANALYZER.terms("育休"), limit=1)


def test_dry_run_writes_nothing(corpus, tmp_path):
    indexer = indexer_for(tmp_path / "i.sqlite")
    summary = indexer.run(corpus, dry_run=True)
    assert len(summary.added) == 2
    assert indexer.index.passage_count() == 0


def test_run_killed_midway_leaves_previous_index_readable(corpus, tmp_path):
    index_path = tmp_path / "i.sqlite"
    indexer_for(index_path).run(corpus)
    before = LocalIndex(index_path).stats()
    (corpus / "kyuka.md").write_text((corpus / "kyuka.md").read_text(encoding="utf-8") + "\n追記。\n",
                                     encoding="utf-8")
    (corpus / "new.md").write_text("# 新規程\n第一条　新しい規程の条文。\n", encoding="utf-8")
    # A real SIGKILL in the middle of the write transaction, after the first document went in.
    script = textwrap.dedent(f"""
        import os, signal
        from pathlib import Path
        from retrieval.local_index import LocalIndex
        from indexer.build import Indexer
        from retrieval.analysis import Analyzer
        from retrieval.tokens import TokenCounter
        original = LocalIndex._insert_document
        def insert_then_die(conn, record, passages):
            original(conn, record, passages)
            os.kill(os.getpid(), signal.SIGKILL)
        LocalIndex._insert_document = staticmethod(insert_then_die)
        Indexer(index=LocalIndex(Path({str(index_path)!r})), analyzer=Analyzer(),
                tokens=TokenCounter()).run(Path({str(corpus)!r}))
    """)
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, timeout=120)
    assert result.returncode == -9
    after = LocalIndex(index_path)
    assert after.stats()["passages"] == before["passages"]
    assert "new.md" not in after.document_hashes()
    assert after.search_terms(ANALYZER.terms("育休"), limit=1)


def test_parallel_indexing_matches_sequential_and_reports_bad_files(corpus, tmp_path):
    for n in range(3):
        (corpus / f"extra{n}.md").write_text(f"# 規程{n}\n（目的）\n第一条　規程{n}の目的を定める。\n",
                                             encoding="utf-8")
    (corpus / "broken.pdf").write_bytes(b"%PDF-1.7 truncated garbage")
    sequential = Indexer(index=LocalIndex(tmp_path / "seq.sqlite"), analyzer=ANALYZER, tokens=TOKENS, workers=1)
    parallel = Indexer(index=LocalIndex(tmp_path / "par.sqlite"), analyzer=ANALYZER, tokens=TOKENS, workers=2)
    first, second = sequential.run(corpus), parallel.run(corpus)
    assert sorted(first.added) == sorted(second.added) and len(second.added) == 5
    assert [doc for doc, _ in second.failed] == ["broken.pdf"]
    assert sequential.index.analysed_passages() == parallel.index.analysed_passages()


def test_relative_references_resolve_from_neighbours(corpus, tmp_path):
    indexer = indexer_for(tmp_path / "i.sqlite")
    indexer.run(corpus)
    index = indexer.index
    passages, _ = index.analysed_passages()
    seisan = next(p for p in passages if p.doc == "jimu.txt" and p.article == "第二条")
    [previous] = index.resolve_reference(seisan, "前条")
    assert previous.article == "第一条" and "目的" in previous.text
    ikukyu = next(p for p in passages if p.doc == "kyuka.md" and p.article == "第三条")
    assert [p.article for p in index.resolve_reference(ikukyu, "前条")] == ["第二条"]
    assert index.resolve_reference(ikukyu, "前項")[0].text.startswith("（育休の取扱い）\n第三条")
    with pytest.raises(ValueError):
        index.resolve_reference(ikukyu, "次条")
