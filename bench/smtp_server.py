#!/usr/bin/env python3
"""A local mail server for the benchmarks: a sink that accepts every message, or one that accepts
connections and never answers (a mail server that hangs).

    .venv/bin/python bench/smtp_server.py --port 2525 --mode sink --record /tmp/received.txt
    .venv/bin/python bench/smtp_server.py --port 2525 --mode hang

The sink (aiosmtpd) appends one line per message to --record: its Message-ID and its recipients,
so a benchmark can check that every email arrived exactly once. It runs until SIGTERM or SIGINT.
Only 127.0.0.1.
"""

import argparse
import signal
import socket
import sys
import threading


class Recorder:
    def __init__(self, path):
        self.file = open(path, "a", buffering=1) if path else None  # noqa: SIM115 - closed at exit
        self.lock = threading.Lock()
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        message_id = ""
        for line in envelope.content.split(b"\r\n"):
            if not line:
                break
            if line.lower().startswith(b"message-id:"):
                message_id = line.split(b":", 1)[1].strip().decode()
        with self.lock:
            self.count += 1
            if self.file:
                self.file.write(f"{message_id} {' '.join(envelope.rcpt_tos)}\n")
        return "250 Message accepted for delivery"


def sink(port, record):
    from aiosmtpd.controller import Controller

    controller = Controller(Recorder(record), hostname="127.0.0.1", port=port)
    controller.start()
    return controller.stop


def hang(port):
    """Accept every connection and say nothing, ever."""
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", port))
    listener.listen(1024)
    held = []

    def hold():
        while True:
            try:
                connection, _ = listener.accept()
            except OSError:
                return
            held.append(connection)

    threading.Thread(target=hold, daemon=True).start()

    def stop():
        listener.close()
        for connection in held:
            connection.close()

    return stop


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--mode", choices=["sink", "hang"], default="sink")
    parser.add_argument("--record", default="", help="the sink's record of each message (default: none)")
    args = parser.parse_args(argv)
    stop = sink(args.port, args.record) if args.mode == "sink" else hang(args.port)
    print(f"listening on 127.0.0.1:{args.port} ({args.mode})", flush=True)
    finished = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: finished.set())
    finished.wait()
    stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
