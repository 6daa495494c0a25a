"""What `make bench` measures: every path, how a client sends it, its reference and goal.

The one place to change when a URL or a parameter of the product changes. URLs
are written as clients send them (the cloud-compatible ones are contracts);
`{placeholders}` are filled from the loaded data (`Subject`), so the rows hold
at any --tasks. The goals are the product's speed goals (README, "Performance").
"""

from dataclasses import dataclass
from typing import Callable
from urllib.parse import quote

from bench.report import Goal, at_least, at_most

# --- Signing in, and the yardsticks (bench/urls.py, never in the product's URLs)

LOGIN = "/accounts/login/"
TOKENS = "/v3/auth/tokens"
SERVICE_PAGE = "/console/{project}/ecs/"
BARE_GET = "/bench/bare-signed-in/"  # a signed-in Django view that renders nothing
BARE_POST = "/bench/bare-post/"  # the token check and JSON parse every API POST pays
READY = "/bench/bare/"  # answers once gunicorn's workers serve

# --- The product's paths

COUNTER = "/console/{counter_project}/ecs/failed-tasks/counter/"
DIALOG = "/console/{project}/ecs/failed-tasks/"
DELETE_ALL = "/console/{project}/ecs/failed-tasks/delete-all/"
DELETE_ALL_CSS = "/console/{delete_project}/css/failed-tasks/delete-all/"
RECORD = "/api/v1/projects/{project}/failed-tasks"

# htmx names the element it will swap: the dialog opens into #modal-root, tabs,
# search and pages swap #task-list, Delete All's confirmation opens in #confirm-root
# and the counter replaces itself.
OPENS_DIALOG = "modal-root"
SWAPS_LIST = "task-list"
OPENS_CONFIRMATION = "confirm-root"
COUNTER_SELF = "failed-task-counter"


def htmx(target: str) -> dict[str, str]:
    return {"HX-Request": "true", "HX-Target": target}


@dataclass(frozen=True)
class Subject:
    """Where the paths point, chosen from the loaded data after loading."""

    project: str  # the project with the most ECS Creation Failures
    counter_project: str  # cn-north-4, the demo project the counter is compared in
    delete_project: str = ""  # holds the Delete All set
    page: int = 3000  # the deep page, or the last page when fewer rows were loaded
    offset: int = 40_000  # the SDRS offset, or as deep as the loaded rows go
    name_fragment: str = ""  # the middle of a loaded task's resource name
    id_prefix: str = ""  # the first characters of a loaded task's resource id
    error_code: str = ""  # a loaded task's error code

    def fill(self, template: str) -> str:
        """The template with this subject's values, each quoted for a URL."""
        return template.format(**{k: quote(str(v), safe="") for k, v in vars(self).items()})


@dataclass(frozen=True)
class Latency:
    """A GET timed over HTTP (median); `values` names the in-process reference rows."""

    name: str
    url: str
    goal: Goal
    headers: dict[str, str] | None = None
    token: bool = False  # authenticate with X-Auth-Token rather than the session
    values: Callable | None = None  # Subject -> the queryset whose json.dumps is the reference


# The API references: `json.dumps(list(qs.values(...)))` of the rows each answer holds.

def console_api_rows(subject: Subject):
    from failedtasks.api.console_api import FIELDS
    from failedtasks.models import FailedTask

    return FailedTask.objects.filter(project_id=subject.project).newest_first().values(*FIELDS)[:1000]


def kps_rows(subject: Subject):
    from failedtasks.api.kps import FIELDS
    from failedtasks.models import FailedTask

    tasks = FailedTask.objects.filter(project_id=subject.project).for_service("kps")
    return tasks.newest_first().values(*FIELDS)[:1000]


def sdrs_rows(subject: Subject, offset: int = 0):
    from failedtasks.api.sdrs import FIELDS
    from failedtasks.models import FailedTask

    tasks = FailedTask.objects.filter(project_id=subject.project).for_service("sdrs")
    jobs = tasks.failed().in_group("").newest_first().values(*FIELDS)
    return jobs[offset : offset + 1000]


