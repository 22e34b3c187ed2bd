"""`manage.py run_worker`: the process that sends every email the portal queues (guidance/mail/mailqueue.py).

Each round it sends what is due, in batches; when nothing is due it looks again after
EMAIL_POLL_SECONDS. Every minute it also does the queue's housekeeping: emails whose worker stopped
mid-batch are made due again, and the day's emails saying what happened to people's comments are
queued (guidance/mail/notifications.py), and subscribers' digests
(guidance/subscriptions/subscribing.py). A thread beside it renews the lease on the emails it is sending,
so that another worker takes them over soon after this one dies, and not while it is alive.

A second thread works out the suggested themes asked for on more comments than a request may
group (guidance/analysis/suggestions.py), one after another, so emails keep going out meanwhile.

A third groups the comments not compared yet into campaigns (guidance/moderation/campaigns.py
group_waiting), batch after batch while any wait, looking again every CAMPAIGNS_POLL_SECONDS
otherwise: the forms that send them never wait for the comparison. Several workers may run.

It rides out the database going away (a restart, a failover, a full connection table): it says so
in the log, waits (1 s, doubling up to 30 s) and carries on; it never exits for that. It stops on
SIGTERM or SIGINT once the batch in hand is sent. Whatever runs it should still restart it if it
ever exits (docker compose's `restart: unless-stopped`, `make run`'s loop, systemd's
`Restart=always`: docs/deployment.md).
"""

import contextlib
import logging
import os
import signal
import socket
import threading
import time
import uuid

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import DatabaseError, close_old_connections, connection

from guidance.analysis import suggestions
from guidance.events import signups
from guidance.mail import mailqueue, notifications
from guidance.moderation import campaigns
from guidance.subscriptions import subscribing

logger = logging.getLogger(__name__)

LONGEST_WAIT_AFTER_A_DATABASE_ERROR = 30
SUGGESTIONS_POLL_SECONDS = 5
CAMPAIGNS_POLL_SECONDS = 1


class Command(BaseCommand):
    help = "Send the queued emails, with the queue's housekeeping every minute. Runs until stopped."

    def add_arguments(self, parser):
        parser.add_argument(
            "--batch", action="store_true", help="Send what is due now, then stop (instead of running until stopped)."
        )
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

    def handle(self, *args, batch, nice, housekeeping_seconds, **options):
        if nice:
            os.nice(nice)
        worker = Worker(housekeeping_seconds=housekeeping_seconds)
        if batch:
            worker.send_what_is_due()
            return
        signal.signal(signal.SIGTERM, worker.stop)
        signal.signal(signal.SIGINT, worker.stop)
        worker.run()


class Worker:
    def __init__(self, *, housekeeping_seconds=60):
        # Unique among workers, past and present: a lease names the worker that holds it.
        self.name = f"{socket.gethostname()[:60]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.housekeeping_seconds = housekeeping_seconds
        self.stopped = threading.Event()
        self.last_housekeeping = None

    def stop(self, signum=None, frame=None):
        logger.info("Email worker %s stopping once the batch in hand is sent", self.name)
        self.stopped.set()

    def run(self):
        logger.info("Email worker %s started", self.name)
        threading.Thread(target=self.keep_leases, name="leases", daemon=True).start()
        threading.Thread(target=self.work_out_suggestions, name="suggestions", daemon=True).start()
        threading.Thread(target=self.group_campaigns, name="campaigns", daemon=True).start()
        failures = 0
        while not self.stopped.is_set():
            try:
                taken = self.round()
            except DatabaseError as error:
                failures += 1
                wait = min(2 ** (failures - 1), LONGEST_WAIT_AFTER_A_DATABASE_ERROR)
                logger.warning(
                    "Email worker: the database is unavailable (%s); trying again in %d s", type(error).__name__, wait
                )
                forget_the_connection()
                self.stopped.wait(wait)
                continue
            except Exception:
                # A fault of ours must not stop every email: logged, and tried again next round.
                logger.exception("Email worker: a round failed")
                forget_the_connection()
                self.stopped.wait(settings.EMAIL_POLL_SECONDS)
                continue
            if failures:
                logger.info("Email worker: the database is back")
                failures = 0
            if not taken:
                self.stopped.wait(settings.EMAIL_POLL_SECONDS)
        mailqueue.close_mail_connection()
        logger.info("Email worker %s stopped", self.name)

    def round(self):
        """Housekeeping when it is due, then one batch. Returns how many emails were taken."""
        now = time.monotonic()
        if self.housekeeping_seconds > 0 and (
            self.last_housekeeping is None or now - self.last_housekeeping >= self.housekeeping_seconds
        ):
            self.last_housekeeping = now
            housekeeping()
        close_old_connections()
        return mailqueue.send_due(self.name)

    def send_what_is_due(self):
        """--batch: housekeeping, then batches until nothing is due."""
        if self.housekeeping_seconds > 0:
            housekeeping()
        while mailqueue.send_due(self.name):
            pass
        mailqueue.close_mail_connection()
        suggestions.work_out_waiting()
        while campaigns.group_waiting():
            pass

    def keep_leases(self):
        """While this worker lives, it holds the emails it is sending (mailqueue.renew_leases)."""
        every = max(1.0, settings.EMAIL_STALE_SECONDS / 3)
        while not self.stopped.wait(every):
            try:
                mailqueue.renew_leases(self.name)
            except DatabaseError:
                forget_the_connection()  # the main loop says so in the log
            except Exception:
                logger.exception("Email worker: could not renew its leases")
        # Stopped: nothing held after the batch in hand.

    def work_out_suggestions(self):
        """While this worker lives, the suggested themes waiting for it, one run at a time (a run
        of a stopped worker is taken again once suggestions.STALLED has passed)."""
        while not self.stopped.wait(SUGGESTIONS_POLL_SECONDS):
            try:
                suggestions.work_out_waiting()
            except DatabaseError:
                forget_the_connection()
            except Exception:
                logger.exception("Worker: could not work out suggested themes")
        forget_the_connection()  # this thread's own

    def group_campaigns(self):
        """While this worker lives, the comments waiting to be compared, a batch at a time, with no
        pause while batches are full."""
        while not self.stopped.is_set():
            try:
                grouped = campaigns.group_waiting()
            except DatabaseError:
                forget_the_connection()
                grouped = 0
            except Exception:
                logger.exception("Worker: could not group comments into campaigns")
                grouped = 0
            if grouped < campaigns.BATCH:
                self.stopped.wait(CAMPAIGNS_POLL_SECONDS)
        forget_the_connection()  # this thread's own


def housekeeping():
    """Make due again what a stopped worker held; queue the emails saying what happened, and the
    reminders of tomorrow's events."""
    mailqueue.recover_interrupted()
    notifications.queue_notifications()
    subscribing.announce_due()
    signups.send_reminders()


def forget_the_connection():
    """Close this thread's database connection, whatever state it is in: the next query opens a new one."""
    # A broken connection may fail to close; it is dropped either way.
    with contextlib.suppress(Exception):
        connection.close()
