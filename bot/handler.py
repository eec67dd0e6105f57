"""The Teams-facing bot: activity -> Question -> pipeline -> reply activity.

All regulation logic lives in the pipeline; this class only translates, guards inputs, keeps the
conversation state, and runs commands. What a Teams user expects (and tests/test_replay_activities.py
checks on recorded Teams traffic):
- 1:1 chats answer every message; channels and group chats only messages that @mention the bot,
  replying in the thread;
- greetings, thanks, "ok", "1" get a short friendly reply with example questions, not a search;
- the bot introduces itself once per install (never when a user joins);
- in 1:1 chats the answer is streamed (an informative update at once, then the text as the model
  writes it); elsewhere a typing indicator runs until one final message;
- every invoke gets a well-formed response (Teams shows an error for anything else).
Replies follow the user's language: a question's own language, else the client's locale.
"""
from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
from collections.abc import AsyncIterator
from typing import Protocol

from botbuilder.core import ActivityHandler, InvokeResponse, MessageFactory, TurnContext
from botbuilder.schema import Activity, ActivityTypes, ChannelAccount

from bot.activity_text import locale_language, parse_command, strip_mentions
from bot.rendering import ReplyOptions, answer_activity, examples_activity, text_activity
from bot.small_talk import classify
from bot.streaming import TeamsStream, UpdatePacer
from prompts import messages
from retrieval.analysis import detect_language
from retrieval.models import Answer, AnswerDraft, Question
from retrieval.ports import AnswerEvent
from state.conversation import ConversationState
from state.memory_store import MemoryStateStore

log = logging.getLogger(__name__)

FEEDBACK_INVOKE = "message/submitAction"
TYPING_INTERVAL_SECONDS = 3.0  # Teams shows a typing indicator for about three seconds
PERSONAL = "personal"


class AdminOperations(Protocol):
    def status(self) -> str: ...

    def reindex(self) -> str: ...


class AnswerStream(Protocol):
    """What the bot needs of the answer pipeline (retrieval.pipeline.AnswerPipeline)."""

    def stream(self, question: Question) -> AsyncIterator[AnswerEvent]: ...


def conversation_type(activity: Activity) -> str:
    """personal, groupChat or channel; an activity that does not say is treated as personal."""
    return (activity.conversation and activity.conversation.conversation_type) or PERSONAL


def mentions_bot(activity: Activity) -> bool:
    bot_id = activity.recipient.id if activity.recipient else None
    for entity in activity.entities or []:
        extra = getattr(entity, "additional_properties", None) or {}
        mentioned = extra.get("mentioned")
        if entity.type == "mention" and isinstance(mentioned, dict) and mentioned.get("id") == bot_id:
            return True
    return False


def client_locale(activity: Activity) -> str | None:
    if activity.locale:
        return activity.locale
    for entity in activity.entities or []:
        extra = getattr(entity, "additional_properties", None) or {}
        if entity.type == "clientInfo" and isinstance(extra.get("locale"), str):
            return extra["locale"]
    return None


def reply_language(text: str, activity: Activity) -> str:
    """For small talk and commands: Japanese text is answered in Japanese; otherwise the client's
    locale decides ("ok" from a ja-JP client gets Japanese), else the text's own script."""
    if any("\u3040" <= ch <= "\u9fff" for ch in text):  # kana or kanji
        return "ja"
    locale = client_locale(activity)
    if locale:
        return locale_language(locale)
    return detect_language(text) if text else "ja"


