"""Times the database writes for the API faces' lists, on either database, are the
ones Python would write: UTC to the millisecond (cut, not rounded), epoch
milliseconds, and the cursor's microseconds."""

from datetime import UTC, datetime, timedelta

import pytest

from console.lib.time_formats import EpochMicros, UtcMillisText, epoch_millis_text, utc_millis
from failedtasks.models import FailedTask
from tests.conftest import record

pytestmark = pytest.mark.django_db

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

TIMES = [
    datetime(2026, 12, 7, 2, 1, 30, 796687, tzinfo=UTC),
    datetime(2026, 12, 7, 2, 1, 30, tzinfo=UTC),  # no fraction (SQLite then stores none)
    datetime(2019, 1, 21, 12, 56, 35, 999999, tzinfo=UTC),  # cut, never rounded up
    datetime(2004, 9, 2, 22, 31, 10, 330000, tzinfo=UTC),  # float milliseconds: one short
    datetime(1969, 12, 31, 23, 59, 59, 499500, tzinfo=UTC),  # 1970-01-01T00:00+05:00 and less
    datetime(9998, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
]


def written(task, **expressions):
    return FailedTask.objects.filter(pk=task.pk).values(**expressions).get()


@pytest.mark.parametrize("moment", TIMES, ids=str)
def test_the_database_writes_a_time_as_python_would(project_a, moment):
    task = record(project_a, failed_at=moment, begin_time=moment)
    row = written(task, text=UtcMillisText("failed_at"), begin=UtcMillisText("begin_time"),
                  micros=EpochMicros("failed_at"), millis=epoch_millis_text("failed_at"))
    micros = (moment - EPOCH) // timedelta(microseconds=1)
    assert row["text"] == row["begin"] == utc_millis(moment) == UtcMillisText.in_python(moment)
    assert row["micros"] == micros
    # Cut toward zero, as int() cuts: -500.5 ms is -500.
    whole = abs(micros) // 1000
    assert row["millis"] == str(whole if micros >= 0 else -whole)


def test_a_float_product_would_be_a_millisecond_short():
    moment = TIMES[3]
    assert str(int(moment.timestamp() * 1000)) == "1094164270329"
    assert (moment - EPOCH) // timedelta(milliseconds=1) == 1094164270330


def test_no_time_is_none(project_a):
    task = record(project_a, begin_time=None)
    assert written(task, begin=UtcMillisText("begin_time"))["begin"] is None


def test_an_item_of_one_task_read_already_is_the_item_its_row_makes(project_a):
    """ItemShape.of_instance (a recording's answer) writes the times in Python; the
    item is the one a list's row gives, where the database writes them."""
    from failedtasks.api.console_api import TASK

    task = record(project_a, failed_at=TIMES[2], begin_time=None, extra={"k": "v"})
    stored = FailedTask.objects.get(pk=task.pk)
    assert TASK.of_instance(stored) == TASK(TASK.values(FailedTask.objects.filter(pk=task.pk)).get())


def test_an_item_whose_expression_has_no_python_equivalent_is_refused(project_a):
    from django.db.models import Value
    from django.db.models.functions import Coalesce
    from rest_framework import serializers

    from console.lib.api_fields import ItemShape

    shape = ItemShape("Probe", {
        "when": (serializers.CharField(), UtcMillisText(Coalesce("begin_time", "failed_at"))),
        "name": (serializers.CharField(), Value("x")),
    })
    with pytest.raises(TypeError):
        shape.of_instance(FailedTask.objects.get(pk=record(project_a).pk))
