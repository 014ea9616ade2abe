"""Structured JSON log lines: one object per line, never object data or credential values.

Callers pass only identifiers (uid, kind, namespace, name, user, rule ids), decisions and
timings; messages of findings stay out of logs, so a rule that words a message badly
still cannot leak through them.
"""

from __future__ import annotations

import datetime
import json
import logging
from typing import Any

log = logging.getLogger("podwarden.webhook")


def event(event_name: str, level: int = logging.INFO, **fields: Any) -> None:
    """Log one event as a JSON object (skipped cheaply when its level is off)."""
    if log.isEnabledFor(level):
        log.log(level, json.dumps({"event": event_name, **fields}, separators=(",", ":"), default=str))


class JsonFormatter(logging.Formatter):
    """Adds time and level to our JSON lines; wraps other libraries' text as JSON."""

    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        stamp = datetime.datetime.fromtimestamp(record.created, datetime.UTC).isoformat(
            timespec="milliseconds"
        )
        head = f'{{"ts":"{stamp}","level":"{record.levelname.lower()}",'
        if message.startswith("{") and message.endswith("}"):
            return head + message[1:]
        body = {"event": "log", "logger": record.name, "message": message}
        if record.exc_info:
            body["exception"] = record.exc_info[0].__name__ if record.exc_info[0] else ""
        return head + json.dumps(body, separators=(",", ":"))[1:]


def configure(level: str = "info") -> None:
    """Send every logger (ours, uvicorn's) to stderr as JSON lines."""
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    # a line per admission request: skip what no line prints (the logging HOWTO's
    # "Optimization": caller frame, thread and process names)
    logging._srcfile = None
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False
