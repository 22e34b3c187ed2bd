"""Scaling out: the load balancer's configuration (deploy/haproxy.cfg) and its error pages, and
gunicorn stopping promptly. HAProxy runs here against small stub nodes; bench/failover.py runs it
in front of the real portal (docs/performance.md, "Failover behind the load balancer")."""

import contextlib
import http.client
import http.server
import importlib.util
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import types
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "deploy" / "haproxy.cfg"

needs_haproxy = pytest.mark.skipif(
    not shutil.which("haproxy"), reason="HAProxy is not installed (apt-get install haproxy)"
)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(port, path="/", method="GET", body=None, timeout=5):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        headers = {"Content-Type": "application/x-www-form-urlencoded"} if body else {}
        connection.request(method, path, body=body, headers=headers)
        answer = connection.getresponse()
        return answer.status, dict(answer.getheaders()), answer.read().decode()
    finally:
        connection.close()


# --- The configuration ----------------------------------------------------------------------------


@needs_haproxy
@pytest.mark.parametrize(
    "nodes",
    [{}, {"PORTAL_NODE_1": "127.0.0.1:8001", "PORTAL_NODE_2": "127.0.0.1:8002"}],
    ids=["docker compose's copies", "nodes at fixed addresses"],
)
def test_haproxy_finds_the_configuration_valid(nodes):
    env = {key: value for key, value in os.environ.items() if not key.startswith(("PORTAL_", "HAPROXY_"))}
    checked = subprocess.run(
        ["haproxy", "-c", "-f", str(CONFIG)], env={**env, **nodes}, capture_output=True, text=True, check=False
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "Configuration file is valid" in checked.stdout


def test_the_balancer_routes_on_liveness_not_readiness():
    config = CONFIG.read_text()
    assert "http-check send meth GET uri /healthz/live" in config
    assert "/healthz/ready" not in config.split("option httpchk")[1]


def test_the_balancer_sends_again_only_what_is_safe_to_send_again():
    config = CONFIG.read_text()
    assert re.search(r"^\s+retry-on conn-failure empty-response junk-response$", config, re.MULTILINE)
    assert "option redispatch" in config
    # Only GET and HEAD are sent again once a node has had them; the portal's 503 never is.
    assert re.search(r"^\s+http-request disable-l7-retry unless METH_GET$", config, re.MULTILINE)
    assert " 503" not in re.search(r"retry-on .*", config).group()


def test_the_error_pages_are_in_step_with_the_portals_503_page():
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "SITE_NAME"))}
    checked = subprocess.run(
        [sys.executable, "deploy/error_pages.py", "--check"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert checked.returncode == 0, checked.stderr


def test_the_error_pages_fit_in_haproxys_buffer():
    # HAProxy refuses an error page over its buffer (16 kB) less the room kept for rewriting headers.
    for page in (ROOT / "deploy" / "errors").glob("*.html"):
        assert len(page.read_bytes()) < 12_000, page.name


def test_the_error_pages_say_when_to_come_back_as_the_portals_503_page_does(client):
    config = CONFIG.read_text()
    pages = re.findall(r"^\s+http-error status (50[234]) .*$", config, re.MULTILINE)
    assert sorted(pages) == ["502", "503", "504"]
    portal_policy = client.get("/healthz/live").headers["Content-Security-Policy"]
    for line in re.findall(r"^\s+http-error status .*$", config, re.MULTILINE):
        assert f"hdr Retry-After {settings.DATABASE_UNAVAILABLE_RETRY_AFTER} " in line
        assert "hdr Cache-Control no-store" in line
        policy = re.search(r'hdr Content-Security-Policy "([^"]*)"', line).group(1)
        assert directives(policy) == directives(portal_policy)


def directives(policy):
    return {directive.strip() for directive in policy.split(";")}


# --- HAProxy in front of stub nodes ---------------------------------------------------------------


class StubNode(http.server.ThreadingHTTPServer):
    """A node that passes the balancer's liveness check, and then either answers every request or
    closes the connection without a word, as a node killed while serving it. Counts the requests
    it was sent, by method."""

    daemon_threads = True

    def __init__(self, answers):
        self.answers = answers
        self.received = []
        super().__init__(("127.0.0.1", 0), StubHandler)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def address(self):
        return f"127.0.0.1:{self.server_address[1]}"


class StubHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def answer(self):
        if self.path != "/healthz/live":
            self.server.received.append(self.command)
            if not self.server.answers:
                self.close_connection = True
                return
        body = b"ok\n"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Request-ID", self.headers.get("X-Request-ID", ""))
        self.end_headers()
        self.wfile.write(body)

    do_GET = answer

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.answer()


@contextlib.contextmanager
def haproxy(*nodes):
    """HAProxy with deploy/haproxy.cfg in front of the given "host:port" nodes; yields its port
    once it has checked every node."""
    port, api = free_port(), free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith(("PORTAL_", "HAPROXY_"))}
    env.update(PORTAL_LISTEN=f"127.0.0.1:{port}", HAPROXY_RUNTIME_API=f"ipv4@127.0.0.1:{api}")
    for number, address in enumerate(nodes, start=1):
        env[f"PORTAL_NODE_{number}"] = address
    process = subprocess.Popen(
        ["haproxy", "-db", "-f", str(CONFIG)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        # Each node is checked once a second; two checks decide whether it is down.
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError):
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            time.sleep(0.05)
        time.sleep(2.5)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=10)


def refused_address():
    """An address where nothing listens: a node that is down."""
    return f"127.0.0.1:{free_port()}"


@needs_haproxy
def test_with_every_node_down_a_page_view_gets_the_portals_unavailable_page_with_retry_after():
    with haproxy(refused_address(), refused_address()) as port:
        status, headers, page = get(port, "/consultations/")
    assert status == 503
    assert headers["retry-after"] == "30"
    assert headers["cache-control"] == "no-store"
    assert headers["content-type"] == "text/html; charset=utf-8"
    assert "Sorry, the service is unavailable" in page
    assert "Please try again in a few minutes." in page
    # A page view sent nothing: no word on what was saved.
    assert "saved" not in page
    assert "%" not in page.replace("100%", "")


@needs_haproxy
def test_with_every_node_down_a_form_post_is_told_it_was_not_saved():
    with haproxy(refused_address(), refused_address()) as port:
        status, headers, page = get(port, "/consultations/x/draft/y/", method="POST", body="comment=hello")
    assert status == 503
    assert headers["retry-after"] == "30"
    assert "Sorry, the service is unavailable" in page
    assert "What you sent has not been saved." in page


@needs_haproxy
def test_a_page_view_that_a_node_drops_is_sent_to_another_node():
    dropping, answering = StubNode(answers=False), StubNode(answers=True)
    with haproxy(dropping.address, answering.address) as port:
        statuses = [get(port, "/consultations/")[0] for _ in range(4)]
    assert statuses == [200, 200, 200, 200]
    assert dropping.received.count("GET") >= 1
    assert answering.received.count("GET") == 4


@needs_haproxy
def test_a_form_post_that_a_node_drops_is_never_sent_again_and_is_told_we_cannot_tell():
    first, second = StubNode(answers=False), StubNode(answers=False)
    with haproxy(first.address, second.address) as port:
        status, headers, page = get(port, "/consultations/x/draft/y/", method="POST", body="comment=hello")
    assert status == 502
    assert headers["retry-after"] == "30"
    assert "Sorry, the service is unavailable" in page
    assert "We cannot tell whether what you sent was saved." in page
    assert "will not be saved twice" in page
    assert first.received + second.received == ["POST"]


@needs_haproxy
def test_the_runtime_api_drains_a_node_as_docs_deployment_says():
    first, second = StubNode(answers=True), StubNode(answers=True)
    port, api = free_port(), free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith(("PORTAL_", "HAPROXY_"))}
    env.update(
        PORTAL_LISTEN=f"127.0.0.1:{port}",
        HAPROXY_RUNTIME_API=f"ipv4@127.0.0.1:{api}",
        PORTAL_NODE_1=first.address,
        PORTAL_NODE_2=second.address,
    )
    process = subprocess.Popen(
        ["haproxy", "-db", "-f", str(CONFIG)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        time.sleep(1)
        # The bash one-liner docs/deployment.md gives for the HAProxy container, which has no socat.
        command = f'exec 3<>/dev/tcp/127.0.0.1/{api}; echo "set server portal/node1 state drain" >&3; cat <&3'
        subprocess.run(["bash", "-c", command], check=True, timeout=5)
        for _ in range(4):
            assert get(port, "/consultations/")[0] == 200
    finally:
        process.terminate()
        process.wait(timeout=10)
    assert first.received == []
    assert second.received == ["GET"] * 4


# --- gunicorn stops taking connections at once ------------------------------------------------------


@pytest.fixture
def gunicorn_node(tmp_path):
    """gunicorn with gunicorn.conf.py, as a node runs it, on a free port; yields (master, port,
    the path of its log)."""
    port = free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DATABASE_", "GUNICORN_"))}
    env.update(
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        DJANGO_DEBUG="false",
        DJANGO_HTTPS="false",
        EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend",
        GUNICORN_BIND=f"127.0.0.1:{port}",
        GUNICORN_WORKERS="2",
        GUNICORN_ACCESS_LOG="false",
        XDG_RUNTIME_DIR=str(tmp_path),
        LOG_LEVEL="WARNING",
    )
    log = open(tmp_path / "gunicorn.log", "w")  # noqa: SIM115
    # The portal loaded once, before the workers are forked: each is ready to serve a moment after
    # it appears, however busy the machine, which is what the tests below need to know.
    master = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "consult.wsgi", "--config", "gunicorn.conf.py", "--preload"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    workers = []
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and len(workers) < 2:
            with contextlib.suppress(OSError, http.client.HTTPException):
                get(port, "/healthz/live", timeout=1)
            workers = children(master.pid)
            time.sleep(0.2)
        time.sleep(1)  # every worker has started its loop
        yield master, port, tmp_path / "gunicorn.log"
    finally:
        for pid in [master.pid, *workers, *children(master.pid)]:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        master.wait()
        log.close()


def children(pid):
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            with contextlib.suppress(OSError, IndexError):
                if Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[1] == str(pid):
                    found.append(int(entry))
    return found


def probe(port, timeout=3):
    """What a load balancer meets at the port: an answer's status, "refused", or "hangs"
    (connected, then no answer within the timeout, or the connection reset)."""
    try:
        return get(port, "/healthz/live", timeout=timeout)[0]
    except ConnectionRefusedError:
        return "refused"
    except (TimeoutError, ConnectionResetError, http.client.RemoteDisconnected):
        return "hangs"


def idle_connections(port, count):
    """Kept-alive connections with one request served on each, as a load balancer holds them."""
    held = []
    for _ in range(count):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        connection.request("GET", "/healthz/live")
        connection.getresponse().read()
        held.append(connection)
    return held


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the master's death is signalled by Linux")
@pytest.mark.parametrize("stop", [signal.SIGKILL, signal.SIGTERM], ids=["master killed", "graceful stop"])
def test_a_stopping_node_refuses_connections_at_once_rather_than_leaving_them_hanging(gunicorn_node, stop):
    master, port, log = gunicorn_node
    held = idle_connections(port, 6)
    workers = children(master.pid)
    master.send_signal(stop)
    seen = []
    started = time.monotonic()
    while time.monotonic() - started < 3:
        seen.append(probe(port))
        time.sleep(0.05)
    assert "hangs" not in seen, seen
    assert seen[-1] == "refused", seen
    # The workers finish what they had in hand and stop.
    deadline = time.monotonic() + 10
    while any(Path(f"/proc/{pid}").exists() and "Z" not in stat_state(pid) for pid in workers):
        assert time.monotonic() < deadline
        time.sleep(0.1)
    assert "Exception in worker process" not in log.read_text()
    for connection in held:
        connection.close()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="socket filters are Linux's")
def test_a_stopping_nodes_socket_completes_no_new_connection_and_then_refuses_it():
    # What closes the last gap: between a worker's last look at the waiting connections and its
    # close, a connection completed by the kernel would be reset; with the filter it never
    # completes, and its second attempt, after the close, is refused.
    spec = importlib.util.spec_from_file_location("gunicorn_conf", ROOT / "gunicorn.conf.py")
    conf = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(conf)
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    conf.refuse_new_connections(types.SimpleNamespace(sockets=[listener]))
    threading.Timer(0.3, listener.close).start()
    started = time.monotonic()
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=5)
    assert time.monotonic() - started >= 0.3  # not completed while the socket was still open


