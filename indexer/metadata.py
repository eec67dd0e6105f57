"""Per-document metadata from sidecar YAML files, merged with what the loader found.

Precedence (later wins): folder `_meta.yaml` files from the corpus root down, then the file's own
metadata (e.g. Markdown front matter, e-Gov law number), then `<file>.meta.yaml` beside the file.
"""
from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from indexer.document import LoadError, TextBlock
from retrieval.numerals import wareki_to_iso

FOLDER_META = "_meta.yaml"
SIDECAR_SUFFIX = ".meta.yaml"

_AMENDED = re.compile(r"最終改正[:：]\s*([^\s（(]+?日)")


def is_metadata_file(path: Path) -> bool:
    return path.name == FOLDER_META or path.name.endswith(SIDECAR_SUFFIX)


def _folder_files(path: Path, corpus_dir: Path) -> list[Path]:
    """Folder `_meta.yaml` files from the corpus root down to the file's folder."""
    folders = [path.parent, *[p for p in path.parent.parents if p == corpus_dir or corpus_dir in p.parents]]
    return [f / FOLDER_META for f in reversed(folders) if (f / FOLDER_META).exists()]


def _sidecar(path: Path) -> Path:
    return path.with_name(path.name + SIDECAR_SUFFIX)


def metadata_sources(path: Path, corpus_dir: Path) -> list[Path]:
    """Every YAML file that affects `path` (hashed with it, so editing one re-indexes the file)."""
    sidecar = _sidecar(path)
    return _folder_files(path, corpus_dir) + ([sidecar] if sidecar.exists() else [])


def read_yaml(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise LoadError(f"{path.name}: invalid YAML ({exc.__class__.__name__})") from exc
    if not isinstance(data, dict):
        raise LoadError(f"{path.name}: metadata must be a mapping")
    return data


def collect_metadata(path: Path, corpus_dir: Path, loader_meta: dict[str, Any]) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for folder_file in _folder_files(path, corpus_dir):
        merged.update(read_yaml(folder_file))
    merged.update({k: v for k, v in loader_meta.items() if v not in (None, "")})
    if _sidecar(path).exists():
        merged.update(read_yaml(_sidecar(path)))
    return _clean(merged)


def _clean(meta: dict[str, Any]) -> dict[str, Any]:
    """Normalise types so the index stores strings and tuples, whatever YAML produced."""
    out = dict(meta)
    for key in ("effective_date", "last_amended"):
        if isinstance(out.get(key), date):
            out[key] = out[key].isoformat()
        elif isinstance(out.get(key), str):
            out[key] = wareki_to_iso(out[key]) or out[key]  # 令和六年五月三一日 -> 2024-05-31
    groups = out.get("allowed_groups") or ()
    if isinstance(groups, str):
        groups = [groups]
    out["allowed_groups"] = tuple(str(g) for g in groups)
    return out


def dates_in_text(blocks: list[TextBlock]) -> dict[str, str]:
    """The last-amendment date stated in a law's opening lines (e.g. 最終改正：平成二五年六月一四日)."""
    for block in blocks[:8]:
        match = _AMENDED.search(block.text)
        if match:
            return {"last_amended": wareki_to_iso(match.group(1)) or match.group(1)}
    return {}
