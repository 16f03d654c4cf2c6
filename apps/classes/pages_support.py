"""Reads the class pages need beside ``selectors``: the choices an assignment form
offers, a class's learners and overrides, the calendar feed behind a key, and the
learner's summary on the dashboard. The access rules stay in ``selectors``: every
function here takes a class or an assignment its caller already got through them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from apps.classes import selectors, services
from apps.classes.grades import Status
from apps.classes.models import (
    STAFF_ROLES,
    CalendarFeed,
    Classroom,
    LatePolicy,
    Membership,
    Role,
)

LIVE_SESSION_CHOICES = 50  # the newest sessions of the course's quizzes a form offers


# --------------------------------------------------------------------------- forms' choices


def course_choices() -> QuerySet[Any]:
    from apps.courses.models import Course

    return Course.objects.filter(status="published").order_by("order", "title")


def module_choices(classroom: Classroom) -> QuerySet[Any]:
    from apps.courses.models import Module

    return Module.objects.filter(course_id=classroom.course_id, status="published").order_by(
        "order", "id"
    )


def quiz_choices(classroom: Classroom) -> QuerySet[Any]:
    from apps.quizzes.models import Quiz

    return Quiz.objects.filter(course_id=classroom.course_id, status="published").order_by(
        "kind", "module__order", "id"
    )


def exercise_choices(classroom: Classroom) -> QuerySet[Any]:
    from apps.exercises.models import Exercise

    return (
        Exercise.objects.filter(lesson__module__course_id=classroom.course_id, status="published")
        .only("id", "title", "slug")
        .order_by("lesson__module__order", "order", "id")
    )


def live_session_choices(classroom: Classroom, current: int | None = None) -> list[Any]:
    """Live sessions of the course's quizzes hosted by the class's staff, newest first
    (and the assignment's own session, whoever hosted it)."""
    from apps.live.models import LiveSession

    staff = Membership.objects.filter(
        classroom=classroom, role__in=STAFF_ROLES, removed_at__isnull=True
    ).values("user_id")
    sessions = list(
        LiveSession.objects.filter(quiz__course_id=classroom.course_id, host_id__in=staff)
        .select_related("quiz")
        .order_by("-created_at", "-id")[:LIVE_SESSION_CHOICES]
    )
    if current and all(s.pk != current for s in sessions):
        sessions += list(LiveSession.objects.filter(pk=current).select_related("quiz"))
    return sessions


# --------------------------------------------------------------------------- a class's people


def learners_of(classroom: Classroom) -> list[Membership]:
    """The class's active learners, by username (one query)."""
    return list(
        Membership.objects.filter(classroom=classroom, role=Role.LEARNER, removed_at__isnull=True)
        .select_related("user")
        .order_by("user__username", "user_id")
    )


@dataclass
class MemberCounts:
    learners: int = 0
    removed: int = 0
    instructors: int = 0
    tas: int = 0


def member_counts(classroom: Classroom) -> MemberCounts:
    """How many learners (active and removed) and staff a class has (one query)."""
    counts = MemberCounts()
    rows = (
        Membership.objects.filter(classroom=classroom)
        .values("role")
        .annotate(
            in_class=Count("id", filter=Q(removed_at__isnull=True)),
            gone=Count("id", filter=Q(removed_at__isnull=False)),
        )
    )
    for row in rows:
        if row["role"] == Role.LEARNER:
            counts.learners, counts.removed = row["in_class"], row["gone"]
        elif row["role"] == Role.INSTRUCTOR:
            counts.instructors = row["in_class"]
        else:
            counts.tas = row["in_class"]
    return counts


# --------------------------------------------------------------------------- calendar


def calendar_feed_exists(user: Any) -> bool:
    return bool(user.is_authenticated and CalendarFeed.objects.filter(user=user).exists())


def calendar_feed_user(key: str) -> Any | None:
    """The active account whose private calendar key this is, or None."""
    if not key or len(key) > 100:
        return None
    feed = (
        CalendarFeed.objects.select_related("user")
        .filter(key_hash=services.feed_key_hash(key))
        .first()
    )
    if feed is None or not feed.user.is_active:
        return None
    return feed.user


# --------------------------------------------------------------------------- the dashboard


@dataclass
class ClassGrades:
    classroom: Classroom
    total: Decimal | None
    graded: int  # assignments with a score so far
    assignments: int


@dataclass
class LearnerSummary:
    """A learner's classes at a glance: what is due next, what is late, their totals."""

    now: datetime
    due_next: list[selectors.DueItem] = field(default_factory=list)
    late: list[selectors.DueItem] = field(default_factory=list)
    grades: list[ClassGrades] = field(default_factory=list)
    teaching: list[tuple[Classroom, str]] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.due_next or self.late or self.grades or self.teaching)


DUE_NEXT = 8
OPEN = {Status.NOT_STARTED, Status.IN_PROGRESS}


def learner_summary(*, user: Any, now: datetime | None = None) -> LearnerSummary:
    """Work due next (open, not handed in), late work (past its due time and not handed
    in: still accepted with a penalty, or closed), and the learner's total in each class
    as its policy computes it. A constant number of queries per class."""
    now = now or timezone.now()
    summary = LearnerSummary(now=now)
    if not user.is_authenticated:
        return summary
    memberships = selectors.classes_for_user(user=user)
    summary.teaching = [(c, role) for c, role in memberships if role != Role.LEARNER]
    if not any(role == Role.LEARNER for _, role in memberships):
        return summary
    for item in selectors.due_items(user=user, now=now):
        if item.cell.status in OPEN and item.due_at >= now:
            if item.assignment.opens_at <= now:
                summary.due_next.append(item)
        elif item.cell.status == Status.MISSING or (
            item.cell.status == Status.IN_PROGRESS and item.due_at < now
        ):
            summary.late.append(item)
    summary.due_next = summary.due_next[:DUE_NEXT]
    summary.late.sort(key=lambda item: item.due_at, reverse=True)
    for classroom, role in memberships:
        if role != Role.LEARNER:
            continue
        book = selectors.gradebook(classroom=classroom, user_ids=[user.pk], now=now)
        row = book.rows[0] if book.rows else None
        summary.grades.append(
            ClassGrades(
                classroom,
                row.total if row else None,
                sum(1 for c in row.cells if c.score is not None) if row else 0,
                len(book.assignments),
            )
        )
    return summary


def still_accepted(item: selectors.DueItem) -> bool:
    return item.assignment.late_policy == LatePolicy.PENALTY
