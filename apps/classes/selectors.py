"""Reads of classes, with the access rules in one place.

* A class's **staff** are its instructors and teaching assistants (active memberships);
  platform staff (superusers, and staff who are not instructors: ``sees_every_class``)
  see every class. Instructors change a class; TAs read its
  roster and gradebook and change nothing.
* A **learner** sees the classes they are an active member of, their assignments and
  their own grades — never the gradebook or another learner's row.
* Anyone else gets ``ClassNotFound`` (not a 403, which would say the class exists).

The gradebook reads the facts its grades come from in a constant number of queries,
whatever the class's size (``_facts``), and ``apps.classes.grades`` computes the cells.
"""

from __future__ import annotations

import gc
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import models
from django.db.models import Case, F, Max, Prefetch, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce, Greatest, Least
from django.utils import timezone

from apps.classes import grades
from apps.classes.errors import ClassNotFound
from apps.classes.models import (
    STAFF_ROLES,
    Assignment,
    AssignmentKind,
    Classroom,
    Membership,
    Override,
    Role,
)
from apps.core.db import as_text, instant


def sees_every_class(user: Any) -> bool:
    """Platform staff see (and may change) every class: superusers, and staff who are not
    instructors. An instructor — who needs ``is_staff`` to use the admin too — sees only
    the classes they belong to, everywhere: pages, both APIs and the admin."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    if not user.is_staff:
        return False
    cached = getattr(user, "_sees_every_class", None)
    if cached is None:
        cached = not user.groups.filter(name="instructor").exists()
        user._sees_every_class = cached
    return bool(cached)


def can_create_classes(user: Any) -> bool:
    return bool(
        user.is_authenticated
        and user.is_active
        and (user.is_staff or user.groups.filter(name="instructor").exists())
    )


# --------------------------------------------------------------------------- access


def _membership(user: Any, classroom_id: int) -> Membership | None:
    if not user.is_authenticated:
        return None
    return (
        Membership.objects.filter(classroom_id=classroom_id, user=user, removed_at__isnull=True)
        .only("id", "role", "classroom_id", "user_id", "joined_at")
        .first()
    )


@dataclass
class ClassAccess:
    classroom: Classroom
    role: str  # instructor | ta | learner | staff (platform staff, not a member)

    @property
    def is_staff(self) -> bool:
        return self.role in (Role.INSTRUCTOR, Role.TA, "staff")

    @property
    def can_change(self) -> bool:
        return self.role in (Role.INSTRUCTOR, "staff")


def class_access(*, user: Any, classroom_id: int) -> ClassAccess:
    """The user's standing in a class, or ``ClassNotFound`` when they have none."""
    classroom = Classroom.objects.select_related("course").filter(pk=classroom_id).first()
    if classroom is None or not user.is_authenticated:
        raise ClassNotFound("No such class.")
    membership = _membership(user, classroom.pk)
    if membership is not None:
        return ClassAccess(classroom, membership.role)
    if sees_every_class(user):
        return ClassAccess(classroom, "staff")
    raise ClassNotFound("No such class.")


def class_for_staff(*, user: Any, classroom_id: int, change: bool = False) -> ClassAccess:
    """A class its staff may read (TAs included) or, with ``change``, change."""
    access = class_access(user=user, classroom_id=classroom_id)
    if not access.is_staff:
        raise ClassNotFound("No such class.")  # a learner: the staff pages do not exist
    if change and not access.can_change:
        from apps.classes.errors import NotInstructor

        raise NotInstructor("Only the class's instructors can change it.")
    return access


def classes_for_user(*, user: Any) -> list[tuple[Classroom, str]]:
    """Every class the user belongs to, with their role, newest first (one query)."""
    if not user.is_authenticated:
        return []
    rows = (
        Membership.objects.filter(user=user, removed_at__isnull=True)
        .select_related("classroom__course")
        .order_by("-classroom__created_at", "classroom_id")
    )
    return [(m.classroom, m.role) for m in rows]


def classes_visible_to(*, user: Any) -> list[tuple[Classroom, str]]:
    """The classes a user may open, with their role: the ones they belong to, and for
    platform staff every class (role ``staff`` where they are not a member). Two
    queries."""
    mine = classes_for_user(user=user)
    if not sees_every_class(user):
        return mine
    roles = {classroom.pk: role for classroom, role in mine}
    return [(c, roles.get(c.pk, "staff")) for c in classes_for_platform_staff()]


def classes_for_platform_staff() -> QuerySet[Classroom]:
    return Classroom.objects.select_related("course").order_by("-created_at", "id")


