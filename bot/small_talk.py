"""Messages that are not questions about the regulations: greetings, thanks, "help", "ok", "1".

Searching the regulations for 「こんにちは」 can only produce a confusing abstention (or worse, a
confident answer to "1"), so these get a short friendly reply instead. Pure functions, no Teams.
The word lists are closed classes of conversational words, not regulation vocabulary.
"""
from __future__ import annotations

import re
import unicodedata
from typing import Literal

from retrieval.analysis import without_courtesies

Kind = Literal["greeting", "thanks", "help", "acknowledged", "not_a_question"]

_GREETINGS = {
    "hi", "hello", "hey", "heya", "yo", "hiya", "good morning", "good afternoon", "good evening",
    "こんにちは", "こんにちわ", "こんばんは", "こんばんわ", "おはよう", "おはようございます", "はじめまして",
    "よろしく", "よろしくお願いします", "よろしくおねがいします", "お疲れ様です", "おつかれさまです",
    "お疲れさまです", "おつかれさま", "もしもし", "やあ", "どうも",
}
_THANKS = {
    "thanks", "thank you", "thanks a lot", "thank you very much", "thx", "ty", "cheers", "great",
    "ありがとう", "ありがとうございます", "ありがとうございました", "どうもありがとう", "助かりました",
    "助かります", "感謝します", "サンキュー",
}
_HELP = {
    "help", "help me", "what can you do", "how do i use this", "ヘルプ", "使い方", "つかいかた",
    "何ができるの", "何ができますか", "なにができるの", "どう使うの", "使い方を教えて",
}
_ACKNOWLEDGEMENTS = {
    "ok", "okay", "k", "kk", "yes", "no", "yep", "nope", "sure", "fine", "got it", "i see", "cool", "nice",
    "good", "test", "testing", "はい", "いいえ", "うん", "ええ", "了解", "了解です", "了解しました",
    "わかりました", "分かりました", "承知しました", "なるほど", "オッケー", "おけ", "いいね", "すごい",
    "テスト",
}
# Trailing punctuation, emoji and symbols carry no meaning for the classification.
_EDGE_NOISE = re.compile(r"^[\W_]+|[\W_]+$")
_HAS_LETTER_OR_KANA = re.compile(r"[A-Za-z\u3040-\u30ff\u3400-\u9fff]")
_ONE_LATIN_WORD = re.compile(r"[a-z]+")
_JAPANESE_PUNCTUATION = re.compile(r"[\s、。,.!！?？~〜ー]+")


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).lower()
    text = " ".join(text.split())
    return _EDGE_NOISE.sub("", text).replace("!", "").strip()


def classify(text: str) -> Kind | None:
    """The kind of non-question this message is, or None for anything that may be a question."""
    norm = normalise(text)
    if not _HAS_LETTER_OR_KANA.search(norm):
        return "not_a_question"  # "1", "???", "👍": nothing to search for
    for kind, words in (("greeting", _GREETINGS), ("thanks", _THANKS), ("help", _HELP),
                        ("acknowledged", _ACKNOWLEDGEMENTS)):
        if norm in words:
            return kind  # type: ignore[return-value]
    tokens = norm.split()
    if len(tokens) > 1 and all(any(w in ws for ws in (_GREETINGS, _THANKS, _ACKNOWLEDGEMENTS)) for w in tokens):
        return "thanks" if any(w in _THANKS for w in tokens) else (
            "greeting" if any(w in _GREETINGS for w in tokens) else "acknowledged")  # "ok thanks"
    # 「お疲れ様です。人事課の山田です。」「ありがとうございます、助かりました！」: courtesies and a
    # self-introduction with nothing asked after them.
    rest = without_courtesies(norm)
    if rest != norm:
        leftover = [w for w in _JAPANESE_PUNCTUATION.split(rest) if w]
        if all(any(w in ws for ws in (_GREETINGS, _THANKS, _ACKNOWLEDGEMENTS)) for w in leftover):
            thanked = any(w in norm for w in ("ありがと", "助か", "感謝")) or any(w in _THANKS for w in leftover)
            return "thanks" if thanked else "greeting"
    # One bare English word ("file", "test") is not a question a search could answer well; one
    # Japanese word is (年休, 育休 are the compact queries staff actually type).
    if _ONE_LATIN_WORD.fullmatch(norm) and "?" not in text:
        return "not_a_question"
    # "hi there", "thanks!!" with a name or a polite tail: greeting/thanks word + at most one more
    head, _, tail = norm.partition(" ")
    if tail and " " not in tail:
        if head in _GREETINGS:
            return "greeting"
        if head in _THANKS or norm.startswith("thank you"):
            return "thanks"
    return None
