"""Snapshot of the outgoing Teams activity JSON, so changes to it are reviewed on purpose."""
import json

from bot.rendering import MAX_CITATIONS, ReplyOptions, answer_activity
from retrieval.models import Answer, Citation, Passage, ScoredPassage
from tests.conftest import ROOT

SNAPSHOT = ROOT / "tests" / "snapshots" / "answer_activity.json"


def _passage(n, **extra):
    return Passage(doc="kinmu.md", seq=n, title="みどり区職員の勤務時間、休日及び休暇に関する条例",
                   text=f"第{n}条の本文。" + "長い" * 120, article=f"第{n}条", article_key=str(n),
                   url="https://reiki.midori-ku.example/kinmu", category="条例",
                   effective_date="2020-04-01", **extra)


def _answer(count):
    citations = tuple(Citation(position=i, passage=_passage(i), quote=f"引用{i}。" + "あ" * 200)
                      for i in range(1, count + 1))
    text = "規程では次のように定められています。\n\n" + "\n\n".join(f"「引用{i}」[{i}]" for i in range(1, count + 1))
    return Answer(text=text, citations=citations,
                  passages=tuple(ScoredPassage(c.passage, 1.0) for c in citations),
                  abstained=False, language="ja", follow_ups=("年休の繰り越しは？", "半日単位で取れますか？"))


OPTIONS = ReplyOptions(sensitivity_label="庁内限り", sensitivity_description="庁内での参考用です。外部に転送しないでください。",
                       help_desk="総務部 総務課")


def test_answer_activity_matches_snapshot():
    serialized = answer_activity(_answer(2), OPTIONS).serialize()
    expected = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    assert serialized == expected


def test_citation_limits_are_enforced():
    entity = answer_activity(_answer(14)).serialize()["entities"][0]
    assert len(entity["citation"]) == MAX_CITATIONS
    for claim in entity["citation"]:
        appearance = claim["appearance"]
        assert len(appearance["name"]) <= 80 and len(appearance["abstract"]) <= 160
        assert len(appearance["keywords"]) <= 3 and all(len(k) <= 28 for k in appearance["keywords"])


def test_without_a_sensitivity_label_no_usage_info_is_sent():
    entity = answer_activity(_answer(1)).serialize()["entities"][0]
    assert "usageInfo" not in entity


def test_abstention_names_the_desk_but_a_normal_answer_does_not():
    answer = _answer(1)
    assert "総務部 総務課" not in answer_activity(answer, OPTIONS).text
    abstention = Answer(text="規程に該当する記載が見つかりませんでした。", citations=(), passages=(),
                        abstained=True, language="ja")
    assert answer_activity(abstention, OPTIONS).text.endswith("総務部 総務課にお問い合わせください。")