# --------------------------------------------------------------------------- roster


@dataclass
class RosterRow:
    membership: Membership
    last_activity: datetime | None
    lessons_done: int
    lessons_total: int

    @property
    def progress_percent(self) -> int:
        return round(100 * self.lessons_done / self.lessons_total) if self.lessons_total else 0


def roster(*, classroom: Classroom, include_removed: bool = True) -> list[RosterRow]:
    """Members with when they joined, their last activity and their course progress, in
    five queries whatever the class's size."""
    from apps.courses.models import LessonProgress
    from apps.courses.selectors import published_lessons
    from apps.exercises.models import Run
    from apps.quizzes.models import Attempt

    query = Membership.objects.filter(classroom=classroom).select_related("user")
    if not include_removed:
        query = query.filter(removed_at__isnull=True)
    members = list(query.order_by("role", "user__username"))
    user_ids = [m.user_id for m in members]
    lesson_ids = list(
        published_lessons().filter(module__course=classroom.course).values_list("id", flat=True)
    )
    last: dict[int, datetime] = {}
    done: dict[int, int] = defaultdict(int)
    progress = LessonProgress.objects.filter(
        user_id__in=user_ids, lesson_id__in=lesson_ids
    ).values_list("user_id", "completed_at")
    for user_id, at in progress:
        done[user_id] += 1
        last[user_id] = max(at, last.get(user_id, at))
    for model, field_name in ((Attempt, "started_at"), (Run, "queued_at")):
        rows = (
            model.objects.filter(user_id__in=user_ids)
            .values("user_id")
            .annotate(latest=Max(field_name))
            .values_list("user_id", "latest")
        )
        for user_id, at in rows:
            if at is not None:
                last[user_id] = max(at, last.get(user_id, at))
    return [
        RosterRow(m, last.get(m.user_id), done.get(m.user_id, 0), len(lesson_ids)) for m in members
    ]


# --------------------------------------------------------------------------- assignments


def assignments_of(classroom: Classroom) -> list[Assignment]:
    """A class's assignments in due order, with their work (two queries)."""
    from apps.exercises.models import Exercise

    return list(
        Assignment.objects.filter(classroom=classroom)
        .select_related("module", "quiz", "live_session")
        .prefetch_related(
            Prefetch("exercises", queryset=Exercise.objects.only("id", "slug", "title"))
        )
        .order_by("due_at", "order", "id")
    )


def assignment_for_staff(
    *, user: Any, classroom_id: int, assignment_id: int, change: bool = False
) -> tuple[ClassAccess, Assignment]:
    access = class_for_staff(user=user, classroom_id=classroom_id, change=change)
    assignment = (
        Assignment.objects.filter(pk=assignment_id, classroom=access.classroom)
        .select_related("module", "quiz", "live_session")
        .first()
    )
    if assignment is None:
        from apps.classes.errors import AssignmentNotFound

        raise AssignmentNotFound("No such assignment.")
    return access, assignment


def overrides_of(assignment: Assignment) -> QuerySet[Override]:
    """Everyone's exceptions to an assignment, with who granted them (one query; the
    caller has checked access to the assignment)."""
    return (
        Override.objects.filter(assignment=assignment)
        .select_related("user", "granted_by")
        .order_by("user__username", "user_id")
    )


def gradebook_learner_ids(
    classroom: Classroom, *, search: str = "", by_name: bool = False
) -> QuerySet[Membership, int]:
    """The user ids of a gradebook's rows in its order — its active learners by
    username, or with ``by_name`` by the name shown (display name, else username), and
    with ``search`` only those whose username or display name contains it — so that only
    a page of them need be passed to ``gradebook(user_ids=…)``."""
    from django.db.models.functions import Coalesce, Lower, NullIf

    rows = Membership.objects.filter(
        classroom=classroom, role=Role.LEARNER, removed_at__isnull=True
    )
    if search:
        rows = rows.filter(
            Q(user__username__icontains=search) | Q(user__display_name__icontains=search)
        )
    if by_name:
        shown = Lower(Coalesce(NullIf("user__display_name", models.Value("")), "user__username"))
        rows = rows.annotate(shown=shown).order_by("shown", "user__username", "user_id")
    else:
        rows = rows.order_by("user__username", "user_id")
    return rows.values_list("user_id", flat=True)


def terms_of(assignment: Assignment, override: Override | None) -> grades.Terms:
    due = assignment.due_at
    if override is not None and override.due_at is not None and override.due_at > due:
        due = override.due_at
    return grades.Terms(
        opens_at=assignment.opens_at,
        due_at=due,
        late_policy=assignment.late_policy,
        penalty_per_day=assignment.penalty_per_day,
        penalty_cap=assignment.penalty_cap,
        excused=bool(override is not None and override.excused),
    )


