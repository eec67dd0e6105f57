"""What an extractive answer looks like: the rule itself first, its 項 cited, long parentheticals
skipped in the answer line (never in the citation), no boilerplate around it."""
import pytest

from retrieval.abridge import OMITTED, abridge, top_level_parentheticals
from retrieval.analysis import Analyzer
from retrieval.answer_types import compares
from retrieval.extractive import ExtractiveAnswerer, sentences_by_paragraph, split_sentences
from retrieval.models import Passage, Question, ScoredPassage

ARTICLE = (
    "（育児休業の承認）\n"
    "第二条　職員（第十八条第一項の規定により採用された短時間勤務職員その他条例で定める職員を除く。）は、"
    "任命権者の承認を受けて、当該子が三歳に達する日（非常勤職員にあっては、一歳に達する日から一歳六か月に"
    "達する日までの間で条例で定める日）まで、育児休業をすることができる。\n"
    "２　育児休業の承認を受けようとする職員は、育児休業をしようとする期間の初日及び末日を明らかにして、"
    "任命権者に対し、その承認を請求するものとする。\n"
    "３　任命権者は、前項の規定による請求があったときは、当該請求に係る期間について当該請求をした職員の"
    "業務を処理するための措置を講ずることが著しく困難である場合を除き、これを承認しなければならない。"
)


@pytest.fixture(scope="module")
def answerer():
    return ExtractiveAnswerer(analyzer=Analyzer())


def compose(answerer, question, *passages, language="ja"):
    scored = [ScoredPassage(p, 10.0 - i, confidence=0.9) for i, p in enumerate(passages)]
    return answerer.compose(Question(question, language), scored)


def article(text=ARTICLE, number="第二条", title="育児休業法"):
    return Passage(doc="ikukyu.txt", seq=0, title=title, text=text, article=number)


def test_top_level_parentheticals_are_the_outermost_balanced_ones():
    sentence = "職員（第一条（定義）に規定する者）は、休暇（年次休暇"
    assert top_level_parentheticals(sentence) == [(2, 17)]  # the unclosed one is left alone


def test_abridge_keeps_short_and_wanted_parentheticals_and_skips_the_rest():
    sentence = "職員（以下「職員」という。）は、休暇（病気休暇、特別休暇及び介護休暇を除き、年次休暇に限る。）を取得できる。"
    assert abridge(sentence, lambda inner: False) == f"職員（以下「職員」という。）は、休暇{OMITTED}を取得できる。"
    assert abridge(sentence, lambda inner: "介護" in inner) == sentence


def test_abridge_keeps_the_parenthetical_that_explains_a_bare_name():
    # an item of a list is often a name whose parenthetical says what it is: skipping it would
    # leave the reader a bare name
    item = "外部相談窓口（区が委託する専門機関が運営する相談ダイヤルをいい、臨床心理士等が電話により相談に応じるもの）"
    assert abridge(item, lambda inner: False) == item
    # a sentence that says something outside its parenthetical still loses it
    rule = "職員は、外部相談窓口（区が委託する専門機関が運営する相談ダイヤルをいう。）に相談することができる。"
    assert abridge(rule, lambda inner: False) == f"職員は、外部相談窓口{OMITTED}に相談することができる。"


def test_sentences_know_their_paragraph_even_across_a_line_break_inside_a_parenthetical():
    text = "第一条　職員（任命権者（地方公務員法第六条\nに規定する者）を除く。）は休める。\n２　前項の休暇は二十日とする。"
    located = sentences_by_paragraph(text)
    assert [place for _, place in located] == [(1, None), (2, None)]
    assert "第六条\nに規定する者" in located[0][0]


def test_japanese_answer_is_the_rule_itself_with_its_paragraph_cited(answerer):
    answer = compose(answerer, "育休は子が何歳になるまで取れますか", article())
    first_line = answer.text.split("\n\n")[0]
    assert first_line.startswith("「") and "**三歳に達する日**" in first_line
    assert first_line.endswith("[1]（育児休業法 第二条第一項）")
    # the long exclusion of short-time staff is skipped in the answer line, kept in the citation
    assert "短時間勤務職員" not in first_line and OMITTED in first_line
    assert "短時間勤務職員" in answer.citations[0].quote
    assert answer.citations[0].name == "育児休業法 第二条第一項"
    assert "ご確認ください" not in answer.text and "次のように" not in answer.text


