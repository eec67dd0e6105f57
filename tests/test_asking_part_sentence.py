"""When a question tells its story first, the sentence quoted is the one that answers the part that
asks: the story's words (what was already done) do not outvote the asking part's words."""
from __future__ import annotations

import pytest

from retrieval import extractive
from retrieval.analysis import Analyzer
from retrieval.extractive import ExtractiveAnswerer
from retrieval.models import Passage, Question, ScoredPassage

ARTICLE = ("第十九条　特定事業主は、特定事業主行動計画を策定し、又は変更したときは、遅滞なく、これを公表しなければならない。\n"
           "２　特定事業主は、特定事業主行動計画を策定し、又は変更したときは、遅滞なく、これを職員に周知させるための"
           "措置を講じなければならない。")
STORY = "子育て支援の特定事業主行動計画を変更して、ホームページで公表しました。ほかに職員向けにしなければならないことはありますか。"


def answer(question: str):
    passage = Passage(doc="jisedai.txt", seq=0, title="次世代育成支援対策推進法", text=ARTICLE, article="第十九条")
    return ExtractiveAnswerer(analyzer=Analyzer()).compose(Question(question, "ja"),
                                                           [ScoredPassage(passage, 10.0, confidence=0.9)])


@pytest.mark.parametrize("bonus, paragraph", [(extractive.ASKING_PART_BONUS, "第十九条第二項"), (0.0, None)])
def test_the_asking_part_chooses_the_sentence_after_a_story(monkeypatch, bonus, paragraph):
    monkeypatch.setattr(extractive, "ASKING_PART_BONUS", bonus)
    citation = answer(STORY).citations[0]
    if paragraph:
        assert paragraph in citation.name and "職員に周知" in citation.quote
    else:  # without it the story's words tie the two paragraphs, and the first wins
        assert "公表しなければならない" in citation.quote


def test_a_question_without_a_story_reads_as_before():
    # One sentence, nothing told first: no part of it counts twice; 職員 alone picks paragraph 2.
    citation = answer("特定事業主行動計画を変更したら職員に何かしなければならない？").citations[0]
    assert "職員に周知" in citation.quote
