import pytest

from retrieval.numerals import article_key, article_label, int_to_kanji, kanji_to_int


@pytest.mark.parametrize("text, number", [
    ("三十八", 38), ("百二", 102), ("千二百三十四", 1234), ("十", 10), ("二〇二四", 2024),
    ("３８", 38), ("38", 38), ("abc", None), ("", None),
])
def test_kanji_to_int(text, number):
    assert kanji_to_int(text) == number


@pytest.mark.parametrize("number", [1, 9, 10, 11, 20, 38, 100, 102, 119, 1000, 1234])
def test_int_to_kanji_round_trips(number):
    assert kanji_to_int(int_to_kanji(number)) == number


@pytest.mark.parametrize("article, key", [
    ("第三十八条", "38"), ("第38条", "38"), ("第３８条", "38"), ("第二十七条の二", "27-2"),
    ("第27条の22の2", "27-22-2"), ("附則第二条", "2"), ("第 三 条", "3"), ("総則", None), (None, None),
])
def test_article_key(article, key):
    assert article_key(article) == key


def test_article_label_is_the_statute_form():
    assert article_label("27-22-2") == "第二十七条の二十二の二"


from retrieval.numerals import value_in_english  # noqa: E402


@pytest.mark.parametrize("phrase, context, english", [
    ("二十日", "", "20 days"),
    ("一日", "", "1 day"),
    ("三歳に達する日まで", "当該子が三歳に達する日まで", "until the child turns 3"),
    ("六十五歳に達する日", "職員が六十五歳に達する日", "until the person turns 65"),
    ("一年以内", "", "within 1 year"),
    ("六月を超えない範囲内", "", "up to 6 months"),
    ("三箇月", "", "3 months"),
    ("九十日を経過する日まで", "", "until 90 days have passed"),
    ("十二月二十九日", "", "December 29"),
    ("十二月二十九日から翌年の一月三日まで", "", "December 29 to January 3"),
    ("百分の百二十五", "", "125%"),
    ("一キロメートルにつき三十七円", "", "37 yen per km"),
    ("５割", "", "50%"),
    ("１０人以上", "", "10 people or more"),
    ("三十八時間四十五分", "", "38 hours 45 minutes"),  # one length of time, not 38 hours
    ("二万三千円", "", "23,000 yen"),  # the whole sum, not its 三千円
    ("遅滞なく", "", "without delay"),
    ("二割五分以上", "", "25% or more"),  # a rate, not 五分 (five minutes)
    ("二分の一", "", "1/2"),  # a half, not two minutes
    ("六十五歳に達する日以後", "職員が六十五歳に達する日以後", "from the day the person turns 65"),  # not until
    ("六十歳以上", "", "age 60 or older"),
    ("満十八才に満たない", "", "under 18"),  # 労基法 writes 才
    ("一年六箇月", "", "1 year and 6 months"),
    ("九十日を超え", "", "more than 90 days"),
    ("三十万円以下の過料", "", "a non-criminal fine of up to 300,000 yen"),
    ("六月ごとに一回", "", "once every 6 months"),
    ("毎年一回", "", "once a year"),
    ("翌月十日", "", "day 10 of the following month"),
    ("一件につき三百円", "", "300 yen per case"),
    ("四分の三以上", "", "3/4 or more"),
    ("小学校就学の始期に達するまで", "当該子が小学校就学の始期に達するまで", "until the child starts elementary school"),
    ("午後五時十五分", "", "5:15 p.m."),
    ("午前八時", "", "8:00 a.m."),
    ("百十万円", "", "1,100,000 yen"),
    ("五労働日", "", "5 working days"),
    ("任命権者の承認", "", None),
    ("無料", "駐車場等の使用料は、無料とする。", "free of charge"),
    # a start with no number (session 43): 次の賃金月から is a month, 翌月十日 keeps its day
    ("次の賃金月から", "発令日の属する賃金月の次の賃金月から支給する。", "from the following month"),
    ("翌日から", "", "from the following day"),
    ("翌年度から", "", "from the following fiscal year"),
    ("翌月十日から", "", "day 10 of the following month"),
    # Digits mixed with 漢数字 match the number pattern but are no number: no value, not a crash.
    ("1十割", "", None),
    ("百分の1十", "", None),
])
def test_value_in_english(phrase, context, english):
    assert value_in_english(phrase, context) == english


