"""Composition root and command line.

    python app.py serve [--host H] [--port P]        the Teams bot (POST /api/messages, GET /healthz)
    python app.py index --corpus DIR [--index PATH]  build or refresh the local index
    python app.py ask "QUESTION" [--json]            answer in the terminal
    python app.py eval --questions F --corpus DIR --out DIR   offline answer-quality evaluation
"""
from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import logging
import signal
import sys
from pathlib import Path

from aiohttp import web

from feedback import FeedbackLog
from logs import configure_logging
from retrieval.analysis import detect_language
from retrieval.models import Question
from retrieval.serialize import answer_to_dict
from services import IndexAdmin, Services, build_services
from settings import Settings, SettingsError, load_settings

log = logging.getLogger("app")
ROOT = Path(__file__).resolve().parent
BOT_KEY = web.AppKey("bot", object)


def create_app(settings: Settings, services: Services | None = None) -> web.Application:
    """The aiohttp application: the bot endpoint and a health check. Clients are built once."""
    from bot.handler import RegulationBot
    from bot.server import create_adapter, messages_handler

    services = services or build_services(settings)
    adapter = create_adapter(app_id=settings.microsoft_app_id,
                             password=settings.microsoft_app_password.get_secret_value(),
                             app_type=settings.microsoft_app_type, tenant_id=settings.microsoft_app_tenant_id)
    bot = RegulationBot(answer=services.pipeline.answer, admin=IndexAdmin(services),
                        admin_ids=settings.admin_object_ids, app_id=settings.microsoft_app_id,
                        max_question_chars=settings.max_question_chars,
                        feedback=FeedbackLog(settings.feedback_path))

    async def healthz(_request: web.Request) -> web.Response:
        stats = await services.stats()
        return web.json_response({"status": "ok", "passages": stats["passages"]})

    async def lifecycle(_app: web.Application):
        yield
        await bot.wait_for_background()
        await services.aclose()
        await adapter.connector.aclose()

    app = web.Application(client_max_size=1024 * 1024)
    app.router.add_post("/api/messages", messages_handler(adapter, bot))
    app.router.add_get("/healthz", healthz)
    app.cleanup_ctx.append(lifecycle)
    app[BOT_KEY] = bot
    return app


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
    return 1 if summary.failed and not (summary.added or summary.updated or summary.unchanged) else 0


def ensure_index(services: Services, corpus: Path) -> None:
    """Build the index on first use so `make run` works on a fresh machine."""
    if not services.index.exists():
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
    try:
        run_index(services, args.corpus, out=sys.stderr)
        if args.retriever != "default":
            if settings.search_backend != "local":
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
                print("error: --judge needs REIKI_LLM_BASE_URL and REIKI_LLM_MODEL", file=sys.stderr)
                return 2
            from retrieval.chat_model import OpenAICompatibleChat

            judge = OpenAICompatibleChat(base_url=settings.llm_base_url, model=settings.llm_model,
                                         api_key=settings.llm_api_key.get_secret_value()).complete
        services.warm_up()  # so latency figures measure answering, not loading
        return main_with_ask(
            args, lambda text, **context: runner.run(ask(services, text, **context)),
            dataset_name=args.corpus.resolve().parent.name, corpus_dir=args.corpus,
            settings={"backend": settings.search_backend, "retriever": args.retriever,
                      "answerer": settings.answerer,
                      "analyzer": f"sudachi-core mode {settings.sudachi_split_mode}",
                      "k": args.k, "top_k": settings.top_k,
                      "max_passage_tokens": settings.max_passage_tokens,
                      "judge_model": settings.llm_model if judge else None},
            judge=judge)
    finally:
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
                            help="score groundedness and relevance with the configured LLM (REIKI_LLM_*)")
    from eval.cli import add_arguments

    add_arguments(evaluation)
    return parser


def main(argv: list[str] | None = None) -> int:
    # `app.py ask ... | head` should end quietly, not with a BrokenPipeError traceback.
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    args = _parser().parse_args(argv)
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    configure_logging(settings.log_level)
    if args.command == "eval":
        return run_eval_command(args, settings)
    services = build_services(settings, index_path=getattr(args, "index", None))
    try:
        if args.command == "serve":
            ensure_index(services, settings.corpus_dir)
            services.warm_up()
            web.run_app(create_app(settings, services), host=args.host or settings.host,
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
