"""REST: classes — yours with your role, their settings and invite, joining by code, the
roster, assignments with per-learner overrides, the gradebook, your grades and what is
due for you.

Views translate HTTP to the class services and selectors and back: who may see or
change what is decided there (a class you are not in is "not found"; a teaching
assistant reads the roster and the gradebook and changes nothing). Answers are built by
``apps.classes.api.public``, which the GraphQL API shares; the ``*Output`` serializers
below describe them for the OpenAPI schema.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
    extend_schema_serializer,
)
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.classes import selectors, services
from apps.classes.api import public
from apps.classes.models import (
    AssignmentKind,
    CountedAttempt,
    ExerciseScoring,
    LateDays,
    LatePolicy,
    Role,
)
from apps.core.api.pagination import Pagination
from apps.core.api.schema import error_responses
from apps.core.errors import NotFound, RateLimited
from apps.core.http import client_ip
from apps.courses.selectors import course_get_published

ROLE_HELP = "Your role: instructor, ta, learner, or staff (platform staff, not a member)."

# --------------------------------------------------------------------------- outputs


@extend_schema_serializer(component_name="ClassSummary")
class ClassOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    term = serializers.CharField()
    course = serializers.CharField(help_text="The course's slug.")
    course_title = serializers.CharField()
    role = serializers.CharField(help_text=ROLE_HELP)
    url = serializers.CharField(help_text="The class's page.")


@extend_schema_serializer(component_name="ClassSettings")
class ClassSettingsOutput(serializers.Serializer):
    invite_code = serializers.CharField(help_text="Learners join with it.")
    invite_open = serializers.BooleanField(help_text="Whether learners may join with the code.")
    enrolment_cap = serializers.IntegerField(
        allow_null=True, help_text="At most this many learners; null for no limit."
    )
    time_zone = serializers.CharField(help_text="Due times without an offset are read in it.")
    counted_attempt = serializers.ChoiceField(
        choices=CountedAttempt.choices, help_text="Which attempt counts."
    )
    late_days = serializers.ChoiceField(
        choices=LateDays.choices, help_text="How days late are counted."
    )
    exercise_scoring = serializers.ChoiceField(
        choices=ExerciseScoring.choices, help_text="How code exercises score."
    )


@extend_schema_serializer(component_name="ClassDetail")
class ClassDetailOutput(ClassOutput):
    settings = ClassSettingsOutput(
        allow_null=True,
        help_text="The invite and the grading policy: for the class's staff only (else null).",
    )


@extend_schema_serializer(component_name="ClassMember")
class MemberOutput(serializers.Serializer):
    id = serializers.IntegerField(help_text="The membership (for remove and restore).")
    user_id = serializers.IntegerField(help_text="The member's account (for overrides).")
    username = serializers.CharField()
    name = serializers.CharField()
    role = serializers.CharField(help_text="instructor, ta or learner")
    joined_at = serializers.DateTimeField()
    removed_at = serializers.DateTimeField(
        allow_null=True, help_text="Set when removed: their work stays, their access goes."
    )


@extend_schema_serializer(component_name="RosterMember")
class RosterOutput(MemberOutput):
    last_activity = serializers.DateTimeField(
        allow_null=True, help_text="Their latest lesson completed, quiz attempt or code run."
    )
    lessons_done = serializers.IntegerField()
    lessons_total = serializers.IntegerField(help_text="The course's published lessons.")
    progress_percent = serializers.IntegerField()


@extend_schema_serializer(component_name="WorkRef")
class RefOutput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["attempt", "run", "lesson", "live"])
    id = serializers.IntegerField(
        help_text="The quiz attempt, code run, lesson or live player that counted."
    )


@extend_schema_serializer(component_name="AssignmentStanding")
class StandingOutput(serializers.Serializer):
    status = serializers.CharField(
        help_text="not_started, in_progress, submitted, late, missing (due and not handed "
        "in: scores 0) or excused (left out of the total)"
    )
    score = serializers.FloatField(
        allow_null=True, help_text="0-100 after any late penalty; null while nothing counts."
    )
    raw = serializers.FloatField(allow_null=True, help_text="The score before the penalty.")
    penalty = serializers.FloatField(help_text="Percentage points taken off for lateness.")
    days_late = serializers.FloatField()
    submitted_at = serializers.DateTimeField(allow_null=True)
    refs = RefOutput(many=True, help_text="The work that counted.")


@extend_schema_serializer(component_name="GradeCell")
class CellOutput(StandingOutput):
    assignment = serializers.IntegerField()
    due_at = serializers.DateTimeField(help_text="This learner's due time (extensions count).")


@extend_schema_serializer(component_name="Assignment")
class AssignmentOutput(serializers.Serializer):
    id = serializers.IntegerField()
    class_id = serializers.IntegerField()
    title = serializers.CharField()
    kind = serializers.CharField(help_text="reading, quiz, exercises or live")
    module = serializers.CharField(allow_null=True, help_text="reading: the module's slug.")
    quiz = serializers.CharField(allow_null=True, help_text="quiz: the quiz's slug.")
    exercises = serializers.ListField(
        child=serializers.CharField(), help_text="exercises: the code exercises' slugs."
    )
    live_session = serializers.IntegerField(allow_null=True, help_text="live: the session's id.")
    opens_at = serializers.DateTimeField()
    due_at = serializers.DateTimeField()
    late_policy = serializers.ChoiceField(choices=LatePolicy.choices)
    penalty_per_day = serializers.FloatField(help_text="Percentage points off per day late.")
    penalty_cap = serializers.FloatField(help_text="At most this many points off in all.")
    weight = serializers.FloatField(help_text="Its share of the weighted total.")
    order = serializers.IntegerField()
    my_due_at = serializers.DateTimeField(
        allow_null=True, help_text="A learner's own due time (an extension counts); else null."
    )
    standing = StandingOutput(allow_null=True, help_text="A learner's standing; else null.")


@extend_schema_serializer(component_name="DueItem")
class DueItemOutput(AssignmentOutput):
    class_name = serializers.CharField()


@extend_schema_serializer(component_name="GradebookRow")
class GradebookRowOutput(serializers.Serializer):
    member_id = serializers.IntegerField()
    user_id = serializers.IntegerField()
    username = serializers.CharField()
    name = serializers.CharField()
    total = serializers.FloatField(
        allow_null=True, help_text="The weighted mean of what is due or handed in (0-100)."
    )
    cells = CellOutput(many=True, help_text="One per assignment, in the assignments' order.")


@extend_schema_serializer(component_name="Gradebook")
class GradebookOutput(serializers.Serializer):
    count = serializers.IntegerField(help_text="Learners in the class.")
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    assignments = AssignmentOutput(many=True)
    results = GradebookRowOutput(many=True, help_text="A page of learners, by username.")


@extend_schema_serializer(component_name="MyGrades")
class MyGradesOutput(serializers.Serializer):
    class_id = serializers.IntegerField()
    assignments = AssignmentOutput(many=True)
    row = GradebookRowOutput(help_text="Your own row, and no one else's.")


@extend_schema_serializer(component_name="Override")
class OverrideOutput(serializers.Serializer):
    assignment = serializers.IntegerField()
    learner_id = serializers.IntegerField()
    username = serializers.CharField()
    name = serializers.CharField()
    due_at = serializers.DateTimeField(allow_null=True, help_text="A later due time.")
    extra_quiz_minutes = serializers.IntegerField()
    excused = serializers.BooleanField()
    reason = serializers.CharField()
    granted_by = serializers.CharField(help_text="Who granted it (a username).")
    granted_at = serializers.DateTimeField()


# --------------------------------------------------------------------------- inputs


class MomentField(serializers.DateTimeField):
    """ISO 8601; without an offset it is read in the class's time zone (by the services)."""

    def enforce_timezone(self, value: datetime) -> datetime:
        return value  # naive stays naive: the class's time zone applies, not the server's

    def to_internal_value(self, value: Any) -> datetime:
        parsed = super().to_internal_value(value)
        if not public.EARLIEST <= parsed.year <= public.LATEST:
            raise serializers.ValidationError(
                f"Between the years {public.EARLIEST} and {public.LATEST}."
            )
        return parsed


