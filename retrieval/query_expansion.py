"""Statutory wording for a staff question, from a language model: the paraphrase keyword search cannot bridge.

Staff ask in their own words (「給料日前に働いた分だけ先にもらえる？」, "Can I refuse overtime?") and
the article that answers uses others (非常時払, 所定外労働の制限). The embedded searcher maps common
colloquialisms with reviewed vocabulary (retrieval/data/synonyms.yaml) and English with a glossary
and JMdict, but a reviewed list cannot know every way of putting a question. When a model is
configured (REIKI_ANSWERER=llm: Azure OpenAI or an on-premises OpenAI-compatible endpoint), it is
asked for the words the answering article would use, and those are searched beside the asker's own
(retrieval.local_search weighs them like vocabulary expansions; retrieval.azure_search adds them to
the keyword query only). The asker's words still decide whether the rules answer at all.

The call is bounded (a short reply, its own timeout) and optional: any failure searches the
question as asked, so a slow or unavailable model never costs an answer.
"""
from __future__ import annotations

import asyncio
import logging
import re
from collections import OrderedDict

from prompts import load_prompt, render
from retrieval.chat_model import ChatMessage, ChatModel, ChatModelError
from retrieval.models import Question

log = logging.getLogger("retrieval.query_expansion")

MAX_TERMS = 8
MAX_TERM_CHARS = 20
MAX_QUESTION_CHARS = 1000  # the rest of a long message adds tokens, not words
MAX_REPLY_TOKENS = 80
# Staff ask the same questions (年休は何日？) over and over: the words of a recent question are kept,
# so a repeat costs no model call. Only successful replies are kept; a failure is tried again.
CACHED_QUESTIONS = 512
_SEPARATORS = re.compile(r"[、,，・/／;；\n]+")
# Numbering, bullets and quotes a model may add around the words despite the prompt
_DECORATION = re.compile(r"^(?:[0-9０-９]+[.)．、]|[-*•・])\s*|[「」『』\"'`*]")
# A statutory term is written in Japanese: an English or romanised word would match nothing
_JAPANESE = re.compile(r"^[\u3041-\u3096\u30a1-\u30fa\u30fc\u4e00-\u9fff々〆ヶ]+$")
# A sentence (the question echoed back, an answer) is no term: polite endings and a final か say so
_SENTENCE = re.compile(r"ます|です|ください|でしょう|か$")


class LLMQueryExpander:
    def __init__(self, *, chat: ChatModel, timeout_seconds: float, owns_chat: bool = False) -> None:
        self.chat = chat
        self.timeout_seconds = timeout_seconds
        self._owns_chat = owns_chat  # the answerer normally owns (and closes) the shared client
        self._recent: OrderedDict[str, tuple[str, ...]] = OrderedDict()

    async def expand(self, question: Question) -> tuple[str, ...]:
        text = question.text.strip()[:MAX_QUESTION_CHARS]
        if not text:
            return ()
        if text in self._recent:
            self._recent.move_to_end(text)
            return self._recent[text]
        prompt = render(load_prompt("expand_query.txt"), question=text)
        try:
            reply = await asyncio.wait_for(
                self.chat.complete([ChatMessage("user", prompt)], max_tokens=MAX_REPLY_TOKENS), self.timeout_seconds)
        except TimeoutError:
            log.warning("query expansion timed out after %g s; searching the question as asked", self.timeout_seconds)
            return ()
        except ChatModelError as exc:
            log.warning("query expansion failed (%s); searching the question as asked", exc.kind)
            return ()
        terms = parse_terms(reply)
        self._recent[text] = terms
        if len(self._recent) > CACHED_QUESTIONS:
            self._recent.popitem(last=False)
        return terms

    async def aclose(self) -> None:
        if self._owns_chat:
            await self.chat.aclose()


def parse_terms(reply: str) -> tuple[str, ...]:
    """The model's words, cleaned: Japanese only, short, at most MAX_TERMS, each once."""
    terms: list[str] = []
    for part in _SEPARATORS.split(reply):
        word = _DECORATION.sub("", part.strip()).strip()
        if (word and len(word) <= MAX_TERM_CHARS and _JAPANESE.match(word) and not _SENTENCE.search(word)
                and word not in terms):
            terms.append(word)
        if len(terms) == MAX_TERMS:
            break
    return tuple(terms)
