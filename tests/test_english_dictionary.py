"""The JMdict English -> Japanese table: built from a database in jamdict's own format (a small one
written here, with the same tables and columns as `jamdict-data`'s), filtered to an index's vocabulary."""
from __future__ import annotations

import json
import sqlite3

import pytest

from retrieval.analysis import Analyzer
from retrieval.english_dictionary import (
    CorpusVocabulary, EnglishDictionary, build_table, cache_path, english_key, english_words, gloss_keys,
    load_or_build,
)

NOUN = "noun (common) (futsuumeishi)"
# (idseq, kanji forms with their priority tags, senses: (part of speech, misc, glosses))
ENTRIES = [
    (1, [("延長", ["ichi1", "news1"])], [(NOUN, None, ["extension", "elongation"])]),
    (2, [("延伸", [])], [(NOUN, None, ["extension"])]),  # not in the corpus
    (3, [("手数料", ["ichi1"])], [(NOUN, None, ["fee", "commission"])]),
    (4, [("料金", ["ichi1"])], [(NOUN, None, ["fee", "charge", "fare"])]),
    (5, [("使用料", [])], [(NOUN, None, ["fee (for use)", "rental fee"])]),
    (6, [("同盟罷業", [])], [(NOUN, None, ["strike", "walkout"])]),  # 同盟 罷業 side by side in the corpus
    (7, [("争議行為", [])], [(NOUN, None, ["industrial action"])]),  # 争議 and 行為 only apart
    (8, [("同一人", [])], [(NOUN, None, ["same person"])]),  # "same" changes the meaning
    (9, [("届出", [])], [(NOUN, "archaism", ["notification"])]),
    (10, [("請求", [])], [("transitive verb", None, ["to request"])]),  # not a noun sense
    (11, [("免除", ["news1"])], [(NOUN, None, ["exemption", "exoneration"]),
                                 (None, None, ["discharge"])]),  # a later sense keeps the noun part of speech
    (12, [("食堂", ["ichi1"])], [(NOUN, None, ["canteen", "cafeteria", "dining hall"])]),  # in no passage
    (13, [("相談", ["ichi1"])], [("noun or participle which takes the aux. verb suru", None, ["consult"])]),
    (14, [("顧問業", ["gai1"])], [(NOUN, None, ["consulting"])]),  # stems to the verb "consult"
]
CORPUS = [
    "開示の請求をする者は、手数料を納めなければならない。",
    "駐車場の使用料及び料金は、無料とする。",
    "職員は、同盟罷業をしてはならない。争議を調停する。不当な行為をしてはならない。",
    "任命権者は、休業の期間の延長を承認することができる。",
    "町長は、使用料を免除することができる。届出の期限は、一月とする。",
]


def write_jmdict(path, entries=ENTRIES) -> None:
    conn = sqlite3.connect(path)
    conn.executescript("""
        CREATE TABLE Entry (idseq INTEGER NOT NULL UNIQUE);
        CREATE TABLE Kanji (ID INTEGER PRIMARY KEY, idseq INTEGER, text TEXT);
        CREATE TABLE KJP (kid INTEGER, text TEXT);
        CREATE TABLE Kana (ID INTEGER PRIMARY KEY, idseq INTEGER, text TEXT, nokanji BOOLEAN);
        CREATE TABLE KNP (kid INTEGER, text TEXT);
        CREATE TABLE Sense (ID INTEGER PRIMARY KEY, idseq INTEGER);
        CREATE TABLE SenseGloss (sid INTEGER, lang TEXT, gend TEXT, text TEXT);
        CREATE TABLE pos (sid INTEGER, text TEXT);
        CREATE TABLE misc (sid INTEGER, text TEXT);
    """)
    for idseq, kanji, senses in entries:
        conn.execute("INSERT INTO Entry VALUES (?)", (idseq,))
        for text, tags in kanji:
            kid = conn.execute("INSERT INTO Kanji (idseq, text) VALUES (?, ?)", (idseq, text)).lastrowid
            conn.executemany("INSERT INTO KJP VALUES (?, ?)", [(kid, tag) for tag in tags])
        for pos, misc, glosses in senses:
            sid = conn.execute("INSERT INTO Sense (idseq) VALUES (?)", (idseq,)).lastrowid
            if pos:
                conn.execute("INSERT INTO pos VALUES (?, ?)", (sid, pos))
            if misc:
                conn.execute("INSERT INTO misc VALUES (?, ?)", (sid, misc))
            conn.executemany("INSERT INTO SenseGloss VALUES (?, 'eng', NULL, ?)", [(sid, g) for g in glosses])
    conn.commit()
    conn.close()


@pytest.fixture(scope="module")
def analyzer() -> Analyzer:
    return Analyzer()


def vocabulary_of(analyzer: Analyzer, texts: list[str]) -> CorpusVocabulary:
    """The vocabulary of an index holding `texts`, one passage each, as the Analyzer indexes them."""
    analysed = [" ".join(analyzer.terms(text)) for text in texts]
    frequency = {}
    for text in analysed:
        for term in set(text.split()):
            frequency[term] = frequency.get(term, 0) + 1
    return CorpusVocabulary(lambda term: frequency.get(term, 0), lambda: iter(analysed))


