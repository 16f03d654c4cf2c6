"""Whether a site path is served by this deployment (features land issue by issue)."""

from __future__ import annotations

from functools import lru_cache

from django.urls import Resolver404, resolve


@lru_cache(maxsize=256)
def path_exists(path: str) -> bool:
    try:
        resolve(path.split("?", 1)[0].split("#", 1)[0])
    except Resolver404:
        return False
    return True
