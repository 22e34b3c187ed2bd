#!/usr/bin/env python3
"""Failover benchmark: gunicorn nodes behind HAProxy (deploy/haproxy.cfg), one of them stopped
mid-load and started again, on PostgreSQL.

    .venv/bin/python bench/failover.py --stop kill      # SIGKILL node 1's master and workers at 1/3 of the run
    .venv/bin/python bench/failover.py --stop master    # SIGKILL its master only: the workers must stop too
    .venv/bin/python bench/failover.py --stop term      # SIGTERM its master: gunicorn's graceful stop, no drain
    .venv/bin/python bench/failover.py --stop drain     # drain it in HAProxy first, then SIGTERM (docs/deployment.md)
    .venv/bin/python bench/failover.py --stop none --nodes 3   # three nodes as docker-compose.scale.yml sizes them

What it does:
1. builds its own database as bench/load does (--database, dropped and created afresh: the demo
   consultation and --seed-comments seeded comments);
2. starts --nodes gunicorn nodes (gunicorn.conf.py, --workers x --threads each, bench/load's
   settings: DEBUG off, plain HTTP, the per-address submission limit raised) on 127.0.0.1, one
   `manage.py run_worker` sending the receipts to the dummy backend (its database connections count
   too), and HAProxy with deploy/haproxy.cfg unchanged, the nodes' addresses given through its
   environment variables;
3. runs bench/load's client against HAProxy (the same visits: a section page, and for
   --write-share of them the comment form posted and the confirmation page read), --warm-up
   seconds, then --duration seconds during which node 1 is stopped at one third (--stop) and
   started again at two thirds; HAProxy takes it back in once its checks pass;
4. reports what people saw: acknowledged submissions, and every one reconciled against the
   database (lost, duplicated), the portal's own 5xx by status, and the load balancer's own error
   pages (502, 503, 504) apart: the portal puts X-Request-ID on every answer, HAProxy's pages have
   none. From HAProxy's log it counts the requests it sent again to another node, and its own
   errors by how each ended; from its runtime API, when node 1 left and rejoined the pool. It
   samples PostgreSQL's connections to the database throughout and gives the most seen, against
   nodes x workers x threads plus the email worker's two. And, as bench/load, the time the host
   gave to other virtual machines (steal).

The logs (HAProxy's, each node's, the email worker's) are in bench/results/failover-*.log.
It exits 1 if any acknowledged submission is lost or duplicated.
"""

import argparse
import contextlib
import importlib.machinery
import importlib.util
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import types
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HAPROXY_CONFIG = ROOT / "deploy" / "haproxy.cfg"


def load_bench():
    """bench/load, whose client, database and gunicorn code this reuses."""
    loader = importlib.machinery.SourceFileLoader("bench_load", str(ROOT / "bench" / "load"))
    spec = importlib.util.spec_from_loader("bench_load", loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


bench = load_bench()


# --- HAProxy ------------------------------------------------------------------------------------


def haproxy_environment(listen, nodes, runtime_api):
    """The variables deploy/haproxy.cfg reads, for nodes at fixed addresses."""
    env = {"PORTAL_LISTEN": listen, "HAPROXY_RUNTIME_API": f"ipv4@{runtime_api}"}
    for number, address in enumerate(nodes, start=1):
        env[f"PORTAL_NODE_{number}"] = address
    return env


def runtime_api(address, command):
    """One command to HAProxy's runtime API; its answer."""
    host, port = address.rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=5) as connection:
        connection.sendall(command.encode() + b"\n")
        chunks = []
        while chunk := connection.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks).decode()


def server_states(address):
    """{server name: (operational state, administrative state)} of the portal backend:
    operational 0 down, 1 up but still given less than its share (slowstart), 2 up;
    administrative 0 ready, 8 drain (set from the API), 1 maintenance."""
    states = {}
    for line in runtime_api(address, "show servers state portal").splitlines():
        fields = line.split()
        if len(fields) > 6 and fields[1] == "portal":
            states[fields[3]] = (int(fields[5]), int(fields[6]))
    return states


