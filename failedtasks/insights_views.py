"""Failure insights: failed tasks by error code, service and project over a period,
for the admins of those projects and for superusers. Read-only.

The charts are SVG drawn on the server (no script, no inline style: the strict
CSP stays on). Their text is in pixels and their horizontal positions in
percent, so labels stay readable from 320 px to a wide screen instead of
shrinking with a viewBox.
"""

import math
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_GET

from console.lib.errors import Invalid, NotFound
from console.lib.htmx import HtmxHttpRequest
from console.lib.ids import PROJECT_ID
from console.tenancy.scoping import reviewed_projects
from failedtasks.insights import DEFAULT_PERIOD, PERIODS, Bar, Bucket, failure_insights

BAR_ROW = 42  # px per bar: the label line, then the bar
COLUMN_PLOT_TOP, COLUMN_PLOT_BOTTOM, COLUMN_CHART_HEIGHT = 18, 170, 196
AXIS_LABELS = 5  # at most this many time labels under the columns, so 320 px fits them


@require_GET
@login_required
def insights(request: HtmxHttpRequest):
    projects = reviewed_projects(request.user, _(  # the filter's choices, and the 403
        "Failure insights are for project admins. Ask an admin of your project, or a "
        "superuser, to review failures for you."))
    period = PERIODS.get(request.GET.get("period", DEFAULT_PERIOD))
    if period is None:
        raise Invalid(_("Unknown period. Choose the last 24 hours (24h), 7 days (7d) "
                        "or 30 days (30d)."))
    project_id = request.GET.get("project", "")
    project = None
    if project_id:
        project = next((p for p in projects if PROJECT_ID.fullmatch(project_id)
                        and p.pk == project_id), None)
        if project is None:
            raise NotFound(_("There is no such project, or you are not an admin of it."))
    data = failure_insights([project] if project else projects, period)
    return render(request, "failedtasks/insights.html", {
        "insights": data,
        "projects": projects,
        "project": project,  # None: every project the user reviews
        "period_links": _period_links(period.key, project),
        "code_chart": bar_chart(data.by_code),
        "service_chart": bar_chart(data.by_service),
        "project_chart": bar_chart(data.by_project),
        "series_chart": column_chart(data.series, data.period.hourly),
    })


def _period_links(current: str, project) -> list[dict]:
    links = []
    for key, period in PERIODS.items():
        params = {"period": key, **({"project": project.pk} if project else {})}
        links.append({"label": period.label, "current": key == current,
                      "url": f"{reverse('insights')}?{urlencode(params)}"})
    return links


# --- Chart geometry ------------------------------------------------------------

def bar_chart(bars: list[Bar]) -> dict:
    """Horizontal bars, one per row: the label and count above, the bar under them."""
    rows = [
        {"bar": bar, "top": index * BAR_ROW, "label_y": index * BAR_ROW + 14, "bar_y": index * BAR_ROW + 21,
         "width": max(bar.percent, 0.6)}  # a sliver, so a small count still shows
        for index, bar in enumerate(bars)
    ]
    return {"rows": rows, "height": len(bars) * BAR_ROW, "row_height": BAR_ROW}


def _nice_step(top: int, lines: int = 4) -> int:
    """The smallest 1, 2 or 5 x 10^n step that covers `top` in `lines` grid lines."""
    step = 1
    while step * lines < top:
        for factor in (2, 2.5, 2):  # 1 -> 2 -> 5 -> 10 ...
            step = int(step * factor)
            if step * lines >= top:
                break
    return step


def column_chart(series: list[Bucket], hourly: bool) -> dict:
    """Columns over time with grid lines at round numbers and a few time labels."""
    plot_height = COLUMN_PLOT_BOTTOM - COLUMN_PLOT_TOP
    top = max((bucket.count for bucket in series), default=0)
    step = _nice_step(max(top, 1))
    axis_top = step * max(1, math.ceil(top / step))
    ticks = [
        {"value": value, "y": COLUMN_PLOT_BOTTOM - plot_height * value / axis_top}
        for value in range(0, axis_top + 1, step)
    ]
    slot = 100 / len(series) if series else 100
    every = max(1, math.ceil(len(series) / AXIS_LABELS))
    time_format = "H:i" if hourly else pgettext("insights day axis", "M j")
    exact_format = pgettext("insights bucket", "M j, Y H:i") if hourly else "DATE_FORMAT"
    columns = []
    for index, bucket in enumerate(series):
        height = plot_height * bucket.count / axis_top
        column = {
            "bucket": bucket,
            "x": round(index * slot + slot * 0.15, 3),
            "width": round(slot * 0.7, 3),
            "y": round(COLUMN_PLOT_BOTTOM - height, 2),
            "height": round(height, 2),
            "when": formats.date_format(bucket.start, exact_format),
            "label": None,
        }
        if index % every == 0:
            center = index * slot + slot / 2
            # The first and last labels hug the edges so that nothing is cut off.
            anchor = "start" if center < 8 else "end" if center > 92 else "middle"
            column["label"] = formats.date_format(bucket.start, time_format)
            column["label_x"] = round(
                {"start": index * slot, "end": (index + 1) * slot, "middle": center}[anchor], 3
            )
            column["label_anchor"] = anchor
        columns.append(column)
    return {"columns": columns, "ticks": ticks, "height": COLUMN_CHART_HEIGHT,
            "baseline": COLUMN_PLOT_BOTTOM, "label_y": COLUMN_CHART_HEIGHT - 6}
