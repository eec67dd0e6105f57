"""Composition root and command line.

    python app.py serve [--host H] [--port P]        the Teams bot (POST /api/messages, GET /healthz)
    python app.py index --corpus DIR [--index PATH]  build or refresh the local index
    python app.py ask "QUESTION" [--json]            answer in the terminal
    python app.py eval --questions F --corpus DIR --out DIR   offline answer-quality evaluation
    python app.py eval export-feedback --out F [--state PATH]  👎 feedback as question cases
"""
from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import logging
import signal
import sys
import time
from pathlib import Path
from typing import Any

from aiohttp import web

from logs import configure_logging
from retrieval.analysis import detect_language
from retrieval.models import Question
from retrieval.serialize import answer_to_dict
from services import IndexAdmin, Services, build_services
from settings import Settings, SettingsError, load_settings

log = logging.getLogger("app")
ROOT = Path(__file__).resolve().parent
BOT_KEY = web.AppKey("bot", object)
EDGE_KEY = web.AppKey("edge", object)


def create_app(settings: Settings, services: Services | None = None) -> web.Application:
    """The aiohttp application: the bot endpoint and a health check. Clients are built once."""
    from bot.auth import SigningKeys, TokenValidator
    from bot.edge_looplag import LoopLagMonitor
    from bot.edge_telemetry import build_telemetry
    from bot.edge_validation import MAX_BODY_BYTES
    from bot.handler import RegulationBot
    from bot.rendering import ReplyOptions
    from bot.server import MessageEdge, create_adapter
    from state.factory import build_conversation_state

    services = services or build_services(settings)
    telemetry = build_telemetry(settings.applicationinsights_connection_string.get_secret_value())
    telemetry.instrument_searcher(services.pipeline)
    adapter = create_adapter(app_id=settings.microsoft_app_id,
                             password=settings.microsoft_app_password.get_secret_value(),
                             app_type=settings.microsoft_app_type, tenant_id=settings.microsoft_app_tenant_id,
                             token_timeout=settings.auth_fetch_timeout_seconds,
                             reply_timeout=settings.reply_timeout_seconds)
    state = build_conversation_state(settings)
    bot = RegulationBot(pipeline=telemetry.timed_answers(services.pipeline), state=state,
                        admin=IndexAdmin(services),
                        admin_ids=settings.admin_object_ids, app_id=settings.microsoft_app_id,
                        max_question_chars=settings.max_question_chars,
                        options=ReplyOptions(sensitivity_label=settings.sensitivity_label,
                                             sensitivity_description=settings.sensitivity_description,
                                             help_desk=settings.help_desk),
                        stream_interval=settings.stream_interval_seconds)
    keys = None if settings.anonymous else SigningKeys(settings.openid_metadata_url,
                                                       timeout=settings.auth_fetch_timeout_seconds)
    edge = MessageEdge(adapter=adapter, bot=bot,
                       validator=TokenValidator(app_id=settings.microsoft_app_id, keys=keys) if keys else None,
                       allowed_tenants=settings.allowed_tenant_ids, turn_timeout=settings.turn_timeout_seconds,
                       max_concurrent_turns=settings.max_concurrent_turns, log_questions=settings.log_questions,
                       telemetry=telemetry, reply_timeout=settings.reply_timeout_seconds)

    loop_lag = LoopLagMonitor()
    passages: dict[str, Any] = {"count": None, "at": float("-inf")}

    async def healthz(_request: web.Request) -> web.Response:
        # The passage count comes from a worker thread; refresh it at most every 10 s, so the health
        # check stays an event-loop-only answer even when the thread pool is busy answering.
        if passages["count"] is None or time.monotonic() - passages["at"] > 10:
            passages["count"] = (await services.stats())["passages"]
            passages["at"] = time.monotonic()
        return web.json_response({"status": "ok", "passages": passages["count"],
                                  "running_turns": edge.running_turns,
                                  "loop_lag_max_ms": round(loop_lag.report() * 1000, 1)})

    async def lifecycle(_app: web.Application):
        loop_lag.start()
        yield
        await loop_lag.stop()
        await edge.drain()
        await bot.wait_for_background()
        await state.aclose()
        if keys is not None:
            await keys.aclose()
        await services.aclose()
        await adapter.connector.aclose()

    app = web.Application(client_max_size=MAX_BODY_BYTES + 1024)
    app.router.add_post("/api/messages", edge.handle)
    app.router.add_get("/healthz", healthz)
    app.cleanup_ctx.append(lifecycle)
    app[BOT_KEY] = bot
    app[EDGE_KEY] = edge
    return app