def current_sessions(address, server):
    """Requests HAProxy has in progress on one server (the "scur" column of `show stat`)."""
    lines = runtime_api(address, "show stat").splitlines()
    header = lines[0].lstrip("# ").split(",")
    for line in lines[1:]:
        row = dict(zip(header, line.split(","), strict=False))
        if row.get("pxname") == "portal" and row.get("svname") == server:
            return int(row["scur"] or 0)
    return 0


def start_haproxy(env, log):
    if not shutil.which("haproxy"):
        sys.exit("HAProxy is not installed (apt-get install haproxy)")
    process = subprocess.Popen(
        ["haproxy", "-db", "-f", str(HAPROXY_CONFIG)], env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT
    )
    deadline = time.monotonic() + 20
    api = env["HAPROXY_RUNTIME_API"].removeprefix("ipv4@")
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"HAProxy stopped; see {log.name}")
        with contextlib.suppress(OSError):
            states = server_states(api)
            if states and all(operational == 2 for operational, _ in states.values()):
                return process
        time.sleep(0.2)
    process.kill()
    sys.exit(f"HAProxy did not see every node up within 20 s; see {log.name}")


def read_haproxy_log(path):
    """From HAProxy's log (deploy/haproxy.cfg's log-format: date, id, method, path, status, bytes,
    timers, backend/server, termination state, retries): the requests it sent again, and the
    answers it made itself, by status and termination state."""
    sent_again = Counter()
    own_errors = Counter()
    portal_5xx = Counter()
    requests = 0
    for line in Path(path).read_text(errors="replace").splitlines():
        fields = line.split()
        if len(fields) != 10 or not fields[4].isdigit():
            continue  # HAProxy's own messages (a server going down or up)
        requests += 1
        method, status, server, ended, retries = fields[2], int(fields[4]), fields[7], fields[8], fields[9]
        if retries != "0":
            sent_again[f"{method} sent again{' to another node' if retries.startswith('+') else ''}"] += 1
        if status >= 500 and ended != "----":
            own_errors[f"{method} {status} ({ended}, {server})"] += 1
        elif status >= 500:
            portal_5xx[f"{method} {status}"] += 1
    return requests, sent_again, own_errors, portal_5xx


def read_node_logs(paths):
    """The portal's own account of its refusals and failures, from the nodes' JSON log lines:
    {"too busy": n (LoadShedding's 503), "<level> <logger>": n for every other warning or error}."""
    found = Counter()
    for path in paths:
        for line in Path(path).read_text(errors="replace").splitlines():
            if not line.startswith("{"):
                continue
            entry = json.loads(line)
            if entry.get("message", "").startswith("Too busy"):
                found["too busy"] += 1
            elif entry.get("level") in {"WARNING", "ERROR", "CRITICAL"}:
                found[f"{entry['level']} {entry.get('logger')}: {entry.get('message', '')[:60]}"] += 1
    return found


# --- The nodes ----------------------------------------------------------------------------------


class Node:
    """One gunicorn master and its workers on 127.0.0.1:port, as a copy of the web service."""

    def __init__(self, number, port, env, log_dir):
        self.number, self.port = number, port
        runtime = log_dir / f"failover-node{number}-run"
        runtime.mkdir(exist_ok=True)
        # gunicorn's control socket goes in XDG_RUNTIME_DIR: one per node.
        self.env = {**env, "GUNICORN_BIND": f"127.0.0.1:{port}", "XDG_RUNTIME_DIR": str(runtime)}
        self.log_path = log_dir / f"failover-node{number}.log"
        self.master = None
        self.workers = []

    def start(self):
        with open(self.log_path, "a") as log:
            self.master = bench.start_gunicorn(types.SimpleNamespace(port=self.port), self.env, log)
        self.workers = bench.worker_pids(self.master.pid)

    def processes(self):
        return [self.master.pid, *self.workers]

    def signal(self, which, sig):
        targets = {"master": [self.master.pid], "all": self.processes()}[which]
        for pid in filter(alive, targets):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, sig)

    def wait_stopped(self, timeout=60):
        """Until the master and every worker are gone; SIGKILL whatever is left after `timeout`."""
        deadline = time.monotonic() + timeout
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.master.wait(timeout=timeout)
        while any(alive(pid) for pid in self.workers) and time.monotonic() < deadline:
            time.sleep(0.05)
        self.signal("all", signal.SIGKILL)
        self.master.wait()

    def stop(self):
        if self.master and self.master.poll() is None:
            self.signal("master", signal.SIGTERM)
            self.wait_stopped()


