"""Code exercises and learners' runs of them.

``Exercise.solution_code`` (the reference solution), ``Exercise.test_hidden`` and
``Exercise.expected_json`` (the values each test's checks must report) never leave the
server: the selectors and serializers of every surface list the fields they
send, and neither is among them. A run's results name hidden tests only by number.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse

MAX_CODE_BYTES = 64 * 1024
MAX_OUTPUT_CHARS = 64 * 1024
MAX_TIME_LIMIT_SECONDS = 5


class Difficulty(models.TextChoices):
    EASY = "easy", "Easy"
    MEDIUM = "medium", "Medium"
    HARD = "hard", "Hard"


class Status(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"


class Exercise(models.Model):
    lesson = models.ForeignKey("courses.Lesson", on_delete=models.CASCADE, related_name="exercises")
    slug = models.SlugField(max_length=100, unique=True)
    title = models.CharField(max_length=200)
    summary = models.CharField(max_length=400, blank=True)
    prompt_md = models.TextField("prompt (Markdown)")
    prompt_html = models.TextField(editable=False, blank=True)
    starter_code = models.TextField(blank=True)
    solution_code = models.TextField(
        "reference solution", help_text="For authors only: never sent to learners."
    )
    test_visible = models.TextField(
        "visible tests", help_text="Shown to learners; run by Run and by Submit."
    )
    test_hidden = models.TextField(
        "hidden tests", blank=True, help_text="Never shown; run by Submit only."
    )
    expected_json = models.TextField(
        "expected observations",
        blank=True,
        editable=False,
        help_text="What the reference solution's code gives each test's checks (JSON), "
        "recorded in the sandbox when the exercise is saved or imported. Never sent.",
    )
    visible_test_count = models.PositiveSmallIntegerField(default=0, editable=False)
    hidden_test_count = models.PositiveSmallIntegerField(default=0, editable=False)
    difficulty = models.CharField(
        max_length=10, choices=Difficulty.choices, default=Difficulty.EASY
    )
    order = models.PositiveIntegerField(default=0)
    time_limit_seconds = models.PositiveSmallIntegerField(
        default=MAX_TIME_LIMIT_SECONDS,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_TIME_LIMIT_SECONDS)],
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    source_hash = models.CharField(max_length=64, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["order", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(time_limit_seconds__gte=1, time_limit_seconds__lte=5),
                name="exercise_time_limit_1_to_5",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("exercises:exercise", kwargs={"slug": self.slug})


class Mode(models.TextChoices):
    RUN = "run", "Run (visible tests)"
    SUBMIT = "submit", "Submit (all tests)"


class RunStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    PASSED = "passed", "Passed"
    FAILED = "failed", "Failed"
    ERROR = "error", "Error"
    TIMEOUT = "timeout", "Timed out"
    REFUSED = "refused", "Refused"


IN_FLIGHT = (RunStatus.QUEUED, RunStatus.RUNNING)
FINISHED = tuple(s for s in RunStatus if s not in IN_FLIGHT)


class Run(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="exercise_runs"
    )
    exercise = models.ForeignKey(Exercise, on_delete=models.CASCADE, related_name="runs")
    mode = models.CharField(max_length=10, choices=Mode.choices)
    key = models.CharField(max_length=64, help_text="The client's idempotency key.")
    code = models.TextField()
    status = models.CharField(max_length=10, choices=RunStatus.choices, default=RunStatus.QUEUED)
    seq = models.PositiveIntegerField(default=0, help_text="Bumped by every broadcast change.")
    tests = models.JSONField(
        default=list, blank=True, help_text="[{name, outcome, duration_ms, message, hidden}]"
    )
    passed = models.PositiveSmallIntegerField(default=0)
    total = models.PositiveSmallIntegerField(default=0, help_text="Tests expected (or run).")
    output = models.TextField(blank=True)
    reason = models.TextField(blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(
        default=0, help_text="Executions started (a lost worker's task runs again)."
    )
    queued_at = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-queued_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="run_key_unique_per_user"),
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(status__in=["queued", "running"]),
                name="one_run_in_flight_per_user",
            ),
        ]
        indexes = [
            models.Index(fields=["user", "exercise", "-queued_at"], name="run_user_exercise_idx"),
            models.Index(
                fields=["user", "exercise"],
                condition=models.Q(mode="submit", status="passed"),
                name="run_solved_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.exercise} · {self.mode} #{self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("exercises:run", kwargs={"pk": self.pk})

    @property
    def in_flight(self) -> bool:
        return self.status in IN_FLIGHT


class BlockRunStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Finished"
    FAILED = "failed", "Exited with an error"
    TIMEOUT = "timeout", "Timed out"
    ERROR = "error", "Error"
    REFUSED = "refused", "Refused"


BLOCK_FINISHED = tuple(s for s in BlockRunStatus if s not in IN_FLIGHT)


class BlockRun(models.Model):
    """A learner's latest run of one runnable example in a lesson (one row per
    learner × lesson × block, overwritten by the next run: no history is kept).

    A separate table rather than ``Run`` with a kind: a run of an example has no
    exercise, tests or grade, and every reader of ``Run`` (progress, the gradebook,
    code labs, the runs list) would otherwise have to leave these rows out. What the
    two share is enforced across both in ``services``: one run in flight per learner
    (of either kind) and one rate limit (``run_limit()``)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="block_runs"
    )
    lesson = models.ForeignKey(
        "courses.Lesson", on_delete=models.CASCADE, related_name="block_runs"
    )
    block = models.PositiveSmallIntegerField(
        help_text="The block's number among the lesson's runnable blocks."
    )
    block_hash = models.CharField(
        max_length=16, help_text="The author's block source it ran against."
    )
    key = models.CharField(max_length=64, help_text="The client's idempotency key.")
    code = models.TextField()
    edited = models.BooleanField(
        default=False, help_text="The learner's edit, not the author's code."
    )
    status = models.CharField(
        max_length=10, choices=BlockRunStatus.choices, default=BlockRunStatus.QUEUED
    )
    seq = models.PositiveIntegerField(default=0, help_text="Bumped by every broadcast change.")
    output = models.TextField(blank=True)
    exit_code = models.IntegerField(null=True, blank=True)
    reason = models.TextField(blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    queued_at = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "lesson", "block"], name="block_run_one_per_block"
            ),
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(status__in=["queued", "running"]),
                name="one_block_run_in_flight_per_user",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.lesson} · block {self.block}"

    @property
    def in_flight(self) -> bool:
        return self.status in IN_FLIGHT
