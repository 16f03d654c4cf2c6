"""GraphQL mutations for classes: each calls the one class service the REST API calls.

A refusal is the service's error as ``errors[].extensions.code`` (``not_instructor``,
``invite_invalid``, ``invalid_assignment`` …, with ``details`` naming the field), raised
before anything is written: each service is one transaction.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import graphene

from apps.classes import selectors, services
from apps.classes.api import public
from apps.classes.graphql import types
from apps.core.errors import ApplicationError, NotFound
from apps.core.http import client_ip
from apps.courses.selectors import course_get_published
from config.graphql.mutations import BaseMutation

MOMENT_HELP = "ISO 8601; without an offset, in the class's time zone."


def _moments(data: dict[str, Any], *names: str) -> dict[str, Any]:
    for name in names:
        if name in data:
            data[name] = public.moment(data[name], name)
    return data


def _order(data: dict[str, Any]) -> dict[str, Any]:
    if data.get("order") is not None and data["order"] < 0:
        raise ApplicationError(
            "order is a whole number from 0.", extra={"order": ["From 0 upwards."]}
        )
    return data


class ClassArguments:
    name = graphene.String()
    term = graphene.String()
    enrolment_cap = graphene.Int(description="At most this many learners; null for no limit.")
    time_zone = graphene.String(description="An IANA name: Europe/Paris.")


class ClassCreate(BaseMutation):
    """Create a class of a course, taught by you (instructors and staff)."""

    class Arguments(ClassArguments):
        course = graphene.String(required=True, description="A published course's slug.")
        name = graphene.String(required=True)

    class_ = graphene.Field(types.ClassDetail, required=True, name="class")

    @classmethod
    def perform_mutation(cls, root: Any, info: Any, *, course: str, **data: Any) -> Any:
        try:
            found = course_get_published(slug=course)
        except NotFound:
            found = None  # the service refuses it: "Choose a published course."
        data = {name: value for name, value in data.items() if value is not None}
        classroom = services.class_create(user=info.context.user, course=found, **data)
        return cls(
            class_=public.class_detail_for(user=info.context.user, classroom_id=classroom.pk)
        )


class ClassUpdate(BaseMutation):
    """Change a class's settings or grading policy (instructors); send only what changes."""

    class Arguments(ClassArguments):
        class_id = graphene.Int(required=True)
        invite_open = graphene.Boolean()
        counted_attempt = graphene.String(description="best, last or first")
        late_days = graphene.String(description="started or exact")
        exercise_scoring = graphene.String(description="all_tests or share")

    class_ = graphene.Field(types.ClassDetail, required=True, name="class")

    @classmethod
    def perform_mutation(cls, root: Any, info: Any, *, class_id: int, **changes: Any) -> Any:
        user = info.context.user
        # null means "no cap" and "no term"; elsewhere it means nothing was sent.
        changes = {
            name: value
            for name, value in changes.items()
            if value is not None or name in ("enrolment_cap", "term")
        }
        services.class_update(user=user, classroom_id=class_id, **changes)
        return cls(class_=public.class_detail_for(user=user, classroom_id=class_id))


class ClassInviteRotate(BaseMutation):
    """A new invite code (instructors); the old one stops working at once."""

    class Arguments:
        class_id = graphene.Int(required=True)

    class_ = graphene.Field(types.ClassDetail, required=True, name="class")

    @classmethod
    def perform_mutation(cls, root: Any, info: Any, *, class_id: int) -> Any:
        services.class_invite_rotate(user=info.context.user, classroom_id=class_id)
        return cls(class_=public.class_detail_for(user=info.context.user, classroom_id=class_id))


class ClassJoin(BaseMutation):
    """Join a class as a learner with its invite code (joining twice is harmless)."""

    class Arguments:
        code = graphene.String(required=True, description="Case, spaces and dashes do not matter.")

    class_ = graphene.Field(types.ClassDetail, required=True, name="class")

    @classmethod
    def perform_mutation(cls, root: Any, info: Any, *, code: str) -> Any:
        user = info.context.user
        membership = services.class_join(user=user, code=code[:64], address=client_ip(info.context))
        return cls(class_=public.class_detail_for(user=user, classroom_id=membership.classroom_id))


