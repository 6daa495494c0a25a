"""The search's own indexes: on SQLite a trigram table of the resource names, kept
by triggers, and NOCASE B-trees (failedtasks/search_index.py); on PostgreSQL
trigram and B-tree indexes (migration 0005). Whichever serves it, a search finds exactly
what its filter alone finds."""

from datetime import timedelta

import pytest
from django.core.management.sql import emit_post_migrate_signal
from django.db import connection
from django.db.models import Q
from django.utils import timezone

from console.identity.models import Channel
from failedtasks import models as task_models
from failedtasks.actors import Actor
from failedtasks.listing import TaskListing
from failedtasks.models import FailedTask
from failedtasks.search_index import NAME_SEARCH_TABLE
from failedtasks.services import (
    delete_all_seen,
    delete_task,
    purge_older_than,
    restore_deletion,
)
from tests.conftest import current_revision, record

pytestmark = pytest.mark.django_db

on_sqlite = pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's search index")

NAMES = [
    "Orders-Cluster", "orders-cluster-2", "ORDERS", "a%b_c", "aXbYc", "100%_done", "back\\slash",
    'say "hi"', "it's-mine", "star*name", "minus-name", "NEAR(a b)", "this AND that",
    "col:umn", "^caret", "(paren)", "Ünïcode-ÄÖ", "ünïcode-äö", "数据库服务器", "web-数据-01",
    "Straße", "STRASSE", "tab\tname", "emoji-🚀-rocket", "", "ab", "Ab", "xyz",
]
TEXTS = [
    # short: the filter alone
    "a", "A", "ab", "%", "_", "数据", "ü", "'", '"', "*",
    # fragments of the names, in other cases
    "ORDERS-CL", "orders", "rders", "a%b", "%b_", "a_b", "0%_", "k\\s", "\\", "\\\\",
    '"hi"', 'say "', "it's", "r*n", "star*", "*name", "-name", "minus-", "NEAR", "near(",
    "AND", "s AND t", "col:", ":umn", "^ca", "(pa", "n)", "ÜNÏ", "ünï", "ÄÖ", "äö",
    "数据库", "据库服", "web-数据", "数据-0", "STRASSE", "straße", "traß", "ab\tn", "\tna",
    "🚀-r", "-🚀-", "xyz", "XYZ", "nothing-like-it",
    # id prefixes and error codes, in other cases
    "JOB-ID", "job-id-0", "RES-", "res-7", "ecs.0013", "ECS.0013", "Ecs.001", "cs.0013",
    "sdrs.1030",
]


def plain_filter(text: str) -> Q:
    """The search's rule, as the filter alone states it."""
    return (Q(resource_name__icontains=text) | Q(resource_id__istartswith=text)
            | Q(job_id__istartswith=text) | Q(error_code__iexact=text))


def plain_filter_except_by_code(text: str) -> Q:
    return ((Q(resource_name__icontains=text) | Q(resource_id__istartswith=text)
             | Q(job_id__istartswith=text)) & ~Q(error_code__iexact=text))


@pytest.fixture
def tricky(project_a, project_b):
    codes = ["Ecs.0013", "ECS.0013", "Ecs.00131", "SDRS.1030", ""]
    for n, name in enumerate(NAMES):
        record(project_a, resource_name=name, job_id=f"Job-Id-{n:03d}",
               resource_id=f"Res-{n}{name[:3]}", error_code=codes[n % len(codes)])
    # Another project's tasks are candidates too, never results.
    record(project_b, resource_name="Orders-Cluster", job_id="job-id-other",
           resource_id="res-other", error_code="Ecs.0013")
    return project_a


def ids(tasks) -> list[int]:
    return sorted(tasks.values_list("pk", flat=True))


@pytest.mark.parametrize("candidates", [10_000, 2], ids=["few-candidates", "too-many"])
def test_the_search_finds_exactly_what_its_filter_finds(tricky, monkeypatch, candidates):
    # With a low limit the candidates are "too many" and the filter alone decides.
    monkeypatch.setattr(task_models, "SEARCH_CANDIDATES", candidates)
    tasks = FailedTask.objects.for_project(tricky)
    for text in TEXTS:
        assert ids(tasks.matching(text)) == ids(tasks.filter(plain_filter(text))), text
        assert ids(tasks.matching_except_by_code(text)) == \
            ids(tasks.filter(plain_filter_except_by_code(text))), text


def test_the_fixture_covers_both_kinds_of_search(tricky):
    """The texts above find something by each rule, so the comparison means something."""
    tasks = FailedTask.objects.for_project(tricky)
    assert tasks.filter(resource_name__icontains="数据库").exists()
    # SQLite's LIKE folds ASCII only, its trigram table all of Unicode: one task or two.
    assert tasks.filter(resource_name__icontains="ünï").count() == (
        1 if connection.vendor == "sqlite" else 2)
    assert tasks.filter(job_id__istartswith="JOB-ID").count() == len(NAMES)
    assert tasks.filter(error_code__iexact="ecs.0013").count() > 1
    assert tasks.matching('say "').count() == 1
    assert tasks.matching("AND").count() == 1


def test_a_page_of_a_search_holds_what_the_plain_slice_holds(tricky):
    tasks = FailedTask.objects.for_project(tricky).matching("res-").newest_first()
    assert len(tasks) == len(NAMES)
    assert list(tasks.page(3, 9)) == list(tasks[3:9])


