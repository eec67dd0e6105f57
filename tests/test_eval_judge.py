import pytest

from eval.judge import PROMPTS_DIR, judge_answer, load_prompt, parse_score, render_prompt, sources_text


@pytest.mark.parametrize("reply, score", [
    ("4", 4), (" **5** \n", 5), ("Score: 3", 3), ("評価：２", 2), ("４点", 4), ("On a scale of 1 to 5 I give 2.", 2),
    ("The answer cites 第22条 correctly. Rating: 4/5", 4), ("Reasoning...\n\n5", 5),
    ("no idea", None), ("", None), ("7", None), ("2024", None),
])
def test_parse_score(reply, score):
    assert parse_score(reply) == score


def test_prompt_files_have_the_placeholders_and_ask_for_one_integer():
    for metric in ("groundedness", "relevance"):
        template = load_prompt(metric)
        for placeholder in ("{question}", "{answer}", "{sources}"):
            assert placeholder in template
        assert "single integer from 1 to 5" in template
        assert (PROMPTS_DIR / f"judge_{metric}.txt").is_file()


def test_render_prompt_tolerates_braces_in_content():
    rendered = render_prompt("Q={question} A={answer} S={sources}", question="{x}", answer="a", sources="s{0}")
    assert rendered == "Q={x} A=a S=s{0}"


def test_sources_text_uses_the_cited_passage_text():
    passages = [{"doc": "d", "title": "規程", "article": "第2条", "page": None, "text": "第二条 全文です。", "score": 1}]
    citations = [{"position": 1, "doc": "d", "title": "規程", "article": "第2条", "page": None, "url": None,
                  "quote": "全文"}]
    assert sources_text(citations, passages) == "[1] 規程 第2条\n第二条 全文です。"
    assert sources_text([], passages).startswith("[1] 規程 第2条")
    assert sources_text([], []) == "(no sources)"


def test_judge_answer_scores_both_aspects_and_survives_failures():
    prompts = []

    def judge(prompt: str) -> str:
        prompts.append(prompt)
        if "RELEVANCE" in prompt:
            raise RuntimeError("rate limited")
        return "5"

    templates = {"groundedness": "GROUNDED {question}|{answer}|{sources}", "relevance": "RELEVANCE {question}"}
    scores = judge_answer(judge, "年休は？", {"answer": "20日", "citations": [], "passages": []}, templates)
    assert scores == {"groundedness": 5, "relevance": None}
    assert prompts[0] == "GROUNDED 年休は？|20日|(no sources)"
