"""Log records as one JSON object per line (production) or as plain text (``make run``), each
with the id of the request or job it was written for (config/requestid.py)."""

from __future__ import annotations

import datetime
import json
import logging

from config.requestid import request_id_get


class RequestIdFilter(logging.Filter):
    """Puts ``record.request_id`` on every record, so both formats can show it."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", ""):
            record.request_id = request_id_get()
        return True


class JsonFormatter(logging.Formatter):
    """time (UTC, ISO 8601), level, logger, message, request_id, and exception when there is
    one: the fields a log shipper indexes. Non-ASCII text stays readable (Chinese names)."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.datetime.fromtimestamp(record.created, tz=datetime.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "") or request_id_get(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)
