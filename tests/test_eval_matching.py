import json

import pytest

from eval.matching import Equivalents, Evidence, hits_any, hits_source, load_equivalents
from eval.questions import GoldSource

LAW = "egov-laws-2013-snapshot/text/労働基準法.txt"
CURRENT = "egov-laws-current-appi-kb/labor-standards-law/content.xml"


def passage(doc=LAW, article=None, page=None, text=""):
    return Evidence.from_passage({"doc": doc, "title": "t", "article": article, "page": page, "text": text,
                                  "score": 1.0})


def test_article_match_compares_kanji_and_arabic_numbers():
    gold = GoldSource(doc=LAW, article="第三十八条")
    assert hits_source(passage(article="第38条"), gold)
    assert hits_source(passage(article="第３８条"), gold)  # full-width digits
    assert not hits_source(passage(article="第三十九条"), gold)
    assert not hits_source(passage(article="第三十八条", doc="other.txt"), gold)
    assert not hits_source(passage(article=None), gold)


def test_branch_articles_and_supplementary_provisions_are_distinct():
    assert hits_source(passage(article="第27条の2"), GoldSource(doc=LAW, article="第二十七条の二"))
    assert not hits_source(passage(article="第二十七条"), GoldSource(doc=LAW, article="第二十七条の二"))
    assert not hits_source(passage(article="第二条"), GoldSource(doc=LAW, article="附則第二条"))
    assert hits_source(passage(article="附則第2条"), GoldSource(doc=LAW, article="附則第二条"))


def test_quote_matches_across_line_breaks_and_full_width_spaces():
    gold = GoldSource(doc=LAW, quote="使用者は、その雇入れの日から起算して六箇月間継続勤務し")
    text = "第三十九条　使用者は、その雇入れの日から\n起算して六箇月間継続勤務し全労働日の八割以上出勤した"
    assert hits_source(passage(text=text), gold)
    english = GoldSource(doc="handbook.pdf", quote="annual leave of twenty days")
    assert hits_source(passage(doc="handbook.pdf", text="employees get annual\n  leave of twenty days"), english)


def test_when_a_quote_is_given_only_the_quote_decides():
    gold = GoldSource(doc=LAW, article="第三十九条", quote="六箇月間継続勤務")
    assert not hits_source(passage(article="第三十九条", text="別の文"), gold)
    assert hits_source(passage(article="第一条", text="…六箇月間継続勤務し…"), gold)


def test_page_match():
    gold = GoldSource(doc="benefits.pdf", page=7)
    assert hits_source(passage(doc="benefits.pdf", page=7), gold)
    assert not hits_source(passage(doc="benefits.pdf", page=8), gold)
    assert not hits_source(passage(doc="benefits.pdf", page=None), gold)


def test_doc_only_gold_matches_any_passage_of_the_document():
    gold = GoldSource(doc="001_金融商品取引法_第5条_第6項.md")
    assert hits_source(passage(doc="001_金融商品取引法_第5条_第6項.md", text="anything"), gold)
    assert not hits_source(passage(doc="002_金融商品取引法_第24条_第1項.md"), gold)


def test_doc_ids_compare_as_nfc_with_forward_slashes():
    import unicodedata
    gold = GoldSource(doc="dir/ガイド.md")
    assert hits_source(passage(doc=unicodedata.normalize("NFD", "dir\\ガイド.md")), gold)


@pytest.fixture
def equivalents(tmp_path):
    path = tmp_path / "equivalents.json"
    path.write_text(json.dumps({"groups": [[LAW, CURRENT]]}), encoding="utf-8")
    return load_equivalents(path)


def test_equivalent_version_counts_only_via_the_quote(equivalents):
    with_quote = GoldSource(doc=LAW, article="第三十二条", quote="一週間について四十時間を超えて")
    article_only = GoldSource(doc=LAW, article="第三十二条")
    current = passage(doc=CURRENT, article="第三十二条", text="休憩時間を除き一週間について四十時間を超えて、労働させてはならない。")
    assert hits_source(current, with_quote, equivalents)
    assert not hits_source(current, article_only, equivalents)  # numbering may differ between versions
    assert not hits_source(current, with_quote)  # without equivalents it is just another document
    unrelated = passage(doc="other.txt", text=current.text)
    assert not hits_source(unrelated, with_quote, equivalents)


def test_load_equivalents_missing_file_means_none(tmp_path):
    assert load_equivalents(tmp_path / "absent.json") == Equivalents()
    assert load_equivalents(None) == Equivalents()
    bad = tmp_path / "bad.json"
    bad.write_text('{"groups": "x"}', encoding="utf-8")
    with pytest.raises(ValueError):
        load_equivalents(bad)


def test_citation_quote_matches_when_it_contains_or_is_part_of_the_gold_quote():
    gold = GoldSource(doc=LAW, quote="その意に反してこれを休職することができる")

    def cite(quote):
        return Evidence.from_citation({"doc": LAW, "article": "第28条", "page": None, "quote": quote})

    assert hits_source(cite("職員が、左の各号の一に該当する場合においては、その意に反してこれを休職することができる。"), gold)
    assert hits_source(cite("その意に反してこれを休職…"), gold)  # shortened by the app, still part of the gold
    assert not hits_source(cite("休職"), gold)  # too short to mean anything
    # passages get no such leniency: a passage that holds only part of the quote is not a hit
    assert not hits_source(passage(text="その意に反してこれを休職"), gold)


def test_hits_any():
    sources = [GoldSource(doc="a.pdf", page=1), GoldSource(doc="b.pdf", page=2)]
    assert hits_any(passage(doc="b.pdf", page=2), sources)
    assert not hits_any(passage(doc="b.pdf", page=1), sources)
