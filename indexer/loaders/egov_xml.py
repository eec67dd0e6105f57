"""e-Gov 法令標準 XML (the e-Gov 法令 API's LawFullText) rendered as canonical statute lines.

The XML already marks every unit, so nothing is guessed here: 編/章/節/款/目 titles become heading
blocks, an article becomes `（caption）` + `第N条　first paragraph`, later paragraphs `２　…`, items
`一　…` (a two-column item's columns joined by a full-width space), sub-items `イ　…`, table rows
one line each. Each 附則 starts with a `附　則　（amending law number）` heading. The TOC is skipped.
"""
from __future__ import annotations

import re
from pathlib import Path

from lxml import etree

from indexer.document import LoadedDocument, LoadError, TextBlock

SPACE = "\u3000"  # full-width space: the separator statutes use after a label
_FULL_WIDTH_DIGITS = str.maketrans("0123456789", "０１２３４５６７８９")

# Containers whose title is a heading: tag -> (title tag, heading level)
_DIVISIONS = {
    "Part": ("PartTitle", 2),
    "Chapter": ("ChapterTitle", 2),
    "Section": ("SectionTitle", 3),
    "Subsection": ("SubsectionTitle", 3),
    "Division": ("DivisionTitle", 3),
}
_ITEM = re.compile(r"^(Item|Subitem\d+)$")
_LIST = re.compile(r"^(List|Sublist\d+)$")
_SKIP = {"TOC", "Rt", "Fig"}  # Rt: ruby reading (哺 + ほ must read 哺); Fig: an image reference
_INLINE = {"Ruby", "Rt", "Sup", "Sub", "Line", "QuoteStruct", "ArithFormula"}
_LAW_TYPES = {  # LawType attribute -> the index's category vocabulary
    "Act": "法律",
    "CabinetOrder": "政令",
    "MinisterialOrdinance": "省令",
    "PrimeMinisterOrder": "省令",
    "Rule": "規則",
}
_ERAS = {"Meiji": 1867, "Taisho": 1911, "Showa": 1925, "Heisei": 1988, "Reiwa": 2018}
_DATE_PREFIX = re.compile(r"^(.+?日)")


def _text(el) -> str:
    """All text of `el` in order, minus ruby readings and pretty-printing whitespace."""
    if el is None:
        return ""
    parts: list[str] = []

    def keep(chunk: str | None) -> None:
        # Indentation between elements carries a newline; text inside a sentence never does.
        if chunk and not (chunk.isspace() and "\n" in chunk):
            parts.append(chunk.replace("\r", "").replace("\n", ""))

    def walk(node) -> None:
        if node.tag == "Rt":
            return
        keep(node.text)
        for child in node:
            if isinstance(child.tag, str):
                walk(child)
            keep(child.tail)

    walk(el)
    return "".join(parts).strip()


def _sentence(el) -> str:
    """ParagraphSentence / ItemSentence / ...: sentences concatenated, columns joined by a space."""
    if el is None:
        return ""
    columns = el.findall("Column")
    if columns:
        return SPACE.join(filter(None, (_text(column) for column in columns)))
    return _text(el)


def _label_line(label: str, text: str) -> str:
    return f"{label}{SPACE}{text}" if label and text else label or text