class RegulationBot(ActivityHandler):
    def __init__(self, *, pipeline: AnswerStream, state: ConversationState | None = None,
                 admin: AdminOperations | None = None, admin_ids: tuple[str, ...] = (), app_id: str = "",
                 max_question_chars: int = 1000, options: ReplyOptions = ReplyOptions(),
                 stream_interval: float = 1.0, typing_interval: float = TYPING_INTERVAL_SECONDS) -> None:
        self._pipeline = pipeline
        self.state = state or ConversationState(MemoryStateStore())
        self._admin = admin
        self._admin_ids = frozenset(admin_ids)
        self._app_id = app_id
        self._max_chars = max_question_chars
        self._options = options
        self._stream_interval = stream_interval
        self._pacer = UpdatePacer()  # shared by the streams of all turns
        self._typing_interval = typing_interval
        self._background: set[asyncio.Task] = set()

    # -- messages ----------------------------------------------------------------------------
    async def on_message_activity(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        kind = conversation_type(activity)
        if kind != PERSONAL and not mentions_bot(activity):
            log.debug("not addressed to the bot in a %s: activity=%s", kind, activity.id)
            return
        text = strip_mentions(activity.text)
        command = parse_command(text)
        # Commands follow the client's locale, whatever script the command is written in.
        language = reply_language("" if command else text, activity)
        if not text:
            if activity.value is not None and not activity.attachments:
                return  # a card submit without text: nothing to answer, nothing worth a reply
            real_files = [a for a in activity.attachments or [] if a.content_type != "text/html"]
            key = "unsupported" if real_files else "empty_question"
            await turn_context.send_activity(text_activity(key, language))
            return
        if len(text) > self._max_chars:
            await turn_context.send_activity(text_activity("too_long", language, limit=self._max_chars))
            return
        if command:
            await self._run_command(turn_context, *command, language=language)
            return
        small_talk = classify(text)
        if small_talk is not None:
            key = "not_a_question" if small_talk == "help" else small_talk
            await turn_context.send_activity(examples_activity(key, language, buttons=kind != "channel"))
            return
        await self._answer(turn_context, text, kind)

    async def _answer(self, turn_context: TurnContext, text: str, kind: str) -> None:
        activity = turn_context.activity
        conversation_id = activity.conversation.id
        question = Question(text=text, language=detect_language(text),
                            user_id=getattr(activity.from_property, "aad_object_id", None),
                            history=await self.state.history(conversation_id))
        if kind == PERSONAL:
            try:
                answer, stream = await self._streamed_answer(turn_context, question)
            except _AlreadyReported:
                # The user has the apology; the edge still needs to know the turn failed, so a
                # retry of this message is answered rather than dropped as a duplicate.
                log.warning("answering failed mid-stream for activity=%s", activity.id)
                raise
        else:
            answer, stream = await self._answer_while_typing(turn_context, question), None
        log.info("answered activity=%s abstained=%s citations=%d notice=%s", activity.id, answer.abstained,
                 len(answer.citations), answer.notice)
        options = self._options if kind != "channel" else _without_suggestions(self._options)
        reply = answer_activity(answer, options)
        if stream is not None:
            reply = stream.finish(reply)
        sent = await turn_context.send_activity(reply)
        await self.state.add_exchange(conversation_id, text, answer.text)
        # The id the connector gave the reply is what a later 👍/👎 refers to (replyToId).
        reply_id = sent.id if sent is not None and sent.id else None
        await self.state.remember_answer(reply_id, conversation_id, {
            "question": text, "answer": answer.text, "abstained": answer.abstained,
            "language": answer.language, "conversation_type": kind,
            "citations": [c.name for c in answer.citations],
            "passage_ids": [c.passage.passage_id for c in answer.citations],
            "sources": [{"doc": c.passage.doc, "article": c.passage.article,
                         "paragraph": c.paragraph or c.passage.paragraph, "page": c.passage.page, "quote": c.quote}
                        for c in answer.citations],
        })

    async def _streamed_answer(self, turn_context: TurnContext, question: Question):
        stream = TeamsStream(turn_context, interval=self._stream_interval, pacer=self._pacer)
        await stream.informative(messages(question.language)["searching"])
        answer = None
        try:
            async for event in self._pipeline.stream(question):
                if isinstance(event, AnswerDraft):
                    await stream.update(event.text)
                elif isinstance(event, Answer):
                    answer = event
            return _require(answer), stream
        except Exception as exc:
            # An open stream must be ended by a final message, or Teams keeps showing the partial
            # text: the apology becomes that final message, then the error goes on to be logged.
            if stream.stream_id:
                await turn_context.send_activity(stream.finish(text_activity("error", question.language)))
                raise _AlreadyReported() from exc
            raise

    async def _answer_while_typing(self, turn_context: TurnContext, question: Question) -> Answer:
        if not await self._send_typing(turn_context):  # at once, before any search starts
            return await self._final_answer(question)
        typing = asyncio.create_task(self._keep_typing(turn_context))
        try:
            return await self._final_answer(question)
        finally:
            typing.cancel()
            await asyncio.gather(typing, return_exceptions=True)

    async def _final_answer(self, question: Question) -> Answer:
        answer = None
        async for event in self._pipeline.stream(question):
            if isinstance(event, Answer):
                answer = event
        return _require(answer)

    async def _keep_typing(self, turn_context: TurnContext) -> None:
        """Teams hides a typing indicator after a few seconds: repeat it until the answer is sent."""
        while True:
            await asyncio.sleep(self._typing_interval)
            if not await self._send_typing(turn_context):
                return

    @staticmethod
    async def _send_typing(turn_context: TurnContext) -> bool:
        try:
            await turn_context.send_activity(Activity(type=ActivityTypes.typing))
            return True
        except Exception:  # a lost typing indicator is not worth failing the answer for
            log.debug("typing indicator not delivered", exc_info=True)
            return False

    # -- installs and members ----------------------------------------------------------------
    async def on_installation_update_add(self, turn_context: TurnContext) -> None:
        await self._welcome_once(turn_context)

    async def on_members_added_activity(self, members_added: list[ChannelAccount],
                                        turn_context: TurnContext) -> None:
        bot_id = turn_context.activity.recipient.id if turn_context.activity.recipient else None
        # Only the bot's own arrival is an install; a user joining a team or chat gets no message.
        if bot_id and any(isinstance(m, ChannelAccount) and m.id == bot_id for m in members_added or []):
            await self._welcome_once(turn_context)

    async def _welcome_once(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        if not activity.conversation or not activity.conversation.id:
            return
        # Teams sends installationUpdate and conversationUpdate for one install: greet once.
        if not await self.state.first_welcome(activity.conversation.id):
            return
        kind = conversation_type(activity)
        language = reply_language("", activity) if kind == PERSONAL else "ja"
        await turn_context.send_activity(examples_activity("welcome", language, buttons=kind != "channel"))

    # -- commands ----------------------------------------------------------------------------
    async def _run_command(self, turn_context: TurnContext, name: str, _args: str, *, language: str) -> None:
        if name == "help":
            await turn_context.send_activity(examples_activity(
                "help", language, extra=messages(language)["commands"],
                buttons=conversation_type(turn_context.activity) != "channel"))
            return
        if name == "reset":
            await self.state.reset(turn_context.activity.conversation.id)
            await turn_context.send_activity(text_activity("reset_done", language))
            return
        if name not in ("reindex", "status"):
            await turn_context.send_activity(text_activity(
                "unknown_command", language, command=f"/{name}", commands="/help, /reset"))
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
        task = asyncio.create_task(self._reindex_and_report(self._admin, turn_context.adapter, reference, language))
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _reindex_and_report(self, admin: AdminOperations, adapter, reference, language: str) -> None:
        """Re-index off the event loop, then tell the admin proactively (the turn is long over)."""
        try:
            summary = await asyncio.to_thread(admin.reindex)
            reply = text_activity("reindex_done", language, summary=summary)
        except Exception:
            log.exception("background re-index failed")
            reply = text_activity("reindex_failed", language)

        async def send(context: TurnContext) -> None:
            await context.send_activity(reply)

        await adapter.continue_conversation(reference, send, self._app_id)

    async def wait_for_background(self) -> None:
        if self._background:
            await asyncio.gather(*self._background, return_exceptions=True)

    # -- invokes: feedback (👍/👎) and everything this app does not offer ----------------------------
    async def on_invoke_activity(self, turn_context: TurnContext) -> InvokeResponse:
        activity = turn_context.activity
        name = activity.name or ""
        if name == FEEDBACK_INVOKE:
            await self._store_feedback(activity)
            return InvokeResponse(status=200, body={})
        log.info("unsupported invoke name=%r activity=%s", name[:80], activity.id)
        return InvokeResponse(status=200, body=unsupported_invoke_body(name, reply_language("", activity)))

    async def _store_feedback(self, activity: Activity) -> None:
        value = activity.value if isinstance(activity.value, dict) else {}
        action = value.get("actionValue")
        action = action if isinstance(action, dict) else {}
        reaction, feedback = action.get("reaction"), action.get("feedback")
        if isinstance(feedback, str):
            try:  # Teams sends a JSON string; the Agents Playground sends plain text
                feedback = json.loads(feedback)
            except ValueError:
                pass
        text = feedback.get("feedbackText") if isinstance(feedback, dict) else feedback
        log.info("feedback reaction=%s reply_to=%s has_text=%s", reaction, activity.reply_to_id, bool(text))
        await self.state.add_feedback(
            reaction=reaction if isinstance(reaction, str) else None,
            text=text if isinstance(text, str) else None, reply_to=activity.reply_to_id,
            # The Entra id when the channel vouches for it, else the channel's own user id: both
            # are stored only as a keyed hash, so an evaluator can group one person's feedback.
            user_id=getattr(activity.from_property, "aad_object_id", None)
            or getattr(activity.from_property, "id", None),
            conversation_type=conversation_type(activity),
            conversation_id=activity.conversation.id if activity.conversation else None)

    async def on_unrecognized_activity_type(self, turn_context: TurnContext) -> None:
        log.debug("ignored activity type %s", turn_context.activity.type)


def unsupported_invoke_body(name: str, language: str) -> dict:
    """A response body Teams accepts for an invoke this app does not implement: an empty search
    result for message extensions, a message for task modules and Universal Actions, else {}."""
    notice = messages(language)["unsupported_action"]
    if name.startswith("composeExtension/"):
        return {"composeExtension": {"type": "result", "attachmentLayout": "list", "attachments": []}}
    if name.startswith("task/"):
        return {"task": {"type": "message", "value": notice}}
    if name == "adaptiveCard/action":
        return {"statusCode": 200, "type": "application/vnd.microsoft.activity.message", "value": notice}
    return {}


def _without_suggestions(options: ReplyOptions) -> ReplyOptions:
    return dataclasses.replace(options, suggestions=False)


class _AlreadyReported(Exception):
    """Answering failed after a stream started; the user already has the apology as its end."""

    user_informed = True  # the edge logs it but sends no second apology


def _require(answer: Answer | None) -> Answer:
    if answer is None:
        raise RuntimeError("the answer pipeline ended without an answer")
    return answer