def test_a_node_reloading_its_workers_keeps_every_connection(gunicorn_node):
    # On a reload the old workers stop while the new ones load the portal: connections wait for
    # them (a second or two) and must be neither refused nor reset.
    master, port, _ = gunicorn_node
    held = idle_connections(port, 4)
    old_workers = children(master.pid)
    master.send_signal(signal.SIGHUP)
    seen = []
    started = time.monotonic()
    while time.monotonic() - started < 4:
        seen.append(probe(port, timeout=10))
        time.sleep(0.05)
    assert set(seen) == {200}
    assert not set(old_workers) & set(children(master.pid))
    for connection in held:
        connection.close()


def stat_state(pid):
    with contextlib.suppress(OSError, IndexError):
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    return "Z"


def test_a_worker_stopped_alone_leaves_the_node_answering(gunicorn_node):
    # gunicorn replaces a worker now and then (GUNICORN_MAX_REQUESTS) and on a reload: the
    # listening socket must stay open for the other worker and the master. The signal comes twice
    # here, as it does to every worker of a master that dies a thread at a time.
    master, port, log = gunicorn_node
    held = idle_connections(port, 4)
    worker = children(master.pid)[0]
    os.kill(worker, signal.SIGTERM)
    os.kill(worker, signal.SIGTERM)
    seen = []
    started = time.monotonic()
    while time.monotonic() - started < 3:
        seen.append(probe(port))
        time.sleep(0.05)
    assert set(seen) == {200}
    assert "Exception in worker process" not in log.read_text()
    for connection in held:
        connection.close()


