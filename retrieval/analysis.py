"""Turning Japanese (and English) text into search terms.

SudachiPy splits Japanese into morphemes; FTS5's trigram tokenizer cannot find 1–2 character words
such as 休暇 or 育休, so we index Sudachi's terms, space-joined, in a unicode61 column instead.
English runs are handled by a word regex and the Snowball English stemmer instead, because Sudachi
"normalises" English words to katakana (paid -> ペイド), which would never match an English document.

The terms are stored in the index: change ANALYZER_VERSION whenever the terms a text yields change,
so that every document is analysed again (indexer.build mixes it into each document's hash).
"""
from __future__ import annotations

import re
import threading
import unicodedata
from functools import lru_cache
from collections.abc import Callable
from typing import Any

import snowballstemmer

from retrieval.numerals import int_to_kanji

# Bump whenever a text's terms change (stemmer, stop words, tokenisation): stale indexes re-analyse.
ANALYZER_VERSION = "en-snowball-3/compound-verbs-1/kanji-numerals-1"

# Sudachi refuses inputs above ~49 KB of UTF-8; stay well below it.
_MAX_CHUNK_CHARS = 12_000
_SKIPPED_POS = frozenset({"助詞", "助動詞", "補助記号", "空白", "記号"})
_KANJI_ONLY = re.compile(r"[\u4e00-\u9fff々]+")
_COMPOUND_POS = frozenset({"名詞", "接頭辞", "接尾辞"})
_KANJI = re.compile(r"[\u4e00-\u9fff々]")
# Digits written into Japanese (3歳, 3親等, 10万円, 1回) are read as the statutes' kanji numerals are
# (三歳, 三親等, 十万円, 一回). Sudachi analyses a digit run apart from its counter, and the two
# spellings then yield different terms: 歳 alone is read as とし (年), 3 親 等 / 三 親等, 10 万 円 /
# 100000 円. Up to four digits (int_to_kanji's range; longer numbers Sudachi already normalises
# alike), not inside a longer ASCII run or a decimal; 3,000 counts as 3000.
_THOUSANDS_SEPARATOR = re.compile(r"(?<=[0-9]),(?=[0-9]{3}(?![0-9]))")
_DIGITS_BEFORE_JAPANESE = re.compile(r"(?<![0-9A-Za-z.\-])[1-9][0-9]{0,3}(?![0-9.])(?=[\u3040-\u30ff\u3400-\u9fff])")
_ASCII_RUN = re.compile(r"[A-Za-z0-9][A-Za-z0-9'\-]*")
_SEGMENTS = re.compile(r"([A-Za-z0-9][A-Za-z0-9'\- ]*)")
_JAPANESE_CHAR = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff]")
# A compound broken over two lines of a PDF ("in-\nnetwork", "out-of-\nnetwork") is one word: the
# line break is layout. These documents break lines only at hyphens that are part of the word.
_LINE_BROKEN_COMPOUND = re.compile(r"(?<=[A-Za-z])-[ \t]*\r?\n\s*(?=[A-Za-z])")

# Function words (the usual English IR stop list), plus the phrasing of a request ("explain",
# "describe", "tell me"): they say how something is asked, never what it is about.
ENGLISH_STOPWORDS = frozenset(
    """a an the of to in on for and or nor but is are was were be been being am do does did doing
    can could may might must shall should will would i me my myself we us our ours ourselves you your
    yours yourself yourselves he him his himself she her hers herself it its itself they them their
    theirs themselves this that these those what which who whom whose how when where why whether
    with by from as at about into onto upon than then there here if not no any all some each both
    either neither other others another such only own same so too very just also even ever have has
    had having get gets got getting s t d ll m re ve up down out off over under again further once
    more most much many few less least while until during before after above below between through
    against because since via per versus vs etc according accordance regarding concerning considering
    explain explains explained describe describes described tell please wonder anyone someone know""".split()
)


def normalize(text: str) -> str:
    """NFKC folds full-width digits/letters and half-width katakana, so ２ and 2 index alike."""
    return unicodedata.normalize("NFKC", text)