@extend_schema_serializer(
    component_name="ClassCreateInput",
    examples=[
        OpenApiExample(
            "A class of the course",
            value={
                "course": "python-backend-engineering",
                "name": "Backend 101",
                "term": "Spring 2027",
                "time_zone": "Europe/Paris",
            },
            request_only=True,
        )
    ],
)
class ClassCreateInput(serializers.Serializer):
    course = serializers.SlugField(help_text="A published course's slug.")
    name = serializers.CharField(max_length=120)
    term = serializers.CharField(max_length=60, required=False, allow_blank=True, default="")
    enrolment_cap = serializers.IntegerField(
        min_value=1, max_value=100_000, required=False, allow_null=True, default=None
    )
    time_zone = serializers.CharField(
        max_length=64, required=False, default="UTC", help_text="An IANA name: Europe/Paris."
    )


@extend_schema_serializer(component_name="ClassUpdateInput")
class ClassUpdateInput(serializers.Serializer):
    name = serializers.CharField(max_length=120, required=False)
    term = serializers.CharField(max_length=60, required=False, allow_blank=True)
    enrolment_cap = serializers.IntegerField(
        min_value=1, max_value=100_000, required=False, allow_null=True
    )
    time_zone = serializers.CharField(max_length=64, required=False)
    invite_open = serializers.BooleanField(required=False)
    counted_attempt = serializers.ChoiceField(choices=CountedAttempt.choices, required=False)
    late_days = serializers.ChoiceField(choices=LateDays.choices, required=False)
    exercise_scoring = serializers.ChoiceField(choices=ExerciseScoring.choices, required=False)


