"""`manage.py run_worker`: the process that sends every email the portal queues.

It is django-tasks' database worker (`db_worker`, with all its options: `--batch` sends what is due
and stops), plus the queue's housekeeping every minute, on a thread beside it
(guidance/mailqueue.py, guidance/notifications.py): queue again an email whose worker stopped in
the middle of sending it, and queue the day's emails saying what happened to people's comments.
Run one or more beside the web server (`make run` does; docker compose has a `worker` service).
"""

import logging
import os
import threading

from django.db import close_old_connections
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV
from django_tasks_db.management.commands.db_worker import Command as DatabaseWorkerCommand

from guidance import mailqueue, notifications

logger = logging.getLogger(__name__)


def housekeeping():
    """One round: recover interrupted sends, queue the emails saying what happened."""
    try:
        mailqueue.recover_interrupted()
        notifications.queue_notifications()
    except Exception:
        # The next round tries again; sending carries on meanwhile.
        logger.exception("Email queue housekeeping failed")
    finally:
        close_old_connections()


def housekeeping_every(seconds, stopped):
    while not stopped.wait(seconds):
        housekeeping()


class Command(DatabaseWorkerCommand):
    help = "Send the queued emails (django-tasks' database worker), with the queue's housekeeping every minute."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--nice",
            type=int,
            default=19,
            help="How much to lower this process's CPU priority (19: the lowest): emails can wait a moment, pages "
            "cannot, so on a machine shared with the web server the pages come first and the emails go out "
            "in the moments between (default: %(default)r; 0 to keep it).",
        )
        parser.add_argument(
            "--housekeeping-seconds",
            type=float,
            default=60,
            help="Seconds between rounds of housekeeping; 0 for none (default: %(default)r).",
        )

    def handle(self, *args, housekeeping_seconds, nice, **options):
        if nice:
            os.nice(nice)
        # Under the autoreloader (DEBUG) the first process only watches files; the second works.
        watching_only = (
            options.get("reload") and not options.get("batch") and os.environ.get(DJANGO_AUTORELOAD_ENV) != "true"
        )
        if housekeeping_seconds > 0 and not watching_only:
            housekeeping()
            if not options.get("batch"):
                stopped = threading.Event()
                threading.Thread(
                    target=housekeeping_every, args=(housekeeping_seconds, stopped), name="housekeeping", daemon=True
                ).start()
        super().handle(*args, **options)