# Greetings and courtesies a Teams message opens or closes with (お疲れ様です。…よろしくお願いします):
# they say nothing about the question, and their words (疲れる, 願う) would count against coverage.
COURTESY = re.compile(r"お疲れ様です|お疲れさまです|おつかれさまです|"
                       r"(?:いつも|大変)?お世話になっております|お世話になります|"
                       r"恐れ入りますが|(?:大変)?恐縮(?:な[んの])?です(?:が|けれど(?:も)?)|(?:大変)?恐縮ではございますが|"
                       r"お手数(?:ですが|ながら|をおかけ(?:します|いたします|致します)が)|"
                       # …教えていただけますと幸いです: the request, not the topic (教える, 頂く are stop words)
                       r"(?:と|れば|たら)幸い(?:です|に存じます)|"
                       r"すみません|すいません|失礼します|失礼いたします|"
                       r"(?:どうぞ)?(?:よろしく|宜しく)お願い(?:します|いたします|致します)|ありがとうございます|"
                       # ご教示ください: a request for an answer; 教示 alone is the statutory notice of
                       # appeal rights (行政不服審査法), a topic
                       r"ご教示(?:ください|下さい|願います|願えますか|いただけ(?:ます|ません)(?:でしょう)?か|"
                       r"いただきたく(?:存じます)?|頂けますか)")


# 人事課の山田です。/ 総務部総務課の佐藤と申します。/ 出張の多い部署の者です。/ 法務担当です。/ 人事担当の
# 佐藤です。: who is asking, not what (a sentence of its own). Only 担当 (a role, never a place) may end
# the sentence without a name: 「…所です。」 may well be what the question is about.
_INTRODUCED = r"(?:です|と申します|でございます)(?:[。.]|$)"
_NAME = r"[^。\n?？はがをにで]{1,12}"
SELF_INTRODUCTION = re.compile(rf"(?:^|(?<=[。\n]))(?:[^。\n?？]{{1,20}}(?:課|係|部署|部|室|局|センター|所)の{_NAME}"
                               rf"|[^。\n?？]{{0,20}}担当(?:の{_NAME})?){_INTRODUCED}", re.M)


# 人事係で給与を担当しております。/ 会員の受付をしている者です。/ 本庁に勤務しております。: the asker's
# role, a sentence of its own that says who asks, not what. Humble おります and no は / が: 「精算は
# 会計課が担当しています。」 says who does what the question is about.
ROLE_INTRODUCTION = re.compile(r"(?:^|(?<=[。\n]))[^。\n?？はが]{1,30}(?:担当しております|"
                               r"している者(?:です|でございます)|に(?:勤務|在籍)しております)(?:[。.]|$)", re.M)


def without_courtesies(text: str) -> str:
    """`text` with its greetings, courtesies and the asker's self-introduction blanked out."""
    return COURTESY.sub(" ", ROLE_INTRODUCTION.sub(" ", SELF_INTRODUCTION.sub(" ", text)))


def detect_language(text: str) -> str:
    """'en' for Latin-script text with no kana or kanji; 'ja' otherwise, including text with no
    letters at all (emoji, ？？？), since Japanese is the staff's default."""
    if _JAPANESE_CHAR.search(text) or not re.search(r"[A-Za-z]", text):
        return "ja"
    return "en"


_STEMMER = threading.local()  # snowballstemmer objects keep state while stemming: one per thread


@lru_cache(maxsize=65_536)
def _stem(word: str) -> str:
    """Snowball (Porter 2) English stem: coverage / covered / covers -> cover, policies / policy ->
    polici, employee / employees -> employe. Each part of a hyphenated compound is stemmed
    (out-of-network providers -> out-of-network provid)."""
    stemmer = getattr(_STEMMER, "english", None)
    if stemmer is None:
        stemmer = _STEMMER.english = snowballstemmer.stemmer("english")
    return "-".join(stemmer.stemWord(part) if part else part for part in word.split("-"))


def _read_as_statutes(text: str) -> str:
    """NFKC, no thousands separators, digits before Japanese as the statutes' kanji numerals."""
    text = _THOUSANDS_SEPARATOR.sub("", normalize(text))
    return _DIGITS_BEFORE_JAPANESE.sub(lambda m: int_to_kanji(int(m.group())), text)


def _compound_part(morpheme) -> str | None:
    """A noun, prefix or suffix, as its term: part of a compound (Analyzer.japanese_compounds)."""
    if morpheme.part_of_speech()[0] in _COMPOUND_POS and not morpheme.surface().isspace():
        return morpheme.normalized_form().lower()
    return None


def _kanji_word(morpheme) -> str | None:
    """A word written in kanji alone that is no number and no name, as its normalised form
    (Analyzer.kanji_runs)."""
    normalized = morpheme.normalized_form()
    if (_KANJI_ONLY.fullmatch(morpheme.surface()) and _KANJI_ONLY.fullmatch(normalized)
            and morpheme.part_of_speech()[1] != "固有名詞"):
        return normalized
    return None


