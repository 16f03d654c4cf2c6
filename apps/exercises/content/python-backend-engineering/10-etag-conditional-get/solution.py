"""ETags and 304 Not Modified."""

import hashlib
from collections.abc import Mapping


def make_etag(body: bytes, *, weak: bool = False) -> str:
    """Quoted first 16 hex digits of SHA-256(body); W/ prefix when weak."""
    tag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
    return "W/" + tag if weak else tag


def parse_entity_tags(header: str) -> list[str]:
    """Entity tags in an If-None-Match header, in order, as written."""
    tags: list[str] = []
    i, n = 0, len(header)
    while i < n:
        while i < n and header[i] in " \t,":
            i += 1
        if i >= n:
            break
        start = i
        if header.startswith("W/", i):
            i += 2
        if i < n and header[i] == '"':
            end = header.find('"', i + 1)
            if end != -1:
                after = end + 1
                while after < n and header[after] in " \t":
                    after += 1
                if after >= n or header[after] == ",":
                    tags.append(header[start : end + 1])
                    i = after
                    continue
        # Malformed member: skip to the next comma outside quotes.
        in_quotes = False
        while i < n and (in_quotes or header[i] != ","):
            if header[i] == '"':
                in_quotes = not in_quotes
            i += 1
    return tags


def _opaque(tag: str) -> str:
    return tag[2:] if tag.startswith("W/") else tag


def none_match(header: str | None, etag: str) -> bool:
    """True if If-None-Match matches `etag` (weak comparison, * matches all)."""
    if not header or not header.strip():
        return False
    if header.strip() == "*":
        return True
    return any(_opaque(tag) == _opaque(etag) for tag in parse_entity_tags(header))


def conditional_get(
    method: str,
    request_headers: Mapping[str, str],
    body: bytes,
    *,
    content_type: str = "application/json",
    cache_control: str = "max-age=60",
) -> tuple[int, dict[str, str], bytes]:
    """Answer a GET or HEAD with (status, headers, body): 200 or 304."""
    if method not in ("GET", "HEAD"):
        raise ValueError(f"conditional_get handles GET and HEAD, not {method!r}")
    header = next((v for k, v in request_headers.items() if k.lower() == "if-none-match"), None)
    etag = make_etag(body)
    if none_match(header, etag):
        return 304, {"ETag": etag, "Cache-Control": cache_control}, b""
    headers = {
        "ETag": etag,
        "Cache-Control": cache_control,
        "Content-Type": content_type,
        "Content-Length": str(len(body)),
    }
    return 200, headers, (b"" if method == "HEAD" else body)
