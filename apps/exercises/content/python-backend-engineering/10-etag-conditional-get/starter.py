"""ETags and 304 Not Modified."""

import hashlib
from collections.abc import Mapping


def make_etag(body: bytes, *, weak: bool = False) -> str:
    """Quoted first 16 hex digits of SHA-256(body); W/ prefix when weak."""
    tag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
    return "W/" + tag if weak else tag


def parse_entity_tags(header: str) -> list[str]:
    """Entity tags in an If-None-Match header, in order, as written."""
    # Splitting on commas breaks tags such as "v1,gzip".
    return [part.strip() for part in header.split(",") if part.strip()]


def none_match(header: str | None, etag: str) -> bool:
    """True if If-None-Match matches `etag` (weak comparison, * matches all)."""
    # Strong, exact comparison of the whole header: misses lists and W/ tags.
    return header == etag


def conditional_get(
    method: str,
    request_headers: Mapping[str, str],
    body: bytes,
    *,
    content_type: str = "application/json",
    cache_control: str = "max-age=60",
) -> tuple[int, dict[str, str], bytes]:
    """Answer a GET or HEAD with (status, headers, body): 200 or 304."""
    raise NotImplementedError
