"""Reading the environment: the one place configuration enters the project.

Every variable the platform reads is declared in ``config/settings.py`` through
these helpers, and listed in README.md.
"""

from __future__ import annotations

import os
import re
from urllib.parse import parse_qs, urlsplit

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


class ConfigurationError(RuntimeError):
    """A variable is set to a value the platform cannot use."""


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ConfigurationError(f"{name} must be a boolean (1/0, true/false), got {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigurationError(f"{name} must be an integer, got {raw!r}") from exc


def env_list(name: str, default: list[str] | None = None) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return list(default or [])
    return [item.strip() for item in raw.split(",") if item.strip()]


_REDIS_SCHEMES = {"redis", "rediss", "unix"}
_KEY_PREFIX = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,39}")


def redis_db(url: str) -> int:
    """The database number a Redis URL selects, as redis-py reads it: ``?db=N``, else the
    path (``redis://host:6379/N``), else 0. Raises ``ValueError`` for anything else,
    where redis-py would quietly use database 0."""
    parts = urlsplit(url)
    if parts.scheme not in _REDIS_SCHEMES:
        raise ValueError(f"not a redis://, rediss:// or unix:// URL: {parts.scheme}://")
    query = parse_qs(parts.query)
    if "db" in query:
        raw = query["db"][-1]
    elif parts.scheme == "unix":
        raw = "0"  # the path is the socket's
    else:
        raw = parts.path.strip("/") or "0"
    if not raw.isdigit():
        raise ValueError(f"the database number must be an integer, got {raw!r}")
    return int(raw)


def env_redis_url(name: str, default: str = "", *, other_schemes: bool = False) -> str:
    """A Redis URL, or ``default`` when unset. Its database number must be readable
    (``redis_db``); ``other_schemes`` lets a non-Redis URL through unchecked (a broker)."""
    url = os.environ.get(name, "").strip() or default
    if not url or (other_schemes and urlsplit(url).scheme not in _REDIS_SCHEMES):
        return url
    try:
        redis_db(url)
    except ValueError as exc:
        raise ConfigurationError(f"{name} is not a usable Redis URL: {exc}") from exc
    return url


def env_redis_urls(name: str, default: str = "") -> list[str]:
    """One Redis URL or several, comma-separated (each checked as ``env_redis_url``
    does), or ``[default]`` when unset; ``[]`` when neither gives one."""
    raw = os.environ.get(name, "").strip() or default
    urls = [url.strip() for url in raw.split(",") if url.strip()]
    for url in urls:
        try:
            redis_db(url)
        except ValueError as exc:
            raise ConfigurationError(f"{name} is not a usable Redis URL: {exc}") from exc
    if len(set(urls)) != len(urls):
        raise ConfigurationError(f"{name} names the same Redis twice")
    return urls


def env_key_prefix(name: str, default: str) -> str:
    """A key prefix: 1-40 letters, digits, ``_``, ``.`` or ``-`` (no ``:`` or pattern
    characters, so ``<prefix>:*`` matches exactly its keys)."""
    value = os.environ.get(name, "").strip() or default
    if not _KEY_PREFIX.fullmatch(value):
        raise ConfigurationError(
            f"{name} must be 1-40 letters, digits, '_', '.' or '-' "
            f"(starting with a letter or digit), got {value!r}"
        )
    return value