class _Emitter:
    def __init__(self) -> None:
        self.blocks: list[TextBlock] = []

    def add(self, text: str, level: int = 0) -> None:
        text = text.strip()
        if text:
            self.blocks.append(TextBlock(text, heading_level=level))

    # -- units -------------------------------------------------------------------------
    def children(self, el, skip: tuple[str, ...] = ()) -> None:
        for child in el:
            if isinstance(child.tag, str) and child.tag not in skip:
                self.element(child)

    def element(self, el) -> None:
        tag = el.tag
        if tag in _SKIP:
            return
        if tag in _DIVISIONS:
            title_tag, level = _DIVISIONS[tag]
            self.add(_text(el.find(title_tag)), level)
            self.children(el, skip=(title_tag,))
        elif tag == "Article":
            self.article(el)
        elif tag == "Paragraph":
            self.paragraph(el)
        elif tag == "SupplProvision":
            self.suppl_provision(el)
        elif _ITEM.match(tag):
            self.item(el)
        elif _LIST.match(tag):
            self.add(_sentence(el.find(f"{tag}Sentence")))
            self.children(el, skip=(f"{tag}Sentence",))
        elif tag == "TableStruct":
            self.children(el)
        elif tag == "TableRow" or tag == "TableHeaderRow":
            self.add(SPACE.join(filter(None, (_text(column) for column in el))))
        elif tag in ("AppdxTable", "AppdxNote", "AppdxStyle", "AppdxFormat", "AppdxFig", "Appdx",
                     "SupplProvisionAppdxTable", "SupplProvisionAppdxStyle", "SupplProvisionAppdx"):
            self.appendix(el)
        elif len([c for c in el if isinstance(c.tag, str) and c.tag not in _INLINE]) == 0:
            self.add(_text(el))  # a leaf: Sentence, *Title, Remarks label, EnactStatement...
        else:
            self.children(el)

    def article(self, el) -> None:
        self.add(_text(el.find("ArticleCaption")))
        title = _text(el.find("ArticleTitle"))
        paragraphs = el.findall("Paragraph")
        if not paragraphs:
            self.add(title)
        for index, paragraph in enumerate(paragraphs):
            self.paragraph(paragraph, lead=title if index == 0 else None)
        self.children(el, skip=("ArticleCaption", "ArticleTitle", "Paragraph"))

    def paragraph(self, el, lead: str | None = None) -> None:
        self.add(_text(el.find("ParagraphCaption")))
        label = lead or _text(el.find("ParagraphNum"))
        if not label and el.get("OldNum") == "true" and el.get("Num", "1") not in ("", "1"):
            # Pre-1948 laws print later paragraphs without a number; e-Gov flags them OldNum. The
            # Num attribute still says which 項 it is, and citations need that.
            label = el.get("Num", "").translate(_FULL_WIDTH_DIGITS)
        self.add(_label_line(label, _sentence(el.find("ParagraphSentence"))))
        self.children(el, skip=("ParagraphCaption", "ParagraphNum", "ParagraphSentence"))

    def item(self, el) -> None:
        tag = el.tag
        self.add(_label_line(_text(el.find(f"{tag}Title")), _sentence(el.find(f"{tag}Sentence"))))
        self.children(el, skip=(f"{tag}Title", f"{tag}Sentence"))

    def suppl_provision(self, el) -> None:
        label = _text(el.find("SupplProvisionLabel")) or "附則"
        label = re.sub(r"^附\s*則", f"附{SPACE}則", label)
        amend = el.get("AmendLawNum")
        heading = label + (f"{SPACE}（{amend}）" if amend else "")
        if el.get("Extract") == "true":
            heading += f"{SPACE}抄"
        self.add(heading, 2)
        self.children(el, skip=("SupplProvisionLabel",))

    def appendix(self, el) -> None:
        # 別表第一（第三十三条関係）: the title and its related-article note form one heading.
        title_parts = [_text(c) for c in el if isinstance(c.tag, str)
                       and (c.tag.endswith("Title") or c.tag == "RelatedArticleNum")]
        self.add(SPACE.join(filter(None, title_parts)), 2)
        for child in el:
            if isinstance(child.tag, str) and not (child.tag.endswith("Title") or child.tag == "RelatedArticleNum"):
                self.element(child)


def _promulgation_date(law) -> str | None:
    try:
        year = _ERAS[law.get("Era", "")] + int(law.get("Year", ""))
        return f"{year:04d}-{int(law.get('PromulgateMonth', '')):02d}-{int(law.get('PromulgateDay', '')):02d}"
    except (KeyError, ValueError):
        return None


def _metadata(root, law) -> dict:
    meta: dict = {}
    number = _text(law.find("LawNum"))
    if number:
        meta["number"] = number
    law_id = _text(root.find(".//LawId"))
    if law_id:
        meta["law_id"] = law_id
    if law.get("LawType") in _LAW_TYPES:
        meta["category"] = _LAW_TYPES[law.get("LawType")]
    promulgated = _promulgation_date(law)
    if promulgated:
        meta["promulgation_date"] = promulgated
    # e-Gov lists the amending laws' 附則 in order; the last one names the latest amendment,
    # e.g. AmendLawNum="令和六年五月三一日法律第四二号". (The XML carries no enforcement date.)
    amendments = [s.get("AmendLawNum") for s in law.iter("SupplProvision") if s.get("AmendLawNum")]
    if amendments:
        meta["last_amendment_law"] = amendments[-1]
        date = _DATE_PREFIX.match(amendments[-1])
        if date:
            meta["last_amended"] = date.group(1)
    return meta


def _parse(path: Path):
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
    try:
        return etree.parse(str(path), parser).getroot()
    except (etree.XMLSyntaxError, OSError, ValueError) as exc:
        raise LoadError(f"not well-formed XML ({exc})"[:200]) from exc


def load(path: Path) -> LoadedDocument:
    root = _parse(path)
    code = root.findtext("Result/Code")
    if code not in (None, "0"):  # an e-Gov API error response saved as the law file
        raise LoadError(f"e-Gov API error {code}: {root.findtext('Result/Message') or ''}".strip())
    law = root if root.tag == "Law" else root.find(".//Law")
    body = law.find("LawBody") if law is not None else None
    if body is None:
        raise LoadError(f"not e-Gov 法令標準 XML (no Law/LawBody under <{root.tag}>)")

    title = _text(body.find("LawTitle")) or None
    emitter = _Emitter()
    if title:
        emitter.add(title, 1)
    number = _text(law.find("LawNum"))
    if number:
        emitter.add(f"（{number}）")
    emitter.children(body, skip=("LawTitle",))
    # Only the title and number means the body had no provisions at all.
    if len(emitter.blocks) <= (1 if title else 0) + (1 if number else 0):
        raise LoadError("e-Gov XML has no provisions")
    return LoadedDocument(blocks=emitter.blocks, title=title, metadata=_metadata(root, law))
