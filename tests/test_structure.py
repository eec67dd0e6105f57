from indexer.document import LoadedDocument, TextBlock
from indexer.loaders import loader_for
from indexer.structure import chunk_document
from tests.conftest import FIXTURE_CORPUS


def _chunk(lines, max_tokens=600, title="テスト規程"):
    document = LoadedDocument(blocks=[TextBlock(line) for line in lines])
    return chunk_document(document, doc_id="d.md", title=title, count_tokens=len, max_tokens=max_tokens)


def test_articles_become_passages_with_caption_and_paragraphs():
    passages = _chunk(["第一章　総則", "（目的）", "第一条　この規程は目的を定める。",
                       "（定義）", "第二条　用語の意義は次による。", "一　職員　常勤の者", "２　前項の規定は準用する。"])
    assert [p.article for p in passages] == ["第一条", "第二条"]
    second = passages[1]
    assert second.caption == "定義"
    assert second.headings == ("第一章　総則",)
    assert second.text == "（定義）\n第二条　用語の意義は次による。\n一　職員　常勤の者\n２　前項の規定は準用する。"
    assert second.article_key == "2"


def test_long_article_is_split_by_paragraph_with_header_repeated():
    body = "あ" * 40
    passages = _chunk(["（長い条）", f"第五条　{body}", f"２　{body}", f"３　{body}"], max_tokens=70)
    assert len(passages) == 3
    assert all(p.article == "第五条" and p.text.startswith("（長い条）\n第五条　") for p in passages)
    assert [p.paragraph for p in passages] == [None, "第二項", "第三項"]


def test_supplementary_provisions_are_kept_apart():
    passages = _chunk(["第一条　本則。", "附　則", "（施行期日）", "第一条　この規程は公布の日から施行する。"])
    assert [(p.article, p.supplementary) for p in passages] == [("第一条", False), ("附則第一条", True)]


def test_an_appendix_after_the_supplementary_provisions_is_part_of_the_law_and_cited_as_such():
    """e-Gov prints 別表 after the 附則: its table of rates is no 附則 article."""
    passages = _chunk(["（日当）", "第二条　日当の額は、別表第一の定額による。", "附　則",
                       "第一条　この規程は公布の日から施行する。",
                       "別表第一　内国旅行の旅費（第二条関係）", "一　日当", "甲地方", "三、八〇〇円"])
    assert [(p.article, p.supplementary) for p in passages] == [
        ("第二条", False), ("附則第一条", True), ("別表第一", False)]
    appendix = passages[-1]
    assert appendix.text == "別表第一　内国旅行の旅費（第二条関係）\n一　日当\n甲地方\n三、八〇〇円"
    assert appendix.caption == "内国旅行の旅費（第二条関係）" and appendix.headings == ()


def test_a_row_of_an_appendix_that_names_an_article_stays_in_the_appendix():
    passages = _chunk(["第七条　次の表の手続は電子で行う。", "別表（第七条関係）", "地方自治法",
                       "第三条　第七十四条第一項", "第五条　第七十五条第一項"])
    assert [p.article for p in passages] == ["第七条", "別表"]
    assert passages[1].text.endswith("第三条　第七十四条第一項\n第五条　第七十五条第一項")


def test_an_appendix_title_without_a_name_and_a_table_cell_naming_an_appendix():
    passages = _chunk(["第三条　読替えは次の表による。", "別表第五", "別表第八の上欄に掲げる機械等",
                       "別表第二（第三条関係）", "一　工事"])
    assert [p.article for p in passages] == ["第三条", "別表第二"]  # the bare 別表第五 is a table cell
    assert "\n別表第五\n" in passages[0].text
    assert passages[1].text == "別表第二　（第三条関係）\n一　工事"


