"""gunicorn settings for the portal: `gunicorn consult.wsgi` reads this file from the working
directory (the Docker image's CMD runs it so). Every value can be changed with an environment
variable; docs/deployment.md says how to choose them.

GUNICORN_BIND             address to listen on                      0.0.0.0:8000
GUNICORN_WORKERS          worker processes                          2 x CPU cores + 1
GUNICORN_WORKER_CLASS     how a worker serves requests              gthread
GUNICORN_THREADS          threads per worker                        10
GUNICORN_TIMEOUT          seconds before a stuck worker is killed   30
GUNICORN_GRACEFUL_TIMEOUT seconds a worker gets to finish its requests on restart or shutdown  30
GUNICORN_KEEPALIVE        seconds an idle keep-alive connection stays open (behind a load balancer) 5
GUNICORN_MAX_REQUESTS     requests before a worker is replaced (0: never)  20000
GUNICORN_ACCESS_LOG       true: one JSON line a request on standard output  true
"""

import contextlib
import ctypes
import gc
import multiprocessing
import os
import select
import signal
import socket
import struct
import time


def _int(name, default):
    return int(os.environ.get(name) or default)


bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = _int("GUNICORN_WORKERS", 2 * multiprocessing.cpu_count() + 1)
# Threads, so that a busy process can still refuse the excess at once: the portal serves at most
# MAX_REQUESTS_IN_PROGRESS page views (4) and twice that many form posts (8) per process, and the
# threads beyond those wait briefly for a place (BUSY_WAIT_MS), then answer "very busy"
# (consult.middleware.LoadSheddingMiddleware). With sync workers, or no more threads than twice
# that limit, excess requests wait in a queue without bound instead.
# Each thread may keep a database connection open: workers x threads x copies connections at most.
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "gthread")
threads = _int("GUNICORN_THREADS", 10)
timeout = _int("GUNICORN_TIMEOUT", 30)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = _int("GUNICORN_KEEPALIVE", 5)
# Replacing workers now and then bounds any slow memory growth; the jitter stops them all
# restarting at once. Not too often: a new worker loads the portal again and starts with empty
# caches, and at a busy deadline (100 requests a second per worker) 1,000 would mean a restart
# every 10 seconds.
max_requests = _int("GUNICORN_MAX_REQUESTS", 20000)
max_requests_jitter = max_requests // 10
# Heartbeat files in memory, not on the container's (possibly slow) disk.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108
# The proxy in front terminates TLS; Django reads X-Forwarded-Proto itself (SECURE_PROXY_SSL_HEADER).
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")

_access_log = (os.environ.get("GUNICORN_ACCESS_LOG") or "true").lower() in {"true", "1", "yes", "on"}

# gunicorn's own logs, and its access log, as the same JSON lines as the portal's (consult.jsonlog),
# on standard output, never with the client's IP address. The access log has method, path, status,
# duration, bytes, user agent and the request id (the JSON formatter picks those; the plain format
# below, should anything print it, has no address either). gunicorn's own messages name the client
# of a request it could not parse: consult.jsonlog.GunicornErrorFilter takes that out.
access_log_format = '%(m)s %(U)s %(s)s %(M)sms %(B)s "%(a)s" %({x-request-id}o)s'
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "consult.jsonlog.JsonFormatter"}},
    "filters": {"no_client": {"()": "consult.jsonlog.GunicornErrorFilter"}},
    "handlers": {"stdout": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stdout"}},
    "root": {"level": "INFO", "handlers": ["stdout"]},
    "loggers": {
        "gunicorn.error": {"level": "INFO", "handlers": ["stdout"], "propagate": False, "filters": ["no_client"]},
        "gunicorn.access": {"level": "INFO" if _access_log else "WARNING", "handlers": ["stdout"], "propagate": False},
    },
}


def post_worker_init(worker):
    """Once the portal is loaded in a worker, move everything loaded so far out of the garbage
    collector's sight: its full collections then no longer walk the tens of thousands of objects
    of Django, the URL patterns and the templates on every pass (bench/load: about 8% more
    submissions a second and a lower p99, docs/performance.md)."""
    gc.freeze()
    stop_listening_when_stopping(worker)