def alive(pid):
    """Whether a process runs (a zombie child whose parent has not waited for it does not)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


# --- Stopping node 1, and watching -------------------------------------------------------------


class Stopper(threading.Thread):
    """Stops node 1 at `stop_at` seconds into the run by `how`, starts it again at `start_at`,
    and notes when each step happened and when HAProxy took the node out and back."""

    def __init__(self, node, how, stop_at, start_at, api):
        super().__init__(daemon=True)
        self.node, self.how, self.stop_at, self.start_at, self.api = node, how, stop_at, start_at, api
        self.events = []
        self.began = None
        self.done = threading.Event()

    def note(self, what):
        self.events.append((time.monotonic() - self.began, what))

    def run(self):
        self.began = time.monotonic()
        server = f"node{self.node.number}"
        watcher = threading.Thread(target=self.watch, args=(server,), daemon=True)
        watcher.start()
        time.sleep(max(0.0, self.stop_at - (time.monotonic() - self.began)))
        if self.how == "drain":
            runtime_api(self.api, f"set server portal/{server} state drain")
            self.note("node 1 set to drain in HAProxy")
            deadline = time.monotonic() + 30
            while current_sessions(self.api, server) and time.monotonic() < deadline:
                time.sleep(0.05)
            self.note("node 1 has no request in progress")
        if self.how == "kill":
            self.node.signal("all", signal.SIGKILL)
            self.note("node 1's master and workers SIGKILLed")
        elif self.how == "master":
            self.node.signal("master", signal.SIGKILL)
            self.note("node 1's master SIGKILLed")
        elif self.how in {"term", "drain"}:
            self.node.signal("master", signal.SIGTERM)
            self.note("node 1's master sent SIGTERM")
        self.node.wait_stopped()
        self.note("node 1's processes all gone")
        time.sleep(max(0.0, self.start_at - (time.monotonic() - self.began)))
        self.node.start()
        self.note("node 1 started again and answering")
        if self.how == "drain":
            runtime_api(self.api, f"set server portal/{server} state ready")
            self.note("node 1 set to ready in HAProxy")
        self.done.set()

    def watch(self, server):
        last = None
        while not self.done.is_set() or last != (2, 0):
            with contextlib.suppress(OSError):
                state = server_states(self.api).get(server)
                if state != last and state is not None:
                    operational, administrative = state
                    words = {0: "down", 1: "up, starting slowly", 2: "up"}.get(operational, f"state {operational}")
                    admin = {0: "", 8: ", draining", 1: ", in maintenance"}.get(
                        administrative, f", admin {administrative}"
                    )
                    self.note(f"HAProxy sees node 1 {words}{admin}")
                    last = state
            time.sleep(0.05)


class ConnectionCounter(threading.Thread):
    """The most connections to `database` PostgreSQL had at once, sampled every 0.1 s."""

    def __init__(self, url, database):
        super().__init__(daemon=True)
        self.url, self.database = url, database
        self.most = 0
        self.stopped = threading.Event()

    def run(self):
        connection = bench.psycopg2_connect(self.url, autocommit=True)
        try:
            while not self.stopped.is_set():
                with connection.cursor() as cursor:
                    cursor.execute(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                        [self.database],
                    )
                    self.most = max(self.most, cursor.fetchone()[0])
                self.stopped.wait(0.1)
        finally:
            connection.close()


# --- The run ------------------------------------------------------------------------------------


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--stop",
        choices=["kill", "master", "term", "drain", "none"],
        default="kill",
        help="how node 1 is stopped at 1/3 of the run: kill (SIGKILL master and workers), master (SIGKILL "
        "the master only), term (SIGTERM: gunicorn's graceful stop), drain (drained in HAProxy, then SIGTERM), "
        "none (default: kill)",
    )
    parser.add_argument("--nodes", type=int, choices=[2, 3], default=2, help="gunicorn nodes (default 2)")
    parser.add_argument("--duration", type=float, default=60, help="seconds of load measured (default 60)")
    parser.add_argument("--warm-up", type=float, default=5, help="seconds of load first (default 5)")
    parser.add_argument(
        "--rate", type=float, default=60, help="visits started per second (default 60: one node alone can take it)"
    )
    parser.add_argument("--write-share", type=float, default=0.5, help="share of visits that post (default 0.5)")
    parser.add_argument("--clients", type=int, default=64, help="client threads (default 64)")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers per node (default 3)")
    parser.add_argument("--threads", type=int, default=10, help="threads per worker (default 10)")
    parser.add_argument("--seed-comments", type=int, default=20_000, help="comments seeded (default 20000)")
    parser.add_argument("--port", type=int, default=8780, help="HAProxy's port; the nodes take the next ones")
    parser.add_argument("--admin-url", default="postgres://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--database", default="consult_bench_failover")
    parser.add_argument("--redis-url", default="", help="REDIS_URL for the portal's cache (default: none)")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    url = bench.database_url(args.admin_url, args.database)
    listen = f"127.0.0.1:{args.port}"
    api = f"127.0.0.1:{args.port + 10}"
    node_ports = [args.port + number for number in range(1, args.nodes + 1)]
    for port in [args.port, args.port + 10, *node_ports]:
        if bench.port_in_use(port):
            sys.exit(f"Something already listens on 127.0.0.1:{port}: choose another --port")
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "DATABASE_", "GUNICORN_"))}
    env.update(
        DATABASE_URL=url,
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_DEBUG="false",
        DJANGO_HTTPS="false",
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DJANGO_CSRF_TRUSTED_ORIGINS=f"http://{listen}",
        RATE_LIMIT_SUBMISSIONS_PER_HOUR="100000000",
        RATE_LIMIT_FORMS_PER_RESPONSE_PER_HOUR="100000000",
        RATE_LIMIT_RECEIPTS_PER_DAY="100000000",
        EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend",
        LOG_LEVEL="WARNING",
        GUNICORN_WORKERS=str(args.workers),
        GUNICORN_THREADS=str(args.threads),
        GUNICORN_ACCESS_LOG="false",
    )
    if args.redis_url:
        env["REDIS_URL"] = args.redis_url
    print(f"Preparing {args.database} with {args.seed_comments} comments…", flush=True)
    paths = bench.prepare_database(
        types.SimpleNamespace(admin_url=args.admin_url, database=args.database, seed_comments=args.seed_comments), env
    )
    log_dir = ROOT / "bench" / "results"
    log_dir.mkdir(exist_ok=True)
    haproxy_log_path = log_dir / "failover-haproxy.log"
    nodes = [Node(number, port, env, log_dir) for number, port in enumerate(node_ports, start=1)]
    for node in nodes:
        node.log_path.write_text("")
    load_before = os.getloadavg()
    counter = ConnectionCounter(url, args.database)
    with open(haproxy_log_path, "w") as haproxy_log, open(log_dir / "failover-email.log", "w") as email_log:
        email_workers = bench.start_workers(1, env, email_log)
        haproxy = None
        try:
            for node in nodes:
                node.start()
            haproxy = start_haproxy(
                haproxy_environment(listen, [f"127.0.0.1:{p}" for p in node_ports], api), haproxy_log
            )
            counter.start()
            load = {"clients": args.clients, "write_share": args.write_share, "rate": args.rate}
            warm_up = bench.run_load(f"http://{listen}", paths, duration=args.warm_up, **load)
            stopper = Stopper(nodes[0], args.stop, args.duration / 3, 2 * args.duration / 3, api)
            started = []

            def on_tick(elapsed):
                if args.stop != "none" and not started:
                    started.append(True)
                    stopper.start()

            machine_before = bench.machine_seconds()
            results = bench.run_load(f"http://{listen}", paths, duration=args.duration, on_tick=on_tick, **load)
            machine, stolen = (
                after - before for after, before in zip(bench.machine_seconds(), machine_before, strict=True)
            )
            if started:
                stopper.done.wait(timeout=120)
            time.sleep(0.5)  # HAProxy writes the last log lines
        finally:
            counter.stopped.set()
            if haproxy:
                haproxy.send_signal(signal.SIGUSR1)  # soft stop: let the log be written
                with contextlib.suppress(subprocess.TimeoutExpired):
                    haproxy.wait(timeout=10)
                haproxy.kill()
            for node in nodes:
                node.stop()
            for worker in email_workers:
                worker.send_signal(signal.SIGTERM)
            for worker in email_workers:
                try:
                    worker.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    worker.kill()
    results.warm_up_acknowledged = len(warm_up.acknowledged)
    results.acknowledged = {**warm_up.acknowledged, **results.acknowledged}
    results.unacknowledged_posts += warm_up.unacknowledged_posts
    for kind, count in warm_up.errors.items():
        results.errors[f"{kind} (warm-up)"] += count
    outcome = bench.reconcile(results.acknowledged, bench.stored_markers(url))
    cores = os.cpu_count()
    title = (
        f"Failover benchmark: {args.nodes} gunicorn nodes ({args.workers} workers x {args.threads} threads each) "
        f"behind HAProxy, node 1 stopped by {args.stop!r} at {args.duration / 3:.0f} s and started again at "
        f"{2 * args.duration / 3:.0f} s; open loop at {args.rate:g} visits/s, write share {args.write_share:.0%}, "
        f"{args.clients} client threads, {cores} CPUs, load average {load_before[0]:.1f} before the run, "
        f"after a {args.warm_up:g} s warm-up"
    )
    print(bench.report(results, outcome, title=title, cores=None))
    if started:
        print("Node 1: " + "; ".join(f"{seconds:.2f} s {what}" for seconds, what in stopper.events))
    requests, sent_again, own_errors, portal_5xx = read_haproxy_log(haproxy_log_path)
    print(
        f"HAProxy's log: {requests} requests; sent again: {dict(sent_again) or 'none'}; "
        f"its own error pages: {dict(own_errors) or 'none'}; the portal's 5xx: {dict(portal_5xx) or 'none'}"
    )
    print(f"The nodes' logs (warm-up included): {dict(read_node_logs(node.log_path for node in nodes)) or 'nothing'}")
    lb_errors = {kind: count for kind, count in results.errors.items() if "load balancer" in kind}
    portal_errors = {
        kind: count
        for kind, count in results.errors.items()
        if kind not in lb_errors and any(f" {status}" in kind for status in range(500, 600))
    }
    print(
        f"As the client saw them: the portal's 5xx {portal_errors or 'none'}; the load balancer's {lb_errors or 'none'}"
    )
    budget = args.nodes * args.workers * args.threads
    print(
        f"PostgreSQL connections to {args.database}: at most {counter.most} at once (the bound: {args.nodes} nodes x "
        f"{args.workers} workers x {args.threads} threads = {budget}, + 2 for the email worker)"
    )
    capacity = results.duration * cores
    print(
        f"CPU over the run: {stolen:.1f} core-seconds taken by the host for other machines (steal, "
        f"{stolen / capacity:.0%} of {capacity:.0f}); the machine busy {machine / capacity:.0%}"
    )
    return 1 if outcome["lost"] or outcome["duplicated"] or outcome["misfiled"] else 0


if __name__ == "__main__":
    sys.exit(main())
