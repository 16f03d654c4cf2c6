"""Classes: an instructor teaches a group a course, with assignments, due dates and a
gradebook.

* ``Classroom`` — a class of one course: its invite code, enrolment cap, time zone and
  its **grading policy** (which attempt counts, how late days are counted, how an
  exercise scores), all in one place.
* ``Membership`` — who is in it and as what: instructor, teaching assistant (reads the
  gradebook, changes nothing) or learner. A removed learner's row is kept
  (``removed_at``): their work stays, their access to the class goes.
* ``Assignment`` — work with an opening and a due time and a late policy: a module's
  lessons to read, a quiz (a module quiz or the final exam), code exercises, or a live
  session to attend.
* ``Override`` — for one learner and one assignment: a later due time, extra quiz
  minutes, or excused; always with who granted it and when.

Grades are never stored: ``apps.classes.grades`` computes them from the attempts, runs,
lesson completions and live players that are, under the class's policy.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse

# Invite codes: no 0/O, 1/I/L, 5/S, 8/B — nothing a learner can misread off a projector.
INVITE_ALPHABET = "ACDEFGHJKMNPQRTUVWXY234679"
INVITE_LENGTH = 8


class Role(models.TextChoices):
    INSTRUCTOR = "instructor", "Instructor"
    TA = "ta", "Teaching assistant"
    LEARNER = "learner", "Learner"


STAFF_ROLES = (Role.INSTRUCTOR, Role.TA)


class CountedAttempt(models.TextChoices):
    BEST = "best", "The best one"
    LAST = "last", "The last one"
    FIRST = "first", "The first one"


class LateDays(models.TextChoices):
    STARTED = "started", "Each started day counts as a day late"
    EXACT = "exact", "Pro rata, by the hour"


class ExerciseScoring(models.TextChoices):
    ALL_TESTS = "all_tests", "All tests must pass (100 or 0)"
    SHARE = "share", "The share of tests passed"


class Classroom(models.Model):
    course = models.ForeignKey("courses.Course", on_delete=models.PROTECT, related_name="classes")
    name = models.CharField(max_length=120)
    term = models.CharField(max_length=60, blank=True, help_text="Spring 2027, Cohort 4, …")
    invite_code = models.CharField(max_length=INVITE_LENGTH, unique=True)
    invite_open = models.BooleanField(default=True, help_text="Learners may join with the code.")
    enrolment_cap = models.PositiveIntegerField(
        null=True, blank=True, help_text="At most this many learners; empty for no limit."
    )
    time_zone = models.CharField(
        max_length=64, default="UTC", help_text="Due times are entered and shown in it."
    )
    counted_attempt = models.CharField(
        max_length=10, choices=CountedAttempt.choices, default=CountedAttempt.BEST
    )
    late_days = models.CharField(max_length=10, choices=LateDays.choices, default=LateDays.STARTED)
    exercise_scoring = models.CharField(
        max_length=10, choices=ExerciseScoring.choices, default=ExerciseScoring.ALL_TESTS
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(enrolment_cap__isnull=True) | models.Q(enrolment_cap__gte=1),
                name="class_cap_at_least_one",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.term})" if self.term else self.name

    def get_absolute_url(self) -> str:
        return reverse("classes:detail", kwargs={"pk": self.pk})


class Membership(models.Model):
    classroom = models.ForeignKey(Classroom, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="class_memberships"
    )
    role = models.CharField(max_length=12, choices=Role.choices, default=Role.LEARNER)
    joined_at = models.DateTimeField()
    removed_at = models.DateTimeField(null=True, blank=True)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["classroom", "role", "joined_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["classroom", "user"], name="one_membership_per_class"),
        ]
        indexes = [models.Index(fields=["user", "removed_at"], name="membership_user_idx")]

    def __str__(self) -> str:
        return f"{self.user} · {self.classroom} · {self.get_role_display()}"

    @property
    def active(self) -> bool:
        return self.removed_at is None


class AssignmentKind(models.TextChoices):
    READING = "reading", "Read a module's lessons"
    QUIZ = "quiz", "A quiz"
    EXERCISES = "exercises", "Code exercises"
    LIVE = "live", "Attend a live session"


class LatePolicy(models.TextChoices):
    REFUSE = "refuse", "Refused after the due time"
    PENALTY = "penalty", "Accepted with a penalty per day"


class Assignment(models.Model):
    classroom = models.ForeignKey(Classroom, on_delete=models.CASCADE, related_name="assignments")
    title = models.CharField(max_length=200)
    kind = models.CharField(max_length=12, choices=AssignmentKind.choices)
    module = models.ForeignKey(
        "courses.Module", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    quiz = models.ForeignKey(
        "quizzes.Quiz", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    exercises = models.ManyToManyField("exercises.Exercise", blank=True, related_name="+")
    live_session = models.ForeignKey(
        "live.LiveSession", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    opens_at = models.DateTimeField()
    due_at = models.DateTimeField()
    late_policy = models.CharField(
        max_length=10, choices=LatePolicy.choices, default=LatePolicy.REFUSE
    )
    penalty_per_day = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=Decimal("10"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
        help_text="Percentage points off per day late.",
    )
    penalty_cap = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=Decimal("50"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
        help_text="At most this many points off in all.",
    )
    weight = models.DecimalField(
        max_digits=6,
        decimal_places=2,
        default=Decimal("1"),
        validators=[MinValueValidator(Decimal("0"))],
        help_text="Its share of the weighted total, relative to the other assignments'.",
    )
    order = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["classroom", "due_at", "order", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(due_at__gt=models.F("opens_at")),
                name="assignment_due_after_opening",
            ),
            models.CheckConstraint(
                condition=models.Q(penalty_per_day__gte=0, penalty_per_day__lte=100)
                & models.Q(penalty_cap__gte=0, penalty_cap__lte=100),
                name="assignment_penalties_are_percentages",
            ),
            models.CheckConstraint(condition=models.Q(weight__gte=0), name="assignment_weight"),
            models.CheckConstraint(
                condition=(
                    models.Q(kind="reading", module__isnull=False)
                    | models.Q(kind="quiz", quiz__isnull=False)
                    | models.Q(kind="exercises")
                    | models.Q(kind="live", live_session__isnull=False)
                ),
                name="assignment_has_its_work",
            ),
        ]
        indexes = [models.Index(fields=["classroom", "due_at"], name="assignment_due_idx")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse(
            "classes:assignment", kwargs={"pk": self.classroom_id, "assignment_id": self.pk}
        )


class Override(models.Model):
    """One learner's exception to one assignment, with who granted it and why."""

    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="overrides")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="class_overrides"
    )
    due_at = models.DateTimeField(null=True, blank=True, help_text="A later due time.")
    extra_quiz_minutes = models.PositiveSmallIntegerField(
        default=0, validators=[MaxValueValidator(600)], help_text="Added to a timed quiz's limit."
    )
    excused = models.BooleanField(default=False, help_text="Left out of the learner's total.")
    reason = models.CharField(max_length=300, blank=True)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    granted_at = models.DateTimeField()

    class Meta:
        ordering = ["assignment", "user"]
        constraints = [
            models.UniqueConstraint(fields=["assignment", "user"], name="one_override_per_learner"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.assignment}"


class CalendarFeed(models.Model):
    """A learner's private iCalendar URL of due dates (only a hash of its key is kept)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"calendar of {self.user}"


class Reminder(models.Model):
    """A reminder e-mail sent (or being sent) for one due time of one assignment to one
    learner: the row makes sending idempotent, whichever worker or command runs it."""

    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    due_at = models.DateTimeField(help_text="The due time it reminded of.")
    sent_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["assignment", "user", "due_at"], name="one_reminder_per_due_time"
            ),
        ]

    def __str__(self) -> str:
        return (
            f"reminder of {self.assignment_id} to {self.user_id} for {self.due_at:%Y-%m-%d %H:%M}"
        )