def test_a_parenthetical_holding_what_was_asked_is_kept(answerer):
    answer = compose(answerer, "非常勤職員の育児休業は子が何歳まで？", article())
    assert "非常勤職員にあっては" in answer.text.split("\n\n")[0]


def test_the_paragraph_cited_is_the_one_quoted(answerer):
    answer = compose(answerer, "業務を処理するための措置が困難なとき、任命権者は育休の承認を拒めるか", article())
    assert answer.citations[0].name == "育児休業法 第二条第三項"
    assert "著しく困難" in answer.text


def test_a_one_paragraph_article_is_cited_without_a_paragraph(answerer):
    single = article(text="（車賃）\n第十九条　車賃の額は、一キロメートルにつき三十七円とする。", number="第十九条",
                     title="旅費法")
    answer = compose(answerer, "車賃は1kmいくら？", single)
    assert answer.citations[0].name == "旅費法 第十九条"
    assert answer.text == "「車賃の額は、一キロメートルにつき**三十七円**とする。」[1]（旅費法 第十九条）"


def test_english_answer_states_the_key_fact_in_english_first(answerer):
    answer = compose(answerer, "Until when can staff take childcare leave (育児休業)?",
                     article(), language="en")
    key, _, rest = answer.text.partition("\n\n")
    assert key.startswith("Key fact: **") and "[1]" in key
    assert rest.startswith('"')


def test_a_second_article_is_quoted_only_when_its_sentence_shares_the_question(answerer):
    unrelated = Passage(doc="other.txt", seq=1, title="給与条例", article="第五条",
                        text="第五条　職員の給与は、毎月一回支給する。")
    answer = compose(answerer, "育休は子が何歳になるまで取れますか", article(), unrelated)
    assert [c.passage.doc for c in answer.citations] == ["ikukyu.txt"]
    assert "[2]" not in answer.text


NATIONAL = Passage(doc="kokka.txt", seq=2, title="国家公務員育児休業法", article="第三条",
                   text="第三条　職員は、任命権者の承認を受けて、当該子が三歳に達する日まで、育児休業をすることができる。")


def two_close(answerer, question):
    scored = [ScoredPassage(article(), 10.0, confidence=0.9), ScoredPassage(NATIONAL, 9.9, confidence=0.9)]
    return answerer.compose(Question(question, "ja"), scored)


def test_a_single_question_gets_one_quote_even_when_a_second_article_shares_its_words(answerer):
    answer = two_close(answerer, "育休は子が何歳になるまで取れますか")
    assert [c.passage.doc for c in answer.citations] == ["ikukyu.txt"]


def test_a_comparison_gets_a_quote_for_each_side(answerer):
    answer = two_close(answerer, "育休は子が何歳になるまで取れますか。国家公務員と違う？")
    assert [c.passage.doc for c in answer.citations] == ["ikukyu.txt", "kokka.txt"]
    assert "[2]" in answer.text


@pytest.mark.parametrize("question, expected", [
    ("2013年の労基法と今の労基法で違う？", True),
    ("内部通報と外部通報では保護の条件はどう異なる？", True),
    ("How does the Standard plan compare with Plus?", True),
    ("育休は何歳まで？延長はできる？", False),
    ("年休は何日まで繰り越せる？", False),
])
def test_compares(question, expected):
    assert compares(question) is expected


def test_an_item_is_cited_by_its_number_and_quoted_without_its_label(answerer):
    text = ("（特別休暇）\n第二十二条　特別休暇は、次の各号に掲げる場合とする。\n"
            "一　選挙権その他公民としての権利を行使する場合　必要と認められる期間\n"
            "二　夏季における心身の健康の維持及び増進のため勤務しない場合　一の年の七月から九月までの期間内"
            "における三日の範囲内の期間\n"
            "２　前項の休暇の手続は、規則で定める。")
    answer = compose(answerer, "夏季休暇は何日の範囲で取れる？", article(text=text, number="第二十二条", title="休暇規則"))
    assert answer.citations[0].name == "休暇規則 第二十二条第一項第二号"
    assert answer.text.startswith("「夏季における")


