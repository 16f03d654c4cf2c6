"""Checks inside lessons: one question each, written in the lesson's Markdown as a
```` ```check ```` block, and learners' answers to them.

A check has the fields of a quiz question (``apps.quizzes.models.Question``) with the
same names, so the quiz validation (``question_check``) and grading
(``apps.quizzes.grading``) serve both. Answer keys (``LessonCheckChoice.is_correct``,
``numeric_answer``, ``tolerance``, ``accepted_answers``, ``true_false_answer``), the
explanation, per-choice feedback and the ``key`` never leave the server before the
learner has answered: ``apps.checks.selectors`` decides.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models

from apps.quizzes.models import QuestionType, Scoring


class LessonCheck(models.Model):
    lesson = models.ForeignKey("courses.Lesson", on_delete=models.CASCADE, related_name="checks")
    key = models.SlugField(
        max_length=100, help_text="Stable identifier within the lesson (answers hang on it)."
    )
    position = models.PositiveIntegerField(
        default=0, help_text="Where the check stands in the lesson: 0 is the first block."
    )
    type = models.CharField(max_length=20, choices=QuestionType.choices)
    prompt_md = models.TextField("prompt (Markdown)")
    prompt_html = models.TextField(editable=False, blank=True)
    explanation_md = models.TextField("explanation (Markdown)")
    explanation_html = models.TextField(editable=False, blank=True)
    points = models.DecimalField(
        max_digits=5, decimal_places=2, default=Decimal("1"),
        validators=[MinValueValidator(Decimal("0.01"))],
    )  # fmt: skip
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

    class Meta:
        ordering = ["lesson", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["lesson", "key"], name="check_key_unique_in_lesson"),
            models.CheckConstraint(
                condition=models.Q(tolerance__gte=0), name="check_tolerance_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.lesson}: {self.key}"


class LessonCheckChoice(models.Model):
    check_item = models.ForeignKey(
        LessonCheck, on_delete=models.CASCADE, related_name="choices", db_column="check_id"
    )
    text = models.CharField(max_length=500)
    text_html = models.TextField(editable=False, blank=True)
    is_correct = models.BooleanField(default=False)
    feedback = models.TextField(blank=True)
    order = models.PositiveIntegerField(
        default=0, help_text="Ordering questions: the correct position."
    )

    class Meta:
        ordering = ["check_item", "order", "id"]
        verbose_name = "choice"

    def __str__(self) -> str:
        return self.text


class CheckAnswer(models.Model):
    """A learner's answers to one check: the latest response and how it went.

    Retry rule: a learner may answer again until the check is answered correctly; the
    first correct answer closes it (``correct_at``) and later posts change nothing.
    ``first_correct`` keeps whether the very first answer was right.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="check_answers"
    )
    check_item = models.ForeignKey(
        LessonCheck, on_delete=models.CASCADE, related_name="answers", db_column="check_id"
    )
    response = models.JSONField(default=dict)
    is_correct = models.BooleanField(default=False)
    tries = models.PositiveIntegerField(default=0)
    first_correct = models.BooleanField(default=False)
    correct_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "check_item"], name="one_check_answer_per_user"
            ),
        ]
        indexes = [models.Index(fields=["user", "correct_at"], name="check_answer_user_idx")]

    def __str__(self) -> str:
        return f"{self.user} · {self.check_item}"
