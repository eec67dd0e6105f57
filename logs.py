"""Logging set-up with personal data redaction.

Staff may paste a マイナンバー, phone number or e-mail address into a question; such values must
never reach the logs, whatever a log call formats into its message.
"""
from __future__ import annotations

import logging
import re

_PATTERNS = [
    (re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"), "[email]"),
    # マイナンバー (12 digits) and 法人番号 (13), with optional separators
    (re.compile(r"(?<![A-Za-z0-9-])\d{4}[- ]?\d{4}[- ]?\d{4,5}(?![A-Za-z0-9-])"), "[id-number]"),
    # Japanese phone numbers: 03-1234-5678, 090-1234-5678, 0312345678, +81 3 1234 5678
    # (not inside ids such as activity or conversation ids: no letter, digit or hyphen around)
    (re.compile(r"(?<![A-Za-z0-9-])(?:\+81[- ]?|0)\d{1,4}[- ]?\d{1,4}[- ]?\d{3,4}(?![A-Za-z0-9-])"), "[phone]"),
]


def redact(text: str) -> str:
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        record.msg, record.args = redact(message), None
        return True


def configure_logging(level: str = "INFO") -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
