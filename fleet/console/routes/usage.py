"""Usage: tables and server-drawn charts, and the same rows as CSV."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from markupsafe import Markup
from sqlalchemy import select

from fleet.console import charts, usage
from fleet.console.i18n import translate
from fleet.console.web import PREFIX, User, clock, language, render
from fleet.db.models import Terminal

router = APIRouter()


def _filter(days: int, group: str, terminal: str, period: str) -> usage.UsageFilter:
    return usage.UsageFilter(days=days, group=group.strip(), terminal=terminal.strip(),
                             period="week" if period == "week" else "day")


@router.get(PREFIX + "/usage")
def usage_page(request: Request, user: User, days: int = Query(14, ge=1, le=366),
               group: str = "", terminal: str = "", period: str = "day") -> Response:
    now = clock(request)
    f = _filter(days, group, terminal, period)
    lang = language(request)
    with request.app.state.sessions() as session:
        table = usage.rows(session, now, f)
        hours = usage.busiest_hours(session, now, f)
        groups = list(session.scalars(select(Terminal.group).distinct().order_by(Terminal.group)))
    per_period = usage.by_period(table, "sessions")
    sessions_chart = charts.bar_chart(
        translate("Sessions", lang), list(per_period), list(per_period.values()),
        label_every=max(1, len(per_period) // 7))
    hours_chart = charts.bar_chart(translate("Busiest hours", lang) + " (UTC)",
                                   [f"{h:02d}" for h in range(24)], hours, label_every=3)
    query = urlencode({"days": f.days, "group": f.group, "terminal": f.terminal,
                       "period": f.period})
    return render(request, "usage.html", title="Usage", user=user, f=f, groups=groups,
                  services=usage.by_service(table), sessions_chart=Markup(sessions_chart),
                  hours_chart=Markup(hours_chart), csv_query=query, now=now)


@router.get(PREFIX + "/usage.csv")
def usage_csv(request: Request, user: User, days: int = Query(14, ge=1, le=366),
              group: str = "", terminal: str = "", period: str = "day") -> Response:
    f = _filter(days, group, terminal, period)
    with request.app.state.sessions() as session:
        text = usage.to_csv(usage.rows(session, clock(request), f))
    name = f"usage-{clock(request).date().isoformat()}-{f.period}.csv"
    # A BOM, so a spreadsheet opens the service names as UTF-8.
    return Response("\ufeff" + text, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"',
                             "Cache-Control": "no-store"})