def test_the_listing_and_its_confirmation_count_use_the_search(tricky):
    listing = TaskListing(tricky, "ecs", search="ORDERS")
    assert sorted(task.resource_name for task in listing.rows) == [
        "ORDERS", "Orders-Cluster", "orders-cluster-2"]
    assert listing.confirmation().count == 3


# --- SQLite: the triggers keep the trigram table exact ------------------------------

def assert_index_matches_the_tasks():
    """FTS5 compares its index with the task table (rank 1: the external content too);
    a row indexed with other values, or missing, fails as corrupt."""
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {NAME_SEARCH_TABLE} ({NAME_SEARCH_TABLE}, rank) "
                       "VALUES ('integrity-check', 1)")


def found_by_index(fragment: str) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT rowid FROM {NAME_SEARCH_TABLE} WHERE {NAME_SEARCH_TABLE} "
                       "MATCH %s ORDER BY rowid", [f'"{fragment}"'])
        return [row[0] for row in cursor.fetchall()]


@on_sqlite
def test_the_check_notices_a_stale_index(project_a):
    task = record(project_a, resource_name="indexed-name")
    assert_index_matches_the_tasks()
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TRIGGER {NAME_SEARCH_TABLE}_update")
        FailedTask.objects.filter(pk=task.pk).update(resource_name="changed-behind-its-back")
    with pytest.raises(Exception, match="malformed"):
        assert_index_matches_the_tasks()


@on_sqlite
def test_recording_and_recording_again_index_the_name(project_a):
    task = record(project_a, job_id="job-1", resource_name="first-name")
    assert found_by_index("first-name") == [task.pk]
    record(project_a, job_id="job-1", resource_name="second-name")  # the same job, renamed
    assert found_by_index("first-name") == []
    assert found_by_index("second-name") == [task.pk]
    record(project_a, job_id="job-1", resource_name="second-name")  # again, unchanged
    assert found_by_index("second-name") == [task.pk]
    assert_index_matches_the_tasks()


def pk_of(task) -> int:
    return FailedTask.objects.get(project=task.project, job_id=task.job_id).pk


@on_sqlite
def test_deleting_and_restoring_keep_the_index(project_a, operator):
    kept = record(project_a, resource_name="kept-vm")
    one = record(project_a, resource_name="deleted-one")
    many = [record(project_a, resource_name=f"deleted-many-{n}") for n in range(3)]
    scope = FailedTask.objects.for_project(project_a)
    deletion = delete_task(scope, one.pk, Actor(operator))
    assert found_by_index("deleted-one") == []
    assert_index_matches_the_tasks()
    restore_deletion(deletion, Actor(operator))  # back under a new id
    assert found_by_index("deleted-one") == [pk_of(one)]
    assert_index_matches_the_tasks()
    everything = delete_all_seen(project_a, scope.matching("deleted-many"),
                                 current_revision(project_a), Actor(operator), service="ecs")
    assert found_by_index("deleted-many") == []
    assert found_by_index("kept-vm") == [kept.pk]
    assert_index_matches_the_tasks()
    restore_deletion(everything, Actor(operator))
    assert found_by_index("deleted-many") == sorted(pk_of(task) for task in many)
    assert_index_matches_the_tasks()


@on_sqlite
def test_purging_keeps_the_index(project_a):
    old = record(project_a, resource_name="old-failure", minutes_ago=60 * 24 * 40)
    new = record(project_a, resource_name="new-failure")
    purge_older_than(timezone.now() - timedelta(days=30),
                     Actor(None, channel=Channel.RETENTION))
    assert found_by_index("-failure") == [new.pk]
    assert not FailedTask.objects.filter(pk=old.pk).exists()
    assert_index_matches_the_tasks()


# --- The schema: each database has its own ----------------------------------------

def schema_names(kind: str) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE type = %s", [kind])
        return {row[0] for row in cursor.fetchall()}


TRIGGERS = {f"{NAME_SEARCH_TABLE}_{event}" for event in ("insert", "delete", "update")}
NOCASE_INDEXES = {"task_resource_id_nocase", "task_job_id_nocase", "task_error_code_nocase"}


@on_sqlite
def test_the_migrated_database_has_the_search_index_and_its_triggers():
    assert NAME_SEARCH_TABLE in schema_names("table")
    assert TRIGGERS <= schema_names("trigger")
    assert NOCASE_INDEXES <= schema_names("index")


@on_sqlite
def test_migrate_puts_back_what_a_copy_of_the_task_table_dropped(project_a):
    """Django changes most columns on SQLite by copying the table into a new one,
    which leaves its triggers and indexes behind; after migrate they are back,
    and the names changed meanwhile are indexed."""
    task = record(project_a, resource_name="before-the-copy")
    with connection.cursor() as cursor:
        for name in TRIGGERS:
            cursor.execute(f"DROP TRIGGER {name}")
        for name in NOCASE_INDEXES:
            cursor.execute(f"DROP INDEX {name}")
    FailedTask.objects.filter(pk=task.pk).update(resource_name="renamed-meanwhile")
    emit_post_migrate_signal(verbosity=0, interactive=False, db=connection.alias)
    assert TRIGGERS <= schema_names("trigger")
    assert NOCASE_INDEXES <= schema_names("index")
    assert_index_matches_the_tasks()
    assert found_by_index("renamed-meanwhile") == [task.pk]
    assert found_by_index("before-the-copy") == []


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's schema")
def test_postgresql_has_no_sqlite_search_index():
    assert NAME_SEARCH_TABLE not in connection.introspection.table_names()
