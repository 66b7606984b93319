"""Logs: JSON lines for machines, readable lines for a person at a terminal. Nothing here ever logs API keys
or prompt text: callers pass ids.

``log_format`` "auto" picks by where stderr goes: a terminal gets ``12:00:01 INFO    gateway   gateway ready
models=paramstack-tiny`` (coloured unless ``NO_COLOR`` is set), anything else (a pipe, a file, a container
runtime's collector) gets one JSON object per line, the same fields either way. ``log_format: json`` or ``text``
(``PARAMSTACK_LOG_FORMAT``) decides instead.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from datetime import UTC, datetime
from typing import Any, TextIO

_STANDARD_ATTRIBUTES = set(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {
    "message",
    "asctime",
    "color_message",
}  # uvicorn's ANSI-coloured copy of the message: never logged twice
_SHORT_NAMES = {"uvicorn.error": "server", "uvicorn": "server"}  # uvicorn logs its life cycle as "uvicorn.error"
_LEVEL_COLOURS = {
    "DEBUG": "\x1b[2m",
    "INFO": "\x1b[32m",
    "WARNING": "\x1b[33m",
    "ERROR": "\x1b[31m",
    "CRITICAL": "\x1b[1;31m",
}


def _extra(record: logging.LogRecord) -> dict[str, Any]:
    return {k: v for k, v in record.__dict__.items() if k not in _STANDARD_ATTRIBUTES}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update(_extra(record))
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """One readable line: local time, level, logger (without the ``paramstack.`` prefix), message, key=value."""

    def __init__(self, colour: bool = False) -> None:
        super().__init__()
        self._colour = colour

    def format(self, record: logging.LogRecord) -> str:
        when = datetime.fromtimestamp(record.created).strftime("%H:%M:%S")
        level = f"{record.levelname:<7}"
        if self._colour:
            level = f"{_LEVEL_COLOURS.get(record.levelname, '')}{level}\x1b[0m"
        name = _SHORT_NAMES.get(record.name, record.name.removeprefix("paramstack."))
        fields = " ".join(f"{k}={_plain(v)}" for k, v in _extra(record).items())
        line = f"{when} {level} {name:<9} {record.getMessage()}" + (f"  {fields}" if fields else "")
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


def _plain(value: Any) -> str:
    if isinstance(value, list | tuple):
        return ",".join(str(v) for v in value)
    text = str(value)
    return json.dumps(text, ensure_ascii=False) if (" " in text or not text) else text


def use_text(log_format: str, stream: TextIO | None = None) -> bool:
    if log_format != "auto":
        return log_format == "text"
    stream = stream if stream is not None else sys.stderr
    return bool(getattr(stream, "isatty", lambda: False)())


def make_formatter(log_format: str = "json") -> logging.Formatter:
    return TextFormatter(colour=not os.environ.get("NO_COLOR")) if use_text(log_format) else JsonFormatter()


def configure_logging(level: str, log_format: str = "json") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(make_formatter(log_format))
    root = logging.getLogger("paramstack")
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    root.propagate = False


def uvicorn_log_config(level: str, log_format: str = "json") -> dict[str, Any]:
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"paramstack": {"()": make_formatter, "log_format": log_format}},
        "handlers": {
            "stderr": {"class": "logging.StreamHandler", "formatter": "paramstack", "stream": "ext://sys.stderr"}
        },
        "loggers": {
            "uvicorn": {"handlers": ["stderr"], "level": level.upper(), "propagate": False},
            "uvicorn.error": {"handlers": ["stderr"], "level": level.upper(), "propagate": False},
        },
    }
