"""PDF, .docx, HTML and e-Gov XML loaders: canonical lines, page numbers, metadata, LoadError.

Unit tests build their inputs here (a hand-written two-page PDF, a python-docx document, small
HTML/XML strings); the `datasets` tests read the real corpus files when ../shared/datasets exists.
"""
from __future__ import annotations

import os
import re
import zipfile
from pathlib import Path

import pytest

from indexer.document import LoadError, TextBlock
from indexer.loaders import docx as docx_loader
from indexer.loaders import egov_xml, html, pdf

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "datasets"
JA = SHARED / "ja-regulations" / "corpus"
ARTICLE = re.compile(r"^第[一二三四五六七八九十百千〇0-9０-９]+条")


def texts(document) -> list[str]:
    return [block.text for block in document.blocks]


def assert_clean(blocks: list[TextBlock]) -> None:
    """The contract every loader keeps: stripped, non-empty blocks."""
    assert blocks
    assert all(block.text and block.text == block.text.strip() for block in blocks)


# -- PDF ------------------------------------------------------------------------------------
def _pdf_string(text: str) -> str:
    return "(" + text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") + ")"


def build_pdf(pages: list[list[str]], title: str | None = None) -> bytes:
    """A minimal valid PDF: one Helvetica text line per entry, top to bottom, page by page."""
    objects: list[bytes] = []  # object i+1
    font_id = 3 + 2 * len(pages)
    kids = " ".join(f"{3 + 2 * i} 0 R" for i in range(len(pages)))
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {len(pages)} >>".encode())
    for i, lines in enumerate(pages):
        ops = ["BT", "/F1 12 Tf", "72 740 Td"]
        for n, line in enumerate(lines):
            if n:
                ops.append("0 -18 Td")
            ops.append(f"{_pdf_string(line)} Tj")
        ops.append("ET")
        stream = "\n".join(ops).encode("latin-1")
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents {4 + 2 * i} 0 R "
            f"/Resources << /Font << /F1 {font_id} 0 R >> >> >>".encode()
        )
        objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    info_ref = ""
    if title is not None:
        objects.append(f"<< /Title {_pdf_string(title)} >>".encode("latin-1"))
        info_ref = f" /Info {len(objects)} 0 R"

    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R{info_ref} >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


TWO_PAGES = [
    ["Staff Rules", "Article 1 These rules apply to all staff.", "- 1 -"],
    ["2", "Article 2 Working hours are 8 hours a day.", "(end of rules)"],
]


def test_pdf_blocks_carry_page_numbers_and_drop_page_number_lines(tmp_path):
    path = tmp_path / "rules.pdf"
    path.write_bytes(build_pdf(TWO_PAGES))
    document = pdf.load(path)
    assert_clean(document.blocks)
    assert [(b.page, b.text) for b in document.blocks] == [
        (1, "Staff Rules"),
        (1, "Article 1 These rules apply to all staff."),
        (2, "Article 2 Working hours are 8 hours a day."),
        (2, "(end of rules)"),
    ]
    assert document.title == "Staff Rules"  # no /Title: the first line of page 1


def test_pdf_title_comes_from_metadata_when_present(tmp_path):
    path = tmp_path / "rules.pdf"
    path.write_bytes(build_pdf(TWO_PAGES, title="Microsoft Word - Staff Rules 2024.docx"))
    assert pdf.load(path).title == "Staff Rules 2024"


def test_pdf_statute_lines_are_normalised_and_glued_articles_split():
    lines = pdf.page_lines("１\n第１章  総則\n(目的)\n（目的）第１条 この規則は、定める。第２条 労働者は、守る。\n"
                           "２ 前項の規定は準用する。\n労基法第３２条第１項において定める。\n- 3 -")
    assert lines == ["第１章 総則", "(目的)", "（目的）", "第１条 この規則は、定める。",
                     "第２条 労働者は、守る。", "２ 前項の規定は準用する。", "労基法第３２条第１項において定める。"]
    assert [pdf._normalise(line) for line in lines] == [
        ("第１章　総則", 0), ("（目的）", 0), ("（目的）", 0), ("第１条　この規則は、定める。", 0),
        ("第２条　労働者は、守る。", 0), ("２　前項の規定は準用する。", 0),
        ("労基法第３２条第１項において定める。", 0),
    ]
    assert pdf._normalise("附 則") == ("附　則", 2)
    assert pdf._normalise("附則 （令和５年規則第２号）") == ("附　則　（令和５年規則第２号）", 2)
    assert pdf._normalise("附則第３条の規定による。") == ("附則第３条の規定による。", 0)


