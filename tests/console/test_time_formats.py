"""The short failure time a table writes per row: as Django's dateformat writes it."""

from datetime import UTC, datetime, timedelta, timezone

import pytest
from django.utils import translation
from django.utils.dateformat import format as format_date

from console.lib.time_formats import TimeHtml, _short_time_writer

MOMENTS = [datetime(2026, month, day, hour, minute, second, tzinfo=UTC)
           for month, day, hour, minute, second in
           [(1, 1, 0, 0, 0), (2, 9, 7, 5, 9), (5, 31, 23, 59, 59), (9, 10, 12, 30, 1),
            (12, 25, 9, 3, 45)]]
ZONES = [UTC, timezone(timedelta(hours=8)), timezone(timedelta(hours=-3, minutes=-30))]


@pytest.mark.parametrize("language", ["en", "zh-hans"])
@pytest.mark.parametrize("short_format", [
    "M j, Y H:i", "Y/m/d H:i", "n-j G:i:s", "d.m.Y",  # read off the time
    "D, j M Y", "jS F", r"Y\T H",  # other characters: Django's own dateformat
])
def test_a_short_time_is_written_as_dateformat_writes_it(language, short_format):
    write = _short_time_writer(short_format, language)
    with translation.override(language):
        for moment in MOMENTS:
            for zone in ZONES:
                local = moment.astimezone(zone)
                assert write(local) == format_date(local, short_format)


@pytest.mark.parametrize("language, short", [("en", "Feb 9, 2026 15:05"), ("zh-hans", "2026/02/09 15:05")])
def test_a_rows_time_in_the_users_zone_and_language(language, short):
    from django.utils import timezone as django_timezone

    with translation.override(language), django_timezone.override("Asia/Shanghai"):
        html = TimeHtml()(datetime(2026, 2, 9, 7, 5, 9, 754000, tzinfo=UTC))
    assert html == (
        '<time class="exact-time" datetime="2026-02-09T07:05:09.754000+00:00" '
        'title="2026-02-09 15:05:09.754 GMT+08:00 (Asia/Shanghai)" '
        'data-exact="2026-02-09 15:05:09.754 GMT+08:00 (Asia/Shanghai)" tabindex="0">'
        f"{short}</time>")
    assert TimeHtml()(None) == "—"


@pytest.mark.parametrize("zone", ["UTC", "Asia/Shanghai", "America/St_Johns", "Asia/Kathmandu",
                                  "Pacific/Chatham", "America/Los_Angeles"])
def test_the_exact_time_names_its_offset_from_utc(zone):
    from zoneinfo import ZoneInfo

    from django.utils import timezone as django_timezone

    with django_timezone.override(zone):
        for moment in MOMENTS:
            local = moment.replace(microsecond=754000).astimezone(ZoneInfo(zone))
            offset = local.strftime("%z")
            exact = (f"{local:%Y-%m-%d %H:%M:%S}.754 GMT{offset[:3]}:{offset[3:]} ({zone})")
            assert f'title="{exact}" data-exact="{exact}"' in TimeHtml().html(local)
