"""Operations: the health check, the database-down 503 page, JSON logs, gunicorn."""

import contextlib
import json
import logging
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from unittest import mock

import pytest
from django.db import OperationalError

from consult.jsonlog import GunicornErrorFilter, JsonFormatter, RequestIdFilter, current_request_id

ROOT = Path(__file__).resolve().parent.parent
REAL_LOOKING_KEY = "k3Jd9s-83jdKs0_2kdmLq8Zp1xV7cB4nW6yT5rE0uI9oP3aS2dF1gH8jK7lM6"
UNREACHABLE_POSTGRES = "postgres://postgres@127.0.0.1:9/nothing_here"


def clean_env(**env):
    clean = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "DATABASE_"))}
    clean.update(DJANGO_SECRET_KEY=REAL_LOOKING_KEY, DJANGO_SETTINGS_MODULE="consult.settings", **env)
    return clean


@pytest.mark.django_db
def test_health_check_answers_ok_and_nothing_more_to_the_public(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok\n"
    assert response["Cache-Control"] == "no-store"
    assert client.get("/healthz/ready").content == b"ok\n"


@pytest.mark.django_db
def test_health_check_gives_the_email_queue_figures_only_with_the_token(client, settings):
    settings.HEALTH_CHECK_TOKEN = "a-long-random-token-for-monitoring"
    assert client.get("/healthz").content == b"ok\n"
    assert client.get("/healthz", headers={"Authorization": "Bearer wrong"}).content == b"ok\n"
    response = client.get("/healthz", headers={"Authorization": "Bearer a-long-random-token-for-monitoring"})
    assert response.content == (
        b"ok\n"
        b"email_queue_waiting 0\n"
        b"email_queue_oldest_seconds 0\n"
        b"email_queue_delayed 0\n"
        b"email_queue_retrying 0\n"
        b"email_queue_failed_last_7_days 0\n"
    )


@pytest.mark.django_db
def test_without_a_token_set_no_header_reveals_the_figures(client, settings):
    settings.HEALTH_CHECK_TOKEN = ""
    assert client.get("/healthz", headers={"Authorization": "Bearer "}).content == b"ok\n"


@pytest.mark.django_db
def test_liveness_answers_ok_while_the_database_is_down_and_readiness_does_not(client):
    with mock.patch("consult.middleware.transaction.atomic", side_effect=OperationalError("connection refused")):
        live = client.get("/healthz/live")
        ready = client.get("/healthz/ready")
    assert (live.status_code, live.content) == (200, b"ok\n")
    assert (ready.status_code, ready.content) == (503, b"database unavailable\n")


@pytest.mark.django_db
def test_readiness_fails_when_the_database_answers_too_slowly(client, settings):
    settings.HEALTH_CHECK_DATABASE_MS = 0
    response = client.get("/healthz/ready")
    assert response.status_code == 503
    assert response.content == b"database too slow\n"
    assert response["Retry-After"] == "30"


@pytest.mark.django_db
def test_health_check_answers_for_any_host_name_so_load_balancers_can_probe_each_copy(client):
    assert client.get("/healthz", headers={"Host": "10.0.3.7:8000"}).status_code == 200
    assert client.get("/", headers={"Host": "10.0.3.7:8000"}).status_code == 400


@pytest.mark.django_db
def test_health_check_answers_503_without_a_traceback_when_the_database_fails(client):
    with mock.patch("consult.middleware.transaction.atomic", side_effect=OperationalError("connection refused")):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.content == b"database unavailable\n"
    assert response["Retry-After"] == "30"


@pytest.mark.django_db
def test_a_public_page_shows_the_friendly_503_page_when_the_database_is_down(client):
    client.raise_request_exception = False
    with mock.patch(
        "guidance.public.pages.Consultation.objects.in_list_order",
        side_effect=OperationalError("server closed the connection"),
    ):
        response = client.get("/")
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    page = response.content.decode()
    assert "Sorry, the service is unavailable" in page
    assert "Traceback" not in page and "OperationalError" not in page


@pytest.mark.django_db
def test_other_errors_are_not_dressed_up_as_503(client):
    client.raise_request_exception = False
    with mock.patch("guidance.public.pages.Consultation.objects.in_list_order", side_effect=ValueError("a bug")):
        assert client.get("/").status_code == 500


UNREACHABLE_PROBE = """
import django
django.setup()
from django.test import Client
from django.test.utils import setup_test_environment
setup_test_environment()
client = Client(raise_request_exception=False)
health = client.get("/healthz")
home = client.get("/", secure=True)
print("RESULT", health.status_code, health.content.decode().strip(), home.status_code, home["Retry-After"],
      "Sorry, the service is unavailable" in home.content.decode())
"""


def test_with_postgresql_unreachable_healthz_and_pages_answer_503_quickly():
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-c", UNREACHABLE_PROBE],
        cwd=ROOT,
        env=clean_env(DATABASE_URL=UNREACHABLE_POSTGRES, DATABASE_CONNECT_TIMEOUT="2"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    result_line = [line for line in result.stdout.splitlines() if line.startswith("RESULT")][0]
    assert result_line == "RESULT 503 database unavailable 503 30 True"
    assert time.monotonic() - started < 30


@pytest.mark.django_db
def test_each_response_carries_a_request_id_and_keeps_a_sane_one_from_the_proxy(client):
    generated = client.get("/healthz")["X-Request-ID"]
    assert len(generated) == 32
    assert client.get("/healthz", headers={"X-Request-ID": "lb-1234abcd"})["X-Request-ID"] == "lb-1234abcd"
    forged = client.get("/healthz", headers={"X-Request-ID": 'bad" id\n{json}'})["X-Request-ID"]
    assert forged != 'bad" id\n{json}' and len(forged) == 32


def format_record(name, msg, args=(), **extra):
    record = logging.LogRecord(name, logging.INFO, __file__, 1, msg, args, None)
    record.__dict__.update(extra)
    RequestIdFilter().filter(record)
    return json.loads(JsonFormatter().format(record))


def test_log_lines_are_json_with_the_request_id_of_the_request_being_handled():
    token = current_request_id.set("abc123def456")
    try:
        entry = format_record("guidance", "Honeypot filled in on %s", ("/consultations/x/",))
    finally:
        current_request_id.reset(token)
    assert entry["message"] == "Honeypot filled in on /consultations/x/"
    assert entry["level"] == "INFO" and entry["logger"] == "guidance"
    assert entry["request_id"] == "abc123def456"


def test_gunicorn_access_lines_are_json_with_path_status_and_request_id_but_no_ip_address():
    atoms = {
        "h": "203.0.113.9",
        "m": "POST",
        "U": "/consultations/x/draft/y/",
        "q": "email=someone@example.org",
        "s": "302",
        "M": 42,
        "B": 0,
        "a": "Mozilla/5.0",
        "{x-request-id}o": "f00dfeed1234",
    }
    entry = format_record("gunicorn.access", "%(h)s %(r)s", atoms)
    assert entry["method"] == "POST" and entry["path"] == "/consultations/x/draft/y/"
    assert entry["status"] == 302 and entry["duration_ms"] == 42
    assert entry["request_id"] == "f00dfeed1234"
    assert "203.0.113.9" not in json.dumps(entry)
    assert "someone@example.org" not in json.dumps(entry)


def test_gunicorn_settings_come_from_the_environment():
    code = "import runpy, json; c = runpy.run_path('gunicorn.conf.py'); print(json.dumps([c[k] for k in "
    code += "['bind', 'workers', 'threads', 'timeout', 'graceful_timeout', 'keepalive', 'max_requests']]))"
    env = clean_env(
        GUNICORN_BIND="127.0.0.1:9000",
        GUNICORN_WORKERS="5",
        GUNICORN_THREADS="2",
        GUNICORN_TIMEOUT="20",
        GUNICORN_GRACEFUL_TIMEOUT="25",
        GUNICORN_KEEPALIVE="7",
        GUNICORN_MAX_REQUESTS="0",
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)
    assert json.loads(result.stdout) == ["127.0.0.1:9000", 5, 2, 20, 25, 7, 0]


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def gunicorn_serving(tmp_path, output):
    """gunicorn with the portal's gunicorn.conf.py on a free port; its standard output, as JSON
    lines, is appended to `output` once it has stopped."""
    port = free_port()
    env = clean_env(
        DATABASE_URL=f"sqlite:///{tmp_path / 'gunicorn.sqlite3'}",
        GUNICORN_BIND=f"127.0.0.1:{port}",
        GUNICORN_WORKERS="1",
    )
    gunicorn = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "consult.wsgi", "--config", "gunicorn.conf.py"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        for _ in range(100):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz/live", timeout=2) as answer:  # noqa: S310
                    assert answer.status == 200
                    break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("gunicorn did not answer")
        yield port
    finally:
        gunicorn.terminate()
        stdout, _ = gunicorn.communicate(timeout=30)
        output.extend(json.loads(line) for line in stdout.splitlines() if line.strip())


def test_gunicorn_serves_the_health_check_and_logs_json_lines_to_stdout(tmp_path):
    lines = []
    with gunicorn_serving(tmp_path, lines):
        pass
    access = [line for line in lines if line["logger"] == "gunicorn.access"]
    assert access[0]["path"] == "/healthz/live" and access[0]["status"] == 200
    assert len(access[0]["request_id"]) == 32
    assert "127.0.0.1" not in json.dumps(access)


def send_raw(port, request, source):
    """Send bytes to gunicorn from the loopback address `source`, as a client there would."""
    with socket.create_connection(("127.0.0.1", port), timeout=10, source_address=(source, 0)) as sock:
        sock.sendall(request)
        answer = b""
        while chunk := sock.recv(4096):
            answer += chunk
    return answer.split(b"\r\n", 1)[0].decode()


def test_gunicorn_says_what_was_wrong_with_a_request_without_the_clients_address_or_what_it_sent(tmp_path):
    lines = []
    client = "127.0.0.3"
    with gunicorn_serving(tmp_path, lines) as port:
        assert " 400 " in send_raw(port, b"GET /?email=ann@example.org HTTP/9.9\r\n\r\n", client)
        assert " 400 " in send_raw(port, b"GET /?email=ann@example.org HTTP/1.1 x\r\nHost: a\r\n\r\n", client)
        ok = b"GET /healthz/live?email=ann@example.org HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
        assert " 200 " in send_raw(port, ok, client)
    errors = [line["message"] for line in lines if line["logger"] == "gunicorn.error"]
    assert sum(message.startswith("Invalid request: Invalid HTTP") for message in errors) == 2, errors
    assert any(line.get("path") == "/healthz/live" and line.get("status") == 200 for line in lines)
    assert client not in json.dumps(lines)
    assert "ann@example.org" not in json.dumps(lines)


def test_gunicorn_error_lines_keep_the_path_of_a_failed_request_but_not_its_query_string():
    record = logging.LogRecord(
        "gunicorn.error",
        logging.ERROR,
        __file__,
        1,
        "Error handling request %s %s",
        ("POST", "/x/?email=a@b.org"),
        None,
    )
    GunicornErrorFilter().filter(record)
    assert record.getMessage() == "Error handling request POST /x/"


def test_gunicorns_plain_access_log_format_has_no_client_address_or_query_string():
    code = "import runpy; print(runpy.run_path('gunicorn.conf.py')['access_log_format'])"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=clean_env(), capture_output=True, text=True)
    access_log_format = result.stdout.strip()
    assert "%(U)s" in access_log_format
    for atom in ["%(h)s", "%(r)s", "%(q)s", "%(f)s", "%({x-forwarded-for}i)s"]:
        assert atom not in access_log_format


@pytest.mark.parametrize(
    "path",
    [
        "/consultations/x/continue/eyJyIjo1LCJ2IjowfQ:1abc:sig-part/",
        "/emails/stop/eyJyIjpbNV19:1abc:sig/",
        "/consultations/x/preview/eyJwIjozfQ:1abc:sig/",
    ],
)
def test_the_tokens_in_links_are_never_written_to_the_logs(path):
    atoms = {"m": "GET", "U": path, "s": "410", "M": 3, "B": 0, "a": "Mozilla/5.0", "{x-request-id}o": "f00dfeed1234"}
    access = format_record("gunicorn.access", "%(h)s %(r)s", atoms)
    warning = format_record("django.request", "Gone: %s", (path,), request=mock.Mock(path=path), status_code=410)
    logged = json.dumps([access, warning])
    assert "sig" not in logged and "eyJ" not in logged
    assert "[token]" in access["path"] and "[token]" in warning["message"] and "[token]" in warning["path"]
