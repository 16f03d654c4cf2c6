"""What both APIs send about classes, and how they read references to a class's work.

REST (``apps/classes/api/views.py``) and GraphQL (``apps/classes/graphql/``) answer with
the same documents, built here from what the selectors return, so a field is named and
formatted once: datetimes stay ``datetime`` (each surface writes ISO 8601), decimals
become floats (``Decimal.normalize()`` would write 100 as ``1E+2``), a learner's
standing is ``grades.Cell.as_dict()``.

Nothing here decides who may see what: the selectors do, before these run.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from apps.classes import grades, selectors
from apps.classes.models import Assignment, Classroom, Membership, Override
from apps.core.errors import ApplicationError

# The fields only a class's staff (instructors, TAs, platform staff) are sent.
SETTINGS_FIELDS = (
    "invite_code",
    "invite_open",
    "enrolment_cap",
    "time_zone",
    "counted_attempt",
    "late_days",
    "exercise_scoring",
)
# What ``PATCH classes/<id>/`` and ``class_update`` may change (``services.UPDATABLE``).
UPDATABLE = ("name", "term", *SETTINGS_FIELDS[1:])

# Datetimes an API accepts: far enough from Python's limits that no time zone shifts
# one out of range (year 1 in Tokyo is year 0 in UTC: an OverflowError, not a 400).
EARLIEST, LATEST = 1900, 9000


def _number(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


# --------------------------------------------------------------------------- classes


def class_summary(classroom: Classroom, role: str) -> dict[str, Any]:
    return {
        "id": classroom.pk,
        "name": classroom.name,
        "term": classroom.term,
        "course": classroom.course.slug,
        "course_title": classroom.course.title,
        "role": role,
        "url": classroom.get_absolute_url(),
    }


def class_settings(classroom: Classroom) -> dict[str, Any]:
    return {name: getattr(classroom, name) for name in SETTINGS_FIELDS}


def class_detail(access: selectors.ClassAccess) -> dict[str, Any]:
    data = class_summary(access.classroom, access.role)
    data["settings"] = class_settings(access.classroom) if access.is_staff else None
    return data


def class_detail_for(*, user: Any, classroom_id: int) -> dict[str, Any]:
    """The class as the user sees it (after a change: the class re-read with its course)."""
    return class_detail(selectors.class_access(user=user, classroom_id=classroom_id))


# --------------------------------------------------------------------------- members


def member(membership: Membership) -> dict[str, Any]:
    user = membership.user
    return {
        "id": membership.pk,
        "user_id": membership.user_id,
        "username": user.get_username(),
        "name": user.public_name,
        "role": membership.role,
        "joined_at": membership.joined_at,
        "removed_at": membership.removed_at,
    }


def roster_row(row: selectors.RosterRow) -> dict[str, Any]:
    data = member(row.membership)
    data.update(
        last_activity=row.last_activity,
        lessons_done=row.lessons_done,
        lessons_total=row.lessons_total,
        progress_percent=row.progress_percent,
    )
    return data


# --------------------------------------------------------------------------- assignments


def assignment(
    item: Assignment,
    *,
    my_due_at: datetime | None = None,
    standing: grades.Cell | None = None,
    exercise_slugs: Mapping[int, str] | None = None,
) -> dict[str, Any]:
    """An assignment; for a learner also their own due time and standing (else null)."""
    exercises = list(item.exercises.all())
    return {
        "id": item.pk,
        "class_id": item.classroom_id,
        "title": item.title,
        "kind": item.kind,
        "module": item.module.slug if item.module is not None else None,
        "quiz": item.quiz.slug if item.quiz is not None else None,
        "exercises": [
            exercise_slugs[e.pk] if exercise_slugs is not None else e.slug for e in exercises
        ],
        "live_session": item.live_session_id,
        "opens_at": item.opens_at,
        "due_at": item.due_at,
        "late_policy": item.late_policy,
        "penalty_per_day": _number(item.penalty_per_day),
        "penalty_cap": _number(item.penalty_cap),
        "weight": _number(item.weight),
        "order": item.order,
        "my_due_at": my_due_at,
        "standing": cell(standing) if standing is not None else None,
    }


def cell(value: grades.Cell) -> dict[str, Any]:
    return value.as_dict()  # floats, never Decimal.normalize()'s 1E+2


def gradebook_row(row: selectors.GradebookRow, assignments: list[Assignment]) -> dict[str, Any]:
    return {
        "member_id": row.membership.pk,
        "user_id": row.user.pk,
        "username": row.user.get_username(),
        "name": row.user.public_name,
        "total": _number(row.total),
        "cells": [
            {"assignment": item.pk, "due_at": terms.due_at, **cell(value)}
            for item, value, terms in zip(assignments, row.cells, row.terms, strict=True)
        ],
    }


def learner_assignments(book: selectors.Gradebook) -> list[dict[str, Any]]:
    """A learner's assignments (``book`` holds their row only), with their terms."""
    (row,) = book.rows
    return [
        assignment(item, my_due_at=terms.due_at, standing=value)
        for item, value, terms in zip(book.assignments, row.cells, row.terms, strict=True)
    ]