def serving_host(settings: Settings, requested: str | None) -> str:
    """Anonymous mode takes no token from anyone: keep it on this machine unless told otherwise."""
    host = requested or settings.host
    if settings.anonymous and host not in ("127.0.0.1", "::1", "localhost"):
        if not settings.allow_remote_anonymous:
            log.warning("anonymous mode (no MicrosoftAppId): binding 127.0.0.1 instead of %s;"
                        " set REIKI_ALLOW_REMOTE_ANONYMOUS=true to force it", host)
            return "127.0.0.1"
        log.warning("!!! ANONYMOUS MODE ON %s: anyone who can reach this port can use the bot without"
                    " a token. Local development only. !!!", host)
    return host


def _progress(number: int, total: int, doc: str) -> None:
    if not sys.stderr.isatty():
        return
    width = 30
    filled = width * number // max(total, 1)
    sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {number}/{total} {doc[:50]:<50}")
    if number == total:
        sys.stderr.write("\n")
    sys.stderr.flush()


def run_index(services: Services, corpus: Path, *, full: bool = False, dry_run: bool = False,
              out=sys.stdout) -> int:
    summary = services.indexer.run(corpus, full=full, dry_run=dry_run, progress=_progress,
                                   notice=lambda line: print(line, file=sys.stderr))
    print(summary.line(), file=out)
    return summary.exit_status()


def ensure_index(services: Services, corpus: Path) -> None:
    """Build the index on first use so `make run` works on a fresh machine. A shared Azure index
    is filled by an admin job (the app's identity may only read it): only warn there."""
    if not services.index.exists():
        if services.settings.search_backend != "local":
            log.warning("the search index is empty: run `app.py index` with an identity that may write it")
            return
        log.info("the index is empty: indexing %s", corpus)
        run_index(services, corpus, out=sys.stderr)  # stdout stays clean for `ask --json`


async def ask(services: Services, text: str, *, user: str | None = None, groups=()) -> dict:
    question = Question(text=text, language=detect_language(text), user_id=user,
                        groups=tuple(groups or ()))
    return answer_to_dict(await services.pipeline.answer(question))


async def _ask_and_close(services: Services, text: str) -> dict:
    try:
        return await ask(services, text)
    finally:
        await services.pipeline.aclose()


def default_eval_index(corpus: Path) -> Path:
    """One index per evaluated corpus, beside (never instead of) the bot's own index."""
    digest = hashlib.sha256(str(corpus.resolve()).encode()).hexdigest()[:12]
    return ROOT / "data" / "eval" / f"{corpus.resolve().name}-{digest}.sqlite"


def run_eval_command(args: argparse.Namespace, settings: Settings) -> int:
    from eval.cli import main_with_ask

    if not args.corpus.is_dir():
        print(f"error: corpus folder not found: {args.corpus}", file=sys.stderr)
        return 2
    if not args.questions.is_file():
        print(f"error: questions file not found: {args.questions}", file=sys.stderr)
        return 2
    services = build_services(settings, index_path=args.index or default_eval_index(args.corpus))
    # One event loop for the whole run: async SDK clients are bound to the loop that made them.
    runner = asyncio.Runner()
    judge_model = None  # the LLM judge's chat model, when --judge
    try:
        run_index(services, args.corpus, out=sys.stderr)
        if args.retriever != "default":
            from retrieval.local_index import LocalIndex

            if settings.search_backend != "local" or not isinstance(services.index, LocalIndex):
                print("error: --retriever baselines run on the local backend only", file=sys.stderr)
                return 2
            # A naive baseline retriever over the same passages, for comparison runs.
            from eval.naive import NaiveSearcher, read_passages
            from retrieval.extractive import ExtractiveAnswerer
            from retrieval.pipeline import AnswerPipeline

            services.pipeline = AnswerPipeline(
                searcher=NaiveSearcher(args.retriever, read_passages(services.index.path),
                                       analyzer=services.analyzer),
                answerer=ExtractiveAnswerer(analyzer=services.analyzer), top_k=settings.top_k)
        judge = None
        if args.judge:
            if not settings.llm_configured:
                print("error: --judge needs REIKI_AZURE_OPENAI_ENDPOINT and REIKI_AZURE_OPENAI_CHAT_DEPLOYMENT,"
                      " or REIKI_LLM_BASE_URL and REIKI_LLM_MODEL", file=sys.stderr)
                return 2
            from retrieval.chat_model import build_chat_model, sync_completion

            judge_model = build_chat_model(settings)
            judge = sync_completion(judge_model, runner)
        services.warm_up()  # so latency figures measure answering, not loading
        return main_with_ask(
            args, lambda text, **context: runner.run(ask(services, text, **context)),
            dataset_name=args.corpus.resolve().parent.name, corpus_dir=args.corpus,
            settings={"backend": settings.search_backend, "retriever": args.retriever,
                      "answerer": settings.answerer,
                      "analyzer": f"sudachi-core mode {settings.sudachi_split_mode}",
                      "k": args.k, "top_k": settings.top_k,
                      "max_passage_tokens": settings.max_passage_tokens,
                      "judge_model": judge_model.model if judge_model else None},
            judge=judge)
    finally:
        if judge_model is not None:
            runner.run(judge_model.aclose())
        runner.run(services.aclose())
        runner.close()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="app.py", description="例規 Q&A bot")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve the Teams bot endpoint")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    index = commands.add_parser("index", help="build or refresh the local index")
    index.add_argument("--corpus", type=Path)
    index.add_argument("--index", type=Path)
    index.add_argument("--full", action="store_true", help="re-parse every file")
    index.add_argument("--dry-run", action="store_true", help="report what would change, write nothing")
    question = commands.add_parser("ask", help="answer one question in the terminal")
    question.add_argument("question")
    question.add_argument("--index", type=Path)
    question.add_argument("--json", action="store_true", help="print one JSON object")
    evaluation = commands.add_parser("eval", help="offline evaluation on a question set")
    evaluation.add_argument("--corpus", type=Path, required=True)
    evaluation.add_argument("--index", type=Path)
    evaluation.add_argument("--retriever", default="default",
                            choices=["default", "trigram", "bigram", "sudachi"],
                            help="evaluate a naive baseline retriever instead of ours")
    evaluation.add_argument("--judge", action="store_true",
                            help="score groundedness and relevance with the configured chat model"
                                 " (REIKI_AZURE_OPENAI_* or REIKI_LLM_*)")
    from eval.cli import add_arguments

    add_arguments(evaluation)
    return parser