def policy_of(classroom: Classroom) -> grades.Policy:
    return grades.Policy(
        counted_attempt=classroom.counted_attempt,
        late_days=classroom.late_days,
        exercise_scoring=classroom.exercise_scoring,
    )


# --------------------------------------------------------------------------- the facts


@dataclass
class _Facts:
    """What grades are computed from, for some learners and some assignments."""

    attempts: dict[tuple[int, int], list[grades.Work]] = field(
        default_factory=lambda: defaultdict(list)
    )  # (user, quiz)
    open_attempts: set[tuple[int, int]] = field(default_factory=set)
    runs: dict[tuple[int, int], list[grades.Work]] = field(
        default_factory=lambda: defaultdict(list)
    )  # (user, exercise)
    any_run_at: dict[tuple[int, int], datetime] = field(default_factory=dict)
    lessons: dict[tuple[int, int], datetime] = field(default_factory=dict)  # (user, lesson)
    module_lessons: dict[int, list[int]] = field(default_factory=lambda: defaultdict(list))
    live: dict[tuple[int, int], tuple[datetime, int]] = field(default_factory=dict)
    overrides: dict[tuple[int, int], Override] = field(default_factory=dict)  # (assignment, user)


def _facts(assignments: list[Assignment], user_ids: list[int], policy: grades.Policy) -> _Facts:
    """Six queries at most, whatever the number of learners and assignments."""
    return _read_facts(assignments, user_ids, policy)


def _read_facts(
    assignments: list[Assignment], user_ids: list[int], policy: grades.Policy
) -> _Facts:
    """The timestamps are read as text and parsed here (``apps.core.db``): ten times
    faster than Django's own loading, on 40,000 of them."""
    from apps.courses.models import LessonProgress
    from apps.courses.selectors import published_lessons
    from apps.exercises.models import Run
    from apps.live.models import LivePlayer
    from apps.quizzes.models import Attempt, AttemptStatus

    facts = _Facts()
    if not assignments or not user_ids:
        return facts
    quiz_ids = {a.quiz_id for a in assignments if a.kind == AssignmentKind.QUIZ}
    exercise_ids = {e.id for a in assignments for e in a.exercises.all()}
    module_ids = {a.module_id for a in assignments if a.kind == AssignmentKind.READING}
    session_ids = {a.live_session_id for a in assignments if a.kind == AssignmentKind.LIVE}
    for row in Override.objects.filter(
        assignment__in=[a.pk for a in assignments], user_id__in=user_ids
    ):
        facts.overrides[(row.assignment_id, row.user_id)] = row
    if quiz_ids:
        # Work handed in before the earliest opening never counts: it stays in the database.
        floor = min(a.opens_at for a in assignments if a.kind == AssignmentKind.QUIZ) - grades.GRACE
        # When an attempt was handed in: submitted, but no later than its deadline (plus
        # the grace) when it was cut off there, and no earlier than it started — worked
        # out by the database, so one timestamp a row comes back.
        handed_in = Greatest(
            Least(
                F("submitted_at"),
                Coalesce(F("deadline") + grades.GRACE, F("submitted_at")),
            ),
            F("started_at"),
        )
        attempts = (
            Attempt.objects.filter(user_id__in=user_ids, quiz_id__in=quiz_ids)
            .exclude(status=AttemptStatus.SUBMITTED, submitted_at__lt=floor, started_at__lt=floor)
            .annotate(
                handed_in=as_text(
                    Case(
                        When(
                            status=AttemptStatus.SUBMITTED,
                            submitted_at__isnull=False,
                            then=handed_in,
                        ),
                        default=Value(None),
                        output_field=models.DateTimeField(),
                    )
                )
            )
            .values_list("id", "user_id", "quiz_id", "handed_in", "percent")
        )
        for pk, user_id, quiz_id, handed_in_text, percent in attempts:
            at = instant(handed_in_text)
            if at is not None:
                facts.attempts[(user_id, quiz_id)].append(
                    grades.Work(at, Decimal(percent or 0), ("attempt", pk))
                )
            else:
                facts.open_attempts.add((user_id, quiz_id))
    if exercise_ids:
        floor = (
            min(a.opens_at for a in assignments if a.kind == AssignmentKind.EXERCISES)
            - grades.GRACE
        )
        base = Run.objects.filter(
            user_id__in=user_ids, exercise_id__in=exercise_ids, queued_at__gte=floor
        )
        # Whether a learner started (any run, of either mode): the latest per exercise,
        # aggregated by the database rather than every run sent here.
        for user_id, exercise_id, latest in (
            base.values("user_id", "exercise_id")
            .annotate(latest=as_text(Max("queued_at")))
            .values_list("user_id", "exercise_id", "latest")
        ):
            started_at = instant(latest)
            if started_at is not None:
                facts.any_run_at[(user_id, exercise_id)] = started_at
        share = policy.exercise_scoring == "share"
        for pk, user_id, exercise_id, run_status, passed, total, queued_text in (
            base.filter(mode="submit")
            .exclude(status__in=("queued", "running", "refused"))
            .annotate(queued_text=as_text("queued_at"))
            .values_list("id", "user_id", "exercise_id", "status", "passed", "total", "queued_text")
        ):
            queued = instant(queued_text)
            if queued is None:
                continue
            if share:
                raw = Decimal(100) * passed / total if total else Decimal(0)
            else:
                raw = Decimal(100) if run_status == "passed" else Decimal(0)
            facts.runs[(user_id, exercise_id)].append(grades.Work(queued, raw, ("run", pk)))
    if module_ids:
        for lesson_id, module_id in (
            published_lessons()
            .filter(module_id__in=module_ids)
            .order_by("module_id", "order", "id")
            .values_list("id", "module_id")
        ):
            facts.module_lessons[module_id].append(lesson_id)
        lesson_ids = [i for ids in facts.module_lessons.values() for i in ids]
        for user_id, lesson_id, at in (
            LessonProgress.objects.filter(user_id__in=user_ids, lesson_id__in=lesson_ids)
            .annotate(at=as_text("completed_at"))
            .values_list("user_id", "lesson_id", "at")
        ):
            completed = instant(at)
            if completed is not None:
                facts.lessons[(user_id, lesson_id)] = completed
    if session_ids:
        for pk, user_id, session_id, joined in (
            LivePlayer.objects.filter(
                user_id__in=user_ids, session_id__in=session_ids, removed=False
            )
            .annotate(at=as_text("joined_at"))
            .values_list("id", "user_id", "session_id", "at")
        ):
            when = instant(joined)
            if when is not None:
                facts.live[(user_id, session_id)] = (when, pk)
    return facts