def test_pdf_table_of_contents_entries_are_dropped():
    toc = "目 次\n第１章 総則…………………１０\n 第 １条（目的）\n第２条（適用範囲）\n第２章 採用………………１２\n"
    assert pdf.page_lines(toc) == ["目 次"]
    # The same article-and-caption line on a body page is kept.
    assert pdf.page_lines("第２条（適用範囲）\n本文") == ["第２条（適用範囲）", "本文"]


def test_pdf_kangxi_radicals_are_mapped_to_ideographs():
    assert pdf.page_lines("休\u2f47") == ["休日"]


@pytest.mark.parametrize("content", [
    b"",
    b"this is plain text, not a PDF",
    os.urandom(2048),
    b"%PDF-1.4\n" + os.urandom(512),
])
def test_corrupt_pdf_raises_load_error(tmp_path, content):
    path = tmp_path / "broken.pdf"
    path.write_bytes(content)
    with pytest.raises(LoadError):
        pdf.load(path)


def test_truncated_pdf_raises_load_error(tmp_path):
    path = tmp_path / "truncated.pdf"
    path.write_bytes(build_pdf(TWO_PAGES)[:200])
    with pytest.raises(LoadError):
        pdf.load(path)


def test_encrypted_pdf_raises_load_error(tmp_path):
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    writer.encrypt(user_password="secret", owner_password="owner", algorithm="RC4-128")
    path = tmp_path / "locked.pdf"
    with path.open("wb") as handle:
        writer.write(handle)
    with pytest.raises(LoadError, match="password"):
        pdf.load(path)


def test_pdf_with_owner_password_only_opens(tmp_path):
    import io

    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    writer.append(PdfReader(io.BytesIO(build_pdf(TWO_PAGES))))
    writer.encrypt(user_password="", owner_password="owner", algorithm="RC4-128")
    path = tmp_path / "restricted.pdf"
    with path.open("wb") as handle:
        writer.write(handle)
    assert [b.page for b in pdf.load(path).blocks] == [1, 1, 2, 2]


# -- .docx ----------------------------------------------------------------------------------
def build_docx(path: Path) -> None:
    import docx
    from docx.enum.style import WD_STYLE_TYPE

    from docx.oxml import parse_xml

    document = docx.Document()
    document.core_properties.title = "テスト就業規則"
    cover = parse_xml(  # a content control, as cover pages and template fields use
        '<w:sdt xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:sdtPr/>'
        "<w:sdtContent><w:p><w:r><w:t>株式会社テスト</w:t></w:r></w:p></w:sdtContent></w:sdt>"
    )
    document.element.body.insert(0, cover)
    document.add_heading("第一章　総則", level=1)
    document.add_paragraph("（目的）")
    document.add_paragraph("第一条　この規則は、労働条件を定める。")
    paragraph = document.add_paragraph("２　前項のほか")
    paragraph.add_run().add_break()
    paragraph.add_run("法令の定めによる。")
    document.add_paragraph("   ")  # empty paragraphs produce no block
    japanese = document.styles.add_style("見出し 2", WD_STYLE_TYPE.PARAGRAPH)
    document.add_paragraph("第一節　通則", style=japanese)
    derived = document.styles.add_style("条見出し", WD_STYLE_TYPE.PARAGRAPH)
    derived.base_style = document.styles["Heading 3"]
    document.add_paragraph("第一款　細則", style=derived)
    table = document.add_table(rows=2, cols=3)
    table.cell(0, 0).text, table.cell(0, 1).text, table.cell(0, 2).text = "区分", "日数", "備考"
    merged = table.cell(1, 1).merge(table.cell(1, 2))
    table.cell(1, 0).text, merged.text = "年次休暇", "二十日"
    document.add_paragraph("附　則")
    document.save(str(path))


