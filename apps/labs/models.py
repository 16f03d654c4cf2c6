"""Live code labs: an instructor runs code exercises for a room and watches the board.

The database is the source of truth. Learners' runs are ordinary exercise runs
(``exercises.Run``: the same sandbox queue, the same progress); ``LabRun`` ties one to
the lab it was made in, and ``LabProgress`` keeps each learner's standing in each of
the lab's exercises up to date as runs finish, so the board is read in a few queries
whatever the room's size. ``seq`` numbers what learners see (state, hints, unlocked
solutions), ``board_seq`` what the host's board sees; a client that notices a gap asks
for the whole state again.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse

from apps.live.models import CODE_ALPHABET, CODE_LENGTH

__all__ = ["CODE_ALPHABET", "CODE_LENGTH"]

DEFAULT_STUCK_MINUTES = 5
DEFAULT_STUCK_FAILURES = 3
HIDDEN_GROUP = "hidden tests"


class LabStatus(models.TextChoices):
    RUNNING = "running", "Running"
    PAUSED = "paused", "Paused"
    ENDED = "ended", "Ended"


ACTIVE_STATUSES = (LabStatus.RUNNING, LabStatus.PAUSED)


class Lab(models.Model):
    code = models.CharField(max_length=CODE_LENGTH, db_index=True)
    host = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="hosted_labs"
    )
    title = models.CharField(max_length=200)
    classroom = models.ForeignKey(
        "classes.Classroom",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="labs",
        help_text="When set, only the class's members may join.",
    )
    status = models.CharField(max_length=10, choices=LabStatus.choices, default=LabStatus.RUNNING)
    stuck_minutes = models.PositiveSmallIntegerField(
        default=DEFAULT_STUCK_MINUTES,
        validators=[MinValueValidator(1), MaxValueValidator(120)],
        help_text="A learner is stuck after this many minutes without a new passing test.",
    )
    stuck_failures = models.PositiveSmallIntegerField(
        default=DEFAULT_STUCK_FAILURES,
        validators=[MinValueValidator(2), MaxValueValidator(50)],
        help_text="… or when one test fails this many runs in a row.",
    )
    pause_message = models.CharField(max_length=200, blank=True)
    spotlight_run = models.ForeignKey(
        "exercises.Run", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    seq = models.PositiveBigIntegerField(default=0)
    board_seq = models.PositiveBigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField()
    paused_at = models.DateTimeField(null=True, blank=True)
    paused_seconds = models.PositiveIntegerField(default=0)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["code"],
                condition=~models.Q(status="ended"),
                name="lab_code_unique_while_active",
            ),
            models.CheckConstraint(
                condition=models.Q(stuck_minutes__gte=1, stuck_minutes__lte=120),
                name="lab_stuck_minutes_range",
            ),
            models.CheckConstraint(
                condition=models.Q(stuck_failures__gte=2, stuck_failures__lte=50),
                name="lab_stuck_failures_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} · {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("labs:play", kwargs={"code": self.code})


class LabExercise(models.Model):
    lab = models.ForeignKey(Lab, on_delete=models.CASCADE, related_name="items")
    exercise = models.ForeignKey(
        "exercises.Exercise", on_delete=models.PROTECT, related_name="lab_items"
    )
    position = models.PositiveSmallIntegerField()
    solution_unlocked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["lab", "position"]
        constraints = [
            models.UniqueConstraint(fields=["lab", "exercise"], name="lab_exercise_once"),
            models.UniqueConstraint(fields=["lab", "position"], name="lab_exercise_position"),
        ]

    def __str__(self) -> str:
        return f"{self.lab.code} #{self.position + 1}"

    @property
    def solution_unlocked(self) -> bool:
        return self.solution_unlocked_at is not None


class LabLearner(models.Model):
    lab = models.ForeignKey(Lab, on_delete=models.CASCADE, related_name="learners")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="lab_seats"
    )
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["lab", "joined_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["lab", "user"], name="lab_one_seat_per_user"),
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.lab.code}"


class LabProgress(models.Model):
    """A learner's standing in one exercise of the lab, kept current by each run."""

    lab = models.ForeignKey(Lab, on_delete=models.CASCADE, related_name="progress")
    learner = models.ForeignKey(LabLearner, on_delete=models.CASCADE, related_name="progress")
    item = models.ForeignKey(LabExercise, on_delete=models.CASCADE, related_name="progress")
    runs = models.PositiveIntegerField(default=0)
    last_run = models.ForeignKey(
        "exercises.Run", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_run_at = models.DateTimeField(null=True, blank=True)
    last_status = models.CharField(max_length=10, blank=True)
    # {test name: passes now?} from the latest run that ran it; hidden tests as one group.
    tests = models.JSONField(default=dict, blank=True)
    # {test name: failed runs in a row}
    streaks = models.JSONField(default=dict, blank=True)
    passed_ever = models.JSONField(default=list, blank=True)
    passed_now = models.PositiveSmallIntegerField(default=0)
    best_passed = models.PositiveSmallIntegerField(default=0)
    last_progress_at = models.DateTimeField()
    best_run = models.ForeignKey(
        "exercises.Run", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    best_score = models.PositiveIntegerField(default=0)
    first_full_pass_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["item", "learner"]
        constraints = [
            models.UniqueConstraint(fields=["learner", "item"], name="lab_progress_once"),
        ]
        indexes = [models.Index(fields=["lab", "item"], name="lab_progress_board_idx")]

    def __str__(self) -> str:
        return f"{self.learner} · {self.item}"


class LabRun(models.Model):
    lab = models.ForeignKey(Lab, on_delete=models.CASCADE, related_name="runs")
    learner = models.ForeignKey(LabLearner, on_delete=models.CASCADE, related_name="runs")
    item = models.ForeignKey(LabExercise, on_delete=models.CASCADE, related_name="runs")
    run = models.OneToOneField("exercises.Run", on_delete=models.CASCADE, related_name="lab_run")
    recorded = models.BooleanField(default=False, help_text="Counted on the board.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.lab.code} · run {self.run_id}"


class LabFailure(models.Model):
    """One failing test of one finished lab run: what error clusters count."""

    lab = models.ForeignKey(Lab, on_delete=models.CASCADE, related_name="failures")
    item = models.ForeignKey(LabExercise, on_delete=models.CASCADE, related_name="failures")
    learner = models.ForeignKey(LabLearner, on_delete=models.CASCADE, related_name="failures")
    run = models.ForeignKey("exercises.Run", on_delete=models.CASCADE, related_name="+")
    test = models.CharField(max_length=200)
    kind = models.CharField(max_length=100)
    message = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["lab", "item"], name="lab_failure_cluster_idx")]

    def __str__(self) -> str:
        return f"{self.test}: {self.kind}"


class LabHint(models.Model):
    lab = models.ForeignKey(Lab, on_delete=models.CASCADE, related_name="hints")
    learner = models.ForeignKey(
        LabLearner,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="hints",
        help_text="Empty: sent to everyone.",
    )
    text = models.TextField(max_length=2000)
    seq = models.PositiveBigIntegerField(help_text="The lab's seq when it was sent.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["lab", "seq"]

    def __str__(self) -> str:
        return self.text[:60]
