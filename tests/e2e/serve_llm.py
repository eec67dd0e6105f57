"""`app.py serve` for the end-to-end test, answering through the LLM path against a local FAKE of
Azure OpenAI.

The bot is the product as configured by its environment (the test sets `REIKI_ANSWERER=llm` and the
chat deployment): local index, HTTP edge, handler, Teams streaming, state store, and the LLM
answerer with the real `openai` SDK client. Only Azure OpenAI itself is replaced: this launcher
serves tests/fakes/azure_openai_fake.py from a thread on loopback and hands its URL to the settings
as the Azure OpenAI endpoint (it is known only once the fake listens). The fake streams
MODEL_REPLY a few characters at a time, slowly enough that Teams shows the answer growing.

    python tests/e2e/serve_llm.py --host 127.0.0.1 --port 3978
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from aiohttp import web  # noqa: E402

from app import create_app, ensure_index  # noqa: E402
from logs import configure_logging  # noqa: E402
from services import build_services  # noqa: E402
from settings import load_settings  # noqa: E402
from tests.fakes.azure_openai_fake import FakeOpenAI, Step, serving_in_thread  # noqa: E402

# What the fake model answers to the e2e question (年休は何日もらえますか), in the answer format of
# prompts/answer_system.txt: each claim cites its source by number as the local searcher ranks the
# sample 勤務時間条例 for it ([1] 第十四条 年次休暇, [2] 第十五条 繰越し), with the markdown emphasis
# models like to write. No follow-up questions (<<FOLLOW_UPS>>): the bot would send them as
# suggested actions, and Playground 0.2.28 renders any message with suggested actions as an
# "action" message, without citation badges or markdown (its client passes `citations: undefined`
# for that type), so the answer could not be checked there. tests/test_azure_path_teams.py checks
# follow-ups at the HTTP level.
MODEL_OPENING = "みどり区の職員の年次休暇は"
MODEL_REPLY = (f"{MODEL_OPENING}、一の年（一月一日から十二月三十一日まで）ごとに**二十日**です[1]。"
               "年の途中で採用された方は、採用された月に応じた日数になります[1]。"
               "使わなかった日数は、二十日を限度として翌年に限り繰り越せます[2]。")
CHUNK_DELAY_SECONDS = 0.2  # 4 characters per chunk: ~6 s of writing, so several updates a second apart
_LATEST_MESSAGE = "LATEST MESSAGE:"  # where prompts/rewrite_query.txt puts the question
_QUESTION = "QUESTION:"  # where prompts/expand_query.txt puts it


class ScriptedModel(FakeOpenAI):
    """FAKE (test only): streams MODEL_REPLY for every answer; a query-rewriting request (the
    non-streamed call made once the conversation has history) gets the latest question back
    unchanged, as a model does with a self-contained question. Without this, the fixed reply
    would become the search query of the next turn and answer an off-topic question. A request
    for the question's statutory words (also non-streamed) gets the question back too: a sentence,
    which retrieval.query_expansion reads as no words, so the search is the question as asked."""

    async def _chat(self, request):
        body = await request.json()  # aiohttp keeps the body: the base class reads it again
        if not body.get("stream"):
            prompt = body["messages"][-1]["content"]
            marker = _LATEST_MESSAGE if _LATEST_MESSAGE in prompt else _QUESTION
            latest = prompt.rsplit(marker, 1)[-1].strip()
            self.script.insert(0, Step(reply=latest))
        return await super()._chat(request)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=3978)
    args = parser.parse_args()
    model = ScriptedModel(reply=MODEL_REPLY, chunk_delay_seconds=CHUNK_DELAY_SECONDS)
    with serving_in_thread(model) as model_url:
        settings = load_settings(azure_openai_endpoint=model_url)
        configure_logging(settings.log_level)
        services = build_services(settings)
        ensure_index(services, settings.corpus_dir)
        services.warm_up()
        web.run_app(create_app(settings, services), host=args.host, port=args.port, print=None)
    return 0


if __name__ == "__main__":
    sys.exit(main())
