"""The part of a chat question that asks, and the part that tells the situation.

Staff often write a line of circumstance before the question itself: 「係長に今は無理と言われた。
任命権者は育休の請求を断れるの？」. The circumstance is told in everyday words (係長, スーパー, 夕飯)
that no regulation uses; the question names the topic. Words only the circumstance uses should not
decide whether the rules answer: they neither count as the topic nor, when the corpus lacks them,
as a sign that the corpus lacks the topic.
"""
from __future__ import annotations

import re

from retrieval.analysis import Analyzer, detect_language, without_courtesies
from retrieval.query import content_terms

# A sentence ends after 。！？!? or a line break, or at an English full stop before a space.
_SENTENCE_END = re.compile(r"[。！？!?\n]+|\.(?=\s)")
# A sentence asks if it has a question mark, or ends as a polite question or request does
# without one (…できますか。 …でしょうか。 …ご教示ください。).
_ASKS = re.compile(r"[？?]|(?:か|ください|下さい|願います)[。.!！\s]*$")
_WORD = re.compile(r"\w")


def split_situation(text: str) -> tuple[str, str]:
    """(situation, question): the question is the last sentence with a question mark and what
    follows it (supplements such as （常勤です）); the sentences before it tell the situation.
    Without one, the last sentence that ends as a question (…ますか。) asks, else the last sentence.
    One sentence: no situation. Greetings and courtesies are left out first: a closing
    よろしくお願いいたします。 is no question."""
    text = without_courtesies(text)
    starts = [0, *(m.end() for m in _SENTENCE_END.finditer(text))]
    sentences = [(start, text[start:end]) for start, end in zip(starts, [*starts[1:], len(text)], strict=True)
                 if _WORD.search(text[start:end])]
    if len(sentences) < 2:
        return "", text
    asking = max((i for i, (_, s) in enumerate(sentences) if _ASKS.search(s)), default=len(sentences) - 1)
    cut = sentences[asking][0]
    return text[:cut], text[cut:]


def situation_terms(analyzer: Analyzer, text: str) -> tuple[str, ...]:
    """Content terms that only the situation part of the question uses."""
    situation, question = split_situation(text)
    if not situation:
        return ()
    asked = set(content_terms(analyzer, question))
    return tuple(t for t in dict.fromkeys(content_terms(analyzer, situation)) if t not in asked)


# The polite register (…ですか, …ますか, …でしょうか, …ください, …いただけますか, ございます, 存じます):
# a Japanese question with none of these is written casually (育休って延長できる？).
_POLITE = re.compile(r"です|ます|でしょう|ください|下さい|ございま|いただけ|いただき|存じ")


def written_casually(text: str) -> bool:
    """Whether a Japanese question is in the plain register of chat (…っていい？ …取れるの？), not
    the polite one (…できますか。 …でしょうか。). English text is neither: False."""
    return detect_language(text) == "ja" and not _POLITE.search(text)


# A casual question's endings and contractions, rewritten as the written register says them, in
# order: contractions first, then what a question mark ends (…っていいの？ → …ってよいですか。).
_WRITTEN_REGISTER = tuple((re.compile(pattern), replacement) for pattern, replacement in (
    (r"な(?:きゃ|くちゃ)(?:いけない|ならない|だめ|ダメ)?", "なければならない"),  # しなきゃダメ
    (r"ちゃ(?:だめ|ダメ|いけない)", "てはならない"),  # 持ち出しちゃダメ
    (r"じゃ(?:だめ|ダメ|いけない)", "ではならない"),  # 休んじゃダメ
    (r"って(?:何|なに)(?:のこと)?[？?]", "とは何ですか。"),  # 要配慮個人情報って何？
    (r"(?:いい|OK|ok|オッケー|大丈夫|アリ|あり)(?:なの|なのかな|かな|だよね|よね|の|だっけ)?[？?]", "よいですか。"),
    (r"(?:ダメ|だめ|アウト|NG)(?:なの|かな|だよね|よね|の)?[？?]", "いけませんか。"),
    # A plain verb or adjective (取れる？ 出るの？ 上がるんだっけ？ 違う？ 高い？ 決まった？)
    (r"([るうくすつぬむぶぐいた])(?:の|のかな|かな|よね|んだっけ|っけ|んだよね|んだよな)?[？?]", r"\1のですか。"),
    # A noun (何割？ 任命権者なの？)
    (r"([一-龥ァ-ヴー])(?:なの|なのかな|かな|だよね|だっけ|なんだっけ|なんだよね)?[？?]", r"\1ですか。"),
))


def in_written_register(text: str) -> str:
    """A casually written question (written_casually) with its endings and contractions as the
    written register has them (有給って時間単位でも取れる？ → 有給って時間単位でも取れるのですか。,
    止めとかなきゃダメ？ → 止めとかなければならないのですか。); any other text unchanged. The words
    are kept: only how the sentence ends changes. For a sentence model trained on written queries,
    which places a casual question farther from the statute that answers it (used by
    passage_vectors.LocalEmbedder, e5; see README "Retrieval quality")."""
    if not written_casually(text):
        return text
    for pattern, replacement in _WRITTEN_REGISTER:
        text = pattern.sub(replacement, text)
    return text


# The clause that tells the background inside one sentence ends with a concessive connector:
# 「台風で残れって言われたんだけど、定時後に働かせるのってどんな時ならOK？」.
_BACKGROUND_CLAUSE = re.compile(r"(?:んだけど|んですけど|けど|けれど|けれども|"
                                r"のですが|んですが|ですが|ましたが|したが)[、,]")


def asking_part(text: str) -> str | None:
    """The part of the question that asks when a story is told first: the asking sentence after the
    situation's sentences or, in a question of one sentence, what follows its last background
    clause (…んだけど、 / …のですが、). None when the whole question asks."""
    situation, question = split_situation(text)
    if situation:
        return question
    clauses = list(_BACKGROUND_CLAUSE.finditer(question))
    if not clauses:
        return None
    asking = question[clauses[-1].end():]
    return asking if _WORD.search(asking) else None


# What a question is about: the words before its first topic marker (は / って / とは).
_TOPIC = re.compile(r"^(.{1,40}?)(?:とは|って|は)")


def topic_phrase(text: str) -> str | None:
    """The phrase a question is about — in its asking part, when a story is told first — as
    written before its first topic marker (住居手当はいくら？ -> 住居手当, 出生時育休の請求はいつまで？ ->
    出生時育休の請求); None when it has none."""
    match = _TOPIC.match(asking_part(text) or text)
    return match.group(1) if match else None
