"""Prompt and message texts live as files in this folder; this is the tiny loader."""
from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml

PROMPT_DIR = Path(__file__).parent


@cache
def load_prompt(name: str) -> str:
    return (PROMPT_DIR / name).read_text(encoding="utf-8")


@cache
def messages(language: str) -> dict[str, str]:
    """User-facing texts for 'ja' or 'en' (anything else falls back to Japanese)."""
    table = yaml.safe_load(load_prompt("messages.yaml"))
    return table.get(language) or table["ja"]


def render(template: str, **values: str) -> str:
    """Fill {name} placeholders. str.replace, not str.format: legal text may contain braces."""
    for name, value in values.items():
        template = template.replace("{" + name + "}", value)
    return template