@extend_schema_serializer(component_name="ClassJoinInput")
class JoinInput(serializers.Serializer):
    code = serializers.CharField(
        max_length=64, help_text="The invite code (case, spaces and dashes do not matter)."
    )


@extend_schema_serializer(component_name="ClassStaffInput")
class StaffInput(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    role = serializers.ChoiceField(choices=[Role.INSTRUCTOR, Role.TA])


@extend_schema_serializer(
    component_name="AssignmentInput",
    examples=[
        OpenApiExample(
            "A quiz, late work penalised",
            value={
                "title": "Concurrency quiz",
                "kind": "quiz",
                "quiz": "concurrency-quiz",
                "opens_at": "2027-03-01T09:00",
                "due_at": "2027-03-08T23:59",
                "late_policy": "penalty",
                "penalty_per_day": 10,
            },
            request_only=True,
        )
    ],
)
class AssignmentInput(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    kind = serializers.ChoiceField(choices=AssignmentKind.choices)
    module = serializers.SlugField(
        required=False, allow_null=True, help_text="reading: a module of the class's course."
    )
    quiz = serializers.SlugField(
        required=False, allow_null=True, help_text="quiz: a published quiz of the course."
    )
    exercises = serializers.ListField(
        child=serializers.SlugField(),
        required=False,
        max_length=50,
        help_text="exercises: one to 50 published code exercises of the course.",
    )
    live_session = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, help_text="live: a live session's id."
    )
    opens_at = MomentField(help_text="ISO 8601; without an offset, in the class's time zone.")
    due_at = MomentField(help_text="After opens_at; same format.")
    late_policy = serializers.ChoiceField(choices=LatePolicy.choices, required=False)
    penalty_per_day = serializers.FloatField(min_value=0, max_value=100, required=False)
    penalty_cap = serializers.FloatField(min_value=0, max_value=100, required=False)
    weight = serializers.FloatField(min_value=0, max_value=1000, required=False)
    order = serializers.IntegerField(min_value=0, max_value=2**31 - 1, required=False)


@extend_schema_serializer(component_name="OverrideInput")
class OverrideInput(serializers.Serializer):
    due_at = MomentField(
        required=False, allow_null=True, help_text="A due time later than the assignment's."
    )
    extra_quiz_minutes = serializers.IntegerField(
        min_value=0, max_value=600, required=False, default=0
    )
    excused = serializers.BooleanField(required=False, default=False)
    reason = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class Window(serializers.Serializer):
    limit = serializers.IntegerField(
        required=False, min_value=1, help_text="Learners per page (50 by default, 200 at most)."
    )
    offset = serializers.IntegerField(required=False, min_value=0)


# --------------------------------------------------------------------------- views


class ClassApi(APIView):
    """Every class endpoint: signed-in only; a rate-limited join answers with
    ``Retry-After`` as the throttles do (the domain's code stays in the body)."""

    permission_classes = [IsAuthenticated]

    def handle_exception(self, exc: Exception) -> Response:
        response = super().handle_exception(exc)
        if isinstance(exc, RateLimited) and "retry_after" in exc.extra:
            response["Retry-After"] = str(exc.extra["retry_after"])
        return response


def _page(view: APIView, request: Request, rows: Any, build: Any = None) -> Response:
    paginator = Pagination()
    page = paginator.paginate_queryset(rows, request, view=view) or []
    return paginator.get_paginated_response([build(row) for row in page] if build else page)


TAGS = ["classes"]


def _path_id(name: str, label: str, description: str) -> OpenApiParameter:
    return OpenApiParameter(
        name,
        OpenApiTypes.INT,
        OpenApiParameter.PATH,
        description=description,
        examples=[OpenApiExample(label, value=1)],
    )


CLASS = _path_id("id", "Class", "The class.")
ASSIGNMENT = _path_id("assignment_id", "Assignment", "The assignment (of that class).")
MEMBER = _path_id("member_id", "Member", "The membership (a roster row's id).")
LEARNER = _path_id("learner_id", "Learner", "The learner's user id (a roster row's user_id).")
CLASS_ERRORS = error_responses(401, 404, 429)
CHANGE_ERRORS = error_responses(400, 401, 403, 404, 429)


class ClassListApi(ClassApi):
    pagination_class = Pagination

    @extend_schema(
        operation_id="classes_list",
        summary="Your classes, newest first, with your role in each",
        tags=TAGS,
        responses={200: ClassOutput(many=True), **error_responses(401, 429)},
    )
    def get(self, request: Request) -> Response:
        rows = selectors.classes_visible_to(user=request.user)
        return _page(self, request, rows, lambda row: public.class_summary(*row))

    @extend_schema(
        operation_id="classes_create",
        summary="Create a class of a course, taught by you (instructors and staff)",
        description="You become its first instructor; it gets an invite code for learners.",
        tags=TAGS,
        request=ClassCreateInput,
        responses={201: ClassDetailOutput, **error_responses(400, 401, 403, 429)},
    )
    def post(self, request: Request) -> Response:
        payload = ClassCreateInput(data=request.data)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        try:
            course = course_get_published(slug=data.pop("course"))
        except NotFound:
            course = None  # the service refuses it: "Choose a published course." (400)
        classroom = services.class_create(user=request.user, course=course, **data)
        return Response(
            public.class_detail_for(user=request.user, classroom_id=classroom.pk),
            status=status.HTTP_201_CREATED,
        )


class ClassDetailApi(ClassApi):
    @extend_schema(
        operation_id="classes_retrieve",
        summary="A class you belong to (its settings and invite code for its staff)",
        tags=TAGS,
        parameters=[CLASS],
        responses={200: ClassDetailOutput, **CLASS_ERRORS},
    )
    def get(self, request: Request, pk: int) -> Response:
        return Response(public.class_detail_for(user=request.user, classroom_id=pk))

    @extend_schema(
        operation_id="classes_update",
        summary="Change a class's settings or grading policy (instructors)",
        description=(
            "Send only what changes. Grades are computed when read, so a new policy "
            "applies to every grade at once. A teaching assistant gets 403 "
            "(`not_instructor`); someone outside the class 404."
        ),
        tags=TAGS,
        parameters=[CLASS],
        request=ClassUpdateInput,
        responses={200: ClassDetailOutput, **CHANGE_ERRORS},
    )
    def patch(self, request: Request, pk: int) -> Response:
        payload = ClassUpdateInput(data=request.data)
        payload.is_valid(raise_exception=True)
        services.class_update(user=request.user, classroom_id=pk, **payload.validated_data)
        return Response(public.class_detail_for(user=request.user, classroom_id=pk))


class ClassInviteRotateApi(ClassApi):
    @extend_schema(
        operation_id="classes_invite_rotate",
        summary="A new invite code (instructors); the old one stops working at once",
        tags=TAGS,
        parameters=[CLASS],
        request=None,
        responses={200: ClassDetailOutput, **error_responses(401, 403, 404, 429)},
    )
    def post(self, request: Request, pk: int) -> Response:
        services.class_invite_rotate(user=request.user, classroom_id=pk)
        return Response(public.class_detail_for(user=request.user, classroom_id=pk))


class ClassJoinApi(ClassApi):
    @extend_schema(
        operation_id="classes_join",
        summary="Join a class as a learner with its invite code",
        description=(
            "Joining twice is harmless (the same class comes back). A code that names no "
            "class is a 404 (`invite_invalid`), a closed invite or a full class a 409 "
            "(`invite_closed`, `class_full`), a learner removed from the class a 403 "
            "(`removed_from_class`); after too many wrong codes from your account or "
            "address, a 429 (`too_many_join_attempts`) with `Retry-After`."
        ),
        tags=TAGS,
        request=JoinInput,
        responses={200: ClassDetailOutput, **error_responses(400, 401, 403, 404, 409, 429)},
    )
    def post(self, request: Request) -> Response:
        payload = JoinInput(data=request.data)
        payload.is_valid(raise_exception=True)
        membership = services.class_join(
            user=request.user, code=payload.validated_data["code"], address=client_ip(request)
        )
        return Response(
            public.class_detail_for(user=request.user, classroom_id=membership.classroom_id)
        )


class DueItemsApi(ClassApi):
    pagination_class = Pagination

    @extend_schema(
        operation_id="classes_due",
        summary="Your assignments in every class you learn in, soonest due first",
        description="Due from 14 days ago on, each with your own due time and standing.",
        tags=TAGS,
        responses={200: DueItemOutput(many=True), **error_responses(401, 429)},
    )
    def get(self, request: Request) -> Response:
        items = public.due_items(selectors.due_items(user=request.user))
        return _page(self, request, items)


class RosterApi(ClassApi):
    pagination_class = Pagination

    @extend_schema(
        operation_id="classes_roster",
        summary="The class's members with their progress (instructors and TAs)",
        description="Removed members are listed too, with `removed_at`.",
        tags=TAGS,
        parameters=[CLASS],
        responses={200: RosterOutput(many=True), **CLASS_ERRORS},
    )
    def get(self, request: Request, pk: int) -> Response:
        access = selectors.class_for_staff(user=request.user, classroom_id=pk)
        rows = selectors.roster(classroom=access.classroom)
        return _page(self, request, rows, public.roster_row)


class StaffAddApi(ClassApi):
    @extend_schema(
        operation_id="classes_staff_add",
        summary="Add a co-instructor or a teaching assistant by username (instructors)",
        description="Someone already in the class takes the new role.",
        tags=TAGS,
        parameters=[CLASS],
        request=StaffInput,
        responses={201: MemberOutput, **CHANGE_ERRORS},
    )
    def post(self, request: Request, pk: int) -> Response:
        payload = StaffInput(data=request.data)
        payload.is_valid(raise_exception=True)
        membership = services.class_staff_add(
            user=request.user, classroom_id=pk, **payload.validated_data
        )
        return Response(public.member(membership), status=status.HTTP_201_CREATED)


class MemberRemoveApi(ClassApi):
    @extend_schema(
        operation_id="classes_member_remove",
        summary="Remove a member (instructors): their work stays, their access goes",
        description="The last instructor cannot be removed (403, `not_instructor`).",
        tags=TAGS,
        parameters=[CLASS, MEMBER],
        request=None,
        responses={200: MemberOutput, **error_responses(401, 403, 404, 429)},
    )
    def post(self, request: Request, pk: int, member_id: int) -> Response:
        membership = services.member_remove(user=request.user, classroom_id=pk, member_id=member_id)
        return Response(public.member(membership))


class MemberRestoreApi(ClassApi):
    @extend_schema(
        operation_id="classes_member_restore",
        summary="Bring a removed member back (instructors)",
        tags=TAGS,
        parameters=[CLASS, MEMBER],
        request=None,
        responses={200: MemberOutput, **error_responses(401, 403, 404, 429)},
    )
    def post(self, request: Request, pk: int, member_id: int) -> Response:
        membership = services.member_restore(
            user=request.user, classroom_id=pk, member_id=member_id
        )
        return Response(public.member(membership))


class AssignmentListApi(ClassApi):
    pagination_class = Pagination

    @extend_schema(
        operation_id="classes_assignments_list",
        summary="The class's assignments in due order (learners: with their standing)",
        description=(
            "A learner sees each with their own due time (`my_due_at`: an extension "
            "counts) and their `standing`; the class's staff see the assignments alone."
        ),
        tags=TAGS,
        parameters=[CLASS],
        responses={200: AssignmentOutput(many=True), **CLASS_ERRORS},
    )
    def get(self, request: Request, pk: int) -> Response:
        access = selectors.class_access(user=request.user, classroom_id=pk)
        if access.role == Role.LEARNER:
            learner: Any = request.user
            book = selectors.gradebook(classroom=access.classroom, user_ids=[learner.pk])
            return _page(self, request, public.learner_assignments(book))
        return _page(self, request, selectors.assignments_of(access.classroom), public.assignment)

    @extend_schema(
        operation_id="classes_assignments_create",
        summary="Set work for the class (instructors)",
        description=(
            "`kind` says which work it is: `reading` (a `module`), `quiz` (a `quiz`), "
            "`exercises` (`exercises`) or `live` (a `live_session`), all of the class's "
            "course. A due time not after the opening, or work of another course, is a 400 "
            "(`invalid_assignment`, `details` naming the field)."
        ),
        tags=TAGS,
        parameters=[CLASS],
        request=AssignmentInput,
        responses={201: AssignmentOutput, **CHANGE_ERRORS},
    )
    def post(self, request: Request, pk: int) -> Response:
        payload = AssignmentInput(data=request.data)
        payload.is_valid(raise_exception=True)
        created = services.assignment_create(
            user=request.user,
            classroom_id=pk,
            **public.work(classroom_id=pk, data=payload.validated_data),
        )
        return Response(_assignment(request, pk, created.pk), status=status.HTTP_201_CREATED)


def _assignment(request: Request, classroom_id: int, assignment_id: int) -> dict[str, Any]:
    _, item = selectors.assignment_for_staff(
        user=request.user, classroom_id=classroom_id, assignment_id=assignment_id
    )
    return public.assignment(item)


class AssignmentDetailApi(ClassApi):
    @extend_schema(
        operation_id="classes_assignments_update",
        summary="Change an assignment (instructors); send only what changes",
        tags=TAGS,
        parameters=[CLASS, ASSIGNMENT],
        request=AssignmentInput,
        responses={200: AssignmentOutput, **CHANGE_ERRORS},
    )
    def patch(self, request: Request, pk: int, assignment_id: int) -> Response:
        payload = AssignmentInput(data=request.data, partial=True)
        payload.is_valid(raise_exception=True)
        services.assignment_update(
            user=request.user,
            classroom_id=pk,
            assignment_id=assignment_id,
            **public.work(classroom_id=pk, data=payload.validated_data),
        )
        return Response(_assignment(request, pk, assignment_id))

    @extend_schema(
        operation_id="classes_assignments_delete",
        summary="Delete an assignment (instructors); the learners' work stays",
        tags=TAGS,
        parameters=[CLASS, ASSIGNMENT],
        responses={204: None, **error_responses(401, 403, 404, 429)},
    )
    def delete(self, request: Request, pk: int, assignment_id: int) -> Response:
        services.assignment_delete(user=request.user, classroom_id=pk, assignment_id=assignment_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class OverrideListApi(ClassApi):
    pagination_class = Pagination

    @extend_schema(
        operation_id="classes_overrides_list",
        summary="An assignment's per-learner overrides (instructors and TAs)",
        tags=TAGS,
        parameters=[CLASS, ASSIGNMENT],
        responses={200: OverrideOutput(many=True), **CLASS_ERRORS},
    )
    def get(self, request: Request, pk: int, assignment_id: int) -> Response:
        _, item = selectors.assignment_for_staff(
            user=request.user, classroom_id=pk, assignment_id=assignment_id
        )
        return _page(self, request, selectors.overrides_of(item), public.override)


class OverrideDetailApi(ClassApi):
    @extend_schema(
        operation_id="classes_overrides_set",
        summary="Grant a learner a later due time, extra quiz minutes or an excuse",
        description=(
            "Instructors; granting again replaces the earlier terms, and who granted it and "
            "when are recorded. A learner not in the class, or a due time not after the "
            "assignment's, is a 400 (`invalid_override`)."
        ),
        tags=TAGS,
        parameters=[CLASS, ASSIGNMENT, LEARNER],
        request=OverrideInput,
        responses={200: OverrideOutput, **CHANGE_ERRORS},
    )
    def put(self, request: Request, pk: int, assignment_id: int, learner_id: int) -> Response:
        payload = OverrideInput(data=request.data)
        payload.is_valid(raise_exception=True)
        granted = services.override_set(
            user=request.user,
            classroom_id=pk,
            assignment_id=assignment_id,
            learner_id=learner_id,
            **payload.validated_data,
        )
        return Response(public.override(granted))

    @extend_schema(
        operation_id="classes_overrides_delete",
        summary="Revoke a learner's override (instructors)",
        tags=TAGS,
        parameters=[CLASS, ASSIGNMENT, LEARNER],
        responses={204: None, **error_responses(401, 403, 404, 429)},
    )
    def delete(self, request: Request, pk: int, assignment_id: int, learner_id: int) -> Response:
        services.override_delete(
            user=request.user, classroom_id=pk, assignment_id=assignment_id, learner_id=learner_id
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class GradebookApi(ClassApi):
    @extend_schema(
        operation_id="classes_gradebook",
        summary="The gradebook: a page of learners × every assignment (instructors and TAs)",
        description=(
            "Each cell has the learner's status, score after any late penalty, the penalty, "
            "days late, when the work that counts came in and what it was (`refs`); each "
            "row the weighted total. Grades are computed from the stored work under the "
            "class's policy when read. Learners are paged (`limit`/`offset`, 50 by "
            "default); the query count does not grow with the class."
        ),
        tags=TAGS,
        parameters=[CLASS, Window],
        responses={200: GradebookOutput, **error_responses(400, 401, 404, 429)},
    )
    def get(self, request: Request, pk: int) -> Response:
        Window(data=request.query_params).is_valid(raise_exception=True)
        access = selectors.class_for_staff(user=request.user, classroom_id=pk)
        paginator = Pagination()
        user_ids = paginator.paginate_queryset(
            selectors.gradebook_learner_ids(access.classroom), request, view=self
        )
        book = services.gradebook_settled(classroom=access.classroom, user_ids=list(user_ids or []))
        response = paginator.get_paginated_response([])
        return Response({**response.data, **public.gradebook(book)})


class MyGradesApi(ClassApi):
    @extend_schema(
        operation_id="classes_my_grades",
        summary="Your own grades in a class you learn in",
        tags=TAGS,
        parameters=[CLASS],
        responses={200: MyGradesOutput, **CLASS_ERRORS},
    )
    def get(self, request: Request, pk: int) -> Response:
        return Response(
            public.my_grades(services.my_grades_settled(user=request.user, classroom_id=pk))
        )