def deep_sdrs_rows(subject: Subject):
    return sdrs_rows(subject, subject.offset)


LATENCY = [
    Latency("dialog first page", DIALOG, at_most(2), htmx(OPENS_DIALOG)),
    Latency("dialog search: name fragment", DIALOG + "?tab=creation&q={name_fragment}",
            at_most(3), htmx(SWAPS_LIST)),
    Latency("dialog search: ID prefix", DIALOG + "?tab=creation&q={id_prefix}",
            at_most(3), htmx(SWAPS_LIST)),
    Latency("dialog search: error code", DIALOG + "?tab=creation&q={error_code}",
            at_most(3), htmx(SWAPS_LIST)),
    Latency("dialog page {page} (Creation Failures)", DIALOG + "?tab=creation&page={page}",
            at_most(3), htmx(SWAPS_LIST)),
    Latency("group view (Creation Failures)", DIALOG + "?tab=creation&group=1",
            at_most(3), htmx(SWAPS_LIST)),
    # A failure-time range: the rows from the cutoff and both tabs counted up to
    # COUNT_LIMIT, where the whole list reads the tallies.
    Latency("dialog: Last 24 hours (Creation Failures)", DIALOG + "?tab=creation&period=24h",
            at_most(3), htmx(SWAPS_LIST)),
    Latency("Delete All confirmation: whole tab", DELETE_ALL + "?tab=creation",
            at_most(3), htmx(OPENS_CONFIRMATION)),
    Latency("Delete All confirmation: a search", DELETE_ALL + "?tab=creation&q={error_code}",
            at_most(3), htmx(OPENS_CONFIRMATION)),
    Latency("Delete All confirmation: Last 24 hours", DELETE_ALL + "?tab=creation&period=24h",
            at_most(3), htmx(OPENS_CONFIRMATION)),
    Latency("console API, 1000 rows", "/api/v1/projects/{project}/failed-tasks?limit=1000",
            at_most(1.5), token=True, values=console_api_rows),
    Latency("KPS, 1000 rows", "/v3/{project}/failed-tasks?limit=1000",
            at_most(1.5), token=True, values=kps_rows),
    Latency("SDRS, 1000 rows", "/v1/{project}/task-center/failure-jobs?limit=1000",
            at_most(1.5), token=True, values=sdrs_rows),
    Latency("SDRS, 1000 at offset {offset}",
            "/v1/{project}/task-center/failure-jobs?limit=1000&offset={offset}",
            at_most(2), token=True, values=deep_sdrs_rows),
]

# The counter at N rows against itself at demo size (measured before loading).
COUNTER_LATENCY = Latency("counter, N rows vs demo data", COUNTER, at_most(1.2), htmx(COUNTER_SELF))


@dataclass(frozen=True)
class Throughput:
    """Requests per second at CONNECTIONS connections, against the bare view's."""

    name: str
    url: str
    goal: Goal
    headers: dict[str, str] | None = None
    conditional: bool = False  # send If-None-Match with the ETag of a previous answer


CONNECTIONS = 50
THROUGHPUT = [
    Throughput("throughput: dialog", DIALOG, at_least(0.5), htmx(OPENS_DIALOG)),
    Throughput("throughput: counter", COUNTER, at_least(0.8), htmx(COUNTER_SELF)),
    Throughput("throughput: unchanged poll", COUNTER, at_least(1.0), htmx(COUNTER_SELF),
               conditional=True),
]

# Recording: 8 clients POSTing failures with distinct job ids, against the bare POST.
RECORDING_CLIENTS = 8
RECORDING_GOAL = at_least(0.5)
RECORD_BODY = (
    '{"service": "ecs", "job_id": "%s", "job_type": "resizeServer", '
    '"failure_status": "resizeFail", "resource_name": "bench-recorded", '
    '"error_code": "Ecs.0029", "fail_reason": "Recorded under load by make bench."}'
)

DELETE_ALL_GOAL = at_most(3)
