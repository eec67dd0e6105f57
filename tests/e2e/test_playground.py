"""End to end through a real Teams-like client: the Microsoft 365 Agents Playground (npm), driven by
headless Debian Chromium (npm playwright-core, see playground_driver.mjs), talking to `app.py serve`.

What a Teams user sees is checked in the rendered UI: the answer streamed in (informative update,
growing text), then the final message with citation badges and their popover, the "AI generated"
and sensitivity labels, the 👍 button and its feedback round trip; the abstention for an
off-topic question; and a small-talk reply with example questions.

The bot runs through tests/e2e/serve_llm.py: the product on the LLM path (`REIKI_ANSWERER=llm`, local
index) whose Azure OpenAI endpoint is a local FAKE (tests/fakes/azure_openai_fake.py) served by the
launcher, streaming a scripted reply slowly enough for Teams to show it growing.

Needs /usr/bin/chromium, node >= 20 and npm: `scripts/install-e2e-deps.sh` installs them and the
pinned npm packages (the test runs `npm ci` itself when tests/e2e/node_modules is missing or stale).
Without them the test is skipped, except under CI (env CI set), where it fails.
`E2E_SCREENSHOT=1` saves the answered chat to docs/playground.png, a mid-stream view to
docs/playground-streaming.png and the small-talk reply to docs/playground-small-talk.png.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.e2e.serve_llm import MODEL_OPENING
from tests.support import free_port, in_ci

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
E2E_DIR = Path(__file__).resolve().parent
CORPUS = ROOT / "samples" / "regulations"
CHROMIUM = Path("/usr/bin/chromium")
DRIVER = E2E_DIR / "playground_driver.mjs"
PLAYGROUND_BIN = E2E_DIR / "node_modules" / ".bin" / "agentsplayground"  # what `npx agentsplayground` runs
LOCK_STAMP = E2E_DIR / "node_modules" / ".installed-lock.sha256"  # shared with install-e2e-deps.sh

QUESTION = "年休は何日もらえますか"
OFF_TOPIC = "社員食堂のカレーはいくら？"
SMALL_TALK = "こんにちは"
LAUNCHER = E2E_DIR / "serve_llm.py"

BOOT_TIMEOUT = 60  # s, for the bot (Sudachi dictionary load) and for the Playground, each
DRIVER_TIMEOUT = 150  # s, for the whole browser session (normally ~15 s)


# --- helpers ------------------------------------------------------------------------------------


def _tail(path: Path, lines: int = 40) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return f"({path} not readable)"
    return "\n".join(text.splitlines()[-lines:]) or "(empty)"


@dataclass
class Service:
    name: str
    process: subprocess.Popen
    log: Path
    url: str = ""

    def diagnostics(self) -> str:
        state = "running" if self.process.poll() is None else f"exited with {self.process.returncode}"
        return f"--- {self.name} ({state}), last lines of {self.log} ---\n{_tail(self.log)}"


def _start(name: str, argv: list[str], *, cwd: Path, env: dict, log: Path) -> Service:
    with log.open("wb") as out:
        # A session (process group) of its own, so teardown stops whatever the process started.
        process = subprocess.Popen(argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=out,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    return Service(name, process, log)


def _stop(service: Service) -> None:
    """Stop the process group this test started (SIGTERM, then SIGKILL)."""
    if service.process.poll() is not None:
        return
    for sig, grace in ((signal.SIGTERM, 10), (signal.SIGKILL, 5)):
        try:
            os.killpg(service.process.pid, sig)
        except ProcessLookupError:
            return
        try:
            service.process.wait(grace)
            return
        except subprocess.TimeoutExpired:
            continue


def _wait_until(what: str, probe, services: list[Service], timeout: float = BOOT_TIMEOUT):
    deadline = time.monotonic() + timeout
    while True:
        for service in services:
            if service.process.poll() is not None:
                pytest.fail(f"{service.name} exited while waiting for {what}\n"
                            + "\n".join(s.diagnostics() for s in services), pytrace=False)
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout} s waiting for {what}\n"
                        + "\n".join(s.diagnostics() for s in services), pytrace=False)
        time.sleep(0.25)


def _http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


# --- fixtures -----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def e2e_tools() -> None:
    """Chromium, node and npm must be there; the pinned npm packages are installed on demand."""
    missing = [] if os.access(CHROMIUM, os.X_OK) else [str(CHROMIUM)]
    missing += [tool for tool in ("node", "npm") if shutil.which(tool) is None]
    if shutil.which("node"):
        version = subprocess.run(["node", "--version"], capture_output=True, text=True).stdout.strip()
        if int(re.match(r"v?(\d+)", version or "v0").group(1)) < 20:
            missing.append(f"node >= 20 (found {version})")
    if missing:
        message = f"end-to-end test needs {', '.join(missing)}: run scripts/install-e2e-deps.sh"
        if in_ci():
            pytest.fail(f"CI is set, so not skipping: {message}", pytrace=False)
        pytest.skip(message)

    want = hashlib.sha256((E2E_DIR / "package-lock.json").read_bytes()).hexdigest()
    if not LOCK_STAMP.is_file() or LOCK_STAMP.read_text().strip() != want:
        result = subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=E2E_DIR,
                                capture_output=True, text=True, timeout=600)
        if result.returncode != 0:
            pytest.fail(f"npm ci in tests/e2e failed:\n{result.stdout}\n{result.stderr}", pytrace=False)
        LOCK_STAMP.write_text(want + "\n")


@pytest.fixture(scope="module")
def bot(e2e_tools, tmp_path_factory):
    """`app.py serve` on a free loopback port, over a fresh index of samples/regulations."""
    work = tmp_path_factory.mktemp("e2e-bot")
    env = {
        **os.environ,
        "REIKI_INDEX_PATH": str(work / "index.sqlite"),
        "REIKI_STATE_PATH": str(work / "state.sqlite"),
        "REIKI_CORPUS_DIR": str(CORPUS),
        "REIKI_LOG_LEVEL": "INFO",
        # Anonymous mode whatever a developer's .env says: the Playground sends no Authorization.
        "MicrosoftAppId": "",
        "MicrosoftAppPassword": "",
        "PYTHONUNBUFFERED": "1",
    }
    index = subprocess.run([sys.executable, "app.py", "index", "--corpus", str(CORPUS)], cwd=ROOT, env=env,
                           capture_output=True, text=True, timeout=120)
    assert index.returncode == 0, f"app.py index failed:\n{index.stdout}\n{index.stderr}"

    port = free_port()
    # The LLM path: the chat deployment of an Azure OpenAI whose endpoint the launcher fills in with
    # the fake it serves (the index above was built without a model: the local backend embeds nothing).
    llm = {"REIKI_ANSWERER": "llm", "REIKI_AZURE_OPENAI_CHAT_DEPLOYMENT": "chat",
           "REIKI_AZURE_OPENAI_API_KEY": "fake-key"}
    service = _start("bot (tests/e2e/serve_llm.py: app.py serve, LLM answerer against the Azure OpenAI fake)",
                     [sys.executable, str(LAUNCHER), "--host", "127.0.0.1", "--port", str(port)],
                     cwd=ROOT, env={**env, **llm}, log=work / "bot.log")
    try:
        _wait_until("the bot's /healthz", lambda: _http_ok(f"http://127.0.0.1:{port}/healthz"), [service])
        service.url = f"http://127.0.0.1:{port}/api/messages"
        yield service
    finally:
        _stop(service)


@pytest.fixture(scope="module")
def playground(bot, tmp_path_factory):
    """The Agents Playground from tests/e2e/node_modules. It listens on all interfaces: stopped in teardown."""
    work = tmp_path_factory.mktemp("e2e-playground")
    # Run from a temporary folder: the Playground writes devTools/m365agentsplayground.log into its
    # working directory. A free port rather than the default 56150 leaves a developer's own
    # Playground alone; if the port is taken meanwhile it picks another one: read it from its log.
    argv = [str(PLAYGROUND_BIN), "-e", bot.url, "-c", "msteams", "--disable-telemetry", "-p", str(free_port())]
    env = {**os.environ, "TEAMSAPPTESTER_BROWSER": "none"}
    service = _start("Agents Playground", argv, cwd=work, env=env, log=work / "playground.log")
    try:
        def listening() -> int | None:
            match = re.search(r"Listening on (\d+)", service.log.read_text(errors="replace"))
            return int(match.group(1)) if match else None

        port = _wait_until("the Playground to report 'Listening on <port>'", listening, [service, bot])
        service.url = f"http://127.0.0.1:{port}/"
        _wait_until(f"the Playground UI at {service.url}", lambda: _http_ok(service.url), [service, bot])
        yield service
    finally:
        _stop(service)


@pytest.fixture(scope="module")
def chat(bot, playground, tmp_path_factory) -> dict:
    """One browser session: ask, hover a citation, 👍 with a comment, ask something off-topic."""
    work = tmp_path_factory.mktemp("e2e-browser")
    failure_png = work / "failure.png"
    first_turn = {"text": QUESTION, "like": True, "waitForCitations": True}
    small_talk = {"text": SMALL_TALK}
    if os.environ.get("E2E_SCREENSHOT") == "1":
        first_turn["screenshot"] = str(ROOT / "docs" / "playground.png")
        first_turn["streamScreenshot"] = str(ROOT / "docs" / "playground-streaming.png")
        small_talk["screenshot"] = str(ROOT / "docs" / "playground-small-talk.png")
    options = {"url": playground.url, "turns": [first_turn, {"text": OFF_TOPIC}, small_talk],
               "failureScreenshot": str(failure_png)}

    def diagnostics() -> str:
        return f"{bot.diagnostics()}\n{playground.diagnostics()}"

    try:
        run = subprocess.run(["node", str(DRIVER), json.dumps(options, ensure_ascii=False)], cwd=E2E_DIR,
                             capture_output=True, text=True, timeout=DRIVER_TIMEOUT)
    except subprocess.TimeoutExpired:
        pytest.fail(f"the browser driver did not finish in {DRIVER_TIMEOUT} s\n{diagnostics()}", pytrace=False)
    try:
        result = json.loads(run.stdout.strip().splitlines()[-1])
    except (IndexError, json.JSONDecodeError):
        pytest.fail(f"the browser driver printed no JSON (exit {run.returncode})\nstdout: {run.stdout[-3000:]}\n"
                    f"stderr: {run.stderr[-3000:]}\n{diagnostics()}", pytrace=False)
    if not result.get("ok"):
        pytest.fail(
            f"in the Playground, step '{result.get('step')}' failed: {result.get('error')}\n"
            f"chat: {json.dumps(result.get('chat'), ensure_ascii=False, indent=1)}\n"
            f"Playground log panel:\n  " + "\n  ".join(result.get("logPanel") or []) + "\n"
            f"page errors: {result.get('pageErrors')}\n"
            f"screenshot: {failure_png if failure_png.exists() else '(none)'}\n"
            f"driver stderr: {run.stderr[-2000:]}\n{diagnostics()}", pytrace=False)
    return result


# --- tests --------------------------------------------------------------------------------------
def test_answer_is_rendered_with_citations_ai_label_and_feedback_button(chat):
    answer = chat["turns"][0]
    assert answer["author"], "the reply has no author line: was it rendered as a bot message?"
    # The model's answer (not the extractive quotes), its trailer of follow-up questions cut off.
    assert answer["text"].startswith(MODEL_OPENING) and "二十日" in answer["text"], answer["text"]
    assert "FOLLOW_UPS" not in answer["text"] and "<<" not in answer["text"], answer["text"]
    # Its markers [1] [1] [2] became badges for the two sources it cited.
    assert {badge.strip() for badge in answer["citationBadges"]} == {"1", "2"}, answer["citationBadges"]
    assert not re.search(r"\[\d+\]", answer["text"]), f"a [n] marker stayed literal text: {answer['text']}"
    assert answer["aiLabel"], "the 'AI generated' label is not shown in the message header"
    assert answer["likeButton"], "no 👍 (Like) button under the answer"
    # Hovering badge 1 shows the cited article: its name (規程名 第N条) and the quoted text.
    # Badge 1 is the model's source [1], the searcher's best match: 第十四条 (年次休暇).
    assert answer["citationPopup"] and "第十四条" in answer["citationPopup"], answer["citationPopup"]
    assert answer["newBotMessages"] == 1, "expected exactly one reply to the question"


def test_like_feedback_reaches_the_bot(chat, bot):
    feedback = chat["turns"][0]["feedback"]
    assert feedback["status"] == 200, f"the feedback invoke was answered with: {feedback['logEntry']}"
    assert "Thank you" in feedback["confirmation"], feedback["confirmation"]
    log = bot.log.read_text(errors="replace")
    assert "feedback reaction=like" in log, bot.diagnostics()
    # The model's answer was used as it was (no notice), with its two citations.
    assert re.search(r"answered activity=\S+ abstained=False citations=2 notice=None", log), bot.diagnostics()
    # ...and is kept in the state store, tied to the answer it judges (Teams itself stores nothing).
    import asyncio

    from state.sqlite_store import SqliteStateStore

    async def stored_feedback():
        store = SqliteStateStore(bot.log.parent / "state.sqlite")
        try:
            return await store.values("feedback")
        finally:
            await store.aclose()

    [record] = asyncio.run(stored_feedback())
    assert record["reaction"] == "like" and "分かりやすい" in record["text"]
    assert record["question"] == QUESTION and record["passage_ids"], record


def test_answer_is_streamed_in_before_the_final_message(chat):
    snapshots = chat["turns"][0]["snapshots"]
    final = snapshots[-1]
    assert snapshots[0].startswith("例規を検索しています"), snapshots  # the informative update, at once
    # The model's text as it was being written: shorter than the final answer, growing.
    partial = [s for s in snapshots[1:-1] if s.startswith(MODEL_OPENING) and len(s) < len(final)]
    assert partial, f"no partial text was shown before the final answer: {snapshots}"
    assert [len(s) for s in partial] == sorted(len(s) for s in partial), partial
    assert chat["turns"][0]["sensitivityLabel"], "the sensitivity label (庁内限り) is not shown"


def test_small_talk_gets_a_friendly_reply_with_examples(chat):
    reply = chat["turns"][2]
    assert "例規Q&Aボットです" in reply["text"] and "年休は何日もらえますか" in reply["text"], reply["text"]
    assert "見つかりませんでした" not in reply["text"]
    assert not reply["citationBadges"] and not reply["aiLabel"]
    assert reply["newBotMessages"] == 1


def test_off_topic_question_gets_an_abstention(chat):
    reply = chat["turns"][1]
    assert "見つかりませんでした" in reply["text"], reply["text"]
    assert not reply["citationBadges"], "an abstention must not cite anything"


def test_nothing_failed_on_either_side(chat, bot):
    failed = [entry for entry in chat["logPanel"]
              if (m := re.search(r"\b(?:installationUpdate|conversationUpdate|message|invoke|typing)\s+(\d{3})\b",
                                 entry)) and int(m.group(1)) >= 400]
    assert not failed, f"the Playground logged failed requests: {failed}"
    assert not chat["pageErrors"], f"the Playground page threw: {chat['pageErrors']}"
    log = bot.log.read_text(errors="replace")
    assert "Traceback" not in log and not re.search(r"\b(ERROR|CRITICAL)\b", log), bot.diagnostics()
