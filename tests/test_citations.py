"""Citation markers in model answers: parsing, validation, renumbering, quotes (pure functions)."""
import pytest

from retrieval.citations import best_sentence, build_citations, claims_citing, marker_numbers, renumber
from retrieval.models import Passage


@pytest.mark.parametrize("marker, numbers", [
    ("[1]", [1]),
    ("[12]", [12]),
    ("[1, 2]", [1, 2]),
    ("[1,2、3]", [1, 2, 3]),
    ("［１］", [1]),
    ("［１，３］", [1, 3]),
    ("[2-4]", [2, 3, 4]),
    ("[4-2]", [4]),  # a backwards range is read as its start
    ("[1-500]", [1]),  # an absurd range is noise, not hundreds of citations
])
def test_marker_numbers(marker, numbers):
    assert marker_numbers(marker) == numbers


@pytest.mark.parametrize("text, sources, expected, order", [
    # already clean
    ("年休は二十日です[1]。", 3, "年休は二十日です[1]。", (1,)),
    # renumbered in order of first use; unused source 1 dropped
    ("Aです[3]。Bです[2]。Cです[3]。", 3, "Aです[1]。Bです[2]。Cです[1]。", (3, 2)),
    # adjacent groups and comma lists become one marker per source
    ("Aです[2][1]。Bです[1, 3]。", 3, "Aです[1][2]。Bです[2][3]。", (2, 1, 3)),
    # full-width brackets and digits
    ("Aです［２］。", 3, "Aです[1]。", (2,)),
    # [7] with 3 sources points nowhere: removed, the rest renumbered
    ("Aです[7]。Bです[3]。", 3, "Aです。Bです[1]。", (3,)),
    # a group keeps its valid numbers only
    ("Aです[1, 7]。", 3, "Aです[1]。", (1,)),
    # [0] is not a source either
    ("A [0] and B [2].", 3, "A and B [1].", (2,)),
    # the space before a dropped marker goes with it, also mid-sentence
    ("20 days [9] per year [1].", 3, "20 days per year [1].", (1,)),
    # the same source written twice in a row is shown once
    ("Aです[2] [2]。", 3, "Aです[1]。", (2,)),
    # nothing valid at all
    ("Aです[4]。", 3, "Aです。", ()),
    ("引用なしの回答です。", 3, "引用なしの回答です。", ()),
    # brackets that are not markers stay
    ("[注] 規程[a]は", 3, "[注] 規程[a]は", ()),
])
def test_renumber(text, sources, expected, order):
    result = renumber(text, sources)
    assert result.text == expected
    assert result.order == order


def test_claims_citing_takes_the_sentences_with_that_marker():
    text = "年休は二十日です[1]。繰り越しは二十日までです[2]。一時間単位でも使えます[1]。"
    assert claims_citing(text, 1) == "年休は二十日です。 一時間単位でも使えます。"
    assert claims_citing(text, 3) == ""


PASSAGE_TEXT = ("（年次休暇）\n第二条　年次休暇は、一の年ごとにおける休暇とし、その日数は、一の年において二十日とする。\n"
                "２　前項の年次休暇のうち、その年に使用しなかった日数は、二十日を限度として翌年に繰り越すことができる。\n"
                "３　年次休暇は、一日又は一時間を単位として使用することができる。")


@pytest.mark.parametrize("claim, quote_starts", [
    ("年休は1年に20日です。", "年次休暇は、一の年ごとにおける休暇とし"),  # 20日 matches 二十日; label dropped
    ("使わなかった日数は翌年に繰り越せます。", "前項の年次休暇のうち"),  # paragraph number dropped
    ("一時間単位で使うこともできます。", "年次休暇は、一日又は一時間を単位として"),
    ("", "年次休暇は、一の年ごとにおける休暇とし"),  # nothing to match: the first sentence, not the caption
])
def test_best_sentence(claim, quote_starts):
    assert best_sentence(PASSAGE_TEXT, claim).startswith(quote_starts)


def test_build_citations_maps_new_positions_to_the_original_sources():
    sources = [Passage(doc=f"d{i}.md", seq=0, title=f"規程{i}", text=f"規程{i}の本文です。", article="第一条")
               for i in (1, 2, 3)]
    result = renumber("Bです[3]。Aです[1]。", len(sources))
    citations = build_citations(result.text, result.order, sources)
    assert [(c.position, c.passage.doc) for c in citations] == [(1, "d3.md"), (2, "d1.md")]
    assert citations[0].quote == "規程3の本文です。"
