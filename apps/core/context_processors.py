from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

from apps.core import dates


def site(request: HttpRequest) -> dict[str, object]:
    return {
        "SITE_NAME": settings.SITE_NAME,
        "DJANGO_ENV": settings.DJANGO_ENV,
        "SERVICES_MODE": settings.SERVICES_MODE,
        # Callables: resolved only by templates that print them (base.html's <html>).
        "USER_TIME_ZONE": lambda: dates.request_zone(request)[0],
        "USER_TIME_ZONE_CHOSEN": lambda: dates.request_zone(request)[1],
    }