def test_english_intro_says_japanese_only_when_the_quotes_are(answerer):
    handbook = Passage(doc="handbook.md", seq=0, title="Employee Handbook", text="Employees may work remotely two days a week.")
    english = compose(answerer, "Can employees work remotely?", handbook, language="en")
    assert english.text.startswith("The regulations say:\n\n")
    japanese = compose(answerer, "Does the town require approval (承認) for childcare leave (育児休業)?", article(),
                       language="en")
    assert japanese.text.startswith("The regulations say (quoted in the original Japanese):")


def test_pdf_line_wraps_stay_inside_the_sentence_and_units_still_split():
    from retrieval.extractive import split_sentences, unwrap

    text = ("（年次有給休暇）\n第２３条　３　年次有給休暇は、労働者が請求する時季に取得させ\nる。\n"
            "７　付与日から１年以内に取得しなかった年次有給休暇は、付与日から２年以内に限り\n繰り越して取得できる。\n"
            "① 産前の場合\n② 産後の場合\nEmployees may\nwork remotely.")
    sentences = [unwrap(s) for s in split_sentences(text)]
    assert "付与日から２年以内に限り繰り越して取得できる。" in sentences[2]
    assert sentences[1] == "第２３条　３　年次有給休暇は、労働者が請求する時季に取得させる。"
    assert "① 産前の場合" in sentences and "② 産後の場合" in sentences[4]
    assert sentences[-1].endswith("Employees may work remotely.")


def test_a_passage_starting_inside_an_article_cites_the_paragraph_quoted(answerer):
    text = ("（年次有給休暇）\n第２３条　３　年次有給休暇は、労働者が請求する時季に取得させ\nる。\n"
            "７　付与日から１年以内に取得しなかった年次有給休暇は、付与日から２年以内に限り\n繰り越して取得できる。")
    chunk = Passage(doc="model.pdf", seq=3, title="モデル就業規則", text=text, article="第２３条", paragraph="第三項")
    answer = compose(answerer, "使わなかった年休はいつまで繰り越せる？", chunk)
    assert answer.citations[0].name == "モデル就業規則 第２３条第７項"
    assert "２年以内に限り繰り越して" in answer.text and "\n" not in answer.citations[0].quote


def test_a_passage_starting_at_a_later_item_does_not_give_the_caption_to_that_item(answerer):
    chunk = ("（特別休暇）\n第二十二条　十二　職員が親族を介護する場合　一の年において五日の範囲内の期間\n"
             "十三　職員が夏季における諸行事のため勤務しない場合　七月から九月までの期間内における連続する三日の範囲内の期間")
    answer = compose(answerer, "夏季休暇は何日取れる？", article(chunk, number="第二十二条", title="休暇規則"))
    assert "夏季" in answer.citations[0].quote and "**三日**" in answer.text
    assert answer.citations[0].paragraph == "第十三号"


HANDBOOK = ("HOW PROVIDERS AFFECT YOUR COSTS - Balance Billing Protection\n"
            "At Contoso, we understand that medical costs can be confusing, which is\n"
            "why we partnered with Northwind Health to offer our employees the Northwind\n"
            "Standard plan. This plan provides balance billing protection, meaning that you are\n"
            "protected from unexpected costs, e.g. surprise bills. It pays 1.5 times.\n"
            "1. The plan pays first.")


def test_english_text_splits_at_full_stops_and_headings_but_not_abbreviations_or_numbers():
    assert split_sentences(HANDBOOK) == [
        "HOW PROVIDERS AFFECT YOUR COSTS - Balance Billing Protection",
        "At Contoso, we understand that medical costs can be confusing, which is\nwhy we partnered with "
        "Northwind Health to offer our employees the Northwind\nStandard plan.",
        "This plan provides balance billing protection, meaning that you are\n"
        "protected from unexpected costs, e.g. surprise bills.",
        "It pays 1.5 times.",
        "1. The plan pays first.",
    ]


