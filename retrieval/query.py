"""What a question is about, before searching: its content terms, the statutory words behind its
colloquial ones, the laws and articles it names, and whether it asks about an older version.

All vocabulary is reviewed data in retrieval/data (stop words, synonyms, law abbreviations, an
English glossary); nothing here names a particular question.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache, cache
from pathlib import Path
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING

import yaml

from retrieval.analysis import Analyzer, detect_language, normalize, without_courtesies
from retrieval.answer_types import AnswerType, Modality, analyse
from retrieval.clipped_words import clipping_candidates
from retrieval.numerals import NUMBER_CLASS, article_key, kanji_to_int

if TYPE_CHECKING:
    from retrieval.english_dictionary import EnglishDictionary

DATA_DIR = Path(__file__).parent / "data"

# 地公法38条, 第三十八条第2項, 第27条の2の2, 法第4条第1項
_ARTICLE_REF = re.compile(  # 第39条第4項, 39条の2, and as staff type it, 39条4項 (a 号 after it is read too)
    rf"第?({NUMBER_CLASS}+)条((?:の{NUMBER_CLASS}+)*)(?:第?({NUMBER_CLASS}+)項)?(?:第?{NUMBER_CLASS}+号)?"
)
# Article 39, Article 26-5(2), Article 39, paragraph 4 (as English texts and Japanese Law
# Translation cite articles: a branch number after a hyphen, the paragraph in brackets)
_ENGLISH_ARTICLE_REF = re.compile(r"\b(?:articles?|art\.)\s*([0-9]+)((?:-[0-9]+)*)"
                                  r"(?:\s*\(([0-9]+)\)|,?\s*paragraph\s+([0-9]+))?", re.I)
# Which version of a law is asked about. The index holds a 2013 snapshot and the current texts: a
# year before 2020 (or a 平成 year) means the old one, a later year (or a 令和 year) the current one.
_YEAR = re.compile(r"((?:19|20)\d\d)年(?:版|時点|当時|の|改正|以降|\d+月)|\b((?:19|20)\d\d) (?:version|text)\b|"
                   r"\bas of ((?:19|20)\d\d)\b", re.I)
_OLD_VERSION = re.compile(r"平成\d+年|旧法|当時|改正前|\b(?:old|former|previous) (?:version|text|act|law)\b|"
                          r"\bbefore the (?:\d{4} )?(?:amendment|revision)", re.I)
_CURRENT_VERSION = re.compile(r"今の|現行|最新|現在の|改正後|新法|令和\d+年|"
                              r"\b(?:current|latest|present|amended)\b|\bnow in force\b|\bas amended\b", re.I)
# Version phrases steer which version of a law is preferred; as search words they only add noise.
_VERSION_PHRASE = re.compile(r"(?:19|20)\d\d年(?:版|時点|当時)?|平成\d+年(?:版|時点)?|令和\d+年(?:版|時点)?|旧法|"
                             r"当時|改正前|改正後|今の|現行|最新|現在の")


def wanted_versions(flat: str) -> tuple[bool, bool]:
    """(old, current): whether the question asks about the 2013 text, the current one, or (both
    False) says nothing of it. A year decides by itself; words (旧法, 現行, current) otherwise."""
    years = [int(next(g for g in m.groups() if g)) for m in _YEAR.finditer(flat)]
    old = bool(_OLD_VERSION.search(flat)) or any(year < 2020 for year in years)
    current = bool(_CURRENT_VERSION.search(flat)) or any(year >= 2020 for year in years)
    return old, current


@cache
def load_word_list(name: str) -> frozenset[str]:
    """A reviewed word list from retrieval/data (one entry per line, # comments)."""
    lines = (DATA_DIR / name).read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


@cache
def load_mapping(name: str) -> dict:
    data = yaml.safe_load((DATA_DIR / name).read_text(encoding="utf-8")) or {}
    return {normalize(str(key)).lower(): value for key, value in data.items()}


def statutory_words(text: str) -> list[str]:
    """The statutory words the reviewed vocabulary (synonyms.yaml) gives for the everyday words of
    `text` (パワハラ -> パワー・ハラスメント, 優越的な関係, 言動)."""
    return QueryPlanner._synonyms(normalize(text))[1]


def content_terms(analyzer: Analyzer, text: str) -> list[str]:
    return list(_content_terms(analyzer, text))


def content_nouns(analyzer: Analyzer, text: str) -> set[str]:
    return set(_content_nouns(analyzer, text))


def vocabulary_terms(analyzer: Analyzer, word: str) -> tuple[str, ...]:
    """`content_terms` of a word of our vocabulary (a synonym, a glossary or JMdict translation):
    kept apart from the question texts' cache, so a stream of new questions never evicts the
    words every question reuses."""
    return _vocabulary_terms(analyzer, word)


# A casual question writes 時 in kana right after a verb, where Sudachi misreads what follows
# (いるときって -> 切る, 出したとき用 -> 器用); statutes, which Sudachi reads well, are untouched.
_KANA_TOKI = re.compile(r"(?<=[るたいだ])とき(?!どき)")


# Adverbs, adnominals, pronouns and interjections (全く, そう, どのような, 大きな, これ) name no
# topic. Statutes rarely use them, so their IDF is high and, left in, they weighed heavily against
# a passage's coverage of a long question. Passages keep them (the index is unchanged).
# Conjunctions stay: a formal question's 又は / 及び / 若しくは help the answerer pick the statute's
# sentence (lawqa-jp tune answer F1 .361 with them dropped, .378 kept).
QUESTION_ONLY_SKIPPED_POS = frozenset({"副詞", "連体詞", "代名詞", "感動詞"})


# The planner (searcher) and the answerer both need the question's terms: Sudachi runs once per
# question text, not once per caller, and once for its terms and nouns alike.
@lru_cache(maxsize=512)
def _tagged_content(analyzer: Analyzer, text: str) -> tuple[tuple[str, bool], ...]:
    stop = load_word_list("query_stopwords.txt")
    text = analyzer.with_topic_markers_read(_KANA_TOKI.sub("時", text))
    tagged = analyzer.tagged_terms(text, skip=QUESTION_ONLY_SKIPPED_POS)
    return tuple((t, noun) for t, noun in tagged if t not in stop)


@lru_cache(maxsize=512)
def _content_terms(analyzer: Analyzer, text: str) -> tuple[str, ...]:
    return tuple(t for t, _ in _tagged_content(analyzer, text))


@lru_cache(maxsize=512)
def _content_nouns(analyzer: Analyzer, text: str) -> frozenset[str]:
    return frozenset(t for t, noun in _tagged_content(analyzer, text) if noun)


@lru_cache(maxsize=65_536)
def _vocabulary_terms(analyzer: Analyzer, word: str) -> tuple[str, ...]:
    stop = load_word_list("query_stopwords.txt")
    # Read as a statute writes it, with a particle after: at the very end of a text Sudachi takes
    # the noun 長 (普通地方公共団体の長は) for the adjective 長い. (Particles are no terms.)
    return tuple(t for t in analyzer.terms(word + "は") if t not in stop)


def forget_question_texts() -> None:
    """Empty the caches keyed by question text, so the next question is analysed as if new
    (benchmarks time a repeated question at the cost of a new one). Vocabulary words stay."""
    _tagged_content.cache_clear()
    _content_terms.cache_clear()
    _content_nouns.cache_clear()


@dataclass(frozen=True)
class ArticleRef:
    law: str | None  # formal title, when the question names the law
    article_key: str  # "38", "27-2"
    paragraph: int | None


@dataclass(frozen=True)
class QueryPlan:
    text: str
    terms: tuple[str, ...]  # the asker's own content terms
    expansions: tuple[str, ...]  # statutory words for colloquial/English ones
    laws: tuple[str, ...]  # formal titles of laws the question names
    articles: tuple[ArticleRef, ...]
    wants_old_version: bool
    wants_current_version: bool
    # The asker's terms that the vocabulary explained (年休 -> 年次有給休暇): their absence from
    # the corpus is expected, and their expansions stand in for them.
    explained: tuple[str, ...] = ()
    # The asker's terms that are nouns: an unknown noun (食堂) says the corpus lacks the topic; an
    # unknown verb or filler (要る) says nothing.
    nouns: tuple[str, ...] = ()
    # What the question asks for (a period, a number of days, ...): see retrieval.answer_types.
    answer_type: AnswerType = AnswerType.OTHER
    # Numbers with units the question itself states (年20日だよね？): premises, not the answer.
    given_values: frozenset[tuple[int, str]] = frozenset()
    # The unit of the number asked for (日 for 何日, 歳 for 何歳), or None.
    value_unit: str | None = None
    # "max" / "min" when the question asks for a limit (最大何日, 最低何日), or None.
    value_bound: str | None = None
    # The kind of rule a yes/no question is about (obligation, prohibition, permission), or None.
    modality: Modality | None = None
    # The expansions as concepts: per matched synonym/glossary key, its alternative wordings, each
    # as its terms (年休 -> ((年次, 有給, 休暇), (年次, 休暇))). A passage using one wording of a
    # concept covers the concept: alternatives must not split its weight.
    concepts: tuple[tuple[tuple[str, ...], ...], ...] = ()
    # "en" for English text: its expansions are translations, each word's alternatives one concept.
    language: str = "ja"
    # The concepts JMdict gave (not the reviewed glossary): general-language translations, so a
    # passage lacking one says less than a passage lacking a reviewed term.
    loose_concepts: tuple[tuple[tuple[str, ...], ...], ...] = ()
    # English nouns the dictionary knows but the index has no word for (canteen: 食堂 is in no
    # passage): like an unknown Japanese noun, a sign the corpus does not cover the topic.
    untranslatable: tuple[str, ...] = ()
    # A language model's statutory words for the question (Question.search_terms, as index terms):
    # ranked like expansions, left out of coverage and confidence, which measure what was asked.
    model_terms: tuple[str, ...] = ()

    @property
    def all_terms(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(self.terms + self.expansions))


def without_references(text: str, titles: Iterable[str]) -> str:
    """The question without the laws it names (by title or abbreviation, among `titles`), its
    article numbers and version hints: what is left asks about the content, so the answerer
    chooses a sentence by that and not by which sentence repeats the law's name."""
    flat = without_courtesies(normalize(text))
    return QueryPlanner._without_references(flat, QueryPlanner._laws(flat, tuple(titles)))


class QueryPlanner:
    def __init__(self, analyzer: Analyzer) -> None:
        self.analyzer = analyzer

    def plan(self, text: str, known_titles: Iterable[str] | Mapping[str, str] = (), *,
             dictionary: EnglishDictionary | None = None, known_word: Callable[[str], bool] | None = None,
             clipped: Callable[[str], tuple[tuple[str, ...], ...]] | None = None) -> QueryPlan:
        """`known_titles`: the corpus' document titles, or a mapping name -> title that also
        holds other names a document goes by (e.g. its file name). `dictionary`: JMdict
        translations for English text, after the glossary; `known_word` keeps only translations
        the asker's view of the index holds. `clipped`: the compounds a word the index lacks may
        be a clipping of (retrieval.clipped_words), searched as the asker's own words."""
        flat = without_courtesies(normalize(text))
        laws = self._laws(flat, known_titles)
        # Law names and article numbers are matched structurally, not as words: 金融/商品/法/条
        # would otherwise pull in every passage that cites that law.
        stripped = self._without_references(flat, laws)
        terms = content_terms(self.analyzer, stripped)
        nouns = content_nouns(self.analyzer, stripped)
        synonym_keys, synonym_words = self._synonyms(flat)
        mapping = load_mapping("synonyms.yaml")
        meant = {tuple(mapping[key]) for key in synonym_keys}
        for key in _synonym_keys_by_term(self.analyzer).get_all(terms):
            if tuple(mapping[key]) not in meant:  # 払わ and 払え say what 払う says: one concept
                meant.add(tuple(mapping[key]))
                synonym_keys.append(key)
                synonym_words.extend(mapping[key])
        english_groups: list[list[str]] = []
        # "Article 39" is a reference, matched structurally: not the glossary's 条 as a search word
        expansion_words = synonym_words + self._english(_ENGLISH_ARTICLE_REF.sub(" ", flat), english_groups)
        language = detect_language(text)
        loose_groups: list[list[str]] = []
        untranslatable: list[str] = []
        if dictionary is not None and language == "en":
            expansion_words += self._dictionary_words(stripped, dictionary, known_word, loose_groups, untranslatable)
        expansions = [t for w in expansion_words for t in vocabulary_terms(self.analyzer, w)]
        groups = [list(words) for words in dict.fromkeys(tuple(mapping[key]) for key in synonym_keys)]
        explained = {t for key in synonym_keys for t in vocabulary_terms(self.analyzer, key)}
        if clipped is not None and language == "ja":
            for word, readings in self._clippings(stripped, clipped, known_word, explained):
                # Searched as the asker's own words, not at a synonym's lower weight: a clipping
                # means its compound and nothing else. Tune pool, the 14 reviewed clippings taken out
                # of synonyms.yaml, on the 29 questions using one: MRR half A .5524 without a reading,
                # .5626 this way, .5667 at a synonym's weight (a tie: 14 questions); half B .5867 /
                # .6001 / .5601. With the reviewed list: .5881 / .5601.
                parts = vocabulary_terms(self.analyzer, word)
                if len(parts) > 1:
                    # Sudachi cut a word it does not know into its characters (旅命 -> 旅 + 命): they
                    # are not the asker's words, and alone they match any article with a 命.
                    terms = [t for t in terms if t not in parts]
                    nouns -= set(parts)
                groups.append(readings)
                terms = [*terms, *(t for w in readings for t in vocabulary_terms(self.analyzer, w))]
                explained.update(parts)
        groups += english_groups + loose_groups
        concepts = tuple(tuple(vocabulary_terms(self.analyzer, w) for w in group) for group in groups)
        loose = concepts[len(groups) - len(loose_groups):]
        wants_old, wants_current = wanted_versions(flat)
        intent = analyse(text)  # the answerer reads the same (cached) intent
        return QueryPlan(
            text=text,
            terms=tuple(dict.fromkeys(terms)),
            expansions=tuple(t for t in dict.fromkeys(expansions) if t not in terms),
            laws=tuple(laws),
            articles=tuple(self._articles(flat, laws)),
            wants_old_version=wants_old,
            wants_current_version=wants_current,
            explained=tuple(t for t in dict.fromkeys(terms) if t in explained),
            nouns=tuple(t for t in dict.fromkeys(terms) if t in nouns),
            answer_type=intent.answer_type,
            given_values=intent.given,
            value_unit=intent.value_unit,
            value_bound=intent.bound,
            modality=intent.modality,
            concepts=tuple(c for c in concepts if any(c)),
            language=language,
            loose_concepts=tuple(c for c in loose if any(c)),
            untranslatable=tuple(dict.fromkeys(untranslatable)),
        )

    def _clippings(self, stripped: str, clipped: Callable[[str], tuple[tuple[str, ...], ...]],
                   known_word: Callable[[str], bool] | None, explained: set[str]) -> list[tuple[str, list[str]]]:
        """(word, the compounds it may clip) for each word of the question the index lacks that
        the corpus reads as a clipping, unless the reviewed synonyms already explained it."""
        def unknown(word: str) -> bool:
            return known_word is not None and not known_word(word)

        found = []
        for word in clipping_candidates(stripped, self.analyzer.kanji_runs(stripped), unknown):
            if set(vocabulary_terms(self.analyzer, word)) <= explained:
                continue
            readings = clipped(word)
            if readings:
                found.append((word, ["".join(words) for words in readings]))
        return found

    @staticmethod
    def _laws(flat: str, known_titles: Iterable[str] | Mapping[str, str]) -> list[str]:
        """Formal titles named in the question, by abbreviation or in full (longest match first)."""
        found: list[str] = []
        lowered = flat.lower().replace("_", " ")  # file names: Northwind_Health_Plus_...
        names = tuple(known_titles.items()) if isinstance(known_titles, Mapping) else \
            tuple((t, t) for t in known_titles)
        names_index = _law_names(names)
        for key in names_index.keys_in(lowered):
            if key in lowered:
                title = names_index.titles_by_key[key]
                if title not in found:
                    found.append(title)
                lowered = lowered.replace(key, " ")
        titles = names_index.titles
        for informal in _INFORMAL_NAME.finditer(lowered):
            for title in _titles_for_informal_name(informal.group(1), informal.group(2), titles):
                if title not in found:
                    found.append(title)
        return found

    @staticmethod
    def _without_references(flat: str, laws: list[str]) -> str:
        keys = [k for k, t in _aliases(laws).items() if t in laws]
        keys += [normalize(t).lower() for t in laws]
        out = flat
        for key in sorted(set(keys), key=len, reverse=True):
            out = re.sub(re.escape(key), " ", out, flags=re.I)
        return _VERSION_PHRASE.sub(" ", _ENGLISH_ARTICLE_REF.sub(" ", _ARTICLE_REF.sub(" ", out)))

    @staticmethod
    def _synonyms(flat: str) -> tuple[list[str], list[str]]:
        """(matched keys, the statutory words they stand for)."""
        keys: list[str] = []
        words: list[str] = []
        lowered = flat.lower()  # keys are stored lowercased: USB, PC, ChatGPT
        mapping = load_mapping("synonyms.yaml")
        for key in _synonym_keys().keys_in(lowered):
            if key in lowered:
                keys.append(key)
                words.extend(mapping[key])
        return keys, words

    @staticmethod
    def _english(flat: str, groups: list[list[str]] | None = None) -> list[str]:
        """Japanese search words for English phrases (longest phrases first, each word used once);
        `groups` receives each matched phrase's words as one concept."""
        if not re.search(r"[A-Za-z]{2}", flat):
            return []
        lowered = f" {re.sub(r'[^a-z0-9-]+', ' ', flat.lower())} "
        words: list[str] = []
        glossary = load_mapping("glossary_en.yaml")
        for key, pattern in _patterns_for(lowered, _glossary_patterns(), _first_words(False)):
            if pattern.search(lowered):
                words.extend(glossary[key])
                if groups is not None:
                    groups.append(list(glossary[key]))
                lowered = pattern.sub(" | ", lowered)
        return words

    def _dictionary_words(self, text: str, dictionary: EnglishDictionary, known_word: Callable[[str], bool] | None,
                          groups: list[list[str]], untranslatable: list[str]) -> list[str]:
        """JMdict's Japanese words for the English words the glossary left (the glossary wins
        where it has an entry); each matched word's or phrase's translations go to `groups` as
        one concept, and nouns the index has no word for to `untranslatable`."""
        words: list[str] = []
        for run in _glossary_remainder(text).split("|"):
            for key, headwords in dictionary.translate(self.analyzer.terms(run), known_word):
                if not headwords:
                    untranslatable.append(key)
                    continue
                words.extend(headwords)
                groups.append(list(headwords))
        return words

    @staticmethod
    def _articles(flat: str, laws: list[str]) -> list[ArticleRef]:
        refs: list[ArticleRef] = []
        for match in _ARTICLE_REF.finditer(flat):
            key = article_key(f"第{match.group(1)}条{match.group(2)}")  # the one article-number parser
            if key is None or any(part == "0" for part in key.split("-")):
                continue
            paragraph = kanji_to_int(match.group(3)) if match.group(3) else None
            law = _law_before(flat[: match.start()], laws)
            refs.append(ArticleRef(law, key, paragraph))
        for match in _ENGLISH_ARTICLE_REF.finditer(flat):
            branches = "".join(f"の{branch}" for branch in match.group(2).split("-") if branch)
            key = article_key(f"第{match.group(1)}条{branches}")
            if key is None or any(part == "0" for part in key.split("-")):
                continue
            paragraph = int(match.group(3) or match.group(4)) if (match.group(3) or match.group(4)) else None
            # "Article 39 of the Labor Standards Act": the law follows; "Labor Standards Act, Article 39" too
            law = _law_after(flat[match.end(): match.end() + _CITING_CONTEXT], laws) or \
                _law_before(flat[: match.start()], laws)
            refs.append(ArticleRef(law, key, paragraph))
        return list(dict.fromkeys(refs))


# 勤務時間条例, 旅費条例, 服務規程, テレワーク要綱: a regulation called by its subject and kind
_INFORMAL_NAME = re.compile(r"([\u4e00-\u9fffァ-ヶー・]{2,12}?)(条例|規則|規程|要綱|法)(?!律|人|令)")
_MAX_INFORMAL_MATCHES = 3  # a vaguer name (育児休業法) may fit a few laws; more means no match


def _titles_for_informal_name(subject: str, kind: str, titles: list[str]) -> list[str]:
    """Titles of that kind whose name contains the subject (勤務時間 + 条例 ->
    みどり区職員の勤務時間、休日及び休暇に関する条例)."""
    def of_kind(title: str) -> bool:
        return title.endswith(kind) or (kind == "法" and title.endswith("法律"))

    matches = [t for t in titles if subject in t and of_kind(t)]
    return matches if 0 < len(matches) <= _MAX_INFORMAL_MATCHES else []


@lru_cache(maxsize=8)
def _title_keys(names: tuple[tuple[str, str], ...]) -> dict[str, str]:
    return {normalize(name).lower(): title for name, title in names if len(name) >= 3}


class _KeysByFirstChar:
    """Substring keys in a fixed order, found by their first character: a question holds a few
    dozen distinct characters, so most of hundreds of keys are passed over without a search."""

    def __init__(self, keys: Iterable[str]) -> None:
        self.keys = list(keys)
        self._by_char: dict[str, list[int]] = {}
        for position, key in enumerate(self.keys):
            self._by_char.setdefault(key[:1], []).append(position)

    def keys_in(self, text: str) -> list[str]:
        """In their order, the keys that may occur in `text` or in what is left of it after keys
        found earlier were replaced by spaces (so a space counts as present; "" always is)."""
        positions = [i for char in {*text, " ", ""} for i in self._by_char.get(char, ())]
        return [self.keys[i] for i in sorted(positions)]


# A cabinet order or ministry ordinance is named after its law: 自治法施行令 is 地方自治法施行令,
# not 地方自治法, so an abbreviation followed by one of these names the order when it is indexed.
_ORDER_SUFFIXES = ("施行令", "施行規則")


def _aliases(titles: Iterable[str]) -> dict[str, str]:
    """law_aliases.yaml, plus each abbreviation + 施行令/施行規則 for the orders among `titles`."""
    aliases = load_mapping("law_aliases.yaml")
    known = set(titles)
    orders = {key + suffix: title + suffix for key, title in aliases.items() for suffix in _ORDER_SUFFIXES
              if title + suffix in known}
    return {**aliases, **orders}


class _LawNames(_KeysByFirstChar):
    def __init__(self, names: tuple[tuple[str, str], ...]) -> None:
        self.titles_by_key = {**_title_keys(names), **_aliases(title for _, title in names)}
        super().__init__(sorted(self.titles_by_key, key=len, reverse=True))  # longest match first
        self.titles = sorted({title for _, title in names})


@lru_cache(maxsize=8)
def _law_names(names: tuple[tuple[str, str], ...]) -> _LawNames:
    return _LawNames(names)


@lru_cache(maxsize=1)
def _synonym_keys() -> _KeysByFirstChar:
    return _KeysByFirstChar(load_mapping("synonyms.yaml"))


class _KeysByTerm:
    """Synonym keys that are one word (断る, 怪我, 雇う), by that word's term: the key is matched as
    a substring of the question, which misses its inflections (断れる, 断った) and other spellings
    (けが); the question's own terms, Sudachi's dictionary forms, do not."""

    def __init__(self, analyzer: Analyzer) -> None:
        self._keys: dict[str, list[str]] = {}
        for key in load_mapping("synonyms.yaml"):
            # One word only: not a phrase reduced to one content term (自分の情報 -> 情報, コロナにかか
            # -> コロナ), nor a form whose ending carries meaning (辞めさせ, 漏れた).
            if analyzer.is_one_word(key):
                for term in vocabulary_terms(analyzer, key):
                    self._keys.setdefault(term, []).append(key)

    def get_all(self, terms: Iterable[str]) -> list[str]:
        return [key for term in dict.fromkeys(terms) for key in self._keys.get(term, ())]


@lru_cache(maxsize=4)
def _synonym_keys_by_term(analyzer: Analyzer) -> _KeysByTerm:
    return _KeysByTerm(analyzer)


@lru_cache(maxsize=2)
def _first_words(with_untranslated: bool) -> dict[str, tuple[int, ...]]:
    """First word of each English pattern key -> the keys' positions (glossary, then untranslated)."""
    keys = [key for key, _ in _glossary_patterns()]
    if with_untranslated:
        keys += [key for key, _ in _untranslated_patterns()]
    index: dict[str, list[int]] = {}
    for position, key in enumerate(keys):
        index.setdefault(key.split()[0], []).append(position)
    return {word: tuple(positions) for word, positions in index.items()}


def _patterns_for(lowered: str, patterns: list[tuple[str, re.Pattern]],
                  first_words: Mapping[str, tuple[int, ...]]) -> list[tuple[str, re.Pattern]]:
    """The patterns (" key(?:e?s)? " over space-separated words) that can match `lowered`, or what
    is left of it after earlier matches became " | ", in their order: a key matches only where
    its first word is a whole word (a one-word key also with a plural s/es), and replacing matches
    only removes words and adjacencies, so that word is a word of `lowered` as it is now."""
    positions: set[int] = set()
    for word in set(lowered.split()):
        for base in _base_forms(word):
            positions.update(first_words.get(base, ()))
    return [patterns[i] for i in sorted(positions)]


def _base_forms(word: str) -> set[str]:
    """The forms a glossary key may take of `word`: itself, and without a plural or a verb ending
    (requests, revoking -> revoke, submitted -> submit, applied -> apply)."""
    forms = {word}
    for ending, replacements in (("ies", ("y",)), ("ied", ("y",)), ("es", ("", "e")), ("s", ("",)),
                                 ("ying", ("ie",)), ("ing", ("", "e")), ("ed", ("", "e"))):
        # a stem of two letters at least (sued -> sue), or one before "ying" (dying -> die)
        if word.endswith(ending) and len(word) >= len(ending) + (1 if ending == "ying" else 2):
            stem = word[: -len(ending)]
            forms.update(stem + r for r in replacements)
            if ending in ("ing", "ed") and len(stem) > 2 and stem[-1] == stem[-2]:
                forms.add(stem[:-1])  # submitted -> submit
    forms.update(_IRREGULAR_BASE.get(word, ()))
    return forms


# Verbs of glossary keys whose past forms take no -ed (kept records, paid out, was given).
_IRREGULAR_PAST = {"give": ("gave", "given"), "keep": ("kept",), "pay": ("paid",), "send": ("sent",),
                   "lend": ("lent",), "write": ("wrote", "written"), "take": ("took", "taken"),
                   "withdraw": ("withdrew", "withdrawn"), "lay": ("laid",),
                   "forbid": ("forbade", "forbidden")}
_IRREGULAR_BASE: dict[str, tuple[str, ...]] = {}
for _verb, _pasts in _IRREGULAR_PAST.items():
    for _past in _pasts:
        _IRREGULAR_BASE[_past] = (*_IRREGULAR_BASE.get(_past, ()), _verb)


# Nouns whose verb forms mean something else (leaving the office is not leave, noticed is not a
# notice): matched in their own and plural forms only.
_NO_VERB_FORMS = frozenset({"leave", "notice", "break", "park", "strike", "rate", "premium", "union", "town",
                            "city", "ward", "staff", "age", "period", "purpose", "article", "hotel"})


def _inflected(word: str) -> str:
    """A pattern for `word` in its own, plural and (for a verb) inflected forms."""
    forms = {word, word + "s", word + "es"}
    if word not in _NO_VERB_FORMS and word.isalpha():
        forms.update({word + "ed", word + "d", word + "ing"})
        if word.endswith("e"):
            forms.add(word[:-1] + "ing")
        if word.endswith("ie"):
            forms.add(word[:-2] + "ying")  # die -> dying
        if word.endswith("y"):
            forms.update({word[:-1] + "ies", word[:-1] + "ied"})
        if (len(word) > 2 and word[-1] not in "aeiouwxy" and word[-2] in "aeiou"
                and (word[-3] not in "aeiou" or word[-4:-2] == "qu")):  # quit -> quitting
            forms.update({word + word[-1] + "ed", word + word[-1] + "ing"})  # submit -> submitted
        forms.update(_IRREGULAR_PAST.get(word, ()))
    return "(?:" + "|".join(re.escape(f) for f in sorted(forms, key=len, reverse=True)) + ")"


@lru_cache(maxsize=1)
def _glossary_patterns() -> list[tuple[str, re.Pattern]]:
    """Glossary keys, longest first, each with its word-boundary pattern (plural s/es tolerated)."""
    keys = sorted(load_mapping("glossary_en.yaml"), key=len, reverse=True)
    return [(key, re.compile(rf" {_key_pattern(key)} ")) for key in keys]


def _key_pattern(key: str) -> str:
    """A glossary key with its last word in any of its forms (claims, revoking, submitted) and, in
    a phrase, its first word too (handing in, kept records, carried over)."""
    words = key.split(" ")
    if len(words) == 1:
        return _inflected(key)
    first, *middle, last = words
    return _inflected(first) + re.escape(" " + " ".join([*middle, ""])) + _inflected(last)


def _glossary_remainder(text: str) -> str:
    """English text with the glossary's phrases, then the words never to translate
    (english_untranslated.txt), cut out ("|" where each was): the runs between are what is left
    for the dictionary."""
    lowered = f" {re.sub(r'[^a-z0-9-]+', ' ', normalize(text).lower())} "
    for _key, pattern in _patterns_for(lowered, [*_glossary_patterns(), *_untranslated_patterns()],
                                       _first_words(True)):
        lowered = pattern.sub(" | ", lowered)
    return lowered


@lru_cache(maxsize=1)
def _untranslated_patterns() -> list[tuple[str, re.Pattern]]:
    keys = sorted(load_word_list("english_untranslated.txt"), key=len, reverse=True)
    return [(key, re.compile(rf" {re.escape(key)}(?:e?s)? ")) for key in keys]


def _law_after(suffix: str, laws: list[str]) -> str | None:
    """The law an English reference names right after it ("Article 39 of the Labor Standards Act")."""
    head = re.match(r"\s*(?:,\s*)?of\s+(?:the\s+)?(.*)", suffix, re.I | re.S)
    if head is None:
        return None
    rest = head.group(1).lower()
    found = [(title, len(key)) for key, title in _names_of(laws) if rest.startswith(key)]
    return max(found, key=lambda item: item[1])[0] if found else None


def _names_of(laws: list[str]) -> list[tuple[str, str]]:
    """(name, title) for each way the question may write one of `laws`: its abbreviations and title."""
    return [(key, title) for key, title in [*_aliases(laws).items(), *((normalize(t).lower(), t) for t in laws)]
            if title in laws]


def _law_before(prefix: str, laws: list[str]) -> str | None:
    """The law named closest before an article reference (地公法38条 -> 地方公務員法)."""
    best, best_pos = None, -1
    for key, title in _names_of(laws):
        pos = prefix.lower().rfind(key)
        if pos > best_pos:
            best, best_pos = title, pos
    return best if best is not None else (laws[0] if len(laws) == 1 else None)


# What stands right before an article a text cites says whose article it is: a law's name or
# abbreviation (労基法第39条, 労働基準法（昭和二十二年法律第四十九号）第二十条), 同法 (the law just
# named), the glue of a list after another article (番号法第4条、第5条), else `base`, the law a
# guideline explains (法第27条, or 第27条 in the provisions it quotes) — unless another name stands
# there: 令, 規則, 本規則, 規程例, 附則 or a law the corpus lacks are not that law.
_TRAILING_NOTE = re.compile(r"\([^()]*\)$")
_LIST_GLUE = re.compile(rf"(?:[、・,~\s]|及び|並びに|又は|若しくは|から|まで|第{NUMBER_CLASS}+[項号])+")
_NAME_CHAR = r"[\u3005\u30a0-\u30ff\u4e00-\u9fffa-z]"  # kanji, katakana, 々, a Latin letter
_BARE_LAW = re.compile(rf"(?<!{_NAME_CHAR})法$")  # 法 alone, not the tail of 旅券法
_NAMED = re.compile(rf"{_NAME_CHAR}$")
_CITING_CONTEXT = 80  # characters looked at before an article reference


def cited_articles(flat: str, known_titles: Iterable[str] | Mapping[str, str], base: str | None = None
                   ) -> list[ArticleRef]:
    """The articles a (normalised) text cites, each with the law it belongs to; `base` is the law
    a guideline explains. A reference whose law the text does not say is left out."""
    laws = QueryPlanner._laws(flat, known_titles)
    keys = {k.lower(): t for k, t in _aliases(laws).items() if t in laws}
    keys.update((normalize(t).lower(), t) for t in laws)
    by_length = sorted(keys.items(), key=lambda item: len(item[0]), reverse=True)
    refs: list[ArticleRef] = []
    previous_end, previous_law = -1, None
    for match in _ARTICLE_REF.finditer(flat):
        before = re.sub(r"\s", "", flat[max(0, match.start() - _CITING_CONTEXT): match.start()]).lower()
        before = _TRAILING_NOTE.sub("", before)
        law = next((title for key, title in by_length if before.endswith(key)), None)
        if law is None:
            if before.endswith("同法"):
                law = _law_before(flat[: match.start()], laws)  # named anywhere before
            elif previous_end >= 0 and _LIST_GLUE.fullmatch(flat[previous_end: match.start()]):
                law = previous_law
            elif not _NAMED.search(_BARE_LAW.sub("", before)):
                law = base
        previous_end, previous_law = match.end(), law
        key = article_key(f"第{match.group(1)}条{match.group(2)}")
        if law is None or key is None or any(part == "0" for part in key.split("-")):
            continue
        refs.append(ArticleRef(law, key, kanji_to_int(match.group(3)) if match.group(3) else None))
    return list(dict.fromkeys(refs))