def test_a_shared_caption_covers_the_articles_after_it_up_to_the_next_heading():
    """共通見出し: （扶養手当） is printed once, before the first of the articles it covers."""
    passages = _chunk(["第一章　手当", "（扶養手当）", "第十一条　扶養手当は、支給する。", "第十一条の二　その月額は、条例で定める。",
                       "（住居手当）", "第十二条　住居手当は、支給する。", "第二章　雑則", "第十三条　細目は、規則で定める。",
                       "附　則", "（施行期日）", "第一条　公布の日から施行する。", "第二条　経過措置は、規則で定める。"])
    assert [(p.article, p.caption) for p in passages] == [
        ("第十一条", "扶養手当"), ("第十一条の二", "扶養手当"), ("第十二条", "住居手当"),
        ("第十三条", None),  # a chapter heading ends it
        ("附則第一条", "施行期日"), ("附則第二条", None)]  # and 附則 articles keep only their own
    assert passages[1].text.startswith("（扶養手当）\n第十一条の二　")


def test_table_of_contents_does_not_mark_the_body_as_supplementary():
    passages = _chunk(["第一章　総則（第一条―第二条）", "附則", "第一章　総則", "第一条　本則の条文。"])
    assert passages[0].supplementary is False
    assert passages[0].headings == ("第一章　総則",)


def test_egov_2013_text_layout_with_labels_on_their_own_lines():
    document = loader_for(FIXTURE_CORPUS / "jimu.txt")(FIXTURE_CORPUS / "jimu.txt")
    passages = chunk_document(document, doc_id="jimu.txt", title=document.title, count_tokens=len)
    article = next(p for p in passages if p.article == "第二条")
    assert article.text.startswith("（精算）\n第二条　旅行者は")
    assert "\n２　前項の期限までに" in article.text
    assert passages[-1].supplementary and passages[-1].article is None


def test_text_without_articles_is_cut_by_page():
    document = LoadedDocument(blocks=[TextBlock("Intro", page=1), TextBlock("More", page=1),
                                      TextBlock("Next page", page=2)])
    passages = chunk_document(document, doc_id="a.pdf", title="A", count_tokens=len)
    assert [(p.page, p.text) for p in passages] == [(1, "Intro\nMore"), (2, "Next page")]


def test_markdown_law_excerpt_headings_become_article_and_paragraph(tmp_path):
    source = tmp_path / "excerpt.md"
    source.write_text("## 金融商品取引法\n### 第5条\n#### 第6項\n届出書に代えて書類を提出できる。\n"
                      "##### 第2号\n英語で記載されているもの\n", encoding="utf-8")
    document = loader_for(source)(source)
    [passage] = chunk_document(document, doc_id="excerpt.md", title=document.title, count_tokens=len)
    assert document.title == "金融商品取引法"
    assert (passage.article, passage.article_key, passage.paragraph) == ("第5条", "5", "第六項")
    assert passage.text == "第5条　6　届出書に代えて書類を提出できる。\n2　英語で記載されているもの"


def test_markdown_paragraph_heading_that_is_no_number_is_an_ordinary_heading(tmp_path):
    # 第1十項 matches the number pattern but is no number: it used to crash the file's indexing.
    source = tmp_path / "excerpt.md"
    source.write_text("## 金融商品取引法\n### 第5条\n#### 第1十項\n届出書を提出する。\n", encoding="utf-8")
    document = loader_for(source)(source)
    [passage] = chunk_document(document, doc_id="excerpt.md", title=document.title, count_tokens=len)
    assert passage.text == "届出書を提出する。"
    assert passage.headings[-1] == "第1十項" and passage.paragraph is None


def test_captions_of_supplementary_paragraphs_are_kept():
    passages = _chunk(["第一条　本則。", "附　則", "（施行期日）", "１　この規程は、令和六年四月一日から施行する。",
                       "（経過措置）", "２　従前の例による。"])
    supplementary = [p for p in passages if p.supplementary]
    text = "\n".join(p.text for p in supplementary)
    assert "（施行期日）１　この規程は" in text and "（経過措置）２　従前の例による。" in text