def test_docx_paragraphs_tables_and_heading_styles(tmp_path):
    path = tmp_path / "rules.docx"
    build_docx(path)
    document = docx_loader.load(path)
    assert_clean(document.blocks)
    assert document.title == "テスト就業規則"
    assert [(b.text, b.heading_level) for b in document.blocks] == [
        ("株式会社テスト", 0),
        ("第一章　総則", 1),
        ("（目的）", 0),
        ("第一条　この規則は、労働条件を定める。", 0),
        ("２　前項のほか", 0),
        ("法令の定めによる。", 0),
        ("第一節　通則", 2),
        ("第一款　細則", 3),
        ("区分　日数　備考", 0),
        ("年次休暇　二十日", 0),  # a merged cell is read once
        ("附　則", 0),
    ]
    assert all(b.page is None for b in document.blocks)


@pytest.mark.parametrize("content", [b"", b"not a zip file at all", os.urandom(1024)])
def test_corrupt_docx_raises_load_error(tmp_path, content):
    path = tmp_path / "broken.docx"
    path.write_bytes(content)
    with pytest.raises(LoadError):
        docx_loader.load(path)


def test_zip_that_is_not_a_docx_raises_load_error(tmp_path):
    path = tmp_path / "other.docx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("hello.txt", "hello")
    with pytest.raises(LoadError):
        docx_loader.load(path)


def test_truncated_docx_raises_load_error(tmp_path):
    good = tmp_path / "good.docx"
    build_docx(good)
    path = tmp_path / "truncated.docx"
    path.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    with pytest.raises(LoadError):
        docx_loader.load(path)


# -- HTML -----------------------------------------------------------------------------------
REIKI_PAGE = """<!DOCTYPE html><html lang="ja"><head>
<meta http-equiv="content-type" content="text/html; charset=utf-8"><title>テスト町職員服務規程</title>
<script>var x = "第9条 script text";</script></head><body>
<div id="primary" class="joubun"><div id="primaryInner">
<div><div class="eline"><div class="head"><p class="title-irregular"><span class="cm">○テスト町職員服務規程</span></p></div></div></div>
<div><div class="eline"><div class="head"><p class="date"><span class="cm">平成10年4月1日</span></p></div></div></div>
<div><div class="eline"><div class="head"><p class="number"><span class="cm">規程第3号</span></p></div></div></div>
<div><div class="eline"><div class="article"><p class="title"><span class="cm">(目的)</span></p><p class="num"><span class="num cm">第1条</span>　<span class="clause"><span class="p cm"><a href="#x" class="inline quote">この規程</a>は、服務を定める。</span></span></p></div></div></div>
<div><div class="eline"><div class="clause"><p class="num"><span class="num cm">2</span>　<span class="p cm">前項の規定は、<span class="brackets-color1">(非常勤を含む。)</span>職員に適用する。</span></p></div></div></div>
<div><div class="eline"><div class="item"><p class="num"><span class="num cm">(1)</span>　<span class="p cm">常勤職員</span></p></div></div></div>
<div><div class="eline"><div class="table_frame"><table><tr><td><p>区分</p></td><td><p>日数</p></td></tr><tr><td><p>年休</p></td><td><p>20日</p></td></tr></table></div></div></div>
<div><div class="eline"><p class="s-head"><span class="title cm"><span class="word-space">附</span>則</span></p></div></div>
<div><div class="eline"><div class="clause"><p class="p"><span class="p cm">この規程は、公布の日から施行する。</span></p></div></div></div>
<div><div class="eline"><p class="s-head"><span class="title cm"><span class="word-space">附</span>則</span><span class="date cm">(令和2年3月31日</span><span class="number cm">規程第1号)</span><span class="p cm">抄</span></p></div></div></div>
<div><div class="eline"><div class="clause"><p class="num"><span class="num cm">1</span>　<span class="p cm">この規程は、令和2年4月1日から施行する。</span></p></div></div></div>
</div></div>
<div id="secondary"><p class="datenumber-area mt04">平成10年4月1日　規程第3号</p>
<p class="datenumber-area mt04"> (令和2年4月1日施行)</p>
<div class="joubun-toc"><ul><li><a href="#e1"><span class="t-t">第1条</span><span class="t-t">(目的)</span></a></li></ul></div></div>
</body></html>"""


