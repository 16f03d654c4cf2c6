"""CSV exports of a class: its roster and its gradebook.

UTF-8 with a header row and a file name; every text cell that a spreadsheet would read
as a formula (starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return) is
prefixed with ``'``, so a learner named ``=HYPERLINK(…)`` stays text.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from django.http import HttpResponse
from django.utils import timezone
from django.utils.text import slugify

from apps.classes.grades import Status
from apps.classes.models import Classroom
from apps.classes.selectors import Gradebook, RosterRow
from apps.core.spreadsheet import safe_cell

safe = safe_cell  # the name this module's callers and tests use


def _number(value: Decimal | None) -> str:
    return "" if value is None else f"{value:.2f}"


def _when(value: datetime | None) -> str:
    return "" if value is None else value.astimezone(UTC).isoformat()


def _response(classroom: Classroom, what: str, header: Sequence[str],
              rows: Iterable[Sequence[Any]], *, checked: bool = False) -> HttpResponse:  # fmt: skip
    """The CSV file; every cell goes through ``safe`` unless the rows were ``checked``
    (their text cells already made safe by the caller)."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    name = slugify(classroom.name)[:60] or "class"
    stamp = timezone.now().strftime("%Y%m%d")
    response["Content-Disposition"] = (
        f'attachment; filename="class-{classroom.pk}-{name}-{what}-{stamp}.csv"'
    )
    response["Cache-Control"] = "private, no-store"
    writer = csv.writer(response)
    writer.writerow([safe(cell) for cell in header])
    if checked:
        writer.writerows(rows)
    else:
        for row in rows:
            writer.writerow([safe(cell) for cell in row])
    return response


def roster_csv(classroom: Classroom, rows: list[RosterRow]) -> HttpResponse:
    header = [
        "username",
        "name",
        "role",
        "joined_at",
        "removed_at",
        "last_activity",
        "lessons_done",
        "lessons_total",
        "progress_percent",
    ]
    return _response(
        classroom,
        "roster",
        header,
        (
            [
                row.membership.user.username,
                row.membership.user.public_name,
                row.membership.role,
                _when(row.membership.joined_at),
                _when(row.membership.removed_at),
                _when(row.last_activity),
                row.lessons_done,
                row.lessons_total,
                row.progress_percent,
            ]
            for row in rows
        ),
    )


def gradebook_csv(book: Gradebook, rows: list[Any] | None = None) -> HttpResponse:
    """Learners × assignments: each assignment's score and status, then the weighted
    total. ``rows`` (the gradebook's, sorted and filtered) default to all of them. The
    text people typed (names, titles) goes through ``safe``; scores and statuses are the
    platform's own digits and words, written as they are (30,000 cells for a class of
    1,000 × 30)."""
    header = ["username", "name"]
    for assignment in book.assignments:
        header += [f"{assignment.title} (score)", f"{assignment.title} (status)"]
    header.append("total")
    numbers: dict[Decimal | None, str] = {}

    def number(value: Decimal | None) -> str:
        text = numbers.get(value)
        if text is None:
            text = numbers[value] = _number(value)
        return text

    labels = Status.LABELS
    lines = []
    for row in book.rows if rows is None else rows:
        line: list[Any] = [safe(row.user.username), safe(row.user.public_name)]
        for cell in row.cells:
            line.append(number(cell.score))
            line.append(labels[cell.status])
        line.append(number(row.total))
        lines.append(line)
    return _response(book.classroom, "gradebook", header, lines, checked=True)
