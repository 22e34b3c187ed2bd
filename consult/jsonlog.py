"""Logs as one JSON object a line on standard output, for log collectors and `jq`.

Each record carries the id of the request it was written during (see RequestIdMiddleware), and
gunicorn's access log records become {"method", "path", "status", "duration_ms", ...} objects.
No IP address is ever written: the portal does not store raw IP addresses, logs included;
GunicornErrorFilter takes them out of gunicorn's own messages.
"""

import contextvars
import datetime
import json
import logging
import re

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


# Addresses that carry a secret: a link to continue a response, to stop emails, to preview a draft,
# to confirm or manage a subscription, to cancel a sign-up to an event.
# Whoever reads the logs must not be able to use them, so the token is left out wherever a path is
# logged (the access log, Django's "Not Found: <path>" warnings, the path of a record).
TOKEN_IN_PATH = re.compile(r"(/(?:continue|stop|preview|confirm|manage|cancel)/)[^/?#\s\"']+")


def without_tokens(text):
    return TOKEN_IN_PATH.sub(r"\1[token]", text) if isinstance(text, str) else text


class RequestIdFilter(logging.Filter):
    """Adds the current request's id to every record logged while it is being handled."""

    def filter(self, record):
        if not getattr(record, "request_id", None):
            record.request_id = current_request_id.get()
        return True


class GunicornErrorFilter(logging.Filter):
    """Takes the client out of gunicorn's own messages (its "gunicorn.error" log, gunicorn.conf.py).

    A request gunicorn cannot parse is logged as "Invalid request from ip=<address>: <what was
    wrong, quoting what the client sent>", and an error escaping the portal as "Error handling
    request <method> <path with its query string>". What the client sent and the query string can
    hold anything, an email address included, so both are left out: what remains says what went
    wrong and where."""

    INVALID_REQUEST = re.compile(r"^Invalid request from ip=\S*?: (?P<error>.*)$", re.DOTALL)
    # What gunicorn quotes of the request (repr of text or bytes).
    QUOTED = re.compile(r"b?'(?:[^'\\]|\\.)*'" + r'|b?"(?:[^"\\]|\\.)*"')

    def filter(self, record):
        message = record.getMessage()
        invalid = self.INVALID_REQUEST.match(message)
        if invalid:
            record.msg, record.args = "Invalid request: %s", (self.QUOTED.sub("…", invalid["error"]),)
        elif message.startswith("Error handling request ") and record.args:
            record.args = tuple(str(arg).split("?", 1)[0] for arg in record.args)
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
                    entry[name] = int(value) if name in {"status", "duration_ms", "bytes"} else without_tokens(value)
        else:
            entry["message"] = without_tokens(record.getMessage())
            request_id = getattr(record, "request_id", None)
            if request_id:
                entry["request_id"] = request_id
            status = getattr(record, "status_code", None)
            if status:
                entry["status"] = status
            request = getattr(record, "request", None)
            path = getattr(request, "path", None)
            if path:
                entry["path"] = without_tokens(path)
        if record.exc_info:
            entry["exception"] = without_tokens(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False, default=str)
