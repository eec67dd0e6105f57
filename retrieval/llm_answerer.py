"""Answers written by a language model from the retrieved articles, with checked [n] citations.

Azure OpenAI (Entra ID) or any OpenAI-compatible endpoint, through `retrieval.chat_model`; no SDK
type reaches this module. The extractive answerer stays in charge of two things: whether the
passages answer the question at all (the same abstention bar as without a model, so the model is
never asked to write from nothing), and what the user gets when the model's answer cannot be used
(busy, timeout, content filter, no valid citation): the quoted articles, with a short notice.
"""
from __future__ import annotations

import asyncio
import dataclasses
import logging
import re
from collections.abc import AsyncIterator, Sequence

from prompts import load_prompt, messages, render
from retrieval.chat_model import ChatMessage, ChatModel, ChatModelError, ContextTooLong, build_chat_model
from retrieval.citations import build_citations, renumber, strip_markers
from retrieval.cpu_work import run_cpu
from retrieval.extractive import ExtractiveAnswerer
from retrieval.models import Answer, AnswerDraft, Question, ScoredPassage, Turn
from retrieval.ports import AnswerEvent
from retrieval.source_packing import PackedSources, pack_sources
from retrieval.tokens import TokenCounter
from settings import Settings

log = logging.getLogger("retrieval.llm_answerer")

# The whole answer must be written within this; Teams ends a streamed message after 2 minutes.
ANSWER_DEADLINE_SECONDS = 90.0
MAX_FOLLOW_UPS = 3
MAX_FOLLOW_UP_CHARS = 120
MAX_HISTORY_TURNS = 6  # earlier messages given to the model (answer) or the rewriter
MAX_TURN_CHARS = 500
LANGUAGE_NAMES = {"ja": "Japanese (日本語, 敬体)", "en": "English"}

# The answer format's markers (prompts/answer_system.txt); tolerant of spacing, case and bold.
_FOLLOW_UPS = re.compile(r"\**<<\s*FOLLOW[ _-]?UPS?\s*>>\**", re.I)
_NOT_COVERED = re.compile(r"\**<<\s*NOT[ _-]?COVERED\s*>>\**", re.I)
_MARKER_NAMES = ("<<FOLLOW_UPS>>", "<<NOT_COVERED>>")
_OPEN_CITATION = re.compile(r"[\[［][0-9０-９,，、\s\-]*$")  # "[1" still being written
_LIST_PREFIX = re.compile(r"^\s*(?:[-*・•●]|[0-9０-９]+[.)．、）]|Q[0-9]*[:：])\s*")


class _Deadline(ChatModelError):
    """The model kept writing past ANSWER_DEADLINE_SECONDS."""

    kind = "model_timeout"


@dataclasses.dataclass(frozen=True)
class ModelReply:
    """The model's raw text taken apart: answer body, follow-up questions, and whether it said
    the sources do not cover the question."""

    body: str
    follow_ups: tuple[str, ...]
    not_covered: bool


def parse_reply(raw: str) -> ModelReply:
    parts = _FOLLOW_UPS.split(raw, maxsplit=1)
    body = parts[0]
    not_covered = bool(_NOT_COVERED.search(body))
    body = _NOT_COVERED.sub("", body).strip()
    follow_ups: list[str] = []
    for line in (parts[1].splitlines() if len(parts) > 1 else ()):
        text = strip_markers(_LIST_PREFIX.sub("", line)).strip().strip("「」\"")
        if text and len(text) <= MAX_FOLLOW_UP_CHARS and text not in follow_ups:
            follow_ups.append(text)
    return ModelReply(body=body, follow_ups=tuple(follow_ups[:MAX_FOLLOW_UPS]), not_covered=not_covered)