# --- bench/failover's reading of HAProxy's log ------------------------------------------------


def load_failover_bench():
    spec = importlib.util.spec_from_file_location("bench_failover", ROOT / "bench" / "failover.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


HAPROXY_LOG = """\
07/Dec/2026:07:49:46.760 c2d3 GET "/consultations/x/draft/a/" 200 32173 8/0/14/22 portal/node2 ---- +1
07/Dec/2026:07:49:46.814 6e76 POST "/consultations/x/draft/a/" 302 939 0/0/59/59 portal/node2 ---- +1
07/Dec/2026:07:49:47.001 aa01 POST "/consultations/x/draft/b/" 502 3101 0/0/-1/12 portal/node1 SH-- 0
07/Dec/2026:07:49:47.101 aa02 GET "/consultations/x/draft/b/" 503 2703 -1/-1/-1/0 portal/<NOSRV> SC-- 0
07/Dec/2026:07:49:47.201 aa03 GET "/consultations/x/draft/c/" 503 3185 0/0/238/238 portal/node1 ---- 0
[WARNING]  (2742) : Server portal/node1 is DOWN, reason: Health analyze. 1 active and 0 backup servers left.
"""


def test_the_failover_benchmark_tells_the_balancers_errors_from_the_portals(tmp_path):
    log = tmp_path / "haproxy.log"
    log.write_text(HAPROXY_LOG)
    requests, sent_again, own_errors, portal_5xx = load_failover_bench().read_haproxy_log(log)
    assert requests == 5
    assert sent_again == {"GET sent again to another node": 1, "POST sent again to another node": 1}
    assert own_errors == {"POST 502 (SH--, portal/node1)": 1, "GET 503 (SC--, portal/<NOSRV>)": 1}
    assert portal_5xx == {"GET 503": 1}


def test_the_failover_benchmark_reads_the_portals_refusals_from_the_nodes_logs(tmp_path):
    log = tmp_path / "node.log"
    log.write_text(
        '{"level": "INFO", "logger": "gunicorn.error", "message": "Booting worker with pid: 1"}\n'
        '{"level": "WARNING", "logger": "consult.middleware", "message": "Too busy: refused a GET with 503"}\n'
        '{"level": "ERROR", "logger": "django.request", "message": "Service Unavailable: /x/"}\n'
        "/path/base.py:61: UserWarning: No directory at: staticfiles/\n"
    )
    found = load_failover_bench().read_node_logs([log])
    assert found == {"too busy": 1, "ERROR django.request: Service Unavailable: /x/": 1}


def test_the_load_benchmark_counts_an_error_page_without_the_portals_request_id_as_the_balancers():
    bench = load_failover_bench().bench
    results = bench.Results()

    class Answer:
        def __init__(self, status, headers):
            self.status, self.headers = status, headers

        def getheader(self, name, default=None):
            return self.headers.get(name, default)

    results.error("read 503", Answer(503, {"Retry-After": "30"}))
    results.error("read 503", Answer(503, {"Retry-After": "10", "X-Request-ID": "abc12345"}))
    results.error("write 502", Answer(502, {"Retry-After": "30"}))
    assert results.errors == {
        "read 503 with Retry-After from the load balancer": 1,
        "read 503 with Retry-After": 1,
        "write 502 from the load balancer": 1,
    }