def test_a_statute_quoted_in_a_commentary_is_not_an_article_of_the_document():
    """Model work rules: the article, then 【第７０条 …】 commentary that quotes 労基法第３８条."""
    passages = _chunk(["（副業・兼業）", "第７０条　労働者は、勤務時間外において、他の会社等の業務に従事することができる。",
                       "【第７０条 副業・兼業】", "１　本条は、副業・兼業に関する規定です。",
                       "第３８条　労働時間は、事業場を異にする場合においても通算する。",
                       "２　裁判例では、副業・兼業の制限が許される場合が示されています。",
                       "（競業避止）", "第７１条　労働者は、競業をしてはならない。"])
    assert [p.article for p in passages] == ["第７０条", None, "第７１条"]
    assert "第３８条　労働時間は" in passages[1].text and "裁判例" in passages[1].text
    assert passages[2].caption == "競業避止"


def test_a_commentary_without_an_article_number_quotes_nothing():
    passages = _chunk(["【解説】", "１　この規程の趣旨です。", "（目的）", "第一条　この規程は目的を定める。"])
    assert [p.article for p in passages] == [None, "第一条"]


def test_a_commentary_heading_before_its_own_article_keeps_the_article():
    """PDF text can put the 解説 heading of the next article before the article itself (model work
    rules, p.16: 【第１２条 …】 then 第１２条): that article is the document's own, not a quotation."""
    passages = _chunk(["（遵守事項）", "第１１条　労働者は、以下の事項を守らなければならない。",
                       "【第１１条 遵守事項】", "１　本条は遵守事項の解説です。",
                       "【第１２条 職場のパワーハラスメントの禁止】", "１　本条はパワーハラスメントの解説です。",
                       "第１２条　職場のパワーハラスメントにより、他の労働者の就業環境を害してはならない。",
                       "第１３条　性的言動により、他の労働者の就業環境を害してはならない。",
                       "【第１３条 セクシュアルハラスメントの禁止】",
                       "第１２条　（規定例）パワーハラスメントの相談は人事部で受け付ける。"])
    assert [p.article for p in passages if p.article] == ["第１１条", "第１２条", "第１３条"]
    assert "パワーハラスメントにより" in next(p.text for p in passages if p.article == "第１２条")
    # a 第１２条 after the document reached 第１３条 is still the commentary's quotation
    assert "規定例" in passages[-1].text and passages[-1].article is None


def _guessed(text, page=1):
    return TextBlock(text, page=page, heading_level=3, heading_guessed=True)


def _chunk_blocks(blocks, title="Plan"):
    return chunk_document(LoadedDocument(blocks=blocks), doc_id="plan.pdf", title=title, count_tokens=len,
                          max_tokens=600)


def test_an_address_after_a_colon_stays_with_the_sentence_that_introduces_it():
    passages = _chunk_blocks([
        _guessed("Prior Authorization"),
        TextBlock("To request it by mail, send the request to:", page=1),
        _guessed("Prior Authorization Department"), _guessed("PO Box 1234"), _guessed("Anytown, USA 00000"),
        TextBlock("The department answers within five days.", page=1),
        _guessed("Appeals"), TextBlock("You may appeal a denial.", page=1)])
    assert [p.headings for p in passages] == [("Prior Authorization",), ("Appeals",)]
    assert passages[0].text == ("To request it by mail, send the request to:\nPrior Authorization Department\n"
                                "PO Box 1234\nAnytown, USA 00000\nThe department answers within five days.")


def test_record_fields_laid_out_like_headings_stay_in_the_record():
    passages = _chunk_blocks([
        _guessed("Manager of Operations"),
        TextBlock("Job Title: Manager of Operations, Contoso Electronics", page=2),
        _guessed("Reports To: Chief Executive Officer", page=2), _guessed("Location: Headquarters", page=2),
        TextBlock("Position Summary:", page=2)])
    assert len(passages) == 1 and passages[0].headings == ("Manager of Operations",)
    assert "Reports To: Chief Executive Officer\nLocation: Headquarters" in passages[0].text


