"""What the indexer refuses to read, how much work one hostile file costs, and what happens to
its worker processes when it is killed."""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from indexer.build import Indexer, bounded_blocks, MAX_LINE_CHARS
from indexer.document import TextBlock
from retrieval.analysis import Analyzer
from retrieval.local_index import LocalIndex
from retrieval.tokens import TokenCounter
from tests.conftest import FIXTURE_CORPUS, ROOT

ANALYZER = Analyzer()
TOKENS = TokenCounter()
SECRET = "root:x:0:0:秘密の管理者:/root:/bin/bash"


@pytest.fixture
def corpus(tmp_path):
    target = tmp_path / "corpus"
    shutil.copytree(FIXTURE_CORPUS, target)
    return target


@pytest.fixture
def outside(tmp_path):
    """Files outside the corpus that a link inside it points at."""
    folder = tmp_path / "outside"
    folder.mkdir()
    (folder / "passwd.txt").write_text(f"{SECRET}\n第一条　秘密の管理者の規程。\n", encoding="utf-8")
    return folder


def indexer_for(path: Path) -> Indexer:
    return Indexer(index=LocalIndex(path), analyzer=ANALYZER, tokens=TOKENS, workers=1)


def all_text(index: LocalIndex) -> str:
    passages, _ = index.analysed_passages()
    return "\n".join(p.text for p in passages)


# -- finding 1: links and special files ----------------------------------------------------------

def test_a_symlink_to_a_file_outside_the_corpus_is_skipped_never_indexed(corpus, outside, tmp_path):
    (corpus / "passwd.txt").symlink_to(outside / "passwd.txt")
    indexer = indexer_for(tmp_path / "i.sqlite")
    summary = indexer.run(corpus)
    assert ("passwd.txt", "symbolic link: not followed") in summary.skipped
    assert "秘密の管理者" not in all_text(indexer.index)
    assert "passwd.txt" not in indexer.index.document_hashes()


def test_a_symlink_to_a_folder_is_not_followed(corpus, outside, tmp_path):
    (corpus / "linked").symlink_to(outside, target_is_directory=True)
    indexer = indexer_for(tmp_path / "i.sqlite")
    summary = indexer.run(corpus)
    assert ("linked", "symbolic link to a folder: not followed") in summary.skipped
    assert "秘密の管理者" not in all_text(indexer.index)
    assert sorted(summary.added) == ["jimu.txt", "kyuka.md"]


def test_a_symlink_inside_the_corpus_is_refused_too(corpus, tmp_path):
    # Even a link to another corpus file: the link itself could be repointed between runs.
    (corpus / "alias.md").symlink_to(corpus / "kyuka.md")
    summary = indexer_for(tmp_path / "i.sqlite").run(corpus)
    assert ("alias.md", "symbolic link: not followed") in summary.skipped


def test_a_named_pipe_is_refused_without_blocking(corpus, tmp_path):
    os.mkfifo(corpus / "pipe.txt")  # opening it for reading would wait for a writer forever
    summary = indexer_for(tmp_path / "i.sqlite").run(corpus)
    assert ("pipe.txt", "not a regular file") in summary.skipped


def test_a_linked_metadata_sidecar_fails_the_file(corpus, outside, tmp_path):
    (outside / "meta.yaml").write_text("title: 外部のタイトル\n", encoding="utf-8")
    (corpus / "jimu.txt.meta.yaml").symlink_to(outside / "meta.yaml")
    summary = indexer_for(tmp_path / "i.sqlite").run(corpus)
    assert [doc for doc, _ in summary.failed] == ["jimu.txt"]
    assert "link" in summary.failed[0][1] and summary.exit_status() == 1


def test_a_previously_indexed_file_replaced_by_a_link_is_removed(corpus, outside, tmp_path):
    indexer = indexer_for(tmp_path / "i.sqlite")
    indexer.run(corpus)
    (corpus / "jimu.txt").unlink()
    (corpus / "jimu.txt").symlink_to(outside / "passwd.txt")
    summary = indexer.run(corpus)
    assert summary.removed == ["jimu.txt"]
    assert "秘密の管理者" not in all_text(indexer.index)


# -- finding 8: a file with no line breaks --------------------------------------------------------

class CountingTokens:
    """The real token counter, counting how many characters it is asked to encode."""

    def __init__(self) -> None:
        self.real = TOKENS
        self.cache_dir = None
        self.characters = 0

    def count(self, text: str) -> int:
        self.characters += len(text)
        return self.real.count(text)


