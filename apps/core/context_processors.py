from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def site(request: HttpRequest) -> dict[str, object]:
    return {
        "SITE_NAME": settings.SITE_NAME,
        "DJANGO_ENV": settings.DJANGO_ENV,
        "SERVICES_MODE": settings.SERVICES_MODE,
    }