def gradebook(book: selectors.Gradebook) -> dict[str, Any]:
    return {
        "assignments": [assignment(item) for item in book.assignments],
        "results": [gradebook_row(row, book.assignments) for row in book.rows],
    }


def my_grades(book: selectors.Gradebook) -> dict[str, Any]:
    (row,) = book.rows
    return {
        "class_id": book.classroom.pk,
        "assignments": [assignment(item) for item in book.assignments],
        "row": gradebook_row(row, book.assignments),
    }


def due_items(items: list[selectors.DueItem]) -> list[dict[str, Any]]:
    slugs = {e.pk: e.slug for item in items for e in item.assignment.exercises.all()}
    return [
        {
            **assignment(
                item.assignment, my_due_at=item.due_at, standing=item.cell, exercise_slugs=slugs
            ),
            "class_name": item.classroom.name,
        }
        for item in items
    ]


# --------------------------------------------------------------------------- overrides


def override(value: Override) -> dict[str, Any]:
    return {
        "assignment": value.assignment_id,
        "learner_id": value.user_id,
        "username": value.user.get_username(),
        "name": value.user.public_name,
        "due_at": value.due_at,
        "extra_quiz_minutes": value.extra_quiz_minutes,
        "excused": value.excused,
        "reason": value.reason,
        "granted_by": value.granted_by.get_username(),
        "granted_at": value.granted_at,
    }


# --------------------------------------------------------------------------- input


def moment(value: datetime | None, field: str) -> datetime | None:
    """A datetime as sent (naive: the services read it in the class's time zone), or a
    400 when it is too far from today for any time zone to shift it safely."""
    if value is None:
        return None
    if not EARLIEST <= value.year <= LATEST:
        raise ApplicationError(
            f"{field} must fall between the years {EARLIEST} and {LATEST}.",
            extra={field: [f"Between {EARLIEST} and {LATEST}."]},
        )
    if value.tzinfo is not None:
        value.astimezone(UTC)  # a valid offset: nothing to shift out of range
    return value


def work(*, classroom_id: int, data: Mapping[str, Any]) -> dict[str, Any]:
    """The assignment fields of ``data`` as the services take them: the work named by
    slug (a module of the class's course, a quiz, exercises) as primary keys.

    A slug that names nothing becomes key 0, which the service refuses with its own
    message (``invalid_assignment``, naming the field) — the same refusal as a quiz of
    another course, so the API says no more than the service does.
    """
    from apps.courses.models import Module
    from apps.exercises.models import Exercise
    from apps.quizzes.models import Quiz

    cleaned = {name: value for name, value in data.items() if name not in WORK_FIELDS}
    if "module" in data:
        cleaned["module_id"] = (
            Module.objects.filter(slug=data["module"] or "", course__classes__pk=classroom_id)
            .values_list("pk", flat=True)
            .first()
            or 0
        )
    if "quiz" in data:
        cleaned["quiz_id"] = (
            Quiz.objects.filter(slug=data["quiz"] or "").values_list("pk", flat=True).first() or 0
        )
    if "exercises" in data:
        slugs = [str(slug) for slug in data["exercises"] or []]
        found = dict(Exercise.objects.filter(slug__in=slugs).values_list("slug", "pk"))
        cleaned["exercise_ids"] = [found.get(slug, 0) for slug in slugs]
    if "live_session" in data:
        cleaned["live_session_id"] = data["live_session"] or 0
    return cleaned


WORK_FIELDS = frozenset({"module", "quiz", "exercises", "live_session"})


def present(data: Mapping[str, Any], names: Iterable[str]) -> dict[str, Any]:
    """The entries of ``data`` named in ``names`` (a partial update sends only those)."""
    return {name: data[name] for name in names if name in data}