def visible_draft(raw: str, source_count: int) -> str:
    """What the user may see of a reply still being written: no trailer, no format markers (even
    half-written ones), no citation marker that is still open, markers renumbered as they will be."""
    # Called for every piece the model sends: the regular expressions run only when the text
    # holds what they look for.
    text = raw
    if "<" in text:
        text = _FOLLOW_UPS.split(text, maxsplit=1)[0]
        text = _NOT_COVERED.sub("", text)
    text = _cut_open_marker(text)
    if "[" in text or "［" in text or "\x00" in text:
        text = renumber(_OPEN_CITATION.sub("", text), source_count).text
    return text.strip()


_LONGEST_MARKER = max(len(name) for name in _MARKER_NAMES) + 4  # with "**" bold on both sides


def _cut_open_marker(text: str) -> str:
    """`text` without a trailing "<<FOLL" that may be the start of a format marker."""
    tail = text[-_LONGEST_MARKER:]
    if "<" not in tail and "*" not in tail:
        return text
    for start in range(max(0, len(text) - _LONGEST_MARKER), len(text)):
        tail = text[start:].replace("*", "").upper()
        if text[start] in "<*" and tail and any(name.startswith(tail) for name in _MARKER_NAMES):
            return text[:start]
    return text


def _history_messages(history: Sequence[Turn]) -> list[ChatMessage]:
    """The last few turns, shortened; earlier answers lose their [n] markers (they pointed at
    other sources)."""
    turns = []
    for turn in history[-MAX_HISTORY_TURNS:]:
        role = "assistant" if turn.role == "assistant" else "user"
        text = strip_markers(turn.text) if role == "assistant" else turn.text
        turns.append(ChatMessage(role, text[:MAX_TURN_CHARS]))
    return turns


class LLMAnswerer:
    def __init__(self, *, chat: ChatModel, tokens: TokenCounter, fallback: ExtractiveAnswerer,
                 max_source_tokens: int, max_answer_tokens: int,
                 deadline_seconds: float = ANSWER_DEADLINE_SECONDS) -> None:
        self.chat = chat
        self.tokens = tokens
        self.fallback = fallback
        self.max_source_tokens = max_source_tokens
        self.max_answer_tokens = max_answer_tokens
        self.deadline_seconds = deadline_seconds

    async def stream(self, question: Question, passages: Sequence[ScoredPassage]) -> AsyncIterator[AnswerEvent]:
        # STEP 1: the extractive answer decides abstention and is the fallback if the model fails
        quoted = await run_cpu(self.fallback.compose, question, passages)
        if quoted.abstained:
            yield quoted  # nothing reaches the bar: no model call, the same abstention as always
            return
        # STEP 2: the model writes from the numbered sources; drafts follow its text
        budget = self.max_source_tokens
        for attempt in (1, 2):
            # Counting tokens is CPU work (tiktoken): off the event loop, like the extractive step.
            sources = await run_cpu(pack_sources, passages, self.tokens, budget)
            raw = shown = ""
            try:
                async for raw in self._write(question, sources):
                    draft = visible_draft(raw, len(sources.passages))
                    if draft and draft != shown:
                        shown = draft
                        yield AnswerDraft(draft)
                break
            except ContextTooLong:
                if attempt == 2 or len(sources.passages) <= 1:
                    log.warning("chat model context exceeded even with %d sources", len(sources.passages))
                    yield self._quoted_instead(quoted, "model_error")
                    return
                budget = sources.tokens // 2  # retry once with fewer sources
            except ChatModelError as exc:
                log.warning("chat model failed (%s): %s", exc.kind, exc)
                yield self._quoted_instead(quoted, _notice_for(exc))
                return
        # STEP 3: keep only citations that point at real sources, renumber, quote
        yield self._final(question, passages, sources, raw, quoted)

    async def _write(self, question: Question, sources: PackedSources) -> AsyncIterator[str]:
        """The reply text so far, after each piece the model sends (all within the deadline)."""
        prompt = render(load_prompt("answer_user.txt"), sources=sources.text, question=question.text,
                        language=LANGUAGE_NAMES.get(question.language, LANGUAGE_NAMES["ja"]))
        conversation = [ChatMessage("system", load_prompt("answer_system.txt")),
                        *_history_messages(question.history), ChatMessage("user", prompt)]
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.deadline_seconds
        pieces = self.chat.stream(conversation, max_tokens=self.max_answer_tokens)
        text = ""
        try:
            while True:
                try:
                    # a timer in this task, not wait_for's task per piece
                    async with asyncio.timeout_at(deadline):
                        piece = await anext(pieces)
                except StopAsyncIteration:
                    return
                except TimeoutError:
                    raise _Deadline("the answer was not finished within the deadline") from None
                text += piece
                yield text
        finally:
            await pieces.aclose()

    def _final(self, question: Question, passages: Sequence[ScoredPassage], sources: PackedSources,
               raw: str, quoted: Answer) -> Answer:
        reply = parse_reply(raw)
        renumbered = renumber(reply.body, len(sources.passages))
        text = renumbered.text.strip()
        if not renumbered.order:
            if reply.not_covered and text:
                # The model read the sources and says they do not answer: an abstention in its words.
                return Answer(text=text, citations=(), passages=tuple(passages), abstained=True,
                              language=question.language, follow_ups=reply.follow_ups)
            log.info("model answer had no valid citation; quoting the articles instead")
            return self._quoted_instead(quoted, "no_valid_citation")
        citations = build_citations(text, renumbered.order, [s.passage for s in sources.passages])
        return Answer(text=text, citations=citations, passages=tuple(passages), abstained=reply.not_covered,
                      language=question.language, follow_ups=reply.follow_ups)

    @staticmethod
    def _quoted_instead(quoted: Answer, notice: str) -> Answer:
        """The extractive answer, introduced by a short notice saying why the model's is missing."""
        intro = messages(quoted.language)[f"notice_{notice}"]
        return dataclasses.replace(quoted, text=f"{intro}\n\n{quoted.text}", notice=notice)

    async def aclose(self) -> None:
        await self.chat.aclose()