def test_reiki_page_becomes_canonical_statute_lines(tmp_path):
    path = tmp_path / "reiki.html"
    path.write_text(REIKI_PAGE, encoding="utf-8")
    document = html.load(path)
    assert_clean(document.blocks)
    assert document.title == "テスト町職員服務規程"
    assert [(b.text, b.heading_level) for b in document.blocks] == [
        ("テスト町職員服務規程", 1),
        ("平成10年4月1日", 0),
        ("規程第3号", 0),
        ("（目的）", 0),
        ("第1条　この規程は、服務を定める。", 0),
        ("２　前項の規定は、(非常勤を含む。)職員に適用する。", 0),
        ("(1)　常勤職員", 0),
        ("区分　日数", 0),
        ("年休　20日", 0),
        ("附　則", 2),
        ("この規程は、公布の日から施行する。", 0),
        ("附　則　（令和2年3月31日規程第1号）　抄", 2),
        ("１　この規程は、令和2年4月1日から施行する。", 0),
    ]
    assert document.metadata == {
        "promulgated": "平成10年4月1日",
        "number": "規程第3号",
        "effective_date": "2020-04-01",
        "last_amended": "令和2年3月31日",
    }


GENERIC_PAGE = """<!DOCTYPE html><html lang="ja"><head><meta charset="UTF-8">
<title>個人情報の取扱いに関する指針 ｜テスト委員会</title><style>p {color: red}</style></head>
<body><header id="header"><a href="/">テスト委員会ホーム</a></header>
<nav aria-label="グローバルナビゲーション"><ul><li>委員会について</li></ul></nav>
<div class="breadcrumb"><ol><li>ホーム</li><li>指針</li></ol></div>
<main class="l-main"><h1>個人情報の取扱いに関する指針</h1>
<p>令和5年4月<br>（令和6年3月一部改正）</p>
<h2>1　目的</h2>
<p>この指針は、<strong>個人情報</strong>の<a href="#a">適正な取扱い</a>を
定める。</p>
<h3>1-1　対象</h3>
<ul><li>行政機関</li><li>事業者<p>（小規模を含む。）</p></li></ul>
<table><tr><th>区分</th><th>内容</th></tr><tr><td>要配慮</td><td>同意が必要</td></tr></table>
<!-- a comment that is not text -->
</main>
<aside class="sidebar">関連リンク</aside>
<footer id="footer">Copyright テスト委員会</footer><script>document.write("x")</script>
</body></html>"""


def test_generic_page_drops_boilerplate_and_keeps_headings(tmp_path):
    path = tmp_path / "guide.html"
    path.write_text(GENERIC_PAGE, encoding="utf-8")
    document = html.load(path)
    assert_clean(document.blocks)
    assert document.title == "個人情報の取扱いに関する指針"
    assert [(b.text, b.heading_level) for b in document.blocks] == [
        ("個人情報の取扱いに関する指針", 1),
        ("令和5年4月", 0),
        ("（令和6年3月一部改正）", 0),
        ("1　目的", 2),
        ("この指針は、個人情報の適正な取扱いを定める。", 0),  # inline tags and a source wrap
        ("1-1　対象", 3),
        ("行政機関", 0),
        ("事業者", 0),
        ("（小規模を含む。）", 0),
        ("区分　内容", 0),
        ("要配慮　同意が必要", 0),
    ]
    assert document.metadata == {"last_amended": "令和6年3月"}


SJIS_PAGE = """<html><head><meta http-equiv="Content-Type" content="text/html; charset=Shift_JIS">
<title>就業規則 - テスト株式会社</title></head><body>
<h2>第一章　総則</h2><p>第一条　この規則は、髙橋①の労働条件を定める。</p></body></html>"""


@pytest.mark.parametrize("declared", [True, False])
def test_shift_jis_page_is_decoded(tmp_path, declared):
    page = SJIS_PAGE if declared else SJIS_PAGE.replace("; charset=Shift_JIS", "")
    path = tmp_path / "sjis.html"
    path.write_bytes(page.encode("cp932"))
    document = html.load(path)
    assert document.title == "就業規則"
    assert texts(document) == ["第一章　総則", "第一条　この規則は、髙橋①の労働条件を定める。"]
    assert document.blocks[0].heading_level == 2


@pytest.mark.parametrize("content", [b"", b"   \n", b"\x00\x01\x02binary" * 50, b"%PDF-1.4\n<html>",
                                     b"<html><body><script>x()</script></body></html>"])
def test_html_without_text_raises_load_error(tmp_path, content):
    path = tmp_path / "empty.html"
    path.write_bytes(content)
    with pytest.raises(LoadError):
        html.load(path)


