"""HTML pages via lxml.html: 例規集 (g-reiki) pages and general guidance pages.

Generic pages: the main content (`<main>`, else the body) minus scripts, navigation, headers,
footers and breadcrumb/menu blocks; every block-level element starts a new line, inline elements
never do, `<br>` does, and a table row is one line. `<h1>`…`<h6>` give heading levels 1–6.
Guidance pages (the PPC guidelines) also title their subsections with definition lists, `<dt>Ａ
　基本方針の策定</dt><dd>…</dd>`: such a term is a heading one level below the section it is in.

g-reiki pages (the 例規集 system many municipalities and Tokyo use) mark every statute line with
a class (`article`, `clause`, `item`, `s-head`...), so they are rendered straight into the
canonical layout: `（目的）`, `第1条　…`, `２　…`, `(1)　…`, `附　則　（…）`. Labels are kept as the
page writes them (第1条 / 第一条, (1) / 一) apart from paragraph numbers, which become full-width.
"""
from __future__ import annotations

import re
from pathlib import Path

import lxml.html
from lxml import etree

from indexer.document import LoadedDocument, LoadError, TextBlock

SPACE = "\u3000"
_FULL_WIDTH_DIGITS = str.maketrans("0123456789", "０１２３４５６７８９")

_BLOCK_TAGS = frozenset(
    "address article aside blockquote body caption center dd details dialog div dl dt fieldset "
    "figcaption figure footer form h1 h2 h3 h4 h5 h6 header hgroup hr li main nav ol p pre "
    "section summary table tbody tfoot thead tr td th ul legend".split()
)
_HEADINGS = {f"h{n}": n for n in range(1, 7)}
_CODE_TAGS = ("script", "style", "noscript", "template")  # never page text, on any page
_DROP_TAGS = (
    "iframe", "object", "embed", "svg", "canvas", "button", "input", "select", "textarea",
    "nav", "menu", "head",
)
# class/id tokens of site chrome (compared per token, so "heading-area" is not "header").
_BOILERPLATE = re.compile(
    r"^(?:l-)?(?:g?nav(?:bar|i|igation)?|global-?nav\w*|breadcrumbs?|topic-?path|pankuzu|"
    r"header|footer|sidebar|side-?(?:nav|menu|bar)|menu|skip(?:-?link)?|navskip|page-?top|"
    r"sns|share|social)$",
    re.I,
)
_ASCII_SPACE = re.compile(r"[ \t\r\n\f\v\u00a0]+")
# HTML source wraps lines anywhere; a wrap between two Japanese characters is not a space.
_CJK = "\u3000-\u30ff\u3400-\u9fff\uf900-\ufaff\uff01-\uff60"
_CJK_GAP = re.compile(rf"(?<=[{_CJK}]) (?=[{_CJK}])")
_TITLE_SUFFIX = re.compile(r"\s*(?:[｜|]|\s[-–—]\s|：：).*$")

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>")
_OTHER_FORMATS = (b"%PDF", b"PK\x03\x04", b"\xd0\xcf\x11\xe0")  # magic numbers of files renamed .html
_ENCODING_ALIASES = {"shift_jis": "cp932", "shift-jis": "cp932", "sjis": "cp932", "x-sjis": "cp932",
                     "windows-31j": "cp932", "ms932": "cp932", "euc-jp": "euc_jp", "x-euc-jp": "euc_jp"}

_NUMBER = "[0-9０-９〇一二三四五六七八九十]+"
_ENFORCED = re.compile(rf"((?:明治|大正|昭和|平成|令和)\s*(?:元|{_NUMBER})\s*年[^()（）]*?日)\s*(?:から)?施行")
_AMENDED = re.compile(rf"((?:明治|大正|昭和|平成|令和)\s*(?:元|{_NUMBER})\s*年"
                      r"[^()（）\s]*?月(?:[^()（）\s]*?日)?)\s*(?:一部|全部|最終)?改正")
_DIVISION = re.compile(rf"^第{_NUMBER}+([編章節款目])")


# -- decoding -------------------------------------------------------------------------------
def _decode(raw: bytes) -> str:
    """Declared charset (BOM, <meta>), else UTF-8, else the Japanese legacy encodings."""
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8", errors="replace")
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16", errors="replace")
    candidates = []
    declared = _META_CHARSET.search(raw[:4096])
    if declared:
        name = declared.group(1).decode("ascii").lower()
        candidates.append(_ENCODING_ALIASES.get(name, name))
    candidates += ["utf-8", "cp932", "euc_jp"]
    for encoding in candidates:
        try:
            return raw.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            continue
    return raw.decode("cp932", errors="replace")


