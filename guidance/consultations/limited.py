"""Reading an uploaded file in a child process, limited in CPU time and memory.

A file staff upload is read by parsers that were not written for hostile input: a Word document
is XML in a ZIP that can expand a thousandfold, Markdown and PDF parsers have inputs that take
the square of their length. Checked bounds (consultations/packages.py, consultations/markdown.py) refuse
the shapes known to be costly, in one quick pass; this module makes sure that whatever they miss
costs a bounded amount and never the web server's own time:

    result = limited.run("draft", data)

starts `python -m guidance.consultations.limited draft`, sends the file on its standard input and reads the
result, JSON, from its standard output. The child first limits itself: at most
UPLOAD_CPU_SECONDS of CPU time (then the kernel stops it), at most UPLOAD_MEMORY_MB of memory
(then an allocation fails), no core file, and a lower CPU priority (nice 10), so that pages are
served first while it works. The web process only waits for it, without holding Python's lock,
so its other requests carry on. Anything that goes wrong, a refusal of the file, a limit reached
or a crash, is Refused with a message for the person who uploaded the file, saying which limit
and the figure; the web process never sees a parser's exception.

The child starts without Django's settings and with only PATH and a UTF-8 locale in its
environment: it parses bytes into plain data, needs no database, and so holds no secret that a
parser bug could give away. Only the tasks named in TASKS can be run.
"""

import importlib
import json
import logging
import os
import resource
import signal
import subprocess
import sys
import traceback
from pathlib import Path

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[2]  # where `python -m guidance...` finds the package
TASKS = {
    "draft": "guidance.consultations.draft_reading:read",
    "supporting": "guidance.consultations.supporting_checks:checked_type",
}
NICENESS = 10


class Refused(Exception):
    """The file cannot be taken; the message says why, for the person who uploaded it."""


def run(task, data):
    """What TASKS[task] returns for the file's bytes, computed in a limited child process, or Refused."""
    from django.conf import settings

    if task not in TASKS:
        raise ValueError(f"No such task: {task!r}")
    cpu_seconds, memory_mb = settings.UPLOAD_CPU_SECONDS, settings.UPLOAD_MEMORY_MB
    # The limit is on CPU time, which a busy machine gives slowly (the more so at a lower priority);
    # time on the clock only stops a child that waits for something else entirely, or a machine so
    # busy that the person uploading would give up anyway.
    wall_seconds = max(60, 3 * cpu_seconds)
    environment = {"PATH": os.environ.get("PATH", ""), "LANG": "C.UTF-8", "PYTHONDONTWRITEBYTECODE": "1"}
    if os.environ.get("PYTHONPATH"):
        environment["PYTHONPATH"] = os.environ["PYTHONPATH"]
    header = json.dumps({"cpu_seconds": cpu_seconds, "memory_mb": memory_mb}).encode() + b"\n"
    try:
        finished = subprocess.run(  # noqa: S603 - this interpreter, our module, a task named in TASKS
            [sys.executable, "-m", "guidance.consultations.limited", task],
            input=header + data,
            capture_output=True,
            cwd=ROOT,
            env=environment,
            timeout=wall_seconds,
            check=False,
        )
    except subprocess.TimeoutExpired:
        logger.warning("Reading an upload (%s) took over %d seconds and was stopped", task, wall_seconds)
        raise Refused(
            f"Reading the file took more than {wall_seconds} seconds, so it was stopped. Try again when the "
            "portal is less busy, or split the file into smaller ones."
        ) from None
    answer = _answer(finished.stdout)
    if "refused" in answer:
        raise Refused(answer["refused"])
    if "result" in answer and finished.returncode == 0:
        return answer["result"]
    if answer.get("limit") == "memory" or finished.returncode == -signal.SIGABRT:
        logger.warning("Reading an upload (%s) needed over %d MB of memory", task, memory_mb)
        raise Refused(
            f"Reading the file needed more than {memory_mb} MB of memory, the most an upload may use. "
            "Split it into smaller files."
        )
    if finished.returncode in (-signal.SIGXCPU, -signal.SIGKILL):
        logger.warning("Reading an upload (%s) needed over %d seconds of CPU time", task, cpu_seconds)
        raise Refused(
            f"Reading the file needed more than {cpu_seconds} second{'s' if cpu_seconds != 1 else ''} of computer "
            "time, the most an upload may use. Split it into smaller files."
        )
    logger.error(
        "Reading an upload (%s) failed (exit status %s): %s",
        task,
        finished.returncode,
        finished.stderr.decode("utf-8", "replace")[-2000:],
    )
    raise Refused("The file could not be read. Save it again and upload it.")


def _answer(output):
    try:
        answer = json.loads(output)
    except ValueError:
        return {}
    return answer if isinstance(answer, dict) else {}


# The child ------------------------------------------------------------------------------------------


def limit_self(cpu_seconds, memory_mb):
    os.nice(NICENESS)
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    # The soft limit sends SIGXCPU, which stops the process; the hard one, a second later, SIGKILL.
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 1))
    try:
        memory = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    except (ValueError, OSError):  # some systems (macOS) do not limit address space
        pass


def main(task):
    header = sys.stdin.buffer.readline()
    limits = json.loads(header)
    limit_self(limits["cpu_seconds"], limits["memory_mb"])
    module_name, function_name = TASKS[task].split(":")
    function = getattr(importlib.import_module(module_name), function_name)
    data = sys.stdin.buffer.read()
    try:
        answer = {"result": function(data)}
        status = 0
    except Refused as refusal:
        answer, status = {"refused": str(refusal)}, 0
    except MemoryError:
        answer, status = {"limit": "memory"}, 1
    except Exception:
        traceback.print_exc()
        answer, status = {}, 1
    sys.stdout.write(json.dumps(answer))
    return status


if __name__ == "__main__":
    if len(sys.argv) != 2 or sys.argv[1] not in TASKS:
        sys.exit(f"usage: python -m guidance.consultations.limited {{{','.join(TASKS)}}}")
    # Run as guidance.consultations.limited, not __main__, so that the tasks' Refused is this module's.
    from guidance.consultations import limited

    sys.exit(limited.main(sys.argv[1]))