def _cell(
    assignment: Assignment,
    user_id: int,
    facts: _Facts,
    policy: grades.Policy,
    now: datetime,
) -> tuple[grades.Cell, grades.Terms]:
    """One learner's cell of one assignment, with their terms (``_column`` computes a
    whole assignment's at once, and comes here for learners with an override)."""
    terms = terms_of(assignment, facts.overrides.get((assignment.pk, user_id)))
    column = _column(
        assignment,
        [user_id],
        facts=facts,
        policy=policy,
        now=now,
        terms=terms,
        ids=_work_ids(assignment, facts),
    )
    return column[0], terms


@dataclass
class _ColumnContext:
    """What computing one assignment's cells for a set of learners needs."""

    assignment: Assignment
    facts: _Facts
    policy: grades.Policy
    now: datetime
    terms: grades.Terms
    ids: list[int]
    empties: dict[bool, grades.Cell] = field(default_factory=dict)

    def empty(self, in_progress: bool) -> grades.Cell:
        """The cell of a learner without any work: made once and shared (cells are never
        changed once made)."""
        cell = self.empties.get(in_progress)
        if cell is None:
            cell = self.empties[in_progress] = grades.empty_cell(
                self.terms, now=self.now, in_progress=in_progress
            )
        return cell


def _column(
    assignment: Assignment,
    user_ids: list[int],
    *,
    facts: _Facts,
    policy: grades.Policy,
    now: datetime,
    terms: grades.Terms,
    ids: list[int],
) -> list[grades.Cell]:
    """The cells of one assignment for learners who share ``terms`` (no override), in
    one loop of the assignment's kind."""
    context = _ColumnContext(assignment, facts, policy, now, terms, ids)
    return _COLUMNS[assignment.kind](context, user_ids)


def _quiz_column(c: _ColumnContext, user_ids: list[int]) -> list[grades.Cell]:
    quiz_id = c.assignment.quiz_id or 0
    attempts, open_attempts = c.facts.attempts, c.facts.open_attempts
    cells = []
    for user_id in user_ids:
        key = (user_id, quiz_id)
        works = attempts.get(key)
        in_progress = key in open_attempts
        if works:
            cells.append(
                grades.single_cell(works, c.terms, c.policy, now=c.now, in_progress=in_progress)
            )
        else:
            cells.append(c.empty(in_progress))
    return cells


