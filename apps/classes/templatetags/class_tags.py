"""Class pages' tags: times in a class's time zone (which the browser turns into the
viewer's own), the time left before a due time, and the dashboard's classes panel."""

from __future__ import annotations

import zoneinfo
from datetime import datetime
from typing import Any

from django import template
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.timesince import timesince, timeuntil

from apps.classes import pages_support
from apps.core import dates

register = template.Library()


@register.simple_tag
def when(value: datetime | None, zone: str = "UTC") -> SafeString | str:
    """``<time>`` in ``zone`` (named), which ``classes.js`` rewrites in the viewer's
    own time zone; the class's stays in its title."""
    if value is None:
        return "–"
    try:
        local = value.astimezone(zoneinfo.ZoneInfo(zone))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        local, zone = value.astimezone(zoneinfo.ZoneInfo("UTC")), "UTC"
    text = f"{dates.format_local(local, 'datetime', local.tzinfo)} ({zone})"  # type: ignore[arg-type]
    return format_html(
        '<time datetime="{}" data-local title="{}">{}</time>',
        value.astimezone(zoneinfo.ZoneInfo("UTC")).isoformat(),
        text,
        text,
    )


@register.simple_tag
def time_left(value: datetime | None, now: datetime | None = None) -> str:
    """“in 2 days, 3 hours” before ``value``, “3 hours ago” after it."""
    if value is None:
        return ""
    now = now or timezone.now()
    if value >= now:
        return f"in {timeuntil(value, now, depth=2)}"
    return f"{timesince(value, now, depth=2)} ago"


@register.inclusion_tag("classes/_dashboard.html")
def classes_panel(user: Any) -> dict[str, Any]:
    """The learner's classes on the dashboard: due next, late, grades."""
    summary = pages_support.learner_summary(user=user)
    return {
        "summary": summary,
        "late": [(item, pages_support.still_accepted(item)) for item in summary.late],
    }