from retrieval.numerals import wareki_to_iso  # noqa: E402
from indexer.loaders import html  # noqa: E402


@pytest.mark.parametrize("text, iso", [
    ("平成二五年六月一四日", "2013-06-14"),
    ("令和 6 年 4 月 1 日", "2024-04-01"),
    ("令和6年4月1日", "2024-04-01"),
    ("令和元年５月１日", "2019-05-01"),
    ("(平成28年6月23日施行)", "2016-06-23"),
    ("昭和二十二年四月七日", "1947-04-07"),
    ("令和四年一二月二二日", "2022-12-22"),
    ("令和6年", None),
    ("令和6年13月1日", None),
])
def test_one_wareki_parser_for_metadata_and_html(text, iso):
    assert wareki_to_iso(text) == iso
    assert html.era_to_iso(text) == iso  # the HTML loader calls the same parser


def test_question_article_refs_use_the_shared_article_parser():
    from retrieval.analysis import Analyzer
    from retrieval.query import QueryPlanner

    plan = QueryPlanner(Analyzer()).plan("地公法第二十七条の二第2項と第38条について")
    assert [(ref.article_key, ref.paragraph) for ref in plan.articles] == [("27-2", 2), ("38", None)]


@pytest.mark.parametrize("phrase, english", [
    ("四年以下の拘禁刑", "imprisonment of up to 4 years"),
    ("三年以下の懲役", "imprisonment of up to 3 years"),
    ("二百万円以下の罰金", "a fine of up to 2,000,000 yen"),
    ("五十万円以下の罰金", "a fine of up to 500,000 yen"),
    ("罰金", "a fine"),
    ("戒告", "a reprimand"),
])
def test_a_penalty_in_english(phrase, english):
    assert value_in_english(phrase) == english


@pytest.mark.parametrize("phrase, sentence, english", [
    ("四年以下の拘禁刑若しくは二百万円以下の罰金", "…四年以下の拘禁刑若しくは二百万円以下の罰金に処し、又はこれを併科する。",
     "imprisonment of up to 4 years or a fine of up to 2,000,000 yen, or both"),
    ("一年以下の懲役又は五十万円以下の罰金", "…一年以下の懲役又は五十万円以下の罰金に処する。",
     "imprisonment of up to 1 year or a fine of up to 500,000 yen"),
    ("六月以下の懲役及び十万円以下の罰金", "", "imprisonment of up to 6 months and a fine of up to 100,000 yen"),
    ("戒告、減給、停職又は免職", "", "a reprimand, a pay cut, suspension from duty or dismissal"),
])
def test_every_penalty_of_a_phrase_in_english(phrase, sentence, english):
    """An English reader is told all that may be imposed, joined as the statute joins it."""
    assert value_in_english(phrase, sentence) == english


@pytest.mark.parametrize(("asked", "written"), [
    ("3歳", "三歳"), ("３歳", "三歳"), ("3親等", "三親等"), ("10万円", "十万円"), ("3,000円", "三千円"),
    ("1回", "一回"), ("令和6年4月1日", "令和六年四月一日"), ("第3条", "第三条"),
])
def test_digits_in_japanese_have_the_terms_of_the_statutes_kanji_numerals(asked, written):
    """Analysed apart from its digits, 歳 was read as とし (年), 親等 split into 親 and 等, and 10万
    stayed 10 and 万: 子が3歳まで never met 三歳に達する日まで."""
    from retrieval.analysis import Analyzer

    analyzer = Analyzer()
    assert analyzer.terms(asked) == analyzer.terms(written)


def test_digits_that_are_not_a_japanese_count_are_left_alone():
    from retrieval.analysis import Analyzer

    analyzer = Analyzer()
    assert analyzer.terms("1.5日") == ["1", "5", "日"]  # a decimal is not 一 and 五日
    assert analyzer.terms("090-1234-5678に電話") == ["090-1234-5678", "電話"]
    assert analyzer.terms("PerksPlus covers 2 visits") == ["perksplus", "cover", "2", "visit"]


@pytest.mark.parametrize("text, number", [
    ("二万三千", 23_000), ("百十万", 1_100_000), ("一億二千万", 120_000_000), ("2万", 20_000),
    ("2万3千", 23_000),  # as a question writes it
    ("1十", None),  # digits and 漢数字 mixed outside a sum of money: no number
])
def test_kanji_to_int_reads_myriads(text, number):
    assert kanji_to_int(text) == number
