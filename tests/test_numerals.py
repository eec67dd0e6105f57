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