def test_a_marked_up_heading_or_a_new_page_still_opens_a_section():
    passages = _chunk_blocks([
        TextBlock("The steps are as follows:", page=1), TextBlock("Step 1: Gather Information", page=1, heading_level=3),
        TextBlock("Collect your papers.", page=1),
        TextBlock("See the next page for contacts:", page=1), _guessed("Customer Service", page=2),
        TextBlock("Call us.", page=2)])
    assert [p.headings for p in passages] == [(), ("Step 1: Gather Information",), ("Customer Service",)]


def _heading(text, level):
    return TextBlock(text, heading_level=level)


def test_a_table_of_contents_encloses_no_section_and_its_entries_are_not_indexed():
    passages = _chunk_blocks([
        _heading("目次", 2),
        TextBlock("第１はじめに"),  # entries as the contents list writes them: no spacing,
        TextBlock("第２ 用語の定義………3"),  # or a leader to the page
        TextBlock("※ 条番号は令和7年6月1日時点のもの"),  # not an entry: kept
        _heading("第１　はじめに", 3),
        TextBlock("このガイドラインは番号の取扱いを定める。"),
        _heading("第２　用語の定義", 3),
        TextBlock("個人番号とは番号法第2条第5項の番号をいう。"),
    ], title="ガイドライン")
    assert [(p.headings, p.text) for p in passages] == [
        (("目次",), "※ 条番号は令和7年6月1日時点のもの"),
        (("第１　はじめに",), "このガイドラインは番号の取扱いを定める。"),
        (("第２　用語の定義",), "個人番号とは番号法第2条第5項の番号をいう。"),
    ]


def test_a_contents_list_of_titled_terms_is_left_out_and_the_real_sections_keep_their_text():
    passages = _chunk_blocks([
        _heading("（別添）講ずべき措置", 2),
        _heading("【目次】", 4),
        _heading("１ 検討手順", 5),  # the contents list's own terms (an HTML <dl>) ...
        TextBlock("Ａ　事務の範囲の明確化"),
        TextBlock("１ 検討手順", heading_level=5, resumed=True),  # ... the end of a nested list ...
        TextBlock("Ｇ　外的環境の把握"),
        TextBlock("【目次】", heading_level=4, resumed=True),  # ... and of the list itself
        _heading("１　検討手順", 5),
        TextBlock("手順を定める。"),
        _heading("Ａ　事務の範囲の明確化", 6),
        TextBlock("事務の範囲を明確にする。"),
        TextBlock("１　検討手順", heading_level=5, resumed=True),
        _heading("Ｇ　外的環境の把握", 6),
        TextBlock("外国の制度を把握する。"),
    ], title="ガイドライン")
    assert [(p.headings, p.text) for p in passages] == [
        (("（別添）講ずべき措置", "１　検討手順"), "手順を定める。"),
        (("（別添）講ずべき措置", "１　検討手順", "Ａ　事務の範囲の明確化"), "事務の範囲を明確にする。"),
        (("（別添）講ずべき措置", "１　検討手順", "Ｇ　外的環境の把握"), "外国の制度を把握する。"),
    ]


def test_a_list_item_section_is_cited_with_the_section_it_is_an_item_of():
    from retrieval.models import Passage

    def cited(*headings):
        return Passage(doc="g.html", seq=0, title="ガイドライン", text="…", headings=headings).citation_name

    assert cited("第４－３－⑷　収集・保管制限", "Ａ　収集制限") == "ガイドライン 第４－３－⑷　収集・保管制限 / Ａ　収集制限"
    assert cited("3-5-3 報告対象事態", "【報告を要する事例】") == "ガイドライン 3-5-3 報告対象事態 / 【報告を要する事例】"
    assert cited("2 定義", "2-14 「本人に通知」") == "ガイドライン 2-14 「本人に通知」"  # names itself
    assert cited("Benefits", "A Guide to Claims") == "ガイドライン A Guide to Claims"  # an English title
    assert cited("Ａ　収集制限") == "ガイドライン Ａ　収集制限"  # nothing above it
    assert cited("ガイドライン", "３　地方公共団体の措置") == "ガイドライン ３　地方公共団体の措置"  # its parent is the document
