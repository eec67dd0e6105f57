"""What the bot keeps between turns, on top of any StateStore.

- history: the last few turns of each conversation, so "それは何日まで？" can be understood;
- answers: reply id -> the question, answer and cited passages, so a later 👍/👎 knows what it judges;
- welcomed: one marker per conversation, so an install is greeted exactly once (Teams sends both
  installationUpdate and conversationUpdate for one install, possibly to different instances);
- feedback: each 👍/👎 with its answer, for evaluators (`app.py eval export-feedback`).
"""
from __future__ import annotations

import asyncio
import hashlib
import hmac
import uuid
from time import time_ns
from datetime import datetime, UTC
from typing import Any

from logs import redact
from retrieval.models import Turn
from state.store import StateStore

HISTORY, ANSWERS, WELCOMED, FEEDBACK = "history", "answers", "welcomed", "feedback"
LAST_ANSWER = "last_answer"
MAX_TURN_CHARS = 1500  # per stored turn: keeps one conversation well inside a Table property
MAX_FEEDBACK_CHARS = 1000  # feedback free text is clipped before redaction and storage


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class ConversationState:
    def __init__(self, store: StateStore, *, history_turns: int = 6, user_salt: str = "") -> None:
        self.store = store
        self.history_turns = history_turns
        self._salt = user_salt.encode("utf-8")

    # -- history -------------------------------------------------------------------------------
    async def history(self, conversation_id: str) -> tuple[Turn, ...]:
        stored = await self.store.get(HISTORY, conversation_id) or []
        return tuple(Turn(role=t["role"], text=t["text"]) for t in stored if isinstance(t, dict))

    async def add_exchange(self, conversation_id: str, question: str, answer: str) -> None:
        if self.history_turns <= 0:
            return
        turns = list(await self.store.get(HISTORY, conversation_id) or [])
        turns += [{"role": "user", "text": question[:MAX_TURN_CHARS]},
                  {"role": "assistant", "text": answer[:MAX_TURN_CHARS]}]
        await self.store.put(HISTORY, conversation_id, turns[-self.history_turns:])

    async def reset(self, conversation_id: str) -> None:
        await self.store.delete(HISTORY, conversation_id)

    # -- welcome once --------------------------------------------------------------------------
    async def first_welcome(self, conversation_id: str) -> bool:
        return await self.store.put_if_absent(WELCOMED, conversation_id, {"time": _now()})

    # -- answers and feedback --------------------------------------------------------------------
    async def remember_answer(self, reply_id: str | None, conversation_id: str | None,
                              record: dict[str, Any]) -> None:
        stamped = {**record, "time": _now(), "reply_id": reply_id}
        if reply_id:
            await self.store.put(ANSWERS, reply_id, stamped)
        if conversation_id:
            await self.store.put(LAST_ANSWER, conversation_id, stamped)

    async def answer_for(self, reply_id: str | None) -> dict[str, Any] | None:
        return await self.store.get(ANSWERS, reply_id) if reply_id else None

    def hash_user(self, user_id: str | None) -> str | None:
        """A stable pseudonym: the same person's feedback can be grouped, but not traced back
        without the salt (REIKI_FEEDBACK_USER_SALT)."""
        if not user_id:
            return None
        return hmac.new(self._salt, user_id.encode("utf-8"), hashlib.sha256).hexdigest()[:24]

    async def add_feedback(self, *, reaction: str | None, text: str | None, reply_to: str | None,
                           user_id: str | None, conversation_type: str | None,
                           conversation_id: str | None = None) -> dict[str, Any]:
        # Clip first: redaction must never see an unbounded string.
        clipped = text[:MAX_FEEDBACK_CHARS] if isinstance(text, str) else None
        redacted = await asyncio.to_thread(redact, clipped) if clipped else None
        answer = await self.answer_for(reply_to) or {}
        linked_by = "reply_to" if answer else None
        if not reply_to and conversation_id:
            # Teams always names the judged message (replyToId); the Agents Playground does not,
            # so then the conversation's latest answer is the one judged (and marked as a guess).
            answer = await self.store.get(LAST_ANSWER, conversation_id) or {}
            linked_by = "latest_answer" if answer else None
        time = _now()
        record = {
            "time": time, "reaction": reaction if reaction in ("like", "dislike") else None,
            "text": redacted, "reply_to": reply_to or answer.get("reply_id"), "linked_by": linked_by,
            "user": self.hash_user(user_id),
            "conversation_type": conversation_type,
            "question": answer.get("question"), "answer": answer.get("answer"),
            "abstained": answer.get("abstained"), "language": answer.get("language"),
            "citations": answer.get("citations", []), "passage_ids": answer.get("passage_ids", []),
        }
        # nanoseconds first in the key: values() returns feedback in the order it was given
        await self.store.put(FEEDBACK, f"{time_ns():020d}|{uuid.uuid4().hex}", record)
        return record

    async def feedback(self) -> list[dict[str, Any]]:
        return await self.store.values(FEEDBACK)

    async def aclose(self) -> None:
        await self.store.aclose()