@pytest.fixture(scope="module")
def table(analyzer, tmp_path_factory) -> dict[str, list[str]]:
    path = tmp_path_factory.mktemp("jmdict") / "jamdict.db"
    write_jmdict(path)
    return build_table(path, analyzer, vocabulary_of(analyzer, CORPUS))


def test_only_headwords_the_index_holds_survive(table, analyzer):
    assert table[english_key(analyzer, "extension")] == ["延長"]  # 延伸 is in no passage
    assert sorted(table[english_key(analyzer, "fee")]) == sorted(["手数料", "料金", "使用料"])
    assert table[english_key(analyzer, "walkout")] == ["同盟罷業"]  # a compound found side by side
    # 争議 and 行為 are both indexed, but never as 争議行為: the compound is not a term of this index
    assert english_key(analyzer, "industrial action") not in table
    assert all("延伸" not in words and "争議行為" not in words for words in table.values())


def test_loose_registers_and_meanings_are_left_out(table, analyzer):
    assert english_key(analyzer, "notification") not in table  # archaic sense
    assert english_key(analyzer, "request") not in table  # a verb sense
    assert english_key(analyzer, "person") not in table  # "same person" is not "person"
    assert table[english_key(analyzer, "discharge")] == ["免除"]  # the part of speech carries over


def test_a_common_noun_the_index_lacks_is_known_to_be_absent(table, analyzer):
    # 食堂 is a common word for "canteen" that no passage uses: the table says the topic is absent
    assert table[english_key(analyzer, "canteen")] == [] and table[english_key(analyzer, "cafeteria")] == []
    assert english_key(analyzer, "dining hall") not in table  # only one-word names
    # a suru-noun's gloss may be a verb, and "consulting" stems to one: neither names a topic
    assert english_key(analyzer, "consult") not in table


def test_gloss_keys_are_the_analyzers_terms(analyzer):
    assert gloss_keys(analyzer, "to strike (esp. labour)") == "strike"
    assert gloss_keys(analyzer, "(legal) person") == "legal person"
    assert gloss_keys(analyzer, "Days off") == english_key(analyzer, "day off")  # same stems
    assert gloss_keys(analyzer, "not allowed") is None
    assert gloss_keys(analyzer, "a period of time spent waiting for an answer") is None  # no short phrase


def test_lookup_takes_the_longest_phrase_and_drops_what_the_asker_cannot_see():
    dictionary = EnglishDictionary({"rental fee": ["使用料"], "fee": ["手数料", "料金"], "extension": ["延長"]})
    found = dictionary.translate(["rental", "fee", "extension"])
    assert found == [("rental fee", ["使用料"]), ("extension", ["延長"])]
    assert dictionary.translate(["fee"], known=lambda word: word != "料金") == [("fee", ["手数料"])]
    # Words the asker's view lacks leave the English word known but untranslatable, as a noun
    # of a topic the index does not cover.
    assert dictionary.translate(["fee"], known=lambda word: False) == [("fee", [])]
    assert dictionary.translate(["zebra"]) == []  # unknown to the dictionary: says nothing


def test_the_table_is_kept_beside_the_index_and_rebuilt_when_the_index_changes(analyzer, tmp_path):
    source = tmp_path / "jamdict.db"
    write_jmdict(source)
    index = tmp_path / "data" / "index.sqlite"
    vocabulary = vocabulary_of(analyzer, CORPUS)
    first = load_or_build(index, "corpus-v1", analyzer, vocabulary, source=source)
    cached = cache_path(index)
    assert cached.parent == index.parent and first.table == json.loads(cached.read_text("utf-8"))["table"]
    # Read back, not rebuilt, while the index is the same: a change made to the file shows.
    kept = json.loads(cached.read_text("utf-8"))
    kept["table"]["marker"] = ["印"]
    cached.write_text(json.dumps(kept, ensure_ascii=False), encoding="utf-8")
    assert load_or_build(index, "corpus-v1", analyzer, vocabulary, source=source).table["marker"] == ["印"]
    # Another index content (fingerprint): built again from the dictionary.
    rebuilt = load_or_build(index, "corpus-v2", analyzer, vocabulary, source=source)
    assert "marker" not in rebuilt.table and rebuilt.table == first.table



def test_english_words_are_every_gloss_word_as_the_analyzer_stems_it(analyzer, tmp_path):
    source = tmp_path / "jamdict.db"
    write_jmdict(source)
    words = set(english_words(source, analyzer))
    assert {english_key(analyzer, "canteen"), english_key(analyzer, "extensions"), "walkout"} <= words
    assert "helth" not in words and "to" not in words  # no misspelling; no word under three letters
    dictionary = EnglishDictionary({}, words)
    assert dictionary.is_english_word("canteen") and not dictionary.is_english_word("canten")
