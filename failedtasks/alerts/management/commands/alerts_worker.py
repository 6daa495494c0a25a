"""python manage.py alerts_worker [--burst] [--interval SECONDS]

Continuous by default: delivers alerts as they fall due until SIGTERM or
SIGINT, finishing the delivery in hand first. With --burst it delivers what
is due now and exits (cron, tests). Any number of workers may run at once,
on any number of hosts: each claim is exclusive (failedtasks.alerts.worker).
"""

import signal
import threading

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError
from django.utils import timezone

from failedtasks.alerts import worker


class Command(BaseCommand):
    help = "Deliver alert webhooks: continuously, or with --burst what is due now, then exit."

    def add_arguments(self, parser):
        parser.add_argument(
            "--burst", action="store_true",
            help="Deliver every alert due now, then exit (for cron and tests).",
        )
        parser.add_argument(
            "--interval", type=float, default=1.0,
            help="Seconds between looks for due alerts when idle (default 1).",
        )

    def handle(self, *args, burst: bool, interval: float, verbosity: int, **options):
        if not 0.1 <= interval <= 3600:
            raise CommandError("--interval must be between 0.1 and 3600 seconds")
        if burst:
            try:
                delivered = worker.deliver_due()
                worker.prune(timezone.now())
            except DatabaseError as error:
                raise CommandError(f"The database is unavailable: {error}")
            if verbosity:
                self.stdout.write(f"Attempted {delivered} alert deliveries.")
            return
        stop = threading.Event()

        def request_stop(signum, frame):
            stop.set()

        signal.signal(signal.SIGTERM, request_stop)
        signal.signal(signal.SIGINT, request_stop)
        if verbosity:
            self.stdout.write(f"Alerts worker started; looking for due alerts every {interval:g} s.")
            self.stdout.flush()
        worker.run(stop, interval)
        if verbosity:
            self.stdout.write("Alerts worker stopped.")
