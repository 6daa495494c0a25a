#!/usr/bin/env python
import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "console.settings")
    if sys.argv[1:2] != ["runserver"]:
        # Commands (migrate, seed_demo --tasks, purge_failed_tasks) may rightly run
        # long: the web requests' statement and lock timeouts do not apply to them.
        os.environ["DB_STATEMENT_TIMEOUT"] = os.environ["DB_LOCK_TIMEOUT"] = "0"
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
