"""The product's settings, as `make serve` runs them, plus the benchmark's yardsticks.

Only two things differ: the URLconf adds the bare reference views (bench.urls),
and static files are collected into the run's temporary directory. Everything
else (DEBUG, SECRET_KEY, the database, plain-HTTP cookies) comes from the
environment that bench/__main__.py sets, through console.settings.
"""

import os
from pathlib import Path

from console.settings import *  # noqa: F403
from console.settings import STATIC_ROOT

ROOT_URLCONF = "bench.urls"
STATIC_ROOT = Path(os.environ.get("BENCH_STATIC_ROOT", STATIC_ROOT))