PR_SET_PDEATHSIG = 1  # linux/prctl.h


def stop_listening_when_stopping(worker):
    """A stopping worker, and every worker of a master that died, closes its copy of the listening
    socket at once, then finishes the requests in hand.

    The kernel completes connections to a socket for as long as any process holds it open. gunicorn
    closes a stopping worker's copy only once its requests are done and its kept-alive connections
    have lingered (two seconds), and a worker notices its master's death only when its loop next
    wakes: meanwhile new connections are taken and then reset, which a load balancer cannot tell
    from a request lost. Closed at once, the port refuses them, and the balancer sends them to
    another node, form posts included, since nothing was sent. The master closes its own copy
    when it stops; a worker stopped alone (replaced, or on a reload) leaves the socket listening
    for the others."""
    if not hasattr(worker, "method_queue"):
        return  # the gthread worker's loop runs the closing; other worker classes keep gunicorn's way
    with_master = worker.ppid
    # The kernel sends SIGTERM, gunicorn's graceful stop, when the master dies, even by SIGKILL.
    # Elsewhere than Linux there is no prctl: the worker's own check of its parent remains.
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    graceful_stop = worker.handle_exit
    closing = False

    def handle_exit(sig, frame):
        nonlocal closing
        # Once: a master with threads of its own dies a thread at a time, and each sends the signal.
        if not closing:
            closing = True
            # Closed from the worker's own loop, which the signal wakes, not inside the handler.
            worker.method_queue.defer(close_listeners, worker)
        graceful_stop(sig, frame)

    signal.signal(signal.SIGTERM, handle_exit)
    signal.siginterrupt(signal.SIGTERM, False)
    if os.getppid() != with_master:
        handle_exit(signal.SIGTERM, None)  # the master died before the kernel was asked


def close_listeners(worker):
    # A master killed outright dies a thread at a time, and holds the socket open until its last
    # thread is gone, a moment after the first: until then what arrives is taken and served.
    deadline = time.monotonic() + 1
    take_waiting_connections(worker)
    while master_dying(worker) and time.monotonic() < deadline:
        time.sleep(0.005)
        take_waiting_connections(worker)
    if os.getppid() != worker.ppid:
        # Every worker is stopping: none may complete a connection between the last look at the
        # queue and the close, or it would be reset. A worker stopped alone leaves the shared
        # socket as it is for the others.
        refuse_new_connections(worker)
        take_waiting_connections(worker)
    worker.set_accept_enabled(False)
    for listener in worker.sockets:
        listener.close()


SO_ATTACH_FILTER = 26  # asm-generic/socket.h
# A classic BPF program of one instruction, "return 0": keep nothing of any packet.
DROP_EVERY_PACKET = struct.pack("HBBI", 0x06, 0, 0, 0)


def refuse_new_connections(worker):
    """Drop whatever arrives for the listening sockets, connection attempts included (the kernel
    runs a socket's filter on them too). A connection is then never completed only to be reset by
    the close: its sender tries again a second later, finds the port closed and is refused, which a
    load balancer takes as "try another node". The filter is on the socket, shared by every worker:
    only for a node whose workers are all stopping."""
    program = ctypes.create_string_buffer(DROP_EVERY_PACKET)
    # struct sock_fprog: the number of instructions, then a pointer to them (native alignment).
    fprog = struct.pack("HP", 1, ctypes.addressof(program))
    for listener in worker.sockets:
        with contextlib.suppress(OSError):
            listener.setsockopt(socket.SOL_SOCKET, SO_ATTACH_FILTER, fprog)


def take_waiting_connections(worker):
    """Connections the kernel has completed are taken and served, not reset by the close (a
    bounded number: a flood must not keep a stopping worker taking more)."""
    with contextlib.suppress(OSError):
        for listener in worker.sockets:
            for _ in range(100):
                if not select.select([listener], [], [], 0)[0]:
                    break
                worker.accept(listener)


def master_dying(worker):
    """Whether the master's main thread is gone while another of its threads still runs: the
    worker is still its child, and the master shows as a zombie."""
    if os.getppid() != worker.ppid:
        return False
    try:
        with open(f"/proc/{worker.ppid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] == "Z"
    except (OSError, IndexError):
        return False