def test_a_file_without_line_breaks_costs_linear_work(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    size = 200_000
    (corpus / "one-line.txt").write_text(("職員の勤務時間は一日につき七時間四十五分とする" * 10_000)[:size],
                                          encoding="utf-8")
    tokens = CountingTokens()
    indexer = Indexer(index=LocalIndex(tmp_path / "i.sqlite"), analyzer=ANALYZER, tokens=tokens, workers=1)
    summary = indexer.run(corpus)
    assert summary.added == ["one-line.txt"] and summary.passages > 100
    # Cutting the remainder of one 200,000-character line re-encoded it after each cut:
    # ~170 characters tokenised per character of input (quadratic). Bounded lines keep it near 10.
    assert tokens.characters / size < 25, tokens.characters / size
    assert all(len(p.text) < 2 * MAX_LINE_CHARS for p in indexer.index.analysed_passages()[0])


def test_long_blocks_are_cut_at_sentence_ends_and_keep_every_character():
    text = ("規程の文。" * 3000) + ("あ" * 12_000)
    blocks = bounded_blocks([TextBlock(text, page=3), TextBlock("短い行")], limit=1000)
    assert "".join(b.text for b in blocks[:-1]) == text and blocks[-1].text == "短い行"
    assert all(len(b.text) <= 1000 and b.page == 3 for b in blocks[:-1])
    sentence_blocks = [b for b in blocks[:-1] if "規程" in b.text and "あ" not in b.text]
    assert sentence_blocks and all(b.text.endswith("。") for b in sentence_blocks)


# -- finding 8: kill -9 of the indexer ------------------------------------------------------------

def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid and fields[0] != "Z":
                found.append(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_workers_die_with_a_killed_indexer(corpus, tmp_path):
    for n in range(30):
        (corpus / f"extra{n}.md").write_text(f"# 規程{n}\n第一条　規程{n}の目的を定める。\n" * 200,
                                             encoding="utf-8")
    script = textwrap.dedent(f"""
        from pathlib import Path
        from indexer.build import Indexer
        from retrieval.analysis import Analyzer
        from retrieval.local_index import LocalIndex
        from retrieval.tokens import TokenCounter
        Indexer(index=LocalIndex(Path({str(tmp_path / 'i.sqlite')!r})), analyzer=Analyzer(),
                tokens=TokenCounter(), workers=2).run(Path({str(corpus)!r}))
    """)
    parent = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT)
    try:
        deadline = time.monotonic() + 60
        workers: list[int] = []
        while time.monotonic() < deadline and len(workers) < 2:
            time.sleep(0.1)
            workers = [pid for pid in _children(parent.pid)
                       if "spawn_main" in (Path("/proc") / str(pid) / "cmdline").read_text(errors="replace")]
        assert len(workers) == 2, "the indexer did not start its two workers"
        time.sleep(1.0)  # let them get into their initialiser or their first file
        parent.send_signal(signal.SIGKILL)
        parent.wait(timeout=10)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and any(_alive(pid) for pid in workers):
            time.sleep(0.1)
        assert not any(_alive(pid) for pid in workers), "worker processes outlived the killed indexer"
    finally:
        if parent.poll() is None:
            parent.kill()


# -- finding 9: TIKTOKEN_CACHE_DIR set only in .env --------------------------------------------------

def test_tokens_come_from_the_configured_cache_dir_without_the_environment(tmp_path, monkeypatch):
    import tiktoken.load
    import tiktoken.registry

    from retrieval.tokens import encoding_for
    from services import build_services
    from settings import load_settings

    def no_download_or_env_cache(*args, **kwargs):
        raise AssertionError("tiktoken looked in its own cache (the environment's) or went online")

    monkeypatch.delenv("TIKTOKEN_CACHE_DIR", raising=False)
    monkeypatch.setattr(tiktoken.load, "read_file_cached", no_download_or_env_cache)
    monkeypatch.setattr(tiktoken.registry, "ENCODINGS", {})  # a fresh process: nothing loaded yet
    encoding_for.cache_clear()
    cache = tmp_path / "tiktoken-cache"
    (tmp_path / ".env").write_text(f"TIKTOKEN_CACHE_DIR={cache}\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)  # settings read .env from the working directory
    settings = load_settings(index_path=tmp_path / "i.sqlite")
    assert settings.tiktoken_cache_dir == cache
    services = build_services(settings)
    try:
        assert services.tokens.count("職員の勤務時間は七時間四十五分とする。") > 5
        assert [f.name for f in cache.iterdir()] == ["fb374d419588a4632f3f557e76b4b70aebbca790"]
    finally:
        services.close()
        encoding_for.cache_clear()
