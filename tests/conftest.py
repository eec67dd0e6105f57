from __future__ import annotations

import asyncio
import os
import shutil
from pathlib import Path

import pytest

from services import build_services
from settings import load_settings

# The sentence-embedding signal embeds every new index at warm-up, or in a background thread on the
# first question: tests that build services rank by words alone, deterministically and fast. The
# signal itself is tested with the real model in tests/test_passage_vectors.py, and `make
# eval-gate` (in CI) runs the product's default, with it.
os.environ.setdefault("REIKI_DENSE", "off")

ROOT = Path(__file__).resolve().parents[1]
FIXTURE_CORPUS = ROOT / "tests" / "fixtures" / "corpus"
SHARED_DATASETS = ROOT.parent / "shared" / "datasets"


@pytest.fixture(scope="session")
def corpus_dir(tmp_path_factory) -> Path:
    """A private copy of the fixture corpus, so tests may add/remove files."""
    target = tmp_path_factory.mktemp("corpus")
    shutil.copytree(FIXTURE_CORPUS, target, dirs_exist_ok=True)
    return target


@pytest.fixture(scope="session")
def services(corpus_dir, tmp_path_factory):
    work = tmp_path_factory.mktemp("idx")
    settings = load_settings(corpus_dir=corpus_dir, index_path=work / "index.sqlite",
                             state_path=work / "state.sqlite")
    built = build_services(settings)
    built.indexer.run(corpus_dir)
    yield built
    built.close()


@pytest.fixture
def shared_datasets() -> Path:
    if not SHARED_DATASETS.is_dir():
        pytest.skip("../shared/datasets is not present")
    return SHARED_DATASETS


@pytest.fixture
async def receiver():
    """A local HTTP server standing in for the Bot Connector: it records what the bot posts."""
    from tests.test_http import ConnectorReceiver

    r = ConnectorReceiver()
    await r.server.start_server()
    yield r
    await r.server.close()


@pytest.fixture
async def openid():
    """A local FAKE of the Bot Framework's OpenID metadata and signing-key endpoints."""
    from tests.fakes.bot_framework_tokens import FakeOpenIdServer

    server = await FakeOpenIdServer().start()
    yield server
    await server.close()


@pytest.fixture
def slow_answers(services, monkeypatch):
    """Make the pipeline slow (or failing) for one test: its stream waits, or raises once."""
    state = {"delay": 0.0, "fail_first": False, "calls": 0}
    real = services.pipeline.stream

    async def stream(question):
        state["calls"] += 1
        if state["fail_first"] and state["calls"] == 1:
            raise RuntimeError("backend exploded for 090-1234-5678")
        await asyncio.sleep(state["delay"])
        async for event in real(question):
            yield event

    monkeypatch.setattr(services.pipeline, "stream", stream)
    return state


@pytest.fixture(scope="session")
def samples(tmp_path_factory):
    """The product as `make run` serves it: the bundled samples/regulations on the embedded default."""
    settings = load_settings(_env_file=None, index_path=tmp_path_factory.mktemp("samples") / "index.sqlite")
    built = build_services(settings)
    built.indexer.run(ROOT / "samples" / "regulations")
    yield built
    built.close()


@pytest.fixture
async def fake():
    """The local HTTP FAKE of Azure OpenAI (tests/fakes/azure_openai_fake.py: scripted replies, not
    a model), serving for one test; `fake.url` is its endpoint."""
    from tests.fakes.azure_openai_fake import FakeOpenAI, serving

    fake = FakeOpenAI()
    async with serving(fake) as url:
        fake.url = url
        yield fake
