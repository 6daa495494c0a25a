"""Delete All under real concurrency, over HTTP against a live server: clients
record (running creations that later fail among them), list, delete one and
delete all at once, through the console and the API.

At the end every recorded task is live or audited exactly once, no Delete All
took a task its own listing did not show as failed, and the tallies equal the
rows. Bounded by counts, not by time.
"""

import re
import threading

import pytest
import requests
from django.test import Client
from django.urls import reverse

from console.identity.credentials import issue_token
from failedtasks.models import DeletedTask, Deletion, FailedTask, TaskStatus
from tests.failedtasks.test_concurrency import run_in_threads, tallies_match_rows

pytestmark = pytest.mark.django_db(transaction=True)

RECORDERS, RECORDS_EACH = 3, 24
DELETE_ALL_ROUNDS = 5
SERVICES = ("css", "ecs")


class Clients:
    """What every client thread shares: the server, the credentials, the findings."""

    def __init__(self, live_server, project, operator):
        self.api = f"{live_server.url}/api/v1/projects/{project.pk}/failed-tasks"
        token, _record = issue_token(operator, project)
        self.token = {"X-Auth-Token": token}
        browser = Client()
        browser.force_login(operator)
        self.session_cookie = browser.cookies["sessionid"].value
        self.live_server, self.project = live_server, project
        self.recorded: set[str] = set()
        self.findings: list[str] = []
        self.lock = threading.Lock()

    def api_session(self) -> requests.Session:
        session = requests.Session()
        session.headers.update(self.token)
        return session

    def note(self, finding: str) -> None:
        with self.lock:
            self.findings.append(finding)


def recorder(clients: Clients, number: int):
    def work():
        session = clients.api_session()
        running = []
        for i in range(RECORDS_EACH):
            job_id = f"rec{number}-{i}"
            creating = i % 3 == 0
            body = {"service": SERVICES[i % 2], "job_id": job_id, "job_type": "createServer",
                    "status": TaskStatus.RUNNING if creating else TaskStatus.FAIL,
                    "failure_status": "" if creating else "createFail"}
            answer = session.post(clients.api, json=body)
            if answer.status_code not in (200, 201):
                clients.note(f"recording {job_id} answered {answer.status_code}")
            with clients.lock:
                clients.recorded.add(job_id)
            if creating:
                running.append(body)
            elif running:  # a creation reported running earlier has failed by now
                failed = {**running.pop(0), "status": TaskStatus.FAIL,
                          "failure_status": "createFail"}
                answer = session.post(clients.api, json=failed)
                if answer.status_code not in (200, 201):
                    clients.note(f"re-recording answered {answer.status_code}")
    return work


def listing(session: requests.Session, url: str) -> tuple[str, dict[str, str]]:
    """Every task of a full listing (all pages) with the status it showed, and its watermark."""
    seen, watermark, params = {}, None, {"limit": "50"}
    while url:
        page = session.get(url, params=params).json()
        watermark = watermark or page["watermark"]
        seen.update({task["job_id"]: task["status"] for task in page["results"]})
        url, params = page["next"], None
    return watermark, seen


def api_deleter(clients: Clients):
    def work():
        session = clients.api_session()
        for _ in range(DELETE_ALL_ROUNDS):
            watermark, seen = listing(session, clients.api)
            answer = session.post(clients.api + "/delete-all", json={"watermark": watermark})
            if answer.status_code != 200:
                clients.note(f"delete-all answered {answer.status_code}")
                continue
            deleted = DeletedTask.objects.filter(deletion_id=answer.json()["deletion_id"])
            for job_id in deleted.values_list("job_id", flat=True):
                if seen.get(job_id) != TaskStatus.FAIL:
                    clients.note(f"delete-all took {job_id}, listed as {seen.get(job_id)}")
    return work


def one_by_one_deleter(clients: Clients):
    def work():
        session = clients.api_session()
        for _ in range(DELETE_ALL_ROUNDS * 3):
            page = session.get(clients.api, params={"status": "FAIL", "limit": "1"}).json()
            for task in page["results"]:
                answer = session.delete(f"{clients.api}/{task['id']}")
                if answer.status_code not in (204, 404):  # 404: someone else was first
                    clients.note(f"delete one answered {answer.status_code}")
    return work


def console_deleter(clients: Clients, service: str):
    def work():
        session = requests.Session()
        session.cookies.set("sessionid", clients.session_cookie)
        url = clients.live_server.url + reverse(
            "failed-tasks-delete-all", args=[clients.project.pk, service])
        params = {"tab": "creation"} if service == "ecs" else {}
        for _ in range(DELETE_ALL_ROUNDS):
            html = session.get(url, params=params).text
            token = re.search(r'name="confirmation" value="([^"]+)"', html)
            if token is None:
                continue  # nothing to delete right now
            shown = re.search(r"delete (this failed task|these (\d+) failed tasks)\?", html)
            csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
            answer = session.post(url, data={"confirmation": token.group(1),
                                             "csrfmiddlewaretoken": csrf, **params},
                                  headers={"Referer": url}, allow_redirects=False)
            if answer.status_code != 302:
                clients.note(f"console Delete All answered {answer.status_code}")
                continue
            count = 1 if shown.group(2) is None else int(shown.group(2))
            deletion = Deletion.objects.filter(channel="console", service=service).latest("id")
            if deletion.deleted_count > count:
                clients.note(f"console deleted {deletion.deleted_count}, showed {count}")
    return work


def test_recording_listing_and_deleting_at_once_never_deletes_unseen(
    live_server, project_a, operator
):
    clients = Clients(live_server, project_a, operator)
    jobs = [recorder(clients, n) for n in range(RECORDERS)]
    jobs += [api_deleter(clients), one_by_one_deleter(clients)]
    jobs += [console_deleter(clients, service) for service in SERVICES]

    run_in_threads(*jobs)  # a client that raised fails the test with its error

    assert clients.findings == []
    assert len(clients.recorded) == RECORDERS * RECORDS_EACH
    live = set(FailedTask.objects.values_list("job_id", flat=True))
    audited = list(DeletedTask.objects.values_list("job_id", flat=True))
    assert len(audited) == len(set(audited)), "a task was audited twice"
    assert live.isdisjoint(audited)
    assert live | set(audited) == clients.recorded
    assert Deletion.objects.exists()
    assert tallies_match_rows()