def _exercises_column(c: _ColumnContext, user_ids: list[int]) -> list[grades.Cell]:
    runs, any_run_at, opened, ids = c.facts.runs, c.facts.any_run_at, c.terms.opens_at, c.ids
    cells = []
    for user_id in user_ids:
        parts = [runs.get((user_id, e), _NONE) for e in ids]
        started = False
        for e in ids:
            at = any_run_at.get((user_id, e))
            if at is not None and at >= opened:
                started = True
                break
        if ids and not any(parts):
            cells.append(c.empty(started))
        else:
            cells.append(grades.multi_cell(parts, c.terms, c.policy, now=c.now, started=started))
    return cells


def _reading_column(c: _ColumnContext, user_ids: list[int]) -> list[grades.Cell]:
    lessons, opened, ids = c.facts.lessons, c.terms.opens_at, c.ids
    cells = []
    for user_id in user_ids:
        completed: list[tuple[datetime, int] | None] = []
        done = False
        for lesson_id in ids:
            at = lessons.get((user_id, lesson_id))
            if at is None:
                completed.append(None)
            else:
                done = True
                # Reading before the assignment opened counts (as read when it opened).
                completed.append((at if at > opened else opened, lesson_id))
        if ids and not done:
            cells.append(c.empty(False))
        else:
            cells.append(grades.reading_cell(completed, c.terms, c.policy, now=c.now))
    return cells


def _live_column(c: _ColumnContext, user_ids: list[int]) -> list[grades.Cell]:
    live, session_id = c.facts.live, c.assignment.live_session_id or 0
    cells = []
    for user_id in user_ids:
        joined = live.get((user_id, session_id))
        if joined is None:
            cells.append(c.empty(False))
        else:
            when = max(joined[0], c.terms.opens_at)
            works = [grades.Work(when, _HUNDRED, ("live", joined[1]))]
            cells.append(grades.single_cell(works, c.terms, c.policy, now=c.now, in_progress=False))
    return cells


_COLUMNS: dict[str, Any] = {
    AssignmentKind.QUIZ: _quiz_column,
    AssignmentKind.EXERCISES: _exercises_column,
    AssignmentKind.READING: _reading_column,
    AssignmentKind.LIVE: _live_column,
}


_NONE: list[grades.Work] = []
_HUNDRED = Decimal(100)


def _work_ids(assignment: Assignment, facts: _Facts) -> list[int]:
    if assignment.kind == AssignmentKind.EXERCISES:
        return [e.id for e in assignment.exercises.all()]
    if assignment.kind == AssignmentKind.READING:
        return facts.module_lessons.get(assignment.module_id or 0, [])
    return []


@dataclass
class GradebookRow:
    user: Any
    membership: Membership
    cells: list[grades.Cell]
    total: Decimal | None
    terms: list[grades.Terms] = field(default_factory=list)


@dataclass
class Gradebook:
    classroom: Classroom
    assignments: list[Assignment]
    rows: list[GradebookRow]
    now: datetime


def gradebook(
    *,
    classroom: Classroom,
    user_ids: list[int] | None = None,
    now: datetime | None = None,
    assignment_ids: list[int] | None = None,
) -> Gradebook:
    """Every active learner (or ``user_ids`` of them) × every assignment, with totals.
    A constant number of queries whatever the class's size."""
    with _no_cyclic_gc():
        return _gradebook(
            classroom=classroom, user_ids=user_ids, now=now, assignment_ids=assignment_ids
        )


