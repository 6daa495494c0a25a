import argparse
import time

from django.core.management.base import BaseCommand, CommandError

from failedtasks.demo import generate_tasks, seed_demo


class Command(BaseCommand):
    help = (
        "Create the demo regions, projects, users (admin/admin, demo/demo, viewer/viewer: "
        "for demos only), resources and failed tasks. Safe to run again."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--tasks", type=int, default=0, metavar="N",
            help="Also add N generated failed tasks spread over the projects (load testing).",
        )
        parser.add_argument("--random-seed", type=int, default=None, help=argparse.SUPPRESS)

    def handle(self, *args, tasks: int, random_seed, **options):
        if tasks < 0:
            raise CommandError("--tasks must be zero or more.")
        report = seed_demo()
        self.stdout.write(
            f"Demo data ready: {report.projects} new projects, {report.users} new users, "
            f"{report.resources} new resources, {report.tasks} new failed tasks."
        )
        if tasks:
            started = time.monotonic()
            added = generate_tasks(tasks, seed=random_seed, stream=self.stdout._out)
            self.stdout.write(
                f"Added {added:,} generated failed tasks in {time.monotonic() - started:.1f} s."
            )
