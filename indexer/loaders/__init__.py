"""File-format loaders: each turns one file into a `LoadedDocument` (lines + page numbers).

The registry maps a file suffix to the module that reads it. Modules are imported lazily so a
missing optional parser only affects its own format.
"""
from __future__ import annotations

import importlib
from pathlib import Path
from collections.abc import Callable

from indexer.document import LoadedDocument

Loader = Callable[[Path], LoadedDocument]

# suffix -> module under indexer.loaders exposing `load(path) -> LoadedDocument`
_MODULE_BY_SUFFIX = {
    ".md": "markdown",
    ".markdown": "markdown",
    ".txt": "plaintext",
    ".pdf": "pdf",
    ".docx": "docx",
    ".html": "html",
    ".htm": "html",
    ".xml": "egov_xml",
}


def loader_for(path: Path) -> Loader | None:
    """The loader for `path`, or None when the format is not supported."""
    module_name = _MODULE_BY_SUFFIX.get(path.suffix.lower())
    if module_name is None:
        return None
    module = importlib.import_module(f"indexer.loaders.{module_name}")
    return module.load
