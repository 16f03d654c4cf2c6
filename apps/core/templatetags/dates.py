"""``{% show_datetime value %}``, ``{% show_date value %}``, ``{% show_time value %}``:
a ``<time datetime="ISO" data-when="kind">`` in the learner's time zone and the site's one
format (``apps.core.dates``); ``static/js/dates.js`` draws the same format in the browser."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from apps.core import dates

register = template.Library()


def _render(context: Any, value: datetime | date | None, kind: dates.Kind, empty: str) -> Any:
    if value is None or value == "":
        return empty
    request = getattr(context, "request", None) or context.get("request")
    name, _ = dates.request_zone(request)
    text = dates.format_local(value, kind, dates.zone_or_none(name))
    return format_html('<time datetime="{}" data-when="{}">{}</time>', dates.iso(value), kind, text)


@register.simple_tag(takes_context=True)
def show_datetime(context: Any, value: datetime | None, empty: str = "–") -> SafeString | str:
    """“7 Dec 2026, 10:10” in the learner's time zone."""
    return _render(context, value, "datetime", empty)


@register.simple_tag(takes_context=True)
def show_date(context: Any, value: datetime | date | None, empty: str = "–") -> SafeString | str:
    """“7 Dec 2026” (the day in the learner's time zone)."""
    return _render(context, value, "date", empty)


@register.simple_tag(takes_context=True)
def show_time(context: Any, value: datetime | None, empty: str = "–") -> SafeString | str:
    """“10:10” in the learner's time zone."""
    return _render(context, value, "time", empty)