def test_an_english_quote_is_the_sentence_that_answers_not_the_section_heading(answerer):
    page = Passage(doc="plan.pdf", seq=0, title="Standard Plan", text=HANDBOOK, page=7)
    answer = compose(answerer, "What does balance billing protection mean?", page, language="en")
    assert answer.citations[0].quote.startswith("This plan provides balance billing protection")


def test_a_long_quote_keeps_the_close_where_the_statute_states_its_rule():
    from retrieval.extractive import MAX_QUOTE_CHARS, truncated

    rule = "当該契約は、確定しないものとする。"
    text = "普通地方公共団体が契約につき契約書を作成する場合においては、" + "当該普通地方公共団体の長が" * 30 + "記名押印しなければ、" + rule
    shown = truncated(text)
    assert len(shown) <= MAX_QUOTE_CHARS
    assert shown.startswith("普通地方公共団体が契約につき契約書を作成する場合においては、")
    assert shown.endswith(rule) and "…" in shown
    assert truncated("短い文。") == "短い文。"
    english = "Employees may take up to ten days of paid leave " + "for reasons approved by the manager " * 10 + "."
    assert truncated(english).startswith("Employees may take up to ten days") and truncated(english).endswith("…")
    from retrieval.extractive import truncated_around_bold
    with_value = "あ" * 300 + "、その期間は**二十日**を超えないものとする。"  # the value in the kept close
    shown = truncated_around_bold(with_value)
    assert shown.endswith("、その期間は**二十日**を超えないものとする。") and shown.startswith("あ")


@pytest.mark.parametrize("position", [10, 150, 215, 250, 330, 400, 480, 560])
def test_a_bold_value_is_never_cut_whatever_its_place_in_a_long_quote(position):
    from retrieval.extractive import MAX_QUOTE_CHARS, truncated_around_bold

    text = "あ" * position + "**二十日**" + "い" * 300 + "、う" * 20
    shown = truncated_around_bold(text)
    assert "**二十日**" in shown and shown.count("**") == 2
    assert len(shown) <= MAX_QUOTE_CHARS


def test_a_piece_of_a_split_paragraph_cites_the_paragraph_it_is_labelled_with(answerer):
    piece = Passage(doc="kisoku.txt", seq=3, title="休暇規則", article="第十条", paragraph="第二項",
                    text="第十条　前項の休暇は、二十日を限度とする。\n三　病気の場合は、十日とする。")
    answer = compose(answerer, "病気の場合は何日？", piece)
    assert answer.citations[0].paragraph == "第二項第三号"
    answer = compose(answerer, "前項の休暇の限度は何日？", piece)
    assert answer.citations[0].paragraph == "第二項"


SIDE_JOB = (
    "（営利企業の役員の兼業）\n"
    "第九条　営利企業の役員を兼ねようとする職員は、任命権者に申請書を提出するものとする。\n"
    "２　任命権者は、職務の遂行に支障がないときは、職員が営利企業の役員を兼ねることを許可しなければならない。"
)


@pytest.mark.parametrize("bonus, cited", [(0.0, "兼業規程 第九条第一項"), (None, "兼業規程 第九条第二項")])
def test_a_yes_no_question_is_answered_by_the_sentence_that_rules(answerer, monkeypatch, bonus, cited):
    """Both paragraphs share the question's words; 断れる？ is answered by the one that rules
    (許可しなければならない), not by the procedure (申請書を提出するものとする)."""
    if bonus is not None:  # without the bonus the first of the tied sentences is quoted
        monkeypatch.setattr("retrieval.extractive.RULING_BONUS", bonus)
    answer = compose(answerer, "営利企業の役員を兼ねたい職員の申し出って、任命権者は断れる？",
                     article(text=SIDE_JOB, number="第九条", title="兼業規程"))
    assert answer.citations[0].name == cited


