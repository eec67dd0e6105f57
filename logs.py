"""Logging set-up with personal data redaction, as structured JSON lines keyed by activity id.

Staff may paste a マイナンバー, phone number or e-mail address into a question or a feedback box;
such values must never reach the logs or the feedback file, whatever a log call formats into its
message, and whatever an exception message carries into a traceback.

Redaction must also be cheap on hostile input: it runs on user text of up to a few hundred KB, so
every pattern is linear-time (bounded quantifiers, no nested unbounded repetition), and matching
runs on a width-normalised copy of the text (full-width digits, letters and the many dash
characters mapped one-to-one to ASCII) so one pattern covers ０３－１２３４ and 03‐1234 alike.
"""
from __future__ import annotations

import contextvars
import json
import logging
import re
import traceback
from datetime import datetime, UTC

# The activity a log line belongs to: set by the HTTP edge for each turn (asyncio tasks copy it).
activity_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("activity_id", default=None)

_base_record_factory = logging.getLogRecordFactory()


def _record_with_activity_id(*args, **kwargs) -> logging.LogRecord:
    """Stamp each record with the current turn's activity id when it is created (formatting may
    happen later, elsewhere, or in another context)."""
    record = _base_record_factory(*args, **kwargs)
    if not hasattr(record, "activity_id"):
        record.activity_id = activity_id_var.get()
    return record


if getattr(logging.getLogRecordFactory(), "__name__", "") != _record_with_activity_id.__name__:
    logging.setLogRecordFactory(_record_with_activity_id)

_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u30fc\uff0d\uff70\ufe63\u2043"


def _normalising_table() -> dict[int, str]:
    """One character in, one character out, so match offsets in the copy are offsets in the text."""
    table = {0xFF10 + i: str(i) for i in range(10)}  # ０-９
    table.update({0xFF21 + i: chr(ord("A") + i) for i in range(26)})  # Ａ-Ｚ
    table.update({0xFF41 + i: chr(ord("a") + i) for i in range(26)})  # ａ-ｚ
    table.update({ord(c): "-" for c in _DASHES})
    table.update({ord("\u3000"): " ", ord("\u00a0"): " ", ord("\t"): " ", ord("＠"): "@", ord("．"): ".",
                  ord("＋"): "+", ord("（"): "(", ord("）"): ")", ord("＿"): "_", ord("％"): "%",
                  ord("："): ":"})
    return table


_NORMALISE = _normalising_table()

# Number-like values must not start or end inside an id (activity ids, conversation ids, uuids,
# hex trace ids): no letter or digit directly around, and no "x-" / "-x" joining them to one.
_START = r"(?<![A-Za-z0-9_])(?<![A-Za-z0-9]-)"
_END = r"(?![A-Za-z0-9_])(?!-[A-Za-z0-9])"
_SEP = r"[- .]?"

# (pattern on the normalised copy, replacement). Earlier patterns win where matches overlap.
_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    # e-mail (ASCII after normalisation; bounded parts keep this linear on long word runs)
    (re.compile(r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){1,8}"),
     "[email]"),
    # postal codes written with 〒 or 郵便番号
    (re.compile(r"(?:〒|郵便番号)[ :]{0,3}[0-9]{3}-?[0-9]{4}(?![0-9])"), "[postal-code]"),
    # payment-card-like numbers: 4-4-4-4 (3-4 groups) or 14-19 digits in one run
    (re.compile(_START + r"(?:[0-9]{4}[- ]){3}[0-9]{1,7}" + _END), "[card-number]"),
    (re.compile(_START + r"[0-9]{14,19}" + _END), "[card-number]"),
    # マイナンバー (12 digits) and 法人番号 (13), with optional separators
    (re.compile(_START + r"[0-9]{4}" + _SEP + r"[0-9]{4}" + _SEP + r"[0-9]{4,5}" + _END), "[id-number]"),
    (re.compile(_START + r"[0-9][ -]?[0-9]{4}[ -][0-9]{4}[ -][0-9]{4}" + _END), "[id-number]"),  # 法人番号 1-4-4-4
    # 基礎年金番号 1234-567890
    (re.compile(_START + r"[0-9]{4}-[0-9]{6}" + _END), "[id-number]"),
    # Japanese phone numbers: +81 forms, (03)1234-5678, 03(1234)5678, 03-1234-5678, 0312345678,
    # 0120-123-456, with any dash, dot or space as separator
    (re.compile(_START + r"\+81[ -]?(?:\(0\)[ -]?)?[0-9]{1,4}(?:[- .]|\)[ -]?)?[0-9]{1,4}" + _SEP + r"[0-9]{3,4}"
                + _END), "[phone]"),
    (re.compile(r"(?<![A-Za-z0-9])\(0[0-9]{1,4}\)[ -]?[0-9]{1,4}" + _SEP + r"[0-9]{3,4}" + _END), "[phone]"),
    (re.compile(_START + r"0[0-9]{1,4}\([0-9]{1,4}\)[0-9]{3,4}" + _END), "[phone]"),
    (re.compile(_START + r"0[0-9]{1,4}" + _SEP + r"[0-9]{1,4}" + _SEP + r"[0-9]{3,4}" + _END), "[phone]"),
]


def redact(text: str) -> str:
    """Replace personal data in `text` with [kind] markers. Linear in len(text)."""
    if not text:
        return text
    normalised = text.translate(_NORMALISE)
    taken = bytearray(len(text))
    spans: list[tuple[int, int, str]] = []
    for pattern, replacement in _PATTERNS:
        for match in pattern.finditer(normalised):
            start, end = match.span()
            if any(taken[start:end]):
                continue
            taken[start:end] = b"\x01" * (end - start)
            spans.append((start, end, replacement))
    if not spans:
        return text
    spans.sort()
    parts, position = [], 0
    for start, end, replacement in spans:
        parts.append(text[position:start])
        parts.append(replacement)
        position = end
    parts.append(text[position:])
    return "".join(parts)


class RedactingFilter(logging.Filter):
    """Redacts the formatted message (arguments included) of every record it sees."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        record.msg, record.args = redact(message), None
        return True


def _redacted_traceback(exc_info) -> str:
    # Exception messages end up in the traceback text; they may quote user input.
    return redact("".join(traceback.format_exception(*exc_info)).rstrip())


class RedactingTextFormatter(logging.Formatter):
    def formatException(self, ei) -> str:  # noqa: N802 (logging's API)
        return _redacted_traceback(ei)

    def formatStack(self, stack_info: str) -> str:  # noqa: N802
        return redact(stack_info)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, activity_id, then `extra` fields."""

    _STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime", "activity_id"}

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": redact(record.getMessage()),
        }
        activity_id = getattr(record, "activity_id", None) or activity_id_var.get()
        if activity_id:
            entry["activity_id"] = activity_id
        for key, value in vars(record).items():
            if key not in self._STANDARD and key not in entry and not key.startswith("_"):
                entry[key] = redact(value) if isinstance(value, str) else value
        if record.exc_info:
            entry["exception"] = _redacted_traceback(record.exc_info)
        if record.stack_info:
            entry["stack"] = redact(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def configure_logging(level: str = "INFO", fmt: str = "json") -> None:
    handler = logging.StreamHandler()
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(RedactingTextFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
