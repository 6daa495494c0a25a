"""The hot statements written as SQL are prepared on PostgreSQL (planned once per
connection), and a setting turns that off for a pooler that does not keep them."""

import pytest
from django.db import connection
from django.test import override_settings

from console.lib.prepared import prepared_cursor
from console.tenancy.scoping import member_with_role
from failedtasks.models import TaskTally
from tests.console.test_settings import show_setting

pytestmark = pytest.mark.django_db

postgresql_only = pytest.mark.skipif(connection.vendor != "postgresql",
                                     reason="prepared statements are PostgreSQL's")


def prepared_statements() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [statement for (statement,) in cursor.fetchall()]


def poll_statement_prepared(user, project) -> bool:
    member_with_role(user.pk, project.pk, TaskTally.objects.failed_in_sql(project.pk, "ecs"))
    return any("failedtasks_tasktally" in s and "console_membership" in s
               for s in prepared_statements())


@postgresql_only
def test_the_polls_statement_is_prepared_and_answers_the_same(operator, project_a):
    with override_settings(DB_PREPARED_STATEMENTS=False):
        unprepared = member_with_role(operator.pk, project_a.pk,
                                      TaskTally.objects.failed_in_sql(project_a.pk, "ecs"))
    assert poll_statement_prepared(operator, project_a)
    prepared = member_with_role(operator.pk, project_a.pk,
                                TaskTally.objects.failed_in_sql(project_a.pk, "ecs"))
    assert prepared[0] == unprepared[0] and prepared[1].pk == unprepared[1].pk
    assert prepared[2:] == unprepared[2:]


@postgresql_only
@pytest.mark.django_db(transaction=True)  # to start on a new connection
def test_switched_off_nothing_is_prepared(operator, project_a):
    connection.close()  # a new connection: none prepared yet
    with override_settings(DB_PREPARED_STATEMENTS=False):
        assert not poll_statement_prepared(operator, project_a)
        with prepared_cursor() as cursor:
            cursor.execute("SELECT %s::int + 1", [1])
            assert cursor.fetchone() == (2,)
    assert not prepared_statements()


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_django_s_own_queries_are_never_prepared(operator, project_a):
    connection.close()
    list(TaskTally.objects.filter(project=project_a))
    assert not prepared_statements()


def test_a_plain_cursor_elsewhere(operator, project_a):
    with prepared_cursor() as cursor:
        cursor.execute("SELECT 1 + %s", [1])
        assert cursor.fetchone()[0] == 2


@pytest.mark.parametrize("value,threshold", [("true", "0"), ("false", "None")])
def test_the_setting_sets_psycopgs_threshold(value, threshold):
    result = show_setting('DATABASES["default"]["OPTIONS"].get("prepare_threshold")',
                          DEBUG="true", DB_PREPARED_STATEMENTS=value,
                          DATABASE_URL="postgres://nobody@127.0.0.1:5432/none")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-1] == threshold


def test_the_query_log_shows_a_prepared_statement_with_its_values(operator, project_a):
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        member_with_role(operator.pk, project_a.pk,
                         TaskTally.objects.failed_in_sql(project_a.pk, "ecs"))
    [logged] = captured.captured_queries
    assert f"'{project_a.pk}'" in logged["sql"] and "%s" not in logged["sql"]