class ClassStaffAdd(BaseMutation):
    """Add a co-instructor or a teaching assistant by username (instructors)."""

    class Arguments:
        class_id = graphene.Int(required=True)
        username = graphene.String(required=True)
        role = graphene.String(required=True, description="instructor or ta")

    member = graphene.Field(types.ClassMember, required=True)

    @classmethod
    def perform_mutation(
        cls, root: Any, info: Any, *, class_id: int, username: str, role: str
    ) -> Any:
        membership = services.class_staff_add(
            user=info.context.user, classroom_id=class_id, username=username, role=role
        )
        return cls(member=public.member(membership))


class MemberRemove(BaseMutation):
    """Remove a member (instructors): their work stays, their access goes."""

    class Arguments:
        class_id = graphene.Int(required=True)
        member_id = graphene.Int(required=True, description="The membership's id.")

    member = graphene.Field(types.ClassMember, required=True)

    @classmethod
    def perform_mutation(cls, root: Any, info: Any, *, class_id: int, member_id: int) -> Any:
        membership = services.member_remove(
            user=info.context.user, classroom_id=class_id, member_id=member_id
        )
        return cls(member=public.member(membership))


class MemberRestore(BaseMutation):
    """Bring a removed member back (instructors)."""

    class Arguments:
        class_id = graphene.Int(required=True)
        member_id = graphene.Int(required=True, description="The membership's id.")

    member = graphene.Field(types.ClassMember, required=True)

    @classmethod
    def perform_mutation(cls, root: Any, info: Any, *, class_id: int, member_id: int) -> Any:
        membership = services.member_restore(
            user=info.context.user, classroom_id=class_id, member_id=member_id
        )
        return cls(member=public.member(membership))


class AssignmentArguments:
    class_id = graphene.Int(required=True)
    title = graphene.String()
    kind = graphene.String(description="reading, quiz, exercises or live")
    module = graphene.String(description="reading: a module's slug (of the class's course).")
    quiz = graphene.String(description="quiz: a published quiz's slug.")
    exercises = graphene.List(
        graphene.NonNull(graphene.String), description="exercises: 1 to 50 exercises' slugs."
    )
    live_session = graphene.Int(description="live: a live session's id.")
    opens_at = graphene.DateTime(description=MOMENT_HELP)
    due_at = graphene.DateTime(description=f"After opens_at. {MOMENT_HELP}")
    late_policy = graphene.String(description="refuse or penalty")
    penalty_per_day = graphene.Float(description="Percentage points off per day late (0-100).")
    penalty_cap = graphene.Float(description="At most this many points off in all (0-100).")
    weight = graphene.Float(description="Its share of the weighted total (0-1,000).")
    order = graphene.Int()


def _assignment_data(class_id: int, data: dict[str, Any]) -> dict[str, Any]:
    return public.work(classroom_id=class_id, data=_order(_moments(data, "opens_at", "due_at")))


def _assignment(info: Any, class_id: int, assignment_id: int) -> dict[str, Any]:
    _, item = selectors.assignment_for_staff(
        user=info.context.user, classroom_id=class_id, assignment_id=assignment_id
    )
    return public.assignment(item)


class AssignmentCreate(BaseMutation):
    """Set work for the class (instructors)."""

    class Arguments(AssignmentArguments):
        title = graphene.String(required=True)
        kind = graphene.String(required=True, description="reading, quiz, exercises or live")
        opens_at = graphene.DateTime(required=True, description=MOMENT_HELP)
        due_at = graphene.DateTime(required=True, description=f"After opens_at. {MOMENT_HELP}")

    assignment = graphene.Field(types.Assignment, required=True)

    @classmethod
    def perform_mutation(cls, root: Any, info: Any, *, class_id: int, **data: Any) -> Any:
        created = services.assignment_create(
            user=info.context.user, classroom_id=class_id, **_assignment_data(class_id, data)
        )
        return cls(assignment=_assignment(info, class_id, created.pk))


