import json

import pytest

from eval.questions import (GoldSource, QuestionFormatError, load_questions, parse_question_line,
                            parse_truth_citations)


def _write(tmp_path, lines):
    path = tmp_path / "q.jsonl"
    path.write_text("\n".join(line if isinstance(line, str) else json.dumps(line, ensure_ascii=False)
                              for line in lines) + "\n", encoding="utf-8")
    return path


FORMAT_LINE = {"id": "ja-1", "question": "年休は何日？", "answer": "20日", "answerable": True, "lang": "ja",
               "sources": [{"doc": "a/労基法.txt", "article": "第三十九条", "page": None, "quote": "有給休暇",
                            "paragraph": "第一項", "title": "労働基準法"}],
               "tags": ["easy"], "choices": "a b c d"}


def test_format_md_line_is_loaded_with_sources_tags_and_extras(tmp_path):
    [question] = load_questions(_write(tmp_path, [FORMAT_LINE]))
    assert question.id == "ja-1" and question.answerable and question.lang == "ja"
    assert question.sources == (GoldSource(doc="a/労基法.txt", article="第三十九条", paragraph="第一項",
                                           quote="有給休暇", title="労働基準法"),)
    assert question.tags == ("easy",)
    assert question.extra == {"choices": "a b c d"}
    assert question.ask_context() == {}


def test_user_and_groups_are_passed_to_ask_only_when_present(tmp_path):
    line = dict(FORMAT_LINE, user="u1", groups=["人事課"], forbidden_docs=["secret.txt"])
    [question] = load_questions(_write(tmp_path, [line]))
    assert question.ask_context() == {"user": "u1", "groups": ["人事課"]}
    assert question.forbidden_docs == ("secret.txt",)


def test_azure_demo_truth_citations_become_doc_and_page_sources(tmp_path):
    lines = [{"question": "What is the PerksPlus program?",
              "truth": "It reimburses fitness. [PerksPlus.pdf#page=2][employee_handbook.pdf#page=3]"},
             {"question": "育休は？", "truth": "Yes [role_library.pdf]"}]
    first, second = load_questions(_write(tmp_path, lines))
    assert first.id == "1" and second.id == "2"
    assert first.sources == (GoldSource(doc="PerksPlus.pdf", page=2), GoldSource(doc="employee_handbook.pdf", page=3))
    assert first.answer == "It reimburses fitness."
    assert first.answerable and first.lang == "en"
    assert second.lang == "ja" and second.sources == (GoldSource(doc="role_library.pdf"),)


def test_truth_parsing_drops_duplicates_and_ignores_non_file_brackets():
    sources = parse_truth_citations("a [x.pdf#page=1] b [x.pdf#page=1] [note] [y.md]")
    assert sources == (GoldSource(doc="x.pdf", page=1), GoldSource(doc="y.md"))


@pytest.mark.parametrize("line, message", [
    ("{not json", "invalid JSON"),
    ("[1, 2]", "expected a JSON object"),
    (json.dumps({"id": "x", "question": "q"}), "'answerable' is required"),
    (json.dumps({"id": "x", "question": "", "answerable": True}), "'question' is required"),
    (json.dumps({"id": "x", "question": "q", "answerable": True, "sources": [{"page": 1}]}), "sources[0].doc"),
    (json.dumps({"id": "x", "question": "q", "answerable": True, "sources": [{"doc": "d", "page": "3"}]}),
     "sources[0].page"),
    (json.dumps({"id": "x", "question": "q", "answerable": True, "lang": "fr"}), "'lang'"),
])
def test_bad_lines_name_the_line_number_and_problem(tmp_path, line, message):
    path = _write(tmp_path, [FORMAT_LINE, "", line])
    with pytest.raises(QuestionFormatError) as error:
        load_questions(path)
    assert f"{path}:3:" in str(error.value)
    assert message in str(error.value)


def test_duplicate_ids_are_rejected(tmp_path):
    with pytest.raises(QuestionFormatError, match="duplicate id 'ja-1'"):
        load_questions(_write(tmp_path, [FORMAT_LINE, FORMAT_LINE]))


def test_missing_lang_is_guessed():
    line = json.dumps({"id": 7, "question": "How many days?", "answerable": False})
    question = parse_question_line(line, 1)
    assert question.id == "7" and question.lang == "en" and question.sources == ()


def test_multiple_choice_questions_are_asked_with_their_choices(tmp_path):
    from eval.questions import load_questions

    path = tmp_path / "q.jsonl"
    path.write_text(json.dumps({"id": "m1", "question": "次のうち、正しいものを教えてください。", "answer": "b",
                                "answerable": True, "lang": "ja", "sources": [], "tags": [],
                                "choices": "a 一\nb 二"}, ensure_ascii=False) + "\n", encoding="utf-8")
    [question] = load_questions(path)
    assert question.ask_text() == "次のうち、正しいものを教えてください。\na 一\nb 二"
