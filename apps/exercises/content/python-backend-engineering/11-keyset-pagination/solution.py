"""Keyset (cursor) pagination."""

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Page:
    items: list[dict]
    next_cursor: str | None


def encode_cursor(values: Sequence) -> str:
    """Opaque, URL-safe token for a sort key."""
    raw = json.dumps(list(values), separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def decode_cursor(cursor: str) -> tuple:
    """Reverse of encode_cursor; ValueError for anything else."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        raw = base64.urlsafe_b64decode(padded.encode("ascii"))
        values = json.loads(raw)
    except (binascii.Error, UnicodeError, ValueError) as exc:
        raise ValueError("invalid cursor") from exc
    if not isinstance(values, list):
        raise ValueError("invalid cursor")
    return tuple(values)


def paginate(
    rows: Sequence[dict],
    *,
    limit: int = 20,
    cursor: str | None = None,
    key: tuple[str, ...] = ("created_at", "id"),
    descending: bool = True,
) -> Page:
    """One page of rows after `cursor`, in key order."""
    if not 1 <= limit <= 100:
        raise ValueError("limit must be between 1 and 100")

    def sort_key(row: dict) -> tuple:
        return tuple(row[k] for k in key)

    candidates = list(rows)
    if cursor is not None:
        after = decode_cursor(cursor)
        if len(after) != len(key):
            raise ValueError("invalid cursor")
        if descending:
            candidates = [r for r in candidates if sort_key(r) < after]
        else:
            candidates = [r for r in candidates if sort_key(r) > after]
    candidates.sort(key=sort_key, reverse=descending)
    window = candidates[: limit + 1]  # one extra row tells us if there is more
    items = window[:limit]
    more = len(window) > limit
    return Page(items, encode_cursor(sort_key(items[-1])) if more else None)