def test_era_dates_convert_to_iso():
    assert html.era_to_iso("(平成28年6月23日施行)") == "2016-06-23"
    assert html.era_to_iso("令和四年一二月二二日") == "2022-12-22"
    assert html.era_to_iso("令和元年５月１日") == "2019-05-01"
    assert html.era_to_iso("昭和二十二年四月七日") == "1947-04-07"
    assert html.era_to_iso("令和6年") is None


# -- e-Gov XML ------------------------------------------------------------------------------
EGOV_XML = """<?xml version="1.0" encoding="UTF-8"?>
<DataRoot><Result><Code>0</Code><Message/></Result><ApplData><LawId>399AC0000000001</LawId>
<LawFullText>
<Law Era="Heisei" Year="11" Num="001" PromulgateMonth="3" PromulgateDay="31" LawType="Act" Lang="ja">
  <LawNum>平成十一年法律第一号</LawNum>
  <LawBody>
    <LawTitle Kana="てすとほう">テスト法</LawTitle>
    <TOC><TOCLabel>目次</TOCLabel>
      <TOCChapter Num="1"><ChapterTitle>第一章　総則</ChapterTitle><ArticleRange>（第一条・第二条）</ArticleRange></TOCChapter>
    </TOC>
    <MainProvision>
      <Chapter Num="1"><ChapterTitle>第一章　総則</ChapterTitle>
        <Section Num="1"><SectionTitle>第一節　通則</SectionTitle>
          <Article Num="1">
            <ArticleCaption>（目的）</ArticleCaption>
            <ArticleTitle>第一条</ArticleTitle>
            <Paragraph Num="1"><ParagraphNum/>
              <ParagraphSentence>
                <Sentence Num="1" WritingMode="vertical">この法律は、<Ruby>哺<Rt>ほ</Rt></Ruby>育を定める。</Sentence>
                <Sentence Num="2" Function="proviso" WritingMode="vertical">ただし、例外がある。</Sentence>
              </ParagraphSentence>
            </Paragraph>
            <Paragraph Num="2" OldNum="true"><ParagraphNum/>
              <ParagraphSentence><Sentence Num="1">旧様式の第二項。</Sentence></ParagraphSentence>
            </Paragraph>
          </Article>
          <Article Num="2">
            <ArticleCaption>（定義）</ArticleCaption>
            <ArticleTitle>第二条</ArticleTitle>
            <Paragraph Num="1"><ParagraphNum/>
              <ParagraphSentence><Sentence Num="1">次に定める。</Sentence></ParagraphSentence>
              <Item Num="1"><ItemTitle>一</ItemTitle>
                <ItemSentence><Column Num="1"><Sentence Num="1">職員</Sentence></Column>
                  <Column Num="2"><Sentence Num="1">常勤の者をいう。</Sentence></Column></ItemSentence>
                <Subitem1 Num="1"><Subitem1Title>イ</Subitem1Title>
                  <Subitem1Sentence><Sentence Num="1">正規の職員</Sentence></Subitem1Sentence></Subitem1>
              </Item>
            </Paragraph>
            <Paragraph Num="2"><ParagraphNum>２</ParagraphNum>
              <ParagraphSentence><Sentence Num="1">次の表による。</Sentence></ParagraphSentence>
              <TableStruct><Table>
                <TableRow><TableColumn><Sentence Num="1">区分</Sentence></TableColumn>
                  <TableColumn><Sentence Num="1">日数</Sentence></TableColumn></TableRow>
                <TableRow><TableColumn><Sentence Num="1">年休</Sentence></TableColumn>
                  <TableColumn><Sentence Num="1">二十日</Sentence></TableColumn></TableRow>
              </Table></TableStruct>
            </Paragraph>
          </Article>
        </Section>
      </Chapter>
    </MainProvision>
    <SupplProvision>
      <SupplProvisionLabel>附　則</SupplProvisionLabel>
      <Paragraph Num="1"><ParagraphNum/>
        <ParagraphSentence><Sentence Num="1">この法律は、公布の日から施行する。</Sentence></ParagraphSentence></Paragraph>
    </SupplProvision>
    <SupplProvision AmendLawNum="令和五年六月一六日法律第六三号" Extract="true">
      <SupplProvisionLabel>附　則</SupplProvisionLabel>
      <Article Num="1"><ArticleCaption>（施行期日）</ArticleCaption><ArticleTitle>第一条</ArticleTitle>
        <Paragraph Num="1"><ParagraphNum/>
          <ParagraphSentence><Sentence Num="1">この法律は、令和六年四月一日から施行する。</Sentence></ParagraphSentence></Paragraph>
      </Article>
    </SupplProvision>
  </LawBody>
</Law></LawFullText></ApplData></DataRoot>
"""

