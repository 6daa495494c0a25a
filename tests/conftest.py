"""Personas and builders shared by every test.

Project A has an operator and a viewer; project B has an outsider (an operator
there, nothing in A). Tasks are recorded through the service module, as the
product records them, so tallies and constraints are real.
"""

import itertools
import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from console.tenancy.models import Membership, Project, Region, Role
from failedtasks.models import Deletion, ProjectRevision
from failedtasks.services import record_failure

PASSWORD = "correct horse battery staple"
# What htmx sends when the Failed Tasks list region asks for itself.
HTMX_LIST = {"HX-Request": "true", "HX-Target": "task-list"}
_job_numbers = itertools.count(1)


@pytest.fixture
def region(db):
    return Region.objects.create(id="cn-north-4", name_en="CN North-Beijing4", name_zh="华北-北京四")


@pytest.fixture
def other_region(db):
    return Region.objects.create(id="eu-west-101", name_en="EU-Dublin", name_zh="欧洲-都柏林")


@pytest.fixture
def project_a(region):
    return Project.objects.create(name="cn-north-4", region=region)


@pytest.fixture
def project_b(other_region):
    return Project.objects.create(name="eu-west-101", region=other_region)


def make_user(username: str, project=None, role=None, **extra):
    user = get_user_model().objects.create_user(username=username, password=PASSWORD, **extra)
    if project is not None:
        Membership.objects.create(user=user, project=project, role=role)
    return user


@pytest.fixture
def operator(project_a):
    return make_user("olivia", project_a, Role.OPERATOR)


@pytest.fixture
def viewer(project_a):
    return make_user("victor", project_a, Role.VIEWER)


@pytest.fixture
def project_admin(project_a):
    return make_user("ada", project_a, Role.ADMIN)


@pytest.fixture
def outsider(project_b):
    return make_user("oscar", project_b, Role.OPERATOR)


@pytest.fixture
def superuser(db):
    return make_user("root", is_superuser=True, is_staff=True)


def record(project, service="ecs", minutes_ago=0, **fields):
    """Record one task the way the product does; unique job id unless given."""
    fields.setdefault("job_id", f"job-{next(_job_numbers):06d}")
    fields.setdefault("job_type", "resizeServer")
    fields.setdefault("failure_status", "resizeFail")
    fields.setdefault("resource_name", f"res-{fields['job_id']}")
    fields.setdefault("failed_at", timezone.now() - timedelta(minutes=minutes_ago))
    task, _created = record_failure(project, service=service, **fields)
    return task


def current_revision(project) -> int:
    """The watermark a listing of `project` would read now."""
    return ProjectRevision.objects.current(project.pk)


def confirmation_token(html: str) -> str:
    """The signed confirmation a Delete or Delete All confirmation page carries."""
    match = re.search(r'<input type="hidden" name="confirmation" value="([^"]+)">', html)
    assert match, "no confirmation token in the page"
    return match.group(1)


def confirmed(client, confirm_url: str, **place) -> dict:
    """Open a confirmation as the person would; the form its "Yes" button posts."""
    response = client.get(confirm_url, place)
    assert response.status_code == 200, response.status_code
    return {"confirmation": confirmation_token(response.content.decode()), **place}


def assert_sends_to_sign_in(response):
    """Signed out, a page answers with a redirect to the sign-in page."""
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def page_html(response) -> str:
    """A plain request answers with a whole page. Its HTML."""
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" in html
    return html


def fragment_html(response) -> str:
    """An htmx request answers with the region it swaps, no page around it. Its HTML."""
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html
    return html


def assert_list_region_after_deletion(response, project, service: str, message: str) -> str:
    """An htmx deletion answers with the list region alone: the message, an Undo
    form for the deletion, and the event that refreshes the counter. Its HTML."""
    html = fragment_html(response)
    assert html.strip().startswith('<div id="task-list"')
    assert message in html
    deletion = Deletion.objects.get()
    undo_url = reverse("failed-task-undo", args=[project.pk, service, deletion.pk])
    assert f'action="{undo_url}"' in html
    assert ">Undo</button>" in html
    assert "failedTasksChanged" in response.headers["HX-Trigger"]
    return html


@pytest.fixture
def method_not_allowed(django_assert_num_queries):
    """Asserts that `method` on `url` is refused with a 405 before any query runs."""

    def check(client, method: str, url: str):
        with django_assert_num_queries(0):
            response = getattr(client, method)(url)
        assert response.status_code == 405

    return check


@pytest.fixture
def login(client):
    def log_in(user):
        client.force_login(user)
        return client

    return log_in


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # The real hasher is deliberately slow; tests check logic, not its cost.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The test database, with what Django asks of a connection once (SQLite's JSON
    support, probed by a query of its own) asked already: a test that counts a
    request's queries counts the request's, wherever it falls in the run."""
    from django.db import connection

    with django_db_blocker.unblock():
        connection.features.supports_json_field  # noqa: B018  cached on the connection