def _parse(path: Path):
    raw = path.read_bytes()
    if not raw.strip():
        raise LoadError("empty HTML file")
    if raw.lstrip().startswith(_OTHER_FORMATS):
        raise LoadError("not HTML: the file is a PDF / zip (docx, xlsx) / OLE document")
    if b"\x00" in raw[:4096] and not raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise LoadError("binary content in an HTML file")
    text = _XML_DECL.sub("", _decode(raw), count=1)  # lxml rejects str input with an encoding decl
    try:
        return lxml.html.document_fromstring(text)
    except (etree.ParserError, ValueError) as exc:
        raise LoadError(f"not parseable as HTML ({exc})"[:200]) from exc


# -- text helpers ---------------------------------------------------------------------------
def _clean(text: str) -> str:
    return _CJK_GAP.sub("", _ASCII_SPACE.sub(" ", text)).strip()


def _inline_text(el) -> str:
    return _clean("".join(el.itertext()))


def _classes(el) -> set[str]:
    return set((el.get("class") or "").split())


def _has_class(name: str) -> str:
    """XPath predicate: the element's class list contains `name` as a whole token."""
    return f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')"


def _is_boilerplate(el) -> bool:
    tokens = (el.get("class") or "").split() + (el.get("id") or "").split()
    return any(_BOILERPLATE.match(token) for token in tokens)


def _drop_code(root) -> None:
    for el in list(root.iter(*_CODE_TAGS)):
        el.drop_tree()


def _drop_boilerplate(root) -> None:
    for el in list(root.iter(*_DROP_TAGS)):
        el.drop_tree()
    for el in list(root.iter(etree.Comment, etree.ProcessingInstruction)):
        el.drop_tree()
    for el in list(root.iter("header", "footer", "aside")):
        # <header>/<footer> inside an <article> or <main> belong to the content.
        if not any(a.tag in ("article", "main") for a in el.iterancestors()):
            el.drop_tree()
    for el in list(root.iter()):
        if isinstance(el.tag, str) and el.tag not in ("html", "body", "main") and _is_boilerplate(el):
            if el.getparent() is not None:
                el.drop_tree()


# -- generic pages --------------------------------------------------------------------------
# A definition term longer than this (its parentheticals aside) is a statement, such as an
# example 「事例）システムの設定ミス等により…場合」 with notes on it, not a subsection title.
_MAX_TERM_HEADING = 40
_PARENTHETICAL = re.compile(r"[（(][^（）()]*[）)]")


def _titles_section(dt) -> bool:
    """Whether a <dt> titles what its <dd> says: a short term, not a sentence, with a
    definition after it. 「●　開示（番号法第30条第１項により読み替えて…）」 is short once its
    reference is set aside."""
    following = dt.getnext()
    while following is not None and not isinstance(following.tag, str):
        following = following.getnext()
    if following is None or following.tag != "dd":
        return False
    title = _PARENTHETICAL.sub("", _inline_text(dt))
    return 0 < len(title) <= _MAX_TERM_HEADING and "。" not in title


