import re
from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from console.identity.models import Channel
from failedtasks.actors import Actor
from failedtasks.services import purge_older_than

UNITS = {"d": "days", "h": "hours", "w": "weeks"}


def parse_age(text: str) -> timedelta:
    match = re.fullmatch(r"(\d{1,5})([dhw])", text.strip())
    if not match:
        raise CommandError(f"--older-than takes a number and a unit, like 90d, 12h or 4w; not {text!r}.")
    return timedelta(**{UNITS[match[2]]: int(match[1])})


class Command(BaseCommand):
    help = (
        "Delete failed tasks that failed longer ago than --older-than (e.g. 90d; by default "
        "FAILED_TASK_RETENTION_DAYS). Set-based and audited like any deletion; --dry-run "
        "only counts."
    )

    def add_arguments(self, parser):
        parser.add_argument("--older-than", metavar="AGE",
                            help="Like 90d (days), 12h (hours) or 4w (weeks); default: "
                                 "FAILED_TASK_RETENTION_DAYS days.")
        parser.add_argument("--dry-run", action="store_true", help="Count, delete nothing.")

    def handle(self, *args, older_than: str | None, dry_run: bool, **options):
        if older_than is None:
            days = settings.FAILED_TASK_RETENTION_DAYS
            if days is None:
                raise CommandError("Give --older-than (like 90d), or set "
                                   "FAILED_TASK_RETENTION_DAYS to purge by default.")
            older_than = f"{days}d"
        cutoff = timezone.now() - parse_age(older_than)
        counts = purge_older_than(cutoff, Actor(user=None, channel=Channel.RETENTION), dry_run=dry_run)
        total = sum(counts.values())
        verb = "Would purge" if dry_run else "Purged"
        self.stdout.write(f"{verb} {total} failed tasks that failed before {cutoff:%Y-%m-%d %H:%M} UTC"
                          f" in {len(counts)} projects.")