@contextmanager
def _no_cyclic_gc() -> Iterator[None]:
    """Grading a class makes tens of thousands of small objects, none of them in a
    reference cycle: the cyclic collector, which would run every 700 allocations and walk
    the process's whole heap now and then, has nothing to find in them."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _gradebook(
    *,
    classroom: Classroom,
    user_ids: list[int] | None,
    now: datetime | None,
    assignment_ids: list[int] | None,
) -> Gradebook:
    now = now or timezone.now()
    members = Membership.objects.filter(
        classroom=classroom, role=Role.LEARNER, removed_at__isnull=True
    ).select_related("user")
    if user_ids is not None:
        members = members.filter(user_id__in=user_ids)
    members_list = list(members.order_by("user__username", "user_id"))
    assignments = assignments_of(classroom)
    if assignment_ids is not None:
        assignments = [a for a in assignments if a.pk in set(assignment_ids)]
    policy = policy_of(classroom)
    facts = _facts(assignments, [m.user_id for m in members_list], policy)
    user_id_list = [m.user_id for m in members_list]
    column_cells: list[list[grades.Cell]] = []
    column_terms: list[list[grades.Terms]] = []
    by_assignment: dict[int, set[int]] = defaultdict(set)
    for assignment_id, user_id in facts.overrides:
        by_assignment[assignment_id].add(user_id)
    for assignment in assignments:
        terms = terms_of(assignment, None)
        cells = _column(
            assignment,
            user_id_list,
            facts=facts,
            policy=policy,
            now=now,
            terms=terms,
            ids=_work_ids(assignment, facts),
        )
        each_terms = [terms] * len(cells)
        overridden = by_assignment.get(assignment.pk)
        if overridden:  # learners with an override: their own terms
            for index, user_id in enumerate(user_id_list):
                if user_id in overridden:
                    cells[index], each_terms[index] = _cell(assignment, user_id, facts, policy, now)
        column_cells.append(cells)
        column_terms.append(each_terms)
    weights = [a.weight for a in assignments]
    rows = []
    for index, membership in enumerate(members_list):
        cells = [column[index] for column in column_cells]
        row_terms = [column[index] for column in column_terms]
        rows.append(
            GradebookRow(
                membership.user,
                membership,
                cells,
                grades.total(cells, weights, row_terms, now=now),
                row_terms,
            )
        )
    return Gradebook(classroom, assignments, rows, now)


def my_grades(*, user: Any, classroom_id: int, now: datetime | None = None) -> Gradebook:
    """A learner's own row of a class they belong to (and nothing of anyone else's)."""
    access = class_access(user=user, classroom_id=classroom_id)
    if access.role != Role.LEARNER:
        raise ClassNotFound("You are not a learner in this class.")
    return gradebook(classroom=access.classroom, user_ids=[user.pk], now=now)


# --------------------------------------------------------------------------- due dates


@dataclass
class DueItem:
    classroom: Classroom
    assignment: Assignment
    due_at: datetime
    cell: grades.Cell


def due_items(*, user: Any, now: datetime | None = None, days_back: int = 14) -> list[DueItem]:
    """The user's assignments in every class they learn in: due from ``days_back`` days
    ago on, with their own due time (overrides) and standing, soonest first."""
    now = now or timezone.now()
    if not user.is_authenticated:
        return []
    memberships = list(
        Membership.objects.filter(
            user=user, role=Role.LEARNER, removed_at__isnull=True
        ).select_related("classroom__course")
    )
    items: list[DueItem] = []
    if not memberships:
        return items
    classes = {m.classroom_id: m.classroom for m in memberships}
    from apps.exercises.models import Exercise

    assignments = list(
        Assignment.objects.filter(classroom_id__in=classes)
        .filter(
            Q(due_at__gte=now - timedelta(days=days_back))
            | Q(overrides__user=user, overrides__due_at__gte=now - timedelta(days=days_back))
        )
        .distinct()
        .select_related("module", "quiz", "live_session")
        .prefetch_related(
            Prefetch("exercises", queryset=Exercise.objects.only("id", "slug", "title"))
        )
    )
    by_class: dict[int, list[Assignment]] = defaultdict(list)
    for assignment in assignments:
        by_class[assignment.classroom_id].append(assignment)
    for classroom_id, group in by_class.items():
        classroom = classes[classroom_id]
        policy = policy_of(classroom)
        facts = _facts(group, [user.pk], policy)
        for assignment in group:
            cell, terms = _cell(assignment, user.pk, facts, policy, now)
            items.append(DueItem(classroom, assignment, terms.due_at, cell))
    items.sort(key=lambda item: (item.due_at, item.assignment.pk))
    return items


def quiz_attempt_terms(*, user: Any, quiz_id: int, now: datetime) -> tuple[int, datetime | None]:
    """For a quiz attempt starting now: the extra minutes the user's overrides grant and
    the earliest due time (refused after it) of an open assignment of this quiz in one of
    their classes, which ends the attempt there (answers saved by then count)."""
    rows = list(
        Assignment.objects.filter(
            kind=AssignmentKind.QUIZ,
            quiz_id=quiz_id,
            classroom__members__user=user,
            classroom__members__role=Role.LEARNER,
            classroom__members__removed_at__isnull=True,
            opens_at__lte=now,
        ).only("id", "due_at", "late_policy")
    )
    if not rows:
        return 0, None
    overrides = {
        o.assignment_id: o for o in Override.objects.filter(assignment__in=rows, user=user)
    }
    extra = 0
    cutoff: datetime | None = None
    for assignment in rows:
        override = overrides.get(assignment.pk)
        due = assignment.due_at
        if override is not None:
            if override.excused:
                continue
            extra = max(extra, override.extra_quiz_minutes)
            if override.due_at is not None and override.due_at > due:
                due = override.due_at
        if assignment.late_policy == "refuse" and due > now:
            cutoff = due if cutoff is None else min(cutoff, due)
    return extra, cutoff


def staff_of(classroom: Classroom) -> list[Membership]:
    return list(
        Membership.objects.filter(
            classroom=classroom, role__in=STAFF_ROLES, removed_at__isnull=True
        )
        .select_related("user")
        .order_by("role", "user__username")
    )


# --------------------------------------------------------------------------- a learner's work


def class_work_for_staff(
    *, user: Any, classroom_id: int, kind: str, pk: int
) -> tuple[ClassAccess, Any]:
    """A quiz attempt or code run that the class's staff may read: its owner is (or was)
    a learner of the class, and its quiz or exercise is set by one of the class's
    assignments. Anything else is ``WorkNotFound`` — never someone else's work."""
    from apps.classes.errors import WorkNotFound
    from apps.exercises.models import Run
    from apps.quizzes.models import Attempt

    access = class_for_staff(user=user, classroom_id=classroom_id)
    learners = Membership.objects.filter(classroom=access.classroom, role=Role.LEARNER).values(
        "user_id"
    )
    work: Any = None
    if kind == "attempt":
        quizzes = Assignment.objects.filter(
            classroom=access.classroom, kind=AssignmentKind.QUIZ
        ).values("quiz_id")
        work = (
            Attempt.objects.select_related("quiz", "user")
            .filter(pk=pk, user_id__in=learners, quiz_id__in=quizzes)
            .first()
        )
    elif kind == "run":
        exercises = Assignment.exercises.through.objects.filter(
            assignment__classroom=access.classroom
        ).values("exercise_id")
        work = (
            Run.objects.select_related("exercise", "user")
            .filter(pk=pk, user_id__in=learners, exercise_id__in=exercises)
            .first()
        )
    if work is None:
        raise WorkNotFound("No such work in this class.")
    return access, work


