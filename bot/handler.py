"""The Teams-facing bot: activity -> Question -> pipeline -> reply activity.

All regulation logic lives in the pipeline; this class only translates, guards inputs, and runs
admin commands. Replies follow the user's language (Japanese unless the question is English).
"""
from __future__ import annotations

import asyncio
import json
import logging
from collections import OrderedDict
from typing import Awaitable, Callable, Protocol

from botbuilder.core import ActivityHandler, InvokeResponse, MessageFactory, TurnContext
from botbuilder.schema import ChannelAccount

from bot.activity_text import locale_language, parse_command, strip_mentions
from bot.rendering import answer_activity, text_activity
from retrieval.analysis import detect_language
from retrieval.models import Answer, Question

log = logging.getLogger(__name__)

FEEDBACK_INVOKE = "message/submitAction"
MAX_REMEMBERED_ANSWERS = 2000


class AdminOperations(Protocol):
    def status(self) -> str: ...

    def reindex(self) -> str: ...


class FeedbackSink(Protocol):
    def append(self, record: dict) -> None: ...


class RegulationBot(ActivityHandler):
    def __init__(self, *, answer: Callable[[Question], Awaitable[Answer]], admin: AdminOperations | None = None,
                 admin_ids: tuple[str, ...] = (), app_id: str = "", max_question_chars: int = 1000,
                 feedback: FeedbackSink | None = None) -> None:
        self._answer = answer
        self._feedback = feedback
        # reply id -> what was answered, so a 👍/👎 can be tied to the answer it judges
        self._answered: OrderedDict[str, dict] = OrderedDict()
        self._admin = admin
        self._admin_ids = frozenset(admin_ids)
        self._app_id = app_id
        self._max_chars = max_question_chars
        self._background: set[asyncio.Task] = set()

    # -- messages ----------------------------------------------------------------------------
    async def on_message_activity(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        text = strip_mentions(activity.text)
        command = parse_command(text)
        # Questions are answered in their own language; commands and empty messages follow the
        # Teams client's locale (Japanese unless it says English).
        language = detect_language(text) if text and not command else locale_language(activity.locale)
        if not text:
            key = "unsupported" if activity.attachments else "empty_question"
            await turn_context.send_activity(text_activity(key, language))
            return
        if len(text) > self._max_chars:
            await turn_context.send_activity(text_activity("too_long", language, limit=self._max_chars))
            return
        if command:
            await self._run_command(turn_context, *command, language=language)
            return
        question = Question(text=text, language=language,
                            user_id=getattr(activity.from_property, "aad_object_id", None))
        answer = await self._answer(question)
        log.info("answered activity=%s abstained=%s citations=%d", activity.id, answer.abstained,
                 len(answer.citations))
        sent = await turn_context.send_activity(answer_activity(answer))
        if sent is not None and sent.id:
            self._remember(sent.id, {"question": text, "abstained": answer.abstained,
                                     "citations": [c.passage.citation_name for c in answer.citations]})

    async def on_members_added_activity(self, members_added: list[ChannelAccount],
                                        turn_context: TurnContext) -> None:
        bot_id = turn_context.activity.recipient.id if turn_context.activity.recipient else None
        if any(member.id != bot_id for member in members_added):
            await turn_context.send_activity(text_activity("welcome", "ja"))

    # -- commands ----------------------------------------------------------------------------
    async def _run_command(self, turn_context: TurnContext, name: str, _args: str, *, language: str) -> None:
        if name == "help":
            await turn_context.send_activity(text_activity("help", language))
            return
        if name not in ("reindex", "status"):
            await turn_context.send_activity(text_activity(
                "unknown_command", language, command=f"/{name}", commands="/help"))
            return
        user = turn_context.activity.from_property
        if self._admin is None or getattr(user, "aad_object_id", None) not in self._admin_ids:
            log.info("admin command /%s refused for activity=%s", name, turn_context.activity.id)
            await turn_context.send_activity(text_activity("admin_only", language))
            return
        if name == "status":
            await turn_context.send_activity(MessageFactory.text(await asyncio.to_thread(self._admin.status)))
            return
        await turn_context.send_activity(text_activity("reindex_started", language))
        reference = TurnContext.get_conversation_reference(turn_context.activity)
        task = asyncio.create_task(self._reindex_and_report(turn_context.adapter, reference, language))
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _reindex_and_report(self, adapter, reference, language: str) -> None:
        """Re-index off the event loop, then tell the admin proactively (the turn is long over)."""
        try:
            summary = await asyncio.to_thread(self._admin.reindex)
            reply = text_activity("reindex_done", language, summary=summary)
        except Exception:
            log.exception("background re-index failed")
            reply = text_activity("reindex_failed", language)

        async def send(context: TurnContext) -> None:
            await context.send_activity(reply)

        await adapter.continue_conversation(reference, send, self._app_id)

    def _remember(self, reply_id: str, summary: dict) -> None:
        self._answered[reply_id] = summary
        while len(self._answered) > MAX_REMEMBERED_ANSWERS:
            self._answered.popitem(last=False)

    async def wait_for_background(self) -> None:
        if self._background:
            await asyncio.gather(*self._background, return_exceptions=True)

    # -- feedback (👍/👎) ---------------------------------------------------------------------
    async def on_invoke_activity(self, turn_context: TurnContext) -> InvokeResponse:
        activity = turn_context.activity
        if activity.name == FEEDBACK_INVOKE:
            value = activity.value if isinstance(activity.value, dict) else {}
            action = value.get("actionValue") or {}
            reaction = action.get("reaction") if isinstance(action, dict) else None
            feedback = action.get("feedback") if isinstance(action, dict) else None
            if isinstance(feedback, str):
                try:  # Teams sends a JSON string; the Agents Playground sends plain text
                    feedback = json.loads(feedback)
                except ValueError:
                    pass
            log.info("feedback reaction=%s reply_to=%s has_text=%s", reaction, activity.reply_to_id,
                     bool(feedback))
            if self._feedback is not None:
                text = feedback.get("feedbackText") if isinstance(feedback, dict) else feedback
                self._feedback.append({
                    "reaction": reaction, "text": text if isinstance(text, str) else None,
                    "reply_to": activity.reply_to_id,
                    "answer": self._answered.get(activity.reply_to_id or ""),
                })
            return InvokeResponse(status=200, body={})
        return await super().on_invoke_activity(turn_context)

    async def on_unrecognized_activity_type(self, turn_context: TurnContext) -> None:
        log.debug("ignored activity type %s", turn_context.activity.type)