EXPECTED_EGOV = [
    ("テスト法", 1),
    ("（平成十一年法律第一号）", 0),
    ("第一章　総則", 2),
    ("第一節　通則", 3),
    ("（目的）", 0),
    ("第一条　この法律は、哺育を定める。ただし、例外がある。", 0),
    ("２　旧様式の第二項。", 0),
    ("（定義）", 0),
    ("第二条　次に定める。", 0),
    ("一　職員　常勤の者をいう。", 0),
    ("イ　正規の職員", 0),
    ("２　次の表による。", 0),
    ("区分　日数", 0),
    ("年休　二十日", 0),
    ("附　則", 2),
    ("この法律は、公布の日から施行する。", 0),
    ("附　則　（令和五年六月一六日法律第六三号）　抄", 2),
    ("（施行期日）", 0),
    ("第一条　この法律は、令和六年四月一日から施行する。", 0),
]


def test_egov_xml_becomes_canonical_statute_lines(tmp_path):
    path = tmp_path / "law.xml"
    path.write_text(EGOV_XML, encoding="utf-8")
    document = egov_xml.load(path)
    assert_clean(document.blocks)
    assert document.title == "テスト法"
    assert [(b.text, b.heading_level) for b in document.blocks] == EXPECTED_EGOV
    assert document.metadata == {
        "number": "平成十一年法律第一号",
        "law_id": "399AC0000000001",
        "category": "法律",
        "promulgation_date": "1999-03-31",
        "last_amendment_law": "令和五年六月一六日法律第六三号",
        "last_amended": "令和五年六月一六日",
    }


def test_egov_xml_with_law_as_root(tmp_path):
    start = EGOV_XML.index("<Law ")
    end = EGOV_XML.index("</Law>") + len("</Law>")
    path = tmp_path / "law.xml"
    path.write_text(EGOV_XML[start:end], encoding="utf-8")
    document = egov_xml.load(path)
    assert [(b.text, b.heading_level) for b in document.blocks] == EXPECTED_EGOV
    assert "law_id" not in document.metadata


@pytest.mark.parametrize("content", [
    "",
    "<DataRoot><ApplData>",  # truncated
    "<html><body>not a law</body></html>",
    "<DataRoot><Result><Code>1</Code><Message>法令が見つかりません</Message></Result></DataRoot>",
    "<Law><LawNum>平成十一年法律第一号</LawNum><LawBody><LawTitle>空の法</LawTitle></LawBody></Law>",
])
def test_bad_egov_xml_raises_load_error(tmp_path, content):
    path = tmp_path / "bad.xml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(LoadError):
        egov_xml.load(path)


def test_registry_dispatches_to_these_loaders():
    from indexer.loaders import loader_for

    assert loader_for(Path("a.PDF")) is pdf.load
    assert loader_for(Path("a.docx")) is docx_loader.load
    assert loader_for(Path("a.htm")) is html.load
    assert loader_for(Path("a.xml")) is egov_xml.load


# -- the real corpus ------------------------------------------------------------------------
def _require(path: Path) -> Path:
    if not SHARED.is_dir():
        pytest.skip("../shared/datasets is not present")
    if not path.exists():
        pytest.skip(f"{path.name} is not in this copy of the datasets")
    return path


# pypdf needs ~5 s for all 93 pages, so the test reads a copy of the pages that matter: the cover,
# the table of contents (6-9), 第1条-第3条 (10-11), 第19条 (22-23) and the 附則 (93).
MODEL_RULES_PAGES = [1, 6, 7, 8, 9, 10, 11, 22, 23, 93]


@pytest.fixture(scope="module")
def model_work_rules(tmp_path_factory):
    from pypdf import PdfReader, PdfWriter

    reader = PdfReader(_require(JA / "mhlw-model-work-rules" / "001018385_model_shugyo_kisoku.pdf"))
    writer = PdfWriter()
    for number in MODEL_RULES_PAGES:
        writer.add_page(reader.pages[number - 1])
    writer.add_metadata(reader.metadata)
    path = tmp_path_factory.mktemp("pdf") / "model_rules_excerpt.pdf"
    with path.open("wb") as handle:
        writer.write(handle)
    return pdf.load(path)


