"""One date and time format everywhere, in the learner's time zone.

The zone is the one saved in the profile; without one, the browser's (``static/js/dates.js``
remembers it in the ``tz`` cookie on the first page); without that, ``settings.TIME_ZONE``.
The same shapes are drawn in the browser by ``static/js/dates.js``:

* date      ``7 Dec 2026``
* datetime  ``7 Dec 2026, 10:10``
* time      ``10:10``
"""

from __future__ import annotations

import zoneinfo
from datetime import date, datetime
from functools import lru_cache
from typing import Literal
from urllib.parse import unquote

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone

TZ_COOKIE = "tz"
Kind = Literal["date", "datetime", "time"]
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@lru_cache(maxsize=512)
def zone_or_none(name: str) -> zoneinfo.ZoneInfo | None:
    """The zone called ``name`` (an IANA name such as ``Europe/Paris``), or None."""
    if not name or len(name) > 64:
        return None
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None


@lru_cache(maxsize=1)
def zone_names() -> tuple[str, ...]:
    """Every zone a learner can choose, sorted."""
    return tuple(sorted(zoneinfo.available_timezones() - {"localtime", "Factory"}))


def request_zone(request: HttpRequest | None) -> tuple[str, bool]:
    """(zone name, chosen in the profile?) for this request, computed once per request."""
    if request is None:
        return settings.TIME_ZONE, False
    cached: tuple[str, bool] | None = getattr(request, "_ba_time_zone", None)
    if cached is not None:
        return cached
    result: tuple[str, bool] = (settings.TIME_ZONE, False)
    user = getattr(request, "user", None)
    chosen = getattr(user, "time_zone", "") if user is not None and user.is_authenticated else ""
    if chosen and zone_or_none(chosen):
        result = (chosen, True)
    else:
        cookie = unquote(request.COOKIES.get(TZ_COOKIE, ""))
        if zone_or_none(cookie):
            result = (cookie, False)
    request._ba_time_zone = result  # type: ignore[attr-defined]
    return result


def format_local(value: datetime | date, kind: Kind, zone: zoneinfo.ZoneInfo | None) -> str:
    """``value`` in the site's format; aware datetimes are first moved into ``zone``."""
    if isinstance(value, datetime):
        if timezone.is_naive(value):
            value = timezone.make_aware(value, zoneinfo.ZoneInfo(settings.TIME_ZONE))
        value = value.astimezone(zone or zoneinfo.ZoneInfo(settings.TIME_ZONE))
        clock = f"{value.hour:02d}:{value.minute:02d}"
    else:
        clock = ""
    day = f"{value.day} {MONTHS[value.month - 1]} {value.year}"
    if kind == "time" and clock:
        return clock
    if kind == "datetime" and clock:
        return f"{day}, {clock}"
    return day


def iso(value: datetime | date) -> str:
    """The machine-readable value for ``<time datetime>``: UTC for instants."""
    if isinstance(value, datetime):
        if timezone.is_naive(value):
            value = timezone.make_aware(value, zoneinfo.ZoneInfo(settings.TIME_ZONE))
        return value.astimezone(zoneinfo.ZoneInfo("UTC")).isoformat().replace("+00:00", "Z")
    return value.isoformat()
