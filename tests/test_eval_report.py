import io
import json
from html.parser import HTMLParser

import pytest

from eval.runner import run_eval

VOID = {"meta", "br", "hr", "img", "input", "link", "area", "base", "col", "embed", "source", "track", "wbr"}
HOSTILE = '<script>alert("x")</script> & 年休'


class StrictParser(HTMLParser):
    """Collects tags, checks that every element is closed in order, and keeps the visible text."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack, self.tags, self.errors, self.text, self.attrs = [], [], [], [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs += attrs
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):  # <circle ... />
        self.tags.append(tag)
        self.attrs += attrs

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"unexpected </{tag}> with open {self.stack[-3:]}")
        else:
            self.stack.pop()

    def handle_data(self, data):
        self.text.append(data)


def parse(html):
    parser = StrictParser()
    parser.feed(html)
    parser.close()
    assert parser.errors == [] and parser.stack == []
    return parser


QUESTIONS = [
    {"id": "hit", "question": "年休は何日？", "answer": "20日", "answerable": True, "lang": "ja",
     "sources": [{"doc": "労基法.txt", "article": "第三十九条", "page": None, "quote": None}], "tags": ["easy"]},
    {"id": "miss", "question": HOSTILE, "answer": "6月", "answerable": True, "lang": "ja",
     "sources": [{"doc": "地公法.txt", "article": "第二十二条", "page": None, "quote": "六月を勤務し"}],
     "tags": ["<b>tag</b>"]},
    {"id": "guess", "question": "食堂は何時？", "answer": "", "answerable": False, "lang": "ja", "sources": [],
     "tags": ["easy"]},
]

RESPONSES = {
    "年休は何日？": {"answer": "20日です", "abstained": False, "citations": [],
                "passages": [{"doc": "労基法.txt", "title": "労働基準法", "article": "第39条", "page": None,
                              "text": "使用者は…", "score": 0.9}]},
    HOSTILE: {"answer": "<img src=x onerror=alert(1)>", "abstained": False, "citations": [],
              "passages": [{"doc": "其他.txt", "title": "x", "article": "第1条", "page": 3,
                            "text": "</table><script>evil()</script>", "score": 0.5}]},
    "食堂は何時？": {"answer": "8時です", "abstained": False, "citations": [], "passages": []},
}


@pytest.fixture
def report(tmp_path):
    path = tmp_path / "q.jsonl"
    path.write_text("".join(json.dumps(q, ensure_ascii=False) + "\n" for q in QUESTIONS), encoding="utf-8")
    options = dict(dataset_name="<toy>", settings={"note": "</pre><script>"}, progress=False,
                   stdout=io.StringIO(), stderr=io.StringIO())
    run_eval(path, lambda question, **_: RESPONSES[question], tmp_path / "base", **options)
    worse = dict(RESPONSES, **{"年休は何日？": dict(RESPONSES["年休は何日？"], passages=[])})
    run_eval(path, lambda question, **_: worse[question], tmp_path / "out", baseline_dir=tmp_path / "base",
             **options)
    return (tmp_path / "out" / "report.html").read_text(encoding="utf-8")


def test_report_is_well_formed_utf8_html_with_japanese_fonts(report):
    assert report.startswith("<!DOCTYPE html>")
    parser = parse(report)
    assert ("charset", "utf-8") in parser.attrs
    assert '"Noto Sans CJK JP"' in report and "sans-serif" in report
    assert "年休は何日？" in "".join(parser.text)


def test_report_is_self_contained(report):
    parser = parse(report)
    assert "script" not in parser.tags and "link" not in parser.tags and "img" not in parser.tags
    assert not any(name in ("src", "href") for name, _ in parser.attrs)
    assert "url(" not in report and "@import" not in report and "http://" not in report.replace(
        'xmlns="http://www.w3.org/2000/svg"', "")


def test_report_contains_the_svg_plots(report):
    parser = parse(report)
    assert parser.tags.count("svg") == 3  # hit@k curve, hit@5 per tag, latency histogram
    assert "polyline" in parser.tags and "rect" in parser.tags
    assert "hit@k for k = 1..K" in report


def test_report_escapes_data(report):
    text = "".join(parse(report).text)
    assert HOSTILE in text  # shown as text ...
    assert "<img src=x onerror=alert(1)>" in text
    assert "</table><script>evil()</script>" in text
    assert "&lt;script&gt;alert" in report  # ... because it was escaped
    assert "<toy>" in text and "&lt;toy&gt;" in report


def test_report_lists_worst_questions_baseline_deltas_and_flips(report):
    text = " ".join(parse(report).text)
    assert "missed at 10" in text and "answered an unanswerable question" in text
    assert "地公法.txt 第二十二条 「六月を勤務し」" in text  # gold source of the missed question
    assert "其他.txt" in text and "第1条 p.3" in text  # its top retrieved passage
    assert "Flipped questions" in text and "regressed" in text
    assert "-0.500" in text  # hit@5 went from 0.5 to 0.0
    assert "abstained_unanswerable" not in text and "system answered" in text  # confusion matrix labels