@pytest.mark.datasets
def test_real_model_work_rules_pdf(model_work_rules):
    document = model_work_rules
    assert_clean(document.blocks)
    assert document.title and "モデル就業規則" in document.title
    # Every excerpt page but the all-TOC page 9 has blocks, each tagged with its page.
    pages = {b.page for b in document.blocks}
    assert pages == set(range(1, len(MODEL_RULES_PAGES) + 1)) - {MODEL_RULES_PAGES.index(9) + 1}
    article_page = MODEL_RULES_PAGES.index(10) + 1
    assert any(b.page == article_page and b.text.startswith("第１条　この就業規則") for b in document.blocks)
    starts = [b for b in document.blocks if ARTICLE.match(b.text)]
    assert any(b.text.startswith("第１条　この就業規則") for b in starts)
    assert any(b.text.startswith("第１９条　労働時間は") for b in starts)
    # A TOC entry such as 第１９条（労働時間及び休憩時間） must not read as an article.
    assert not [b for b in starts if re.fullmatch(r"第[０-９]+条（[^）]*）", b.text)]
    # Running page numbers ("１", "- 11 -") are gone from the top and bottom of every page.
    pages: dict[int, list[str]] = {}
    for block in document.blocks:
        pages.setdefault(block.page, []).append(block.text)
    page_number = re.compile(r"-?\s*[0-9０-９]+\s*-?")
    assert not [n for n, lines in pages.items() if page_number.fullmatch(lines[0]) or page_number.fullmatch(lines[-1])]
    assert ("附　則", 2) in [(b.text, b.heading_level) for b in document.blocks]


@pytest.mark.datasets
@pytest.mark.parametrize("name, title", [
    ("Benefit_Options.pdf", "Contoso Electronics Plan and Benefit Packages"),
    ("PerksPlus.pdf", "PerksPlus Health and Wellness Reimbursement Program for Contoso Electronics Employees"),
])
def test_real_english_pdfs(name, title):
    document = pdf.load(_require(SHARED / "contoso-handbook" / "corpus" / name))
    assert_clean(document.blocks)
    assert document.title == title  # no /Title in these files: the cover page's lines
    assert {b.page for b in document.blocks} == {1, 2, 3, 4}


@pytest.mark.datasets
def test_real_egov_labor_standards_law():
    document = egov_xml.load(_require(JA / "egov-laws-current-appi-kb" / "labor-standards-law" / "content.xml"))
    assert_clean(document.blocks)
    assert document.title == "労働基準法"
    assert document.metadata["number"] == "昭和二十二年法律第四十九号"
    assert any(b.text.startswith("第三十二条　使用者は") for b in document.blocks)
    assert any(b.heading_level == 2 and b.text.startswith("附　則") for b in document.blocks)
    assert ("第四章　労働時間、休憩、休日及び年次有給休暇", 2) in [(b.text, b.heading_level) for b in document.blocks]
    # The TOC is skipped: each chapter title appears once.
    assert [b.text for b in document.blocks].count("第一章　総則") == 1


@pytest.mark.datasets
@pytest.mark.parametrize("name", ["appi-law", "illegal-access-law", "labor-safety-law", "mynumber-law"])
def test_real_egov_laws_load(name):
    document = egov_xml.load(_require(JA / "egov-laws-current-appi-kb" / name / "content.xml"))
    assert_clean(document.blocks)
    assert document.title and document.metadata["number"].endswith("号")
    assert sum(1 for b in document.blocks if ARTICLE.match(b.text)) > 20


@pytest.mark.datasets
def test_real_reiki_pages():
    folder = _require(JA / "katsuragi-reiki-samples" / "reiki_honbun")
    for path in sorted(folder.glob("*.html")):
        document = html.load(path)
        assert_clean(document.blocks)
        assert document.title and document.title.startswith("かつらぎ町")
        assert any(b.text.startswith("第1条　") for b in document.blocks), path.name
        assert any(b.text.startswith("附　則") and b.heading_level == 2 for b in document.blocks)
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", document.metadata["effective_date"])
        # Side-panel TOC and script text are not content.
        assert not any(b.text in ("条項目次", "沿革") for b in document.blocks)


