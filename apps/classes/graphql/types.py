"""GraphQL types for classes: the REST API's fields and names (apps/classes/api/views.py),
over the same selectors. They map the documents ``apps.classes.api.public`` builds for
both APIs, so every field is listed here and nothing else reaches a client."""

from __future__ import annotations

import graphene


class ClassSummary(graphene.ObjectType):
    id = graphene.Int(required=True)
    name = graphene.String(required=True)
    term = graphene.String(required=True)
    course = graphene.String(required=True, description="The course's slug.")
    course_title = graphene.String(required=True)
    role = graphene.String(
        required=True,
        description="Your role: instructor, ta, learner, or staff (platform staff).",
    )
    url = graphene.String(required=True, description="The class's page.")


class ClassSettings(graphene.ObjectType):
    invite_code = graphene.String(required=True)
    invite_open = graphene.Boolean(required=True)
    enrolment_cap = graphene.Int(description="At most this many learners; null for no limit.")
    time_zone = graphene.String(required=True)
    counted_attempt = graphene.String(required=True, description="best, last or first")
    late_days = graphene.String(required=True, description="started or exact")
    exercise_scoring = graphene.String(required=True, description="all_tests or share")


class ClassDetail(ClassSummary):
    settings = graphene.Field(
        ClassSettings, description="The invite and the grading policy: for the class's staff."
    )


class ClassPage(graphene.ObjectType):
    count = graphene.Int(required=True)
    results = graphene.List(graphene.NonNull(ClassSummary), required=True)


class ClassMember(graphene.ObjectType):
    id = graphene.Int(required=True, description="The membership (for remove and restore).")
    user_id = graphene.Int(required=True, description="The member's account (for overrides).")
    username = graphene.String(required=True)
    name = graphene.String(required=True)
    role = graphene.String(required=True, description="instructor, ta or learner")
    joined_at = graphene.DateTime(required=True)
    removed_at = graphene.DateTime()


class RosterMember(ClassMember):
    last_activity = graphene.DateTime()
    lessons_done = graphene.Int(required=True)
    lessons_total = graphene.Int(required=True)
    progress_percent = graphene.Int(required=True)


class RosterPage(graphene.ObjectType):
    count = graphene.Int(required=True)
    results = graphene.List(graphene.NonNull(RosterMember), required=True)


class WorkRef(graphene.ObjectType):
    kind = graphene.String(required=True, description="attempt, run, lesson or live")
    id = graphene.Int(required=True)


class AssignmentStanding(graphene.ObjectType):
    status = graphene.String(
        required=True,
        description="not_started, in_progress, submitted, late, missing or excused",
    )
    score = graphene.Float(description="0-100 after any late penalty; null while nothing counts.")
    raw = graphene.Float()
    penalty = graphene.Float(required=True)
    days_late = graphene.Float(required=True)
    submitted_at = graphene.DateTime()
    refs = graphene.List(graphene.NonNull(WorkRef), required=True)


class GradeCell(AssignmentStanding):
    assignment = graphene.Int(required=True)
    due_at = graphene.DateTime(required=True, description="This learner's due time.")


class Assignment(graphene.ObjectType):
    id = graphene.Int(required=True)
    class_id = graphene.Int(required=True)
    title = graphene.String(required=True)
    kind = graphene.String(required=True, description="reading, quiz, exercises or live")
    module = graphene.String(description="reading: the module's slug.")
    quiz = graphene.String(description="quiz: the quiz's slug.")
    exercises = graphene.List(graphene.NonNull(graphene.String), required=True)
    live_session = graphene.Int(description="live: the session's id.")
    opens_at = graphene.DateTime(required=True)
    due_at = graphene.DateTime(required=True)
    late_policy = graphene.String(required=True, description="refuse or penalty")
    penalty_per_day = graphene.Float(required=True)
    penalty_cap = graphene.Float(required=True)
    weight = graphene.Float(required=True)
    order = graphene.Int(required=True)
    my_due_at = graphene.DateTime(description="A learner's own due time; else null.")
    standing = graphene.Field(AssignmentStanding, description="A learner's standing; else null.")


class AssignmentPage(graphene.ObjectType):
    count = graphene.Int(required=True)
    results = graphene.List(graphene.NonNull(Assignment), required=True)


class DueItem(Assignment):
    class_name = graphene.String(required=True)


class DueItemPage(graphene.ObjectType):
    count = graphene.Int(required=True)
    results = graphene.List(graphene.NonNull(DueItem), required=True)


class GradebookRow(graphene.ObjectType):
    member_id = graphene.Int(required=True)
    user_id = graphene.Int(required=True)
    username = graphene.String(required=True)
    name = graphene.String(required=True)
    total = graphene.Float()
    cells = graphene.List(graphene.NonNull(GradeCell), required=True)


class Gradebook(graphene.ObjectType):
    count = graphene.Int(required=True, description="Learners in the class.")
    assignments = graphene.List(graphene.NonNull(Assignment), required=True)
    results = graphene.List(graphene.NonNull(GradebookRow), required=True)


class MyGrades(graphene.ObjectType):
    class_id = graphene.Int(required=True)
    assignments = graphene.List(graphene.NonNull(Assignment), required=True)
    row = graphene.Field(GradebookRow, required=True)


class Override(graphene.ObjectType):
    assignment = graphene.Int(required=True)
    learner_id = graphene.Int(required=True)
    username = graphene.String(required=True)
    name = graphene.String(required=True)
    due_at = graphene.DateTime()
    extra_quiz_minutes = graphene.Int(required=True)
    excused = graphene.Boolean(required=True)
    reason = graphene.String(required=True)
    granted_by = graphene.String(required=True)
    granted_at = graphene.DateTime(required=True)


class OverridePage(graphene.ObjectType):
    count = graphene.Int(required=True)
    results = graphene.List(graphene.NonNull(Override), required=True)
