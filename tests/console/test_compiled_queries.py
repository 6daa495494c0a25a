"""console.lib.compiled_queries: a queryset compiled once per shape gives what it gives."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from console.lib import compiled_queries
from console.lib.compiled_queries import run_compiled
from console.tenancy.models import Project

pytestmark = pytest.mark.django_db


@pytest.fixture
def projects(region):
    return [Project.objects.create(region=region, name=name) for name in ("alpha", "beta", "alphabet")]


def by_name(values):
    return Project.objects.filter(name=values["name"]).order_by("pk")


def fields_of(instances) -> list[dict]:
    return [{k: v for k, v in vars(instance).items() if k != "_state"} for instance in instances]


def test_one_shape_runs_with_each_requests_values(projects):
    for name in ("alpha", "beta", "nobody", "alpha"):
        made = run_compiled(("test-by-name",), by_name, {"name": name})
        assert fields_of(made) == fields_of(by_name({"name": name}))
    assert compiled_queries._shapes[(connection.vendor, "test-by-name")] is not None


def test_a_value_the_orm_rewrites_is_not_cached_and_still_answers(projects):
    def containing(values):
        return Project.objects.filter(name__contains=values["part"]).order_by("pk")

    for part in ("alpha", "bet", "alpha"):
        found = run_compiled(("test-containing",), containing, {"part": part})
        assert [p.name for p in found] == [p.name for p in containing({"part": part})]
    assert sorted(p.name for p in run_compiled(("test-containing",), containing, {"part": "bet"})) == [
        "alphabet", "beta"]
    assert compiled_queries._shapes[(connection.vendor, "test-containing")] is None


def test_instances_are_as_the_orm_makes_them(projects):
    [made] = run_compiled(("test-by-name",), by_name, {"name": "beta"})
    [read] = by_name({"name": "beta"})
    assert type(made) is Project and fields_of([made]) == fields_of([read])
    assert made._state.adding is False and made._state.db == read._state.db
    assert made.region == read.region  # a relation is read as on any instance


def test_a_shape_seen_before_is_one_statement_with_the_new_value(projects):
    run_compiled(("test-by-name",), by_name, {"name": "alpha"})
    with CaptureQueriesContext(connection) as sent:
        run_compiled(("test-by-name",), by_name, {"name": "beta"})
    assert len(sent) == 1 and "beta" in sent[0]["sql"] and "alpha" not in sent[0]["sql"]
