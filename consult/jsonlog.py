"""Logs as one JSON object a line on standard output, for log collectors and `jq`.

Each record carries the id of the request it was written during (see RequestIdMiddleware), and
gunicorn's access log records become {"method", "path", "status", "duration_ms", ...} objects.
No IP address is ever written: the portal does not store raw IP addresses, logs included.
"""

import contextvars
import datetime
import json
import logging

current_request_id = contextvars.ContextVar("current_request_id", default=None)

# Fields of gunicorn's access log record (its "atoms") that we keep, under clearer names.
# Deliberately absent: "h" (the remote address), the query string and the referrer.
GUNICORN_ACCESS_FIELDS = {
    "m": "method",
    "U": "path",
    "s": "status",
    "M": "duration_ms",
    "B": "bytes",
    "a": "user_agent",
    "{x-request-id}o": "request_id",
}


class RequestIdFilter(logging.Filter):
    """Adds the current request's id to every record logged while it is being handled."""

    def filter(self, record):
        if not getattr(record, "request_id", None):
            record.request_id = current_request_id.get()
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record):
        entry = {
            "time": datetime.datetime.fromtimestamp(record.created, tz=datetime.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
        }
        if record.name == "gunicorn.access" and isinstance(record.args, dict):
            entry["message"] = "request"
            for atom, name in GUNICORN_ACCESS_FIELDS.items():
                value = record.args.get(atom)
                if value not in (None, "-"):
                    entry[name] = int(value) if name in {"status", "duration_ms", "bytes"} else value
        else:
            entry["message"] = record.getMessage()
            request_id = getattr(record, "request_id", None)
            if request_id:
                entry["request_id"] = request_id
            status = getattr(record, "status_code", None)
            if status:
                entry["status"] = status
            request = getattr(record, "request", None)
            path = getattr(request, "path", None)
            if path:
                entry["path"] = path
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)