# --------------------------------------------------------------------------- item analysis


@dataclass
class ChoiceStats:
    choice_id: int
    text_html: str
    is_correct: bool
    picked: int
    share: float | None


@dataclass
class QuestionStats:
    question_id: int
    key: str
    type: str
    prompt_html: str
    seen: int  # counted attempts that drew this question
    answered: int
    facility: float | None  # mean share of the question's points earned, 0-1
    discrimination: float | None  # facility in the top group minus the bottom group
    choices: list[ChoiceStats]


@dataclass
class QuizAnalysis:
    assignment: Assignment
    attempts: int  # one counted attempt per learner
    group_size: int  # learners in each of the top and bottom groups
    questions: list[QuestionStats]


def _counted_refs(classroom: Classroom, assignment: Assignment, kind: str) -> list[int]:
    """The ids of the attempts or runs the gradebook counts for an assignment."""
    book = gradebook(classroom=classroom, assignment_ids=[assignment.pk])
    return [pk for row in book.rows for ref_kind, pk in row.cells[0].refs if ref_kind == kind]


def quiz_item_analysis(*, classroom: Classroom, assignment: Assignment) -> QuizAnalysis:
    """How each question of a quiz assignment fared in this class: facility, the
    discrimination between the top and bottom 27 % of learners (by the counted attempt's
    percent), and how often each choice was picked (distractors). Built from the one
    counted attempt of each learner, in a constant number of queries."""
    from apps.quizzes.models import Answer, Attempt, Question, QuestionType

    attempt_ids = _counted_refs(classroom, assignment, "attempt")
    attempts = list(
        Attempt.objects.filter(pk__in=attempt_ids).values_list("id", "percent", "question_ids")
    )
    ranked = sorted(attempts, key=lambda row: (row[1] or Decimal(0), row[0]))
    group = max(1, round(0.27 * len(ranked))) if len(ranked) >= 2 else 0
    bottom = {row[0] for row in ranked[:group]}
    top = {row[0] for row in ranked[len(ranked) - group :]} if group else set()
    drawn: dict[int, set[int]] = defaultdict(set)
    for attempt_id, _, question_ids in attempts:
        for question_id in question_ids or []:
            drawn[int(question_id)].add(attempt_id)
    answers: dict[int, dict[int, tuple[Any, Decimal]]] = defaultdict(dict)
    for attempt_id, question_id, response, score in Answer.objects.filter(
        attempt_id__in=attempt_ids
    ).values_list("attempt_id", "question_id", "response", "score"):
        answers[question_id][attempt_id] = (response, score or Decimal(0))
    questions = (
        Question.objects.filter(pk__in=list(drawn))
        .prefetch_related("choices")
        .order_by("order", "id")
    )
    stats = []
    for question in questions:
        seen = drawn[question.pk]
        given = answers.get(question.pk, {})
        points = question.points or Decimal(1)

        def facility(ids: set[int], given: dict = given, points: Decimal = points) -> float | None:
            if not ids:
                return None
            earned = sum((given[i][1] / points for i in ids if i in given), Decimal(0))
            return round(float(earned / len(ids)), 3)

        picks: dict[Any, int] = defaultdict(int)
        for response, _ in given.values():
            if not isinstance(response, dict):
                continue
            if "choice" in response:
                picks[response["choice"]] += 1
            for choice_id in response.get("choices") or []:
                picks[choice_id] += 1
            if question.type == QuestionType.TRUE_FALSE and "value" in response:
                picks[bool(response["value"])] += 1
        choices: list[ChoiceStats] = []
        if question.type in (QuestionType.SINGLE, QuestionType.MULTIPLE):
            choices = [
                ChoiceStats(
                    c.pk,
                    c.text_html,
                    c.is_correct,
                    picks.get(c.pk, 0),
                    round(picks.get(c.pk, 0) / len(given), 3) if given else None,
                )
                for c in question.choices.all()
            ]
        elif question.type == QuestionType.TRUE_FALSE:
            choices = [
                ChoiceStats(
                    0,
                    label,
                    question.true_false_answer is value,
                    picks.get(value, 0),
                    round(picks.get(value, 0) / len(given), 3) if given else None,
                )
                for value, label in ((True, "True"), (False, "False"))
            ]
        top_facility, bottom_facility = facility(seen & top), facility(seen & bottom)
        stats.append(
            QuestionStats(
                question_id=question.pk,
                key=question.key,
                type=question.type,
                prompt_html=question.prompt_html,
                seen=len(seen),
                answered=len(given),
                facility=facility(seen),
                discrimination=(
                    round(top_facility - bottom_facility, 3)
                    if top_facility is not None and bottom_facility is not None
                    else None
                ),
                choices=choices,
            )
        )
    return QuizAnalysis(assignment, len(attempts), group, stats)