class _LineWriter:
    """Accumulates inline text and cuts it into blocks at block boundaries and <br>."""

    def __init__(self) -> None:
        self.blocks: list[TextBlock] = []
        self.buffer: list[str] = []
        self.level = 0
        # The headings written so far that enclose the current position: (level, text).
        self.outline: list[tuple[int, str]] = []

    def flush(self) -> None:
        text = _clean("".join(self.buffer))
        self.buffer = []
        if text:
            self.blocks.append(TextBlock(text, heading_level=self.level))
            if self.level:
                self.outline = [(lvl, t) for lvl, t in self.outline if lvl < self.level] + [(self.level, text)]

    def _definition_list(self, dl) -> None:
        """A <dl> whose terms title subsections: each term is a heading one level below the
        heading the list is under. When the list ends, that heading is written again, so the
        text after the list is back in its section instead of under the list's last term."""
        self.flush()
        base = self.outline[-1][0] if self.outline else 0
        titled = False
        if dl.text:
            self.buffer.append(dl.text)
        for child in dl:
            if child.tag == "dt" and _titles_section(child):
                self.flush()
                outer, self.level = self.level, base + 1
                self._children(child)
                self.flush()
                self.level = outer
                titled = True
                if child.tail:
                    self.buffer.append(child.tail)
            else:
                self.walk(child)
        self.flush()
        if titled and self.outline and self.outline[0][0] <= base:
            self.outline = [(lvl, t) for lvl, t in self.outline if lvl <= base]
            level, text = self.outline[-1]
            self.blocks.append(TextBlock(text, heading_level=level, resumed=True))

    def walk(self, el) -> None:
        tag = el.tag if isinstance(el.tag, str) else None
        if tag is None:  # comment or processing instruction: only its tail is page text
            pass
        elif tag == "br":
            if self.level:
                self.buffer.append(" ")  # a heading broken over two lines is still one heading
            else:
                self.flush()
        elif tag == "tr":
            self.flush()
            self.buffer.append(_row_text(el))
            self.flush()
        elif tag == "pre":
            self.flush()
            for line in "".join(el.itertext()).splitlines():
                self.buffer.append(line)
                self.flush()
        elif tag == "dl":
            self._definition_list(el)
        elif tag in _HEADINGS:
            self.flush()
            outer, self.level = self.level, _HEADINGS[tag]
            self._children(el)
            self.flush()
            self.level = outer
        elif tag in _BLOCK_TAGS:
            self.flush()
            self._children(el)
            self.flush()
        else:
            self._children(el)
        if el.tail:
            self.buffer.append(el.tail)

    def _children(self, el) -> None:
        if el.text:
            self.buffer.append(el.text)
        for child in el:
            self.walk(child)


def _row_text(tr) -> str:
    cells = [_inline_text(cell) for cell in tr if cell.tag in ("td", "th")]
    return SPACE.join(cell for cell in cells if cell)


def _generic_blocks(el) -> list[TextBlock]:
    writer = _LineWriter()
    writer._children(el)
    writer.flush()
    return writer.blocks


def _content_root(root):
    for xpath in ("//main", "//*[@role='main']", "//*[@id='main' or @id='content' or @id='contents']"):
        found = root.xpath(xpath)
        if found and _inline_text(found[0]):
            return found[0]
    body = root.find("body")
    return body if body is not None else root


# -- g-reiki pages --------------------------------------------------------------------------
def _label_and_text(p) -> tuple[str, str]:
    """A g-reiki numbered line: the `num` span's label and the rest of the line."""
    label_el = next((s for s in p.iter("span") if "num" in _classes(s)), None)
    full = _inline_text(p)
    if label_el is None:
        return "", full
    label = _inline_text(label_el)
    return label, full[len(label):].strip(" \u3000") if full.startswith(label) else full


def _caption(text: str) -> str:
    match = re.fullmatch(r"[（(](.+)[）)]", text)
    return f"（{match.group(1)}）" if match else text


def _division_level(text: str, default: int) -> int:
    match = _DIVISION.match(text)
    if not match:
        return default
    return 2 if match.group(1) in "編章" else 3


def _reiki_line(p, kind: str) -> list[TextBlock]:
    """One `<p>` of a g-reiki statute line; `kind` is its `div` class (article, clause, item…)."""
    classes = _classes(p)
    text = _inline_text(p)
    if not text:
        return []
    if "title" in classes and kind == "article":
        return [TextBlock(_caption(text))]
    if "s-head" in classes or kind in ("chapter", "section", "subsection", "division", "part"):
        return [_reiki_heading(p, text)]
    if "num" in classes:
        label, body = _label_and_text(p)
        if kind == "clause" and label.isdigit():
            label = label.translate(_FULL_WIDTH_DIGITS)  # canonical ２　…
        if kind == "form_section" or not body:
            return [TextBlock(label + body)]
        return [TextBlock(f"{label}{SPACE}{body}")]
    return [TextBlock(text)]


def _reiki_heading(p, text: str) -> TextBlock:
    if re.match(r"^附\s*則", text):
        rest = re.sub(r"^附\s*則\s*", "", text)
        rest = re.sub(r"^[（(](.*?)[）)]", r"（\1）", rest)  # (平成10年3月30日条例第5号) -> （…）
        rest = re.sub(r"）\s*抄$", f"）{SPACE}抄", rest)
        return TextBlock(f"附{SPACE}則" + (f"{SPACE}{rest}" if rest else ""), heading_level=2)
    return TextBlock(text, heading_level=_division_level(text, 3))