@pytest.mark.parametrize("question, language, says", [
    ("今年度の職員健康診断はいつ？", "ja", "通知"),
    ("When is this year's health check?", "en", "notices"),
])
def test_this_years_date_is_not_answered_with_a_rule(answerer, question, language, says):
    rule = article(text="（健康診断）\n第十条　任命権者は、職員に対し、毎年一回、定期に健康診断を行わなければならない。",
                   number="第十条", title="職員安全衛生規程")
    answer = compose(answerer, question, rule, language=language)
    assert answer.abstained and not answer.citations
    assert says in answer.text and "職員安全衛生規程" in answer.text
    # the same topic asked as a rule is answered from it, this year's included
    assert not compose(answerer, "健康診断は年に何回？", rule).abstained
    assert not compose(answerer, "今年の健康診断は何回受けられる？", rule).abstained


@pytest.mark.parametrize("second_score, answered", [(9.5, True), (8.0, False)])
def test_a_near_tied_runner_up_that_covers_the_question_leads(answerer, second_score, answered):
    off_topic = article(text="（文書の保存）\n第一条　文書は、保存期間の満了する日まで保存する。", number="第一条",
                        title="文書規程")
    rule = article()
    scored = [ScoredPassage(off_topic, 10.0, confidence=0.1), ScoredPassage(rule, second_score, confidence=0.9)]
    answer = answerer.compose(Question("育休は子が何歳になるまで取れますか", "ja"), scored)
    assert answer.abstained is not answered
    if answered:
        assert answer.citations[0].name.startswith("育児休業法 第二条")


def test_a_first_passage_with_a_negative_score_can_still_lead(answerer):
    """Scores are not always positive (a ranker's priors can push one below zero): the first
    passage that covers the question is quoted all the same."""
    answer = answerer.compose(Question("育休は子が何歳になるまで取れますか", "ja"),
                              [ScoredPassage(article(), -0.5, confidence=0.9)])
    assert not answer.abstained
    assert answer.citations[0].name.startswith("育児休業法 第二条")


def test_the_name_of_the_law_asked_about_does_not_choose_the_sentence(answerer):
    """町情報保護条例の「個人情報」に当たる？ is answered by the definition, not by the sentence
    that happens to repeat the ordinance's name."""
    text = ("（定義）\n第二条　この条例において「個人情報」とは、生存する個人に関する情報をいう。\n"
            "２　町情報保護条例の規定は、町の機関の保護する個人の情報について適用する。")
    answer = compose(answerer, "町情報保護条例の「個人情報」に当たるのは？",
                     article(text=text, number="第二条", title="町情報保護条例"))
    assert answer.citations[0].name == "町情報保護条例 第二条第一項"


def test_a_definition_question_is_answered_by_the_article_that_defines_the_term(answerer):
    uses = Passage(doc="security.md", seq=17, title="情報セキュリティ規程", article="第十七条",
                   text="（外部記録媒体の利用）\n第十七条　職員は、外部記録媒体を業務に使用してはならない。"
                        "ただし、管理者の許可を受けた外部記録媒体は、この限りでない。")
    defines = Passage(doc="security.md", seq=2, title="情報セキュリティ規程", article="第二条",
                      text="（定義）\n第二条　この規程において、次の各号に掲げる用語の意義は、当該各号に定めるところによる。\n"
                           "一　端末　区が職員に貸与するパソコンその他の電子計算機をいう。\n"
                           "二　外部記録媒体　USBメモリ、SDカードその他の可搬型の記録媒体をいう。")
    # the article that uses the term most ranks first; the one that says what it is leads the answer
    answer = compose(answerer, "外部記録媒体とは？", uses, defines)
    assert answer.citations[0].name == "情報セキュリティ規程 第二条第二号"
    assert "可搬型の記録媒体" in answer.text.split("\n\n")[0]
    # a question that asks something else is still answered by the first article, and so is one that
    # asks whether something falls under the term, or names a longer word the term only begins
    for question in ("外部記録媒体は業務に使える？", "私物のUSBは外部記録媒体に該当する？", "外部記録媒体等とは？"):
        answer = compose(answerer, question, uses, defines)
        assert answer.citations[0].passage.article == "第十七条", question