def export_feedback(argv: list[str], settings: Settings) -> int:
    """`eval export-feedback`: every 👎 in the state store as a case in the shared question format."""
    from state.conversation import ConversationState
    from state.factory import build_store
    from state.feedback_export import dislike_cases, write_jsonl
    from state.sqlite_store import SqliteStateStore

    parser = argparse.ArgumentParser(prog="app.py eval export-feedback", description=export_feedback.__doc__)
    parser.add_argument("--out", type=Path, required=True, help="JSONL file to write")
    parser.add_argument("--state", type=Path, help="a SQLite state file (default: the configured store)")
    args = parser.parse_args(argv)
    if args.state is not None and not args.state.is_file():
        print(f"error: state file not found: {args.state}", file=sys.stderr)
        return 2
    state = ConversationState(SqliteStateStore(args.state) if args.state else build_store(settings))

    async def read() -> list[dict]:
        try:
            return await state.feedback()
        finally:
            await state.aclose()

    cases, orphans = dislike_cases(asyncio.run(read()))
    write_jsonl(cases, args.out)
    print(f"{len(cases)} disliked answers written to {args.out}"
          + (f" ({orphans} without a known question skipped)" if orphans else ""), file=sys.stderr)
    return 0


def main(argv: list[str] | None = None) -> int:
    # `app.py ask ... | head` should end quietly, not with a BrokenPipeError traceback.
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    argv = sys.argv[1:] if argv is None else argv
    if argv[:2] == ["eval", "export-feedback"]:  # its own small parser: eval's flags do not apply
        try:
            settings = load_settings()
        except SettingsError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        configure_logging(settings.log_level)
        return export_feedback(argv[2:], settings)
    args = _parser().parse_args(argv)
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    configure_logging(settings.log_level, settings.log_format)
    if args.command == "eval":
        return run_eval_command(args, settings)
    try:
        services = build_services(settings, index_path=getattr(args, "index", None))
    except SettingsError as exc:  # e.g. an unreadable group mapping file
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        if args.command == "serve":
            ensure_index(services, settings.corpus_dir)
            services.warm_up()
            web.run_app(create_app(settings, services), host=serving_host(settings, args.host),
                        port=args.port or settings.port, print=None)
            return 0
        if args.command == "index":
            corpus = args.corpus or settings.corpus_dir
            if not corpus.is_dir():
                print(f"error: corpus folder not found: {corpus}", file=sys.stderr)
                return 2
            return run_index(services, corpus, full=args.full, dry_run=args.dry_run)
        if args.command == "ask":
            if not services.index.exists():
                ensure_index(services, settings.corpus_dir)
            result = asyncio.run(_ask_and_close(services, args.question))
            if args.json:
                print(json.dumps(result, ensure_ascii=False))
            else:
                print(result["answer"])
            return 0
    finally:
        services.close()
    return 2


if __name__ == "__main__":
    sys.exit(main())