def _notice_for(error: ChatModelError) -> str:
    return error.kind if error.kind in ("model_busy", "model_timeout", "content_filter") else "model_error"


class LLMQueryRewriter:
    """A follow-up ("それは何日まで？") becomes a self-contained search query; on any failure the
    original question is searched as it is."""

    def __init__(self, *, chat: ChatModel, max_query_chars: int = 300) -> None:
        self.chat = chat
        self.max_query_chars = max_query_chars

    async def rewrite(self, question: Question) -> str:
        if not question.history:
            return question.text
        history = "\n".join(f"{m.role}: {m.content}" for m in _history_messages(question.history))
        prompt = render(load_prompt("rewrite_query.txt"), history=history, question=question.text)
        try:
            reply = await self.chat.complete([ChatMessage("user", prompt)], max_tokens=200)
        except ChatModelError as exc:
            log.warning("query rewrite failed (%s); searching the question as asked", exc.kind)
            return question.text
        lines = [line.strip() for line in reply.strip().splitlines() if line.strip()]
        query = lines[0].strip("「」\"'`") if lines else ""
        query = re.sub(r"^(?:検索クエリ|クエリ|query)\s*[:：]\s*", "", query, flags=re.I).strip()
        if not query or len(query) > self.max_query_chars:
            return question.text
        return query


def build_llm_answerer(settings: Settings, *, tokens: TokenCounter,
                       fallback: ExtractiveAnswerer) -> tuple[LLMAnswerer, LLMQueryRewriter]:
    chat = build_chat_model(settings)  # one client, shared; the answerer closes it
    answerer = LLMAnswerer(chat=chat, tokens=tokens, fallback=fallback,
                           max_source_tokens=settings.llm_max_source_tokens,
                           max_answer_tokens=settings.llm_max_answer_tokens)
    return answerer, LLMQueryRewriter(chat=chat)
