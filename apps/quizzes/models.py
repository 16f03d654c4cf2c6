"""Quizzes, question banks, attempts and answers.

Answer keys live in ``Choice.is_correct``, ``Question.numeric_answer`` /
``tolerance`` / ``accepted_answers`` and the explanations. Only the selectors in
``apps.quizzes.selectors`` decide when any of them may leave the server.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse


class QuestionType(models.TextChoices):
    SINGLE = "single_choice", "Single choice"
    MULTIPLE = "multiple_choice", "Multiple choice"
    TRUE_FALSE = "true_false", "True / false"
    NUMERIC = "numeric", "Numeric"
    SHORT_TEXT = "short_text", "Short text"
    ORDERING = "ordering", "Ordering"


CHOICE_TYPES = {QuestionType.SINGLE, QuestionType.MULTIPLE, QuestionType.ORDERING}


class Scoring(models.TextChoices):
    ALL_OR_NOTHING = "all_or_nothing", "All or nothing"
    PARTIAL = "partial", "Partial credit"


class Reveal(models.TextChoices):
    AFTER_EACH = "after_each_attempt", "After each attempt"
    AFTER_LAST = "after_last_attempt", "After the last attempt"
    NEVER = "never", "Never"


class QuizKind(models.TextChoices):
    MODULE = "module", "Module quiz"
    FINAL = "final", "Final exam"


class Quiz(models.Model):
    course = models.ForeignKey("courses.Course", on_delete=models.CASCADE, related_name="quizzes")
    module = models.OneToOneField(
        "courses.Module", null=True, blank=True, on_delete=models.CASCADE, related_name="quiz"
    )
    kind = models.CharField(max_length=10, choices=QuizKind.choices, default=QuizKind.MODULE)
    slug = models.SlugField(max_length=100, unique=True)
    title = models.CharField(max_length=200)
    description_md = models.TextField(blank=True)
    pass_mark = models.PositiveSmallIntegerField(
        default=70, validators=[MaxValueValidator(100)], help_text="Percent needed to pass."
    )
    attempts_allowed = models.PositiveSmallIntegerField(default=3, help_text="0 means unlimited.")
    time_limit_minutes = models.PositiveSmallIntegerField(default=0, help_text="0 means untimed.")
    shuffle_questions = models.BooleanField(default=True)
    shuffle_choices = models.BooleanField(default=True)
    reveal = models.CharField(max_length=20, choices=Reveal.choices, default=Reveal.AFTER_EACH)
    draw_count = models.PositiveSmallIntegerField(
        default=0, help_text="Final exam: questions drawn at random from the module quizzes."
    )
    status = models.CharField(
        max_length=10, choices=[("draft", "Draft"), ("published", "Published")], default="draft"
    )
    source_hash = models.CharField(max_length=64, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["course", "kind", "module__order"]
        verbose_name_plural = "quizzes"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(pass_mark__lte=100), name="quiz_pass_mark_percent"
            ),
            models.CheckConstraint(
                condition=models.Q(kind="final") | models.Q(module__isnull=False),
                name="module_quiz_has_module",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("quizzes:quiz", kwargs={"slug": self.slug})


class Question(models.Model):
    quiz = models.ForeignKey(Quiz, on_delete=models.CASCADE, related_name="questions")
    key = models.SlugField(max_length=100, help_text="Stable identifier within the quiz.")
    type = models.CharField(max_length=20, choices=QuestionType.choices)
    prompt_md = models.TextField("prompt (Markdown)")
    prompt_html = models.TextField(editable=False, blank=True)
    explanation_md = models.TextField("explanation (Markdown)")
    explanation_html = models.TextField(editable=False, blank=True)
    points = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=Decimal("1"),
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    scoring = models.CharField(
        max_length=20, choices=Scoring.choices, default=Scoring.ALL_OR_NOTHING,
        help_text="Multiple choice only.",
    )  # fmt: skip
    true_false_answer = models.BooleanField(null=True, blank=True)
    numeric_answer = models.DecimalField(max_digits=20, decimal_places=6, null=True, blank=True)
    tolerance = models.DecimalField(
        max_digits=20, decimal_places=6, default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
    )  # fmt: skip
    accepted_answers = models.JSONField(
        default=list, blank=True, help_text="Short text: accepted answers."
    )
    order = models.PositiveIntegerField(default=0)
    retired = models.BooleanField(
        default=False, help_text="Kept for past attempts; never drawn into new ones."
    )

    class Meta:
        ordering = ["quiz", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["quiz", "key"], name="question_key_unique_in_quiz"),
            models.CheckConstraint(
                condition=models.Q(tolerance__gte=0), name="tolerance_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quiz}: {self.key}"


class Choice(models.Model):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="choices")
    text = models.CharField(max_length=500)
    text_html = models.TextField(editable=False, blank=True)
    is_correct = models.BooleanField(default=False)
    feedback = models.TextField(blank=True)
    order = models.PositiveIntegerField(
        default=0, help_text="Ordering questions: the correct position."
    )

    class Meta:
        ordering = ["question", "order", "id"]

    def __str__(self) -> str:
        return self.text


class AttemptStatus(models.TextChoices):
    IN_PROGRESS = "in_progress", "In progress"
    SUBMITTED = "submitted", "Submitted"


class Attempt(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="quiz_attempts"
    )
    quiz = models.ForeignKey(Quiz, on_delete=models.CASCADE, related_name="attempts")
    number = models.PositiveSmallIntegerField()
    status = models.CharField(
        max_length=15, choices=AttemptStatus.choices, default=AttemptStatus.IN_PROGRESS
    )
    question_ids = models.JSONField(default=list)
    choice_orders = models.JSONField(default=dict)
    started_at = models.DateTimeField()
    deadline = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    score = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    max_score = models.DecimalField(max_digits=8, decimal_places=2, default=Decimal("0"))
    percent = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    passed = models.BooleanField(null=True)

    class Meta:
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "quiz", "number"], name="attempt_number_unique"
            ),
            models.UniqueConstraint(
                fields=["user", "quiz"],
                condition=models.Q(status="in_progress"),
                name="one_open_attempt_per_quiz",
            ),
        ]
        indexes = [models.Index(fields=["quiz", "status"], name="attempt_quiz_status_idx")]

    def __str__(self) -> str:
        return f"{self.user} · {self.quiz} · #{self.number}"

    def get_absolute_url(self) -> str:
        return reverse("quizzes:attempt", kwargs={"pk": self.pk})


class Answer(models.Model):
    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="answers")
    response = models.JSONField(default=dict)
    saved_at = models.DateTimeField()
    is_correct = models.BooleanField(null=True)
    score = models.DecimalField(max_digits=8, decimal_places=2, null=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["attempt", "question"], name="one_answer_per_question"),
        ]

    def __str__(self) -> str:
        return f"{self.attempt} · {self.question.key}"
