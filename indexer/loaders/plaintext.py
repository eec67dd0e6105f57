"""Plain-text laws (e.g. the 2013 e-Gov text dumps): one block per non-empty line."""
from __future__ import annotations

from pathlib import Path

from indexer.document import LoadedDocument, LoadError, TextBlock

_ENCODINGS = ("utf-8-sig", "cp932", "euc-jp")


def read_text(path: Path) -> str:
    """Decode Japanese text files, which still arrive as Shift_JIS or EUC-JP now and then."""
    raw = path.read_bytes()
    if b"\x00" in raw[:4096]:
        raise LoadError("binary content in a text file")
    for encoding in _ENCODINGS:
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise LoadError(f"not decodable as {', '.join(_ENCODINGS)}")


def load(path: Path) -> LoadedDocument:
    lines = [line.strip() for line in read_text(path).splitlines()]
    blocks = [TextBlock(line) for line in lines if line]
    # The first line of an e-Gov text dump is the law's title.
    title = blocks[0].text if blocks and len(blocks[0].text) <= 80 else None
    return LoadedDocument(blocks=blocks, title=title)
