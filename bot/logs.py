"""Logging set-up: one format, and secrets redacted from every record whoever logs it."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterable

REDACTED = "[REDACTED]"
MIN_SECRET_LENGTH = 6
# Structured fields a record may carry (`extra=`); never personal data, by construction.
FIELDS = ("chat_id", "step", "event", "outcome")
# The lowest level at which these libraries' records carry no personal data.
_LIBRARY_FLOORS = {
    "httpx": logging.WARNING,
    "httpcore": logging.WARNING,
    "telegram": logging.INFO,
    "hpack": logging.WARNING,
}


class RedactSecrets(logging.Filter):
    """Replaces secrets (tokens) in a record's final message; libraries log URLs that hold them."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        # A token of a few characters (a placeholder such as "t" for the sandbox) guards
        # nothing, and masking every "t" would make the logs unreadable.
        self.secrets = [secret for secret in secrets if len(secret) >= MIN_SECRET_LENGTH]

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact(message, self.secrets)
        if redacted != message:
            record.msg, record.args = redacted, None
        if record.exc_info and record.exc_text is None and self.secrets:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text, self.secrets)
        return True


def redact(text: str, secrets: Iterable[str]) -> str:
    """`text` with every secret of a useful length replaced by [REDACTED]."""
    for secret in secrets:
        if len(secret) >= MIN_SECRET_LENGTH:
            text = text.replace(secret, REDACTED)
    return text


class JsonFormatter(logging.Formatter):
    """One JSON object per line, with the structured fields a record carries."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update({field: getattr(record, field) for field in FIELDS if hasattr(record, field)})
        if record.exc_info:
            entry["exception"] = record.exc_text or self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(level: str, secrets: Iterable[str], *, as_json: bool | None = None) -> None:
    """Log to stderr at `level` (JSON unless on a terminal), redacting the given secrets."""
    handler = logging.StreamHandler(sys.stderr)
    if as_json is None:
        as_json = not sys.stderr.isatty()
    text = logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s")
    handler.setFormatter(JsonFormatter() if as_json else text)
    handler.addFilter(RedactSecrets(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    quiet_libraries(root.level)


def quiet_libraries(level: int) -> None:
    """Raise the libraries' loggers to the floor at which they log no personal data."""
    # httpx logs every request URL at INFO: the Bot API's carry the token, status lookups a code.
    # PTB and httpcore log request parameters and update bodies at DEBUG: answers, names, phones.
    for library, floor in _LIBRARY_FLOORS.items():
        logging.getLogger(library).setLevel(max(floor, level))
