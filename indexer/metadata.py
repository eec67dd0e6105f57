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

# What an admin may write in a sidecar, a folder `_meta.yaml` or Markdown front matter. Anything
# else is refused: a misspelt `allowed_group:` would otherwise leave a restricted document public.
ADMIN_KEYS = frozenset({"title", "url", "category", "effective_date", "last_amended", "allowed_groups",
                        "number"})
# What loaders derive from the document itself (e-Gov XML, HTML), never written by hand.
LOADER_KEYS = frozenset({"law_id", "promulgation_date", "promulgated", "last_amendment_law"})

_AMENDED = re.compile(r"最終改正[:：]\s*([^\s（(]+?日)")


class MetadataError(LoadError):
    """Invalid metadata: the file fails and the run must be reported as failed (it may be an
    access restriction that did not apply)."""


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
    if path.is_symlink() or not path.is_file():
        # A link could make any file on the host this document's metadata.
        raise MetadataError(f"{path.name}: metadata file is a link or not a regular file")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise MetadataError(f"{path.name}: invalid YAML ({exc.__class__.__name__})") from exc
    if not isinstance(data, dict):
        raise MetadataError(f"{path.name}: metadata must be a mapping")
    return check_admin_metadata(data, path.name)


def check_admin_metadata(data: dict[str, Any], source: str, extra_keys: frozenset[str] = frozenset()
                         ) -> dict[str, Any]:
    """Refuse unknown keys and a malformed `allowed_groups`, naming the source and the key."""
    unknown = sorted(str(k) for k in data if k not in ADMIN_KEYS | extra_keys)
    if unknown:
        raise MetadataError(f"{source}: unknown metadata key(s) {', '.join(unknown)}"
                        f" (allowed: {', '.join(sorted(ADMIN_KEYS))})")
    if "allowed_groups" in data:
        _check_groups(data["allowed_groups"], source)
    return data


def _check_groups(groups: Any, source: str) -> None:
    if groups is None:
        raise MetadataError(f"{source}: allowed_groups is empty; write [] for a public document")
    items = [groups] if isinstance(groups, str) else groups
    if not isinstance(items, list) or not all(isinstance(g, str) and g.strip() for g in items):
        raise MetadataError(f"{source}: allowed_groups must be a group id or a list of group ids (strings)")


def collect_metadata(path: Path, corpus_dir: Path, loader_meta: dict[str, Any]) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for folder_file in _folder_files(path, corpus_dir):
        merged.update(read_yaml(folder_file))
    # Loader metadata includes Markdown front matter, written by hand like a sidecar.
    check_admin_metadata(loader_meta, f"{path.name} (front matter)", LOADER_KEYS)
    merged.update({k: v for k, v in loader_meta.items() if v not in (None, "")})
    if _sidecar(path).exists() or _sidecar(path).is_symlink():
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
    out["allowed_groups"] = tuple(str(g).strip() for g in groups)
    return out


def dates_in_text(blocks: list[TextBlock]) -> dict[str, str]:
    """The last-amendment date stated in a law's opening lines (e.g. 最終改正：平成二五年六月一四日)."""
    for block in blocks[:8]:
        match = _AMENDED.search(block.text)
        if match:
            return {"last_amended": wareki_to_iso(match.group(1)) or match.group(1)}
    return {}