class AssignmentUpdate(BaseMutation):
    """Change an assignment (instructors); send only what changes."""

    class Arguments(AssignmentArguments):
        assignment_id = graphene.Int(required=True)

    assignment = graphene.Field(types.Assignment, required=True)

    @classmethod
    def perform_mutation(
        cls, root: Any, info: Any, *, class_id: int, assignment_id: int, **data: Any
    ) -> Any:
        services.assignment_update(
            user=info.context.user,
            classroom_id=class_id,
            assignment_id=assignment_id,
            **_assignment_data(class_id, data),
        )
        return cls(assignment=_assignment(info, class_id, assignment_id))


class AssignmentDelete(BaseMutation):
    """Delete an assignment (instructors); the learners' work stays."""

    class Arguments:
        class_id = graphene.Int(required=True)
        assignment_id = graphene.Int(required=True)

    deleted = graphene.Boolean(required=True)

    @classmethod
    def perform_mutation(cls, root: Any, info: Any, *, class_id: int, assignment_id: int) -> Any:
        services.assignment_delete(
            user=info.context.user, classroom_id=class_id, assignment_id=assignment_id
        )
        return cls(deleted=True)


class OverrideSet(BaseMutation):
    """Grant a learner a later due time, extra quiz minutes or an excuse (instructors);
    granting again replaces the earlier terms."""

    class Arguments:
        class_id = graphene.Int(required=True)
        assignment_id = graphene.Int(required=True)
        learner_id = graphene.Int(required=True, description="The learner's user id.")
        due_at = graphene.DateTime(description=f"Later than the assignment's. {MOMENT_HELP}")
        extra_quiz_minutes = graphene.Int(description="0 to 600.")
        excused = graphene.Boolean()
        reason = graphene.String()

    override = graphene.Field(types.Override, required=True)

    @classmethod
    def perform_mutation(
        cls,
        root: Any,
        info: Any,
        *,
        class_id: int,
        assignment_id: int,
        learner_id: int,
        due_at: datetime | None = None,
        extra_quiz_minutes: int | None = None,
        excused: bool | None = None,
        reason: str | None = None,
    ) -> Any:
        granted = services.override_set(
            user=info.context.user,
            classroom_id=class_id,
            assignment_id=assignment_id,
            learner_id=learner_id,
            due_at=public.moment(due_at, "due_at"),
            extra_quiz_minutes=extra_quiz_minutes or 0,
            excused=bool(excused),
            reason=reason or "",
        )
        return cls(override=public.override(granted))


class OverrideDelete(BaseMutation):
    """Revoke a learner's override (instructors)."""

    class Arguments:
        class_id = graphene.Int(required=True)
        assignment_id = graphene.Int(required=True)
        learner_id = graphene.Int(required=True)

    deleted = graphene.Boolean(required=True)

    @classmethod
    def perform_mutation(
        cls, root: Any, info: Any, *, class_id: int, assignment_id: int, learner_id: int
    ) -> Any:
        services.override_delete(
            user=info.context.user,
            classroom_id=class_id,
            assignment_id=assignment_id,
            learner_id=learner_id,
        )
        return cls(deleted=True)


class ClassMutations(graphene.ObjectType):
    class_create = ClassCreate.Field()
    class_update = ClassUpdate.Field()
    class_invite_rotate = ClassInviteRotate.Field()
    class_join = ClassJoin.Field()
    class_staff_add = ClassStaffAdd.Field()
    member_remove = MemberRemove.Field()
    member_restore = MemberRestore.Field()
    assignment_create = AssignmentCreate.Field()
    assignment_update = AssignmentUpdate.Field()
    assignment_delete = AssignmentDelete.Field()
    override_set = OverrideSet.Field()
    override_delete = OverrideDelete.Field()