def _reiki_blocks(primary) -> list[TextBlock]:
    blocks: list[TextBlock] = []
    for eline in primary.iterdescendants("div"):
        if "eline" not in _classes(eline):
            continue
        for part in eline:
            kind = next(iter(_classes(part) & {"head", "announcement", "front", "article", "clause",
                                               "item", "table_frame", "form_section", "chapter",
                                               "section", "subsection", "division", "part"}), "")
            if kind == "head":
                continue  # title / date / number: read by _reiki_head
            if kind == "front":  # the title repeated above the 本則
                text = _inline_text(part)
                if text:
                    blocks.append(TextBlock(text.lstrip("○"), heading_level=1))
            elif kind == "table_frame" or part.find(".//table") is not None:
                blocks.extend(_generic_blocks(part))
            elif part.tag == "p":
                blocks.extend(_reiki_line(part, kind))
            else:
                paragraphs = part.findall(".//p")
                if not paragraphs:
                    blocks.extend(_generic_blocks(part))
                for p in paragraphs:
                    blocks.extend(_reiki_line(p, kind))
    return blocks


def _reiki_head(root) -> tuple[list[TextBlock], str | None, dict]:
    """The title, enactment date and number lines g-reiki puts in `div.head`."""
    meta: dict = {}
    title = None
    head: list[TextBlock] = []
    for p in root.xpath(f".//div[{_has_class('head')}]/p"):
        classes, text = _classes(p), _inline_text(p)
        if not text:
            continue
        if "title-irregular" in classes or "title" in classes:
            title = title or text.lstrip("○")
            head.append(TextBlock(text.lstrip("○"), heading_level=1))
        elif "date" in classes:
            meta["promulgated"] = text
            head.append(TextBlock(text))
        elif "number" in classes:
            meta["number"] = text
            head.append(TextBlock(text))
    return head, title, meta


# -- dates and metadata ---------------------------------------------------------------------
def era_to_iso(text: str) -> str | None:
    """平成28年6月23日 / 令和四年一二月二二日 / 令和元年5月1日 -> ISO date; None if not a full date."""
    from retrieval.numerals import wareki_to_iso

    return wareki_to_iso(text)


def _dates(lines: list[str]) -> dict:
    """施行日 and 最終改正 stated near the top of a page, e.g. "(平成28年6月23日施行)"."""
    meta: dict = {}
    for line in lines:
        if "effective_date" not in meta:
            enforced = _ENFORCED.search(line)
            if enforced:
                meta["effective_date"] = era_to_iso(enforced.group(1)) or enforced.group(1)
        if "last_amended" not in meta:
            amended = _AMENDED.search(line)
            if amended:
                meta["last_amended"] = amended.group(1)
    return meta


def _page_title(root) -> str | None:
    title = _clean(root.findtext(".//title") or "")
    title = _TITLE_SUFFIX.sub("", title).strip()
    if title:
        return title
    h1 = root.find(".//h1")
    return (_inline_text(h1) or None) if h1 is not None else None


# -- entry point ----------------------------------------------------------------------------
def load(path: Path) -> LoadedDocument:
    root = _parse(path)
    title = _page_title(root)  # before boilerplate removal: <title> lives in <head>
    _drop_code(root)
    primary = root.xpath(f"//div[@id='primary'][.//div[{_has_class('eline')}]]")
    if primary:
        # The side panel's "(平成28年6月23日施行)" is the page's only statement of the 施行日.
        side = [_inline_text(p) for p in root.xpath(f"//*[{_has_class('datenumber-area')}]")]
        head, reiki_title, meta = _reiki_head(primary[0])
        meta.update(_dates(side))
        body = _reiki_blocks(primary[0])
        amended = [b.text for b in body if b.heading_level == 2 and b.text.startswith("附")]
        dated = [m.group(1) for t in amended for m in [re.search(r"（(.+?日)", t)] if m]
        if dated:
            meta.setdefault("last_amended", dated[-1])
        blocks = head + body
        title = reiki_title or title
    else:
        _drop_boilerplate(root)
        blocks = _generic_blocks(_content_root(root))
        meta = _dates([b.text for b in blocks[:30]])
        if title is None:
            title = next((b.text for b in blocks if b.heading_level == 1), None)
    if not blocks:
        raise LoadError("HTML page has no text")
    return LoadedDocument(blocks=blocks, title=title, metadata=meta)
