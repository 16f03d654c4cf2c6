"""A learner's due dates as an iCalendar feed (RFC 5545).

Each assignment is one ``VEVENT`` whose ``UID`` depends on the assignment alone, so a
calendar that subscribed updates the event when the due time moves (an extension, an
edited assignment) instead of adding another. The event starts at the learner's own
due time and lasts ``EVENT_LENGTH`` (RFC 5545 wants ``DTEND`` after ``DTSTART``); every
time is in UTC, so no ``VTIMEZONE`` is needed. Lines end in CRLF and are folded at 75
octets without splitting a UTF-8 character; text values escape backslashes, commas,
semicolons and newlines.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

EVENT_LENGTH = timedelta(minutes=15)
LINE_OCTETS = 75
PRODID = "-//Backend Academy//Classes//EN"
REFRESH = "PT1H"  # how often a subscribed calendar should fetch the feed again


@dataclass(frozen=True)
class Event:
    uid: str
    start: datetime
    summary: str
    description: str = ""
    url: str = ""
    end: datetime | None = None


def escape_text(value: str) -> str:
    """A TEXT value (RFC 5545 §3.3.11)."""
    text = str(value).replace("\r\n", "\n").replace("\r", "\n")
    text = text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    text = text.replace("\n", "\\n")
    return "".join(ch for ch in text if ch == "\t" or (ord(ch) >= 0x20 and ord(ch) != 0x7F))


def utc(value: datetime) -> str:
    """A DATE-TIME in UTC form: 20270308T225900Z."""
    return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def fold(line: str) -> str:
    """A content line folded into lines of at most 75 octets (§3.1): each continuation
    starts with a space, and no UTF-8 character is split."""
    encoded = line.encode("utf-8")
    if len(encoded) <= LINE_OCTETS:
        return line
    parts: list[str] = []
    current = ""
    size = 0
    limit = LINE_OCTETS
    for ch in line:
        width = len(ch.encode("utf-8"))
        if size + width > limit:
            parts.append(current)
            current, size = "", 0
            limit = LINE_OCTETS - 1  # the leading space counts
        current += ch
        size += width
    parts.append(current)
    return "\r\n ".join(parts)


def _lines(events: Iterable[Event], *, name: str, stamp: datetime) -> Iterable[str]:
    yield "BEGIN:VCALENDAR"
    yield "VERSION:2.0"
    yield f"PRODID:{PRODID}"
    yield "CALSCALE:GREGORIAN"
    yield "METHOD:PUBLISH"
    yield f"X-WR-CALNAME:{escape_text(name)}"
    yield f"REFRESH-INTERVAL;VALUE=DURATION:{REFRESH}"  # RFC 7986
    yield f"X-PUBLISHED-TTL:{REFRESH}"  # the same hint, for older clients
    for event in events:
        yield "BEGIN:VEVENT"
        yield f"UID:{event.uid}"
        yield f"DTSTAMP:{utc(stamp)}"
        yield f"DTSTART:{utc(event.start)}"
        yield f"DTEND:{utc(event.end or event.start + EVENT_LENGTH)}"
        yield f"SUMMARY:{escape_text(event.summary)}"
        if event.description:
            yield f"DESCRIPTION:{escape_text(event.description)}"
        if event.url:
            yield f"URL:{event.url}"
        yield "TRANSP:TRANSPARENT"
        yield "END:VEVENT"
    yield "END:VCALENDAR"


def calendar(events: Iterable[Event], *, name: str, stamp: datetime) -> str:
    """The whole ``VCALENDAR`` object, CRLF-terminated."""
    return "".join(fold(line) + "\r\n" for line in _lines(events, name=name, stamp=stamp))