@dataclass
class TestStats:
    name: str
    hidden: bool
    runs: int
    passing: int

    @property
    def share(self) -> float | None:
        return round(self.passing / self.runs, 3) if self.runs else None


@dataclass
class ExerciseStats:
    exercise_id: int
    slug: str
    title: str
    learners: int  # learners with a counted run
    tests: list[TestStats]
    most_common_failing: tuple[str, int] | None


@dataclass
class ExerciseAnalysis:
    assignment: Assignment
    exercises: list[ExerciseStats]


def exercise_item_analysis(*, classroom: Classroom, assignment: Assignment) -> ExerciseAnalysis:
    """For each exercise of an assignment: the share of learners' counted runs passing
    each visible test and each hidden test (by number), and the test failed most often."""
    from apps.exercises.models import Run

    run_ids = _counted_refs(classroom, assignment, "run")
    by_exercise: dict[int, list[list[dict[str, Any]]]] = defaultdict(list)
    for exercise_id, tests in Run.objects.filter(pk__in=run_ids).values_list(
        "exercise_id", "tests"
    ):
        by_exercise[exercise_id].append(tests or [])
    out = []
    for exercise in assignment.exercises.all().order_by("order", "id"):
        stats: dict[str, TestStats] = {}
        failing: dict[str, int] = defaultdict(int)
        for tests in by_exercise.get(exercise.pk, []):
            for entry in tests:
                name = str(entry.get("name", "?"))
                item = stats.setdefault(name, TestStats(name, bool(entry.get("hidden")), 0, 0))
                item.runs += 1
                if entry.get("outcome") == "passed":
                    item.passing += 1
                else:
                    failing[name] += 1
        worst = max(failing.items(), key=lambda kv: (kv[1], kv[0])) if failing else None
        out.append(
            ExerciseStats(
                exercise.pk,
                exercise.slug,
                exercise.title,
                len(by_exercise.get(exercise.pk, [])),
                [t for t in stats.values() if not t.hidden]
                + sorted(
                    (t for t in stats.values() if t.hidden), key=lambda t: _test_order(t.name)
                ),
                worst,
            )
        )
    return ExerciseAnalysis(assignment, out)


def _test_order(name: str) -> tuple[int, str]:
    digits = "".join(ch for ch in name if ch.isdigit())
    return (int(digits) if name.startswith("hidden test") and digits else 0, name)
