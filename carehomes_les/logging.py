"""Logs a team can search: one JSON object a line on stdout (``LOG_FORMAT=json``), or a readable
line for ``make run`` (``text``). Every record carries the id of the HTTP request it belongs to
(``request_id``, kept in a context variable by ``carehomes_les.request_log``), including the
records of Celery tasks that request queued (``carehomes_les.task_log``).

No personal data: the formatter writes only the fields named here (never a record's other
attributes, such as the ``request`` Django attaches to its errors, whose text carries the query
string), and ``RedactFilter`` takes NHS-number-shaped digits, email addresses and query strings
out of every message and traceback as a safety net. See ADR 0019.
"""

from __future__ import annotations

import contextvars
import datetime
import json
import logging
import re

#: The id of the HTTP request (or of the request that queued the running task); None outside one.
request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "request_id", default=None
)

# The structured fields a request or task line may carry, in the order they are written.
FIELDS = (
    "event",
    "request_id",
    "user_id",
    "method",
    "path",
    "status",
    "task",
    "task_id",
    "outcome",
    "duration_ms",
)

# 3-3-4 digits with an optional space or dash between the groups (how NHS numbers are written),
# not inside a longer run of digits or letters (so hex ids and 11-digit phone numbers are left).
# The check digit is not tested: a mistyped NHS number is still personal data.
NHS_NUMBER = re.compile(r"(?<![0-9A-Za-z])\d{3}[ -]?\d{3}[ -]?\d{4}(?![0-9A-Za-z])")
EMAIL = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
# A query string after a path or URL ("/register/?q=Smith"): it may carry names or NHS numbers.
QUERY = re.compile(r"(/[^\s?\"'<>]*)\?[^\s\"'<>]*")


def redact(text: str) -> str:
    """``text`` with NHS-number-shaped digits, email addresses and query strings taken out."""
    text = EMAIL.sub("[email]", text)
    text = NHS_NUMBER.sub("[nhs-number]", text)
    return QUERY.sub(r"\1?[query]", text)


class RedactFilter(logging.Filter):
    """On the handler, so it sees every record that reaches the console, from any logger: the
    message (with its arguments) and any traceback are redacted before a formatter sees them."""

    _formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message or record.args:
            record.msg, record.args = cleaned, None
        if record.exc_info and not record.exc_text:
            record.exc_text = self._formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        path = getattr(record, "path", None)
        if isinstance(path, str):
            record.path = redact(path)
        return True


class RequestIdFilter(logging.Filter):
    """Stamps each record with the current request id (unless it carries one already)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None:
            record.request_id = request_id_var.get()
        return True


def _utc(created: float) -> str:
    moment = datetime.datetime.fromtimestamp(created, tz=datetime.UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time (ISO 8601, UTC), level, logger, message, the request or task
    fields that are set, and the traceback as ``exception``. Written by hand rather than with
    python-json-logger: it is thirty lines, and a formatter that copies every extra attribute
    onto the line is the wrong default where attributes may hold personal data (ADR 0019)."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": _utc(record.created),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in FIELDS:
            value = getattr(record, name, None)
            if value is not None or name == "request_id":
                line[name] = value
        if line.get("event") == "request":
            line.setdefault("user_id", None)  # a request line always says who: a pk, or null
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            line["exception"] = record.exc_text
        if record.stack_info:
            line["stack"] = record.stack_info
        return json.dumps(line, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """A readable line for a developer's console, with the request id when there is one."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s%(rid)s %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        request_id = getattr(record, "request_id", None)
        record.rid = f" [{request_id}]" if request_id else ""
        return super().format(record)


def logging_config(*, log_format: str, level: str) -> dict:
    """``settings.LOGGING``: everything to one console handler on stdout, the request and task
    lines at INFO whatever ``LOG_LEVEL`` says (they are the searchable record of what happened),
    everything else at ``level``."""
    formatter = {"json": JsonFormatter, "text": TextFormatter}[log_format]
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {
            "request_id": {"()": RequestIdFilter},
            "redact": {"()": RedactFilter},
        },
        "formatters": {"default": {"()": formatter}},
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stdout",
                "formatter": "default",
                "filters": ["request_id", "redact"],
            }
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            # Django's errors (500s, 404s, bad hosts) go to our handler as JSON, not to its own
            # stderr handler, which would also write them (``mail_admins`` is unused here).
            "django": {"handlers": ["console"], "level": level, "propagate": False},
            # The development server's own access line carries the query string: ours replaces it.
            "django.server": {"handlers": ["console"], "level": "ERROR", "propagate": False},
            "carehomes_les.requests": {"level": "INFO"},
            "carehomes_les.tasks": {"level": "INFO"},
        },
    }
