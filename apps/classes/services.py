"""Class writes: classes, members, assignments, overrides, calendar feeds, reminders.

Every surface calls these — the pages, REST, GraphQL, the admin and the reminder task —
and each is one transaction that raises one family of errors (``apps.classes.errors``).
Permissions are checked here through the selectors: an instructor (or platform staff)
changes a class; a teaching assistant changes nothing; a learner only joins.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import zoneinfo
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.classes import selectors
from apps.classes.errors import (
    CannotCreateClasses,
    ClassFull,
    InvalidAssignment,
    InvalidOverride,
    InviteClosed,
    InviteInvalid,
    MemberNotFound,
    NotInstructor,
    RemovedFromClass,
    TooManyJoinAttempts,
)
from apps.classes.models import (
    INVITE_ALPHABET,
    INVITE_LENGTH,
    Assignment,
    AssignmentKind,
    CalendarFeed,
    Classroom,
    CountedAttempt,
    ExerciseScoring,
    LateDays,
    LatePolicy,
    Membership,
    Override,
    Reminder,
    Role,
)
from apps.core import ratelimit
from apps.core.errors import ApplicationError

logger = logging.getLogger(__name__)

JOIN_FAILURES = ratelimit.Limit("class-join-failures", 10, 900)


def _invite_code() -> str:
    return "".join(secrets.choice(INVITE_ALPHABET) for _ in range(INVITE_LENGTH))


def normalise_code(code: str) -> str:
    """What a learner typed, as an invite code: case, spaces and dashes do not matter."""
    return "".join(ch for ch in str(code or "").upper() if ch.isalnum())[:32]


def _check_time_zone(name: str) -> str:
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ApplicationError(
            f"{name!r} is not a time zone (use a name such as Europe/Paris).",
            extra={"time_zone": ["Unknown time zone."]},
        ) from None
    return name


def _choice(value: Any, choices: Any, field: str) -> str:
    if value not in choices.values:
        raise ApplicationError(
            f"{field} must be one of {', '.join(choices.values)}.",
            extra={field: ["Not one of the choices."]},
        )
    return str(value)


def _text(value: Any, field: str, limit: int, *, required: bool = True) -> str:
    text = str(value or "").strip()
    if required and not text:
        raise ApplicationError(f"The {field} is required.", extra={field: ["Required."]})
    if len(text) > limit:
        raise ApplicationError(
            f"The {field} is at most {limit} characters.", extra={field: ["Too long."]}
        )
    return text


def _cap(value: Any) -> int | None:
    if value in (None, ""):
        return None
    try:
        cap = int(value)
    except (TypeError, ValueError):
        cap = 0
    if cap < 1 or cap > 100_000:
        raise ApplicationError(
            "The enrolment cap is a number of learners from 1 to 100,000, or empty.",
            extra={"enrolment_cap": ["From 1 to 100,000, or empty."]},
        )
    return cap


# --------------------------------------------------------------------------- classes


@transaction.atomic
def class_create(
    *,
    user: Any,
    course: Any,
    name: str,
    term: str = "",
    enrolment_cap: Any = None,
    time_zone: str = "UTC",
) -> Classroom:
    """A class of ``course`` taught by ``user`` (an instructor or platform staff)."""
    if not selectors.can_create_classes(user):
        raise CannotCreateClasses("Only instructors can create classes.")
    if course is None or getattr(course, "status", "published") != "published":
        raise ApplicationError("Choose a published course.", extra={"course": ["Unknown."]})
    classroom = Classroom(
        course=course,
        name=_text(name, "name", 120),
        term=_text(term, "term", 60, required=False),
        enrolment_cap=_cap(enrolment_cap),
        time_zone=_check_time_zone(time_zone or "UTC"),
        created_by=user,
    )
    for _ in range(10):
        classroom.invite_code = _invite_code()
        try:
            with transaction.atomic():
                classroom.save()
            break
        except IntegrityError:
            continue
    else:  # pragma: no cover - 26^8 codes
        raise ApplicationError("Could not make an invite code; try again.")
    Membership.objects.create(
        classroom=classroom, user=user, role=Role.INSTRUCTOR, joined_at=timezone.now()
    )
    return classroom


UPDATABLE = {
    "name",
    "term",
    "enrolment_cap",
    "time_zone",
    "invite_open",
    "counted_attempt",
    "late_days",
    "exercise_scoring",
}


@transaction.atomic
def class_update(*, user: Any, classroom_id: int, **changes: Any) -> Classroom:
    """Change a class's settings or grading policy (instructors). Grades are computed
    from the stored work each time they are read, so a new policy applies to every
    grade at once and nothing is lost."""
    unknown = set(changes) - UPDATABLE
    if unknown:
        raise ApplicationError(f"Unknown settings: {', '.join(sorted(unknown))}.")
    access = selectors.class_for_staff(user=user, classroom_id=classroom_id, change=True)
    classroom = Classroom.objects.select_for_update().get(pk=access.classroom.pk)
    if "name" in changes:
        classroom.name = _text(changes["name"], "name", 120)
    if "term" in changes:
        classroom.term = _text(changes["term"], "term", 60, required=False)
    if "enrolment_cap" in changes:
        classroom.enrolment_cap = _cap(changes["enrolment_cap"])
    if "time_zone" in changes:
        classroom.time_zone = _check_time_zone(str(changes["time_zone"]))
    if "invite_open" in changes:
        classroom.invite_open = bool(changes["invite_open"])
    if "counted_attempt" in changes:
        classroom.counted_attempt = _choice(
            changes["counted_attempt"], CountedAttempt, "counted_attempt"
        )
    if "late_days" in changes:
        classroom.late_days = _choice(changes["late_days"], LateDays, "late_days")
    if "exercise_scoring" in changes:
        classroom.exercise_scoring = _choice(
            changes["exercise_scoring"], ExerciseScoring, "exercise_scoring"
        )
    classroom.save()
    return classroom


@transaction.atomic
def class_invite_rotate(*, user: Any, classroom_id: int) -> Classroom:
    """A new invite code (the old one stops working at once)."""
    access = selectors.class_for_staff(user=user, classroom_id=classroom_id, change=True)
    classroom = Classroom.objects.select_for_update().get(pk=access.classroom.pk)
    for _ in range(10):
        classroom.invite_code = _invite_code()
        try:
            with transaction.atomic():
                classroom.save(update_fields=["invite_code", "updated_at"])
            return classroom
        except IntegrityError:
            continue
    raise ApplicationError("Could not make an invite code; try again.")  # pragma: no cover


def _join_identity(user: Any) -> str:
    return f"user:{user.pk}"


@transaction.atomic
def class_join(*, user: Any, code: str, address: str = "") -> Membership:
    """Join a class as a learner with its invite code. Joining again returns the same
    membership; a wrong, closed or full class is refused, and wrong codes are limited
    per account and per address."""
    if not user.is_authenticated:
        from apps.core.errors import PermissionDenied

        raise PermissionDenied("Sign in to join a class.")
    identities = [_join_identity(user)] + ([f"addr:{address}"] if address else [])
    for identity in identities:
        verdict = ratelimit.peek(JOIN_FAILURES, identity)
        if verdict.count >= JOIN_FAILURES.limit:
            raise TooManyJoinAttempts(
                f"Too many wrong codes: try again in {verdict.retry_after} s.",
                extra={"retry_after": verdict.retry_after},
            )
    normalised = normalise_code(code)
    classroom = (
        Classroom.objects.select_for_update().filter(invite_code=normalised).first()
        if len(normalised) == INVITE_LENGTH
        else None
    )
    if classroom is None:
        for identity in identities:  # in the cache, not the transaction this error rolls back
            ratelimit.hit(JOIN_FAILURES, identity)
        raise InviteInvalid("No class has this invite code: check it with your instructor.")
    existing = Membership.objects.filter(classroom=classroom, user=user).first()
    if existing is not None:
        if existing.removed_at is not None:
            raise RemovedFromClass(
                "You were removed from this class: ask its instructor to add you back."
            )
        return existing  # joining twice is harmless
    if not classroom.invite_open:
        raise InviteClosed("This class is not taking new learners (its invite is closed).")
    if classroom.enrolment_cap is not None:
        learners = Membership.objects.filter(
            classroom=classroom, role=Role.LEARNER, removed_at__isnull=True
        ).count()
        if learners >= classroom.enrolment_cap:
            raise ClassFull(f"This class is full ({classroom.enrolment_cap} learners).")
    return Membership.objects.create(
        classroom=classroom, user=user, role=Role.LEARNER, joined_at=timezone.now()
    )


@transaction.atomic
def class_staff_add(*, user: Any, classroom_id: int, username: str, role: str) -> Membership:
    """Add a co-instructor or a teaching assistant by username (instructors)."""
    access = selectors.class_for_staff(user=user, classroom_id=classroom_id, change=True)
    if role not in (Role.INSTRUCTOR, Role.TA):
        raise ApplicationError("The role is instructor or ta.", extra={"role": ["Not a role."]})
    from django.contrib.auth import get_user_model

    target = (
        get_user_model()
        .objects.filter(username=str(username or "").strip(), is_active=True)
        .first()
    )
    if target is None:
        raise MemberNotFound("No active account has that username.")
    membership, created = Membership.objects.select_for_update().get_or_create(
        classroom=access.classroom,
        user=target,
        defaults={"role": role, "joined_at": timezone.now()},
    )
    if not created:
        membership.role = role
        membership.removed_at = None
        membership.removed_by = None
        membership.save(update_fields=["role", "removed_at", "removed_by"])
    return membership


def _last_instructor(classroom: Classroom, membership: Membership) -> bool:
    return (
        membership.role == Role.INSTRUCTOR
        and not Membership.objects.filter(
            classroom=classroom, role=Role.INSTRUCTOR, removed_at__isnull=True
        )
        .exclude(pk=membership.pk)
        .exists()
    )


def _member_to_change(user: Any, classroom_id: int, member_id: int) -> tuple[Classroom, Membership]:
    """A member of a class an instructor is changing, locked (``MemberNotFound``)."""
    access = selectors.class_for_staff(user=user, classroom_id=classroom_id, change=True)
    membership = (
        Membership.objects.select_for_update()
        .filter(pk=member_id, classroom=access.classroom)
        .first()
    )
    if membership is None:
        raise MemberNotFound("No such member in this class.")
    return access.classroom, membership


@transaction.atomic
def member_remove(*, user: Any, classroom_id: int, member_id: int) -> Membership:
    """Remove someone from a class (instructors). Their work is kept; their access to
    the class ends. The last instructor cannot be removed."""
    classroom, membership = _member_to_change(user, classroom_id, member_id)
    if membership.removed_at is not None:
        return membership
    if _last_instructor(classroom, membership):
        raise NotInstructor("A class keeps at least one instructor: add another one first.")
    membership.removed_at = timezone.now()
    membership.removed_by = user
    membership.save(update_fields=["removed_at", "removed_by"])
    return membership


@transaction.atomic
def member_restore(*, user: Any, classroom_id: int, member_id: int) -> Membership:
    """Bring a removed member back (instructors)."""
    _, membership = _member_to_change(user, classroom_id, member_id)
    membership.removed_at = None
    membership.removed_by = None
    membership.save(update_fields=["removed_at", "removed_by"])
    return membership


# --------------------------------------------------------------------------- assignments


def _percent(value: Any, field: str) -> Decimal:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        number = Decimal(-1)
    if not number.is_finite() or not Decimal(0) <= number <= Decimal(100):
        raise InvalidAssignment(
            f"{field} is a percentage from 0 to 100.", extra={field: ["From 0 to 100."]}
        )
    return number.quantize(Decimal("0.01"))


def _weight(value: Any) -> Decimal:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        number = Decimal(-1)
    if not number.is_finite() or not Decimal(0) <= number <= Decimal(1000):
        raise InvalidAssignment(
            "The weight is a number from 0 to 1,000.", extra={"weight": ["From 0 to 1,000."]}
        )
    return number.quantize(Decimal("0.01"))


def _order(value: Any) -> int:
    try:
        order = int(value or 0)
    except (TypeError, ValueError):
        order = -1
    if not 0 <= order <= 100_000:
        raise InvalidAssignment(
            "The order is a whole number from 0 to 100,000.", extra={"order": ["Not an order."]}
        )
    return order


def _aware(value: Any, field: str, classroom: Classroom) -> datetime:
    if isinstance(value, str):
        from django.utils.dateparse import parse_datetime

        try:
            parsed = parse_datetime(value.strip())
        except ValueError:
            parsed = None
        value = parsed
    if not isinstance(value, datetime):
        raise InvalidAssignment(
            f"{field} is a date and time (ISO 8601).", extra={field: ["A date and time."]}
        )
    if timezone.is_naive(value):  # read in the class's own time zone
        value = value.replace(tzinfo=zoneinfo.ZoneInfo(classroom.time_zone))
    return value


def _clean_assignment(
    classroom: Classroom, data: dict[str, Any], current: Assignment | None = None
) -> dict[str, Any]:
    """Validated assignment fields (``InvalidAssignment`` names the field)."""

    def get(name: str, default: Any = None) -> Any:
        if name in data:
            return data[name]
        return getattr(current, name, default) if current is not None else default

    try:
        title = _text(get("title"), "title", 200)
        kind = _choice(get("kind"), AssignmentKind, "kind")
        late_policy = _choice(get("late_policy", LatePolicy.REFUSE), LatePolicy, "late_policy")
    except InvalidAssignment:
        raise
    except ApplicationError as exc:
        raise InvalidAssignment(exc.message, extra=exc.extra) from None
    cleaned: dict[str, Any] = {
        "title": title,
        "kind": kind,
        "late_policy": late_policy,
        "penalty_per_day": _percent(get("penalty_per_day", Decimal(10)), "penalty_per_day"),
        "penalty_cap": _percent(get("penalty_cap", Decimal(50)), "penalty_cap"),
        "weight": _weight(get("weight", Decimal(1))),
        "opens_at": _aware(get("opens_at"), "opens_at", classroom),
        "due_at": _aware(get("due_at"), "due_at", classroom),
    }
    if cleaned["due_at"] <= cleaned["opens_at"]:
        raise InvalidAssignment(
            "The due time must come after the opening time.",
            extra={"due_at": ["Before (or at) the opening time."]},
        )
    cleaned.update(_assignment_work(kind, classroom.course_id, data, current))
    return cleaned


def _assignment_work(
    kind: str, course: int, data: dict[str, Any], current: Assignment | None
) -> dict[str, Any]:
    """The work an assignment of ``kind`` sets, which must belong to the course."""
    from apps.courses.models import Module
    from apps.exercises.models import Exercise
    from apps.live.models import LiveSession
    from apps.quizzes.models import Quiz

    def pk_of(name: str) -> Any:
        if f"{name}_id" in data or name in data:
            value = data.get(f"{name}_id", data.get(name))
        else:
            value = getattr(current, f"{name}_id", None)
        return getattr(value, "pk", value) or None

    work: dict[str, Any] = {"module": None, "quiz": None, "live_session": None, "exercises": []}
    if kind == AssignmentKind.READING:
        work["module"] = Module.objects.filter(pk=pk_of("module"), course_id=course).first()
        if work["module"] is None:
            raise InvalidAssignment(
                "Choose a module of the class's course.",
                extra={"module": ["Not a module of this course."]},
            )
    elif kind == AssignmentKind.QUIZ:
        work["quiz"] = Quiz.objects.filter(
            pk=pk_of("quiz"), course_id=course, status="published"
        ).first()
        if work["quiz"] is None:
            raise InvalidAssignment(
                "Choose a published quiz of the class's course.",
                extra={"quiz": ["Not a quiz of this course."]},
            )
    elif kind == AssignmentKind.EXERCISES:
        raw = data.get("exercise_ids", data.get("exercises"))
        if raw is None and current is not None:
            ids = [e.pk for e in current.exercises.all()]
        else:
            try:
                ids = [int(getattr(v, "pk", v)) for v in (raw or [])]
            except (TypeError, ValueError):
                ids = []
        ids = list(dict.fromkeys(ids))
        found = Exercise.objects.filter(
            pk__in=ids, lesson__module__course_id=course, status="published"
        ).count()
        if not ids or found != len(ids) or len(ids) > 50:
            raise InvalidAssignment(
                "Choose one to 50 published code exercises of the class's course.",
                extra={"exercise_ids": ["Unknown, unpublished or of another course."]},
            )
        work["exercises"] = ids
    else:
        work["live_session"] = LiveSession.objects.filter(
            pk=pk_of("live_session"), quiz__course_id=course
        ).first()
        if work["live_session"] is None:
            raise InvalidAssignment(
                "Choose a live session of a quiz of the class's course.",
                extra={"live_session": ["Unknown session."]},
            )
    return work


@transaction.atomic
def assignment_create(*, user: Any, classroom_id: int, **data: Any) -> Assignment:
    """Set work for a class (instructors): see ``Assignment`` for the fields."""
    access = selectors.class_for_staff(user=user, classroom_id=classroom_id, change=True)
    cleaned = _clean_assignment(access.classroom, data)
    exercises = cleaned.pop("exercises")
    assignment = Assignment.objects.create(
        classroom=access.classroom, created_by=user, order=_order(data.get("order")), **cleaned
    )
    if exercises:
        assignment.exercises.set(exercises)
    return assignment


@transaction.atomic
def assignment_update(
    *, user: Any, classroom_id: int, assignment_id: int, **data: Any
) -> Assignment:
    access, assignment = selectors.assignment_for_staff(
        user=user, classroom_id=classroom_id, assignment_id=assignment_id, change=True
    )
    assignment = Assignment.objects.select_for_update().get(pk=assignment.pk)
    cleaned = _clean_assignment(access.classroom, data, current=assignment)
    exercises = cleaned.pop("exercises")
    for name, value in cleaned.items():
        setattr(assignment, name, value)
    if "order" in data:
        assignment.order = _order(data.get("order"))
    assignment.save()
    assignment.exercises.set(exercises)
    return assignment


@transaction.atomic
def assignment_delete(*, user: Any, classroom_id: int, assignment_id: int) -> None:
    _, assignment = selectors.assignment_for_staff(
        user=user, classroom_id=classroom_id, assignment_id=assignment_id, change=True
    )
    assignment.delete()  # the learners' work stays: grades are computed, never stored


@transaction.atomic
def override_set(
    *,
    user: Any,
    classroom_id: int,
    assignment_id: int,
    learner_id: int,
    due_at: Any = None,
    extra_quiz_minutes: Any = 0,
    excused: bool = False,
    reason: str = "",
) -> Override:
    """Grant one learner a later due time, extra quiz minutes or an excuse (instructors);
    who granted it and when are recorded. Granting again replaces the earlier terms."""
    access, assignment = selectors.assignment_for_staff(
        user=user, classroom_id=classroom_id, assignment_id=assignment_id, change=True
    )
    if not Membership.objects.filter(
        classroom=access.classroom,
        user_id=learner_id,
        role=Role.LEARNER,
        removed_at__isnull=True,
    ).exists():
        raise InvalidOverride(
            "That learner is not in this class.",
            extra={"learner": ["Not a learner of this class."]},
        )
    due = None
    if due_at not in (None, ""):
        try:
            due = _aware(due_at, "due_at", access.classroom)
        except InvalidAssignment as exc:
            raise InvalidOverride(exc.message, extra=exc.extra) from None
        if due <= assignment.due_at:
            raise InvalidOverride(
                "An extension must end after the assignment's due time.",
                extra={"due_at": ["Not later than the due time."]},
            )
    try:
        minutes = int(extra_quiz_minutes or 0)
    except (TypeError, ValueError):
        minutes = -1
    if not 0 <= minutes <= 600:
        raise InvalidOverride(
            "Extra quiz time is from 0 to 600 minutes.",
            extra={"extra_quiz_minutes": ["From 0 to 600."]},
        )
    if due is None and not minutes and not excused:
        raise InvalidOverride("Grant a later due time, extra quiz time or an excuse.")
    override, _ = Override.objects.update_or_create(
        assignment=assignment,
        user_id=learner_id,
        defaults={
            "due_at": due,
            "extra_quiz_minutes": minutes,
            "excused": bool(excused),
            "reason": _text(reason, "reason", 300, required=False),
            "granted_by": user,
            "granted_at": timezone.now(),
        },
    )
    return override


@transaction.atomic
def override_delete(*, user: Any, classroom_id: int, assignment_id: int, learner_id: int) -> None:
    _, assignment = selectors.assignment_for_staff(
        user=user, classroom_id=classroom_id, assignment_id=assignment_id, change=True
    )
    Override.objects.filter(assignment=assignment, user_id=learner_id).delete()


# --------------------------------------------------------------------------- calendar


def feed_key_hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


@transaction.atomic
def calendar_feed_rotate(*, user: Any) -> str:
    """A new private calendar URL key for the user (the old one stops working); the key
    is shown once, only its hash is kept."""
    key = secrets.token_urlsafe(24)
    CalendarFeed.objects.update_or_create(
        user=user, defaults={"key_hash": feed_key_hash(key), "created_at": timezone.now()}
    )
    return key


@transaction.atomic
def calendar_feed_revoke(*, user: Any) -> None:
    CalendarFeed.objects.filter(user=user).delete()


# --------------------------------------------------------------------------- reminders


def reminders_send(*, now: datetime | None = None, within: timedelta = timedelta(days=1)) -> int:
    """E-mail each learner, once per due time, about work due within ``within`` that they
    have not handed in (their own due time: extensions count). Safe to run from any
    number of workers at once: a reminder is claimed by inserting its row before the
    mail goes out, and released if sending fails."""
    from django.db.models import Q

    from apps.classes.grades import Status

    now = now or timezone.now()
    window = Q(due_at__gt=now, due_at__lte=now + within)
    soon = Q(overrides__due_at__gt=now, overrides__due_at__lte=now + within)
    candidates = list(
        Assignment.objects.filter(window | soon).distinct().only("id", "classroom_id")
    )
    by_class: dict[int, list[int]] = {}
    for assignment in candidates:
        by_class.setdefault(assignment.classroom_id, []).append(assignment.pk)
    sent = 0
    for classroom in Classroom.objects.filter(pk__in=by_class):
        book = selectors.gradebook(
            classroom=classroom, now=now, assignment_ids=by_class[classroom.pk]
        )
        for row in book.rows:
            if not row.user.email:
                continue
            for assignment, cell, terms in zip(book.assignments, row.cells, row.terms, strict=True):
                if now < terms.due_at <= now + within and cell.status in (
                    Status.NOT_STARTED,
                    Status.IN_PROGRESS,
                ):
                    sent += _remind(assignment, row.user, terms.due_at, now)
    return sent


def _remind(assignment: Assignment, user: Any, due_at: datetime, now: datetime) -> int:
    try:
        with transaction.atomic():
            reminder = Reminder.objects.create(
                assignment=assignment, user=user, due_at=due_at, sent_at=now
            )
    except IntegrityError:
        return 0  # already reminded of this due time
    zone = zoneinfo.ZoneInfo(assignment.classroom.time_zone)
    local = timezone.localtime(due_at, zone)
    hours = (due_at - now).total_seconds() / 3600
    when = (
        "in less than an hour"
        if hours < 1
        else f"in {round(hours)} hour{'s' if round(hours) != 1 else ''}"
        if hours < 20
        else "tomorrow"
    )
    subject = f"Due {when}: {assignment.title} ({assignment.classroom.name})"
    body = (
        f"Hello {user.public_name},\n\n"
        f'"{assignment.title}" for {assignment.classroom} is due on '
        f"{local:%A %d %B %Y at %H:%M} ({assignment.classroom.time_zone}), and it has not "
        "been handed in yet.\n\n"
        f"Your classes: {settings.SITE_URL.rstrip('/')}/classes/\n"
    )
    try:
        send_mail(subject, body, None, [user.email])
    except SoftTimeLimitExceeded:  # the task's time is up: let it end (the claim stays)
        raise
    except Exception:  # the mail server: release the claim so a later run tries again
        logger.exception("reminder for assignment %s to user %s failed", assignment.pk, user.pk)
        Reminder.objects.filter(pk=reminder.pk).delete()
        return 0
    return 1


def class_attempts_settle(*, classroom: Classroom) -> int:
    """Grade the class's learners' quiz attempts whose time ran out while they were away
    (graded on what was saved by then), so a gradebook read right after shows them
    handed in. Called before the gradebook is read, and by the periodic job: one query
    (and a transaction) when there is nothing to settle."""
    from apps.quizzes.services import attempts_expire_due

    quiz_ids = Assignment.objects.filter(classroom=classroom, kind=AssignmentKind.QUIZ).values(
        "quiz_id"
    )
    learners = Membership.objects.filter(classroom=classroom, role=Role.LEARNER).values("user_id")
    return attempts_expire_due(quiz_ids=quiz_ids, user_ids=learners)


def gradebook_settled(*, classroom: Classroom, **kwargs: Any) -> selectors.Gradebook:
    """``selectors.gradebook`` right after ``class_attempts_settle``: what every surface
    shows, so a learner whose quiz time ran out while away is graded on what they saved."""
    class_attempts_settle(classroom=classroom)
    return selectors.gradebook(classroom=classroom, **kwargs)


def my_grades_settled(*, user: Any, classroom_id: int) -> selectors.Gradebook:
    """``selectors.my_grades`` after settling the learner's own timed-out attempts."""
    access = selectors.class_access(user=user, classroom_id=classroom_id)
    if access.role == Role.LEARNER:
        from apps.quizzes.services import attempts_expire_due

        quiz_ids = Assignment.objects.filter(
            classroom=access.classroom, kind=AssignmentKind.QUIZ
        ).values("quiz_id")
        attempts_expire_due(quiz_ids=quiz_ids, user_ids=[user.pk])
    return selectors.my_grades(user=user, classroom_id=classroom_id)
