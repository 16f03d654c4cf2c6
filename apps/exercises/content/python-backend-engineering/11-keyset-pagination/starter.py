"""Keyset (cursor) pagination."""

import base64
import json
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Page:
    items: list[dict]
    next_cursor: str | None


def encode_cursor(values: Sequence) -> str:
    """Opaque, URL-safe token for a sort key."""
    raise NotImplementedError


def decode_cursor(cursor: str) -> tuple:
    """Reverse of encode_cursor; ValueError for anything else."""
    raise NotImplementedError


def paginate(
    rows: Sequence[dict],
    *,
    limit: int = 20,
    cursor: str | None = None,
    key: tuple[str, ...] = ("created_at", "id"),
    descending: bool = True,
) -> Page:
    """One page of rows after `cursor`, in key order."""
    # Offset pagination in disguise: the "cursor" is just a row count.
    ordered = sorted(rows, key=lambda r: tuple(r[k] for k in key), reverse=descending)
    offset = int(cursor) if cursor else 0
    items = ordered[offset : offset + limit]
    more = offset + limit < len(ordered)
    return Page(items, str(offset + limit) if more else None)