class Analyzer:
    """Thread-safe term extractor. The Sudachi dictionary (~190 MB) loads once, on first use."""

    def __init__(self, split_mode: str = "A") -> None:
        self.split_mode = split_mode
        self._local = threading.local()

    def _tokenizer(self):
        tokenizer = getattr(self._local, "tokenizer", None)
        if tokenizer is None:
            from sudachipy import SplitMode

            mode = getattr(SplitMode, self.split_mode)
            tokenizer = _dictionary().tokenizer(mode=mode)
            self._local.tokenizer = tokenizer
        return tokenizer

    def terms(self, text: str) -> list[str]:
        """Content terms in order: Sudachi normalised forms for Japanese, stems for English."""
        return [term for term, _ in self.tagged_terms(text)]

    def tagged_terms(self, text: str, *, skip: frozenset[str] = frozenset()) -> list[tuple[str, bool]]:
        """(term, is_noun) pairs; English words count as nouns (they name things, mostly)."""
        out: list[tuple[str, bool]] = []
        text = _read_as_statutes(text)
        for segment in _SEGMENTS.split(_LINE_BROKEN_COMPOUND.sub("-", text)):
            # Sudachi makes no term of ASCII white space (the space before an English run): not asked.
            if not segment or (segment.isspace() and segment.isascii()):
                continue
            if _ASCII_RUN.match(segment):
                out.extend((term, True) for term in self._english_terms(segment))
            else:
                out.extend(self._japanese_terms(segment, skip))
        return out

    @staticmethod
    def ascii_word_terms(word: str) -> list[str]:
        """`terms` of a word made of ASCII letters, digits, ' and - only (what `terms` would make
        of it, without looking for Japanese in it)."""
        return Analyzer._english_terms(word)

    @staticmethod
    def _english_terms(segment: str) -> list[str]:
        words = (w.lower().strip("'-") for w in _ASCII_RUN.findall(segment))
        return [_stem(w) for w in words if w and w not in ENGLISH_STOPWORDS]

    @staticmethod
    def english_phrases(text: str) -> list[list[str]]:
        """The English terms of `text` in order, one list per run of words between punctuation
        (a comma, a full stop, a bracket, Japanese text) — what term proximity is measured in.
        A line break is layout (PDF lines wrap mid-phrase), not a boundary."""
        flat = _LINE_BROKEN_COMPOUND.sub("-", normalize(text)).replace("\r", " ").replace("\n", " ")
        phrases = (Analyzer._english_terms(segment) for segment in _SEGMENTS.findall(flat))
        return [phrase for phrase in phrases if phrase]

    def japanese_compounds(self, text: str) -> list[list[str]]:
        """The Japanese compound nouns of `text` as their terms in order (年次有給休暇 -> 年次, 有給,
        休暇; 一年未満の期間 -> [1, 年, 未満], [期間]): runs of adjacent nouns, prefixes and
        suffixes, broken by anything else (a particle, a verb, punctuation, a line break).
        Sudachi's short units split what a question and an article both write as one compound;
        which terms stand together is what term proximity is measured in."""
        return [run for run in self._runs(text, _compound_part) if len(run) > 1]

    def kanji_runs(self, text: str) -> list[list[str]]:
        """Runs of adjacent words written in kanji alone, as their normalised forms in order
        (特別休暇を与える -> [[特別, 休暇]]: 与える is not written in kanji alone). Unlike
        `japanese_compounds`, an adjectival noun (特別) joins a run, a run may be one word, and a
        number (二十日, read 20) or a proper noun (日本 of 日本中央競馬会: a name is not clipped) ends
        one: what clipped words (retrieval.clipped_words) are read from."""
        return self._runs(text, _kanji_word)

    def _runs(self, text: str, word: Callable[[Any], str | None]) -> list[list[str]]:
        """Runs of adjacent morphemes of `text` that `word` reads as a word (its term; None ends a
        run), read as statutes are; a chunk's end (Sudachi's input limit) ends one too."""
        text = _read_as_statutes(text)
        tokenizer = self._tokenizer()
        runs: list[list[str]] = []
        for start in range(0, len(text), _MAX_CHUNK_CHARS):
            run: list[str] = []
            for morpheme in tokenizer.tokenize(text[start : start + _MAX_CHUNK_CHARS]):
                term = word(morpheme)
                if term is not None:
                    run.append(term)
                    continue
                if run:
                    runs.append(run)
                run = []
            if run:
                runs.append(run)
        return runs

    def with_topic_markers_read(self, text: str) -> str:
        """`text` with a colloquial topic marker って that Sudachi read as a verb ending written as
        は、 (same length): in 「出張の日当っていくら？」 it takes 当って for 当たる, and the noun 日当 is
        lost. Only where the noun then read takes in the character before the verb (日当, not 持って:
        持 stays a verb stem), so a real verb (言って, 持って) is left alone."""
        if "って" not in text or len(text) > _MAX_CHUNK_CHARS:
            return text
        tokenizer = self._tokenizer()
        morphemes = list(tokenizer.tokenize(text))
        for morpheme, following in zip(morphemes, morphemes[1:]):
            surface = morpheme.surface()
            if not (morpheme.part_of_speech()[0] == "動詞" and surface.endswith("っ") and len(surface) >= 2
                    and following.surface() == "て" and _KANJI.match(surface[-2])):
                continue
            cut = morpheme.end() - 1  # where って starts
            candidate = text[:cut] + "は、" + text[cut + 2:]
            noun = next((m for m in tokenizer.tokenize(candidate) if m.begin() <= cut - 1 < m.end()), None)
            if noun is not None and noun.part_of_speech()[0] == "名詞" and noun.begin() < morpheme.begin():
                text = candidate
        return text

    def is_one_word(self, text: str) -> bool:
        """Whether Japanese `text` is a single morpheme (断る, 怪我), not a phrase (クビになる)."""
        return _JAPANESE_CHAR.match(text) is not None and len(self._tokenizer().tokenize(normalize(text))) == 1

    def _japanese_terms(self, segment: str, skip: frozenset[str] = frozenset()) -> list[tuple[str, bool]]:
        tokenizer = self._tokenizer()
        out: list[tuple[str, bool]] = []
        for start in range(0, len(segment), _MAX_CHUNK_CHARS):
            previous = None
            for morpheme in tokenizer.tokenize(segment[start : start + _MAX_CHUNK_CHARS]):
                pos = morpheme.part_of_speech()
                if pos[0] in _SKIPPED_POS or pos[0] in skip:
                    previous = None
                    continue
                term = morpheme.normalized_form().lower()
                if term.strip():
                    out.append((term, pos[0] == "名詞"))
                if previous is not None and pos[0] == "動詞":
                    noun = self._compound_noun(previous, morpheme.dictionary_form(), pos[4])
                    if noun:
                        out.append((noun, True))
                # The first half of a compound verb is in its 連用形 (届け|出た, 取り|消す)
                previous = morpheme.surface() if pos[0] == "動詞" and pos[5].startswith("連用形-一般") else None
        return out

    def _compound_noun(self, first: str, second: str, conjugation: str) -> str | None:
        """The noun a compound verb is written as in statutes: 届け出た -> 届け出 (届出), 取り消す ->
        取り消し (取消し), 立ち入る -> 立ち入り (立入り). Sudachi's short units split the verb into
        two verbs (届ける, 出る) but keep the noun whole, so the asker's verb never met the law's
        noun. The noun is the compound's 連用形; it counts only if the dictionary knows it as one
        noun (書き始める makes no 書き始め term)."""
        stem = _continuative(second, conjugation)
        if stem is None:
            return None
        word = first + stem
        if word in _COMPOUND_NOUNS:
            return _COMPOUND_NOUNS[word]
        morphemes = self._tokenizer().tokenize(word)
        one_noun = len(morphemes) == 1 and morphemes[0].part_of_speech()[0] == "名詞"
        found = morphemes[0].normalized_form().lower() if one_noun else None
        if len(_COMPOUND_NOUNS) < _COMPOUND_CACHE_SIZE:
            _COMPOUND_NOUNS[word] = found
        return found


# Memo of `Analyzer._compound_noun` lookups (the same few hundred compound verbs recur);
# bounded, and filled by whichever thread gets there first (a dict item set is atomic).
_COMPOUND_NOUNS: dict[str, str | None] = {}
_COMPOUND_CACHE_SIZE = 65_536
# The 連用形 (continuative) of a 五段 verb moves its last kana from the u-row to the i-row.
_GODAN_CONTINUATIVE = str.maketrans("うくぐすつぬぶむる", "いきぎしちにびみり")


def _continuative(dictionary_form: str, conjugation: str) -> str | None:
    """A verb's 連用形 from its dictionary form and Sudachi conjugation type (出る, 下一段-ダ行 ->
    出; 消す, 五段-サ行 -> 消し); None for the irregular verbs (する, 来る)."""
    if conjugation.startswith("五段") and dictionary_form:
        return dictionary_form[:-1] + dictionary_form[-1].translate(_GODAN_CONTINUATIVE)
    if conjugation.startswith(("上一段", "下一段")) and dictionary_form.endswith("る"):
        return dictionary_form[:-1]
    return None


@lru_cache(maxsize=1)
def _dictionary():
    from sudachipy import Dictionary

    return Dictionary(dict="core")