@pytest.mark.datasets
def test_real_tokyo_ordinance_page():
    document = html.load(_require(JA / "egov-laws-current-appi-kb" / "tokyo-ordinance" / "content.html"))
    assert document.title == "個人情報の保護に関する法律施行条例"
    lines = texts(document)
    assert "（趣旨）" in lines
    assert any(line.startswith("第一条　この条例は") for line in lines)
    assert any(line.startswith("２　都の機関等は") for line in lines)
    assert document.metadata["effective_date"] == "2025-06-01"


@pytest.mark.datasets
@pytest.mark.parametrize("name", ["ppc-guideline", "ppc-mynumber-gov", "ppc-policy"])
def test_real_ppc_guidance_pages(name):
    document = html.load(_require(JA / "egov-laws-current-appi-kb" / name / "content.html"))
    assert_clean(document.blocks)
    assert document.title and "個人情報保護委員会" not in document.title
    assert any(b.heading_level >= 2 for b in document.blocks)
    lines = set(texts(document))
    for chrome in ("サイト内検索", "本文へ移動します", "ホーム", "委員会について"):
        assert chrome not in lines


@pytest.mark.parametrize("line, is_heading", [
    ("Out-of-Network Providers", True),
    ("Tips", True),
    ("Exceptions and Limitations of the Plan", True),
    ("providers, and the costs associated with each provider can vary significantly.", False),
    ("Choosing in-network providers is the most cost-effective option when it comes to your", False),
    ("Northwind Standard Plan.", False),
    ("（目的）", False),
])
def test_english_pdf_headings_are_recognised_by_shape(line, is_heading):
    from indexer.loaders.pdf import _looks_like_english_heading

    assert _looks_like_english_heading(line) is is_heading


GUIDELINE_PAGE = """<html><head><title>安全管理措置の指針</title></head><body><main>
<h1>安全管理措置の指針</h1>
<h2>（別添）講ずべき措置<br />（行政機関編）</h2>
<p>本別添は措置の内容を示す。</p>
<dl>
  <dt>Ａ　基本方針の策定</dt>
  <dd><p>基本方針を策定することが重要である。</p>
    <dl><dt>ａ　組織体制の整備</dt><dd>総括責任者を置く。</dd></dl>
  </dd>
  <dt>Ｂ　教育</dt>
  <dd><p>職員に必要な教育を行う。</p></dd>
</dl>
<p>以上の措置は定期に見直す。</p>
</main></body></html>"""


def test_definition_terms_title_subsections_and_the_section_resumes_after_the_list(tmp_path):
    path = tmp_path / "guide.html"
    path.write_text(GUIDELINE_PAGE, encoding="utf-8")
    document = html.load(path)
    assert [(b.text, b.heading_level, b.resumed) for b in document.blocks] == [
        ("安全管理措置の指針", 1, False),
        ("（別添）講ずべき措置（行政機関編）", 2, False),  # a <br> inside a heading does not cut it
        ("本別添は措置の内容を示す。", 0, False),
        ("Ａ　基本方針の策定", 3, False),
        ("基本方針を策定することが重要である。", 0, False),
        ("ａ　組織体制の整備", 4, False),  # a list inside a subsection titles its own subsections
        ("総括責任者を置く。", 0, False),
        ("Ａ　基本方針の策定", 3, True),
        ("Ｂ　教育", 3, False),
        ("職員に必要な教育を行う。", 0, False),
        ("（別添）講ずべき措置（行政機関編）", 2, True),  # back in the section the list is under
        ("以上の措置は定期に見直す。", 0, False),
    ]


@pytest.mark.parametrize("term", [
    "基本方針" * 12,  # too long for a title
    "事例）システムの設定ミス等により個人データの閲覧が可能な状態となり、本人の数が千人を超える場合",
    "委託先を監督する。その方法は次のとおり",  # a sentence
    "（関係条文）",  # nothing but a parenthetical
])
def test_a_term_that_is_a_statement_stays_text(tmp_path, term):
    path = tmp_path / "glossary.html"
    path.write_text(f"<html><body><h2>用語</h2><dl><dt>{term}</dt><dd>説明。</dd></dl></body></html>",
                    encoding="utf-8")
    assert [(b.text, b.heading_level) for b in html.load(path).blocks] == [
        ("用語", 2), (term, 0), ("説明。", 0)]
