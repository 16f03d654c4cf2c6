"""Writes for lesson checks: syncing them from the lesson's Markdown, and answering.

Every surface (the lesson page, REST, GraphQL) answers through ``check_answer``.
Grading is the quizzes' (``apps.quizzes.grading``), validation the quiz importer's.

Rules (shown on the lesson page and in docs/api.md):

- Retry: a learner may answer again until the check is answered correctly. Each
  answer shows the verdict, the feedback of the picked choices and the explanation.
  The first correct answer closes the check; posting again changes nothing, and
  posting the same answer twice counts one try.
- Completion: a lesson is complete when it is marked complete *and* every check in it
  has been answered correctly; marking it complete is refused until then.
"""

from __future__ import annotations

from typing import Any, cast

from django.db import transaction
from django.utils import timezone

from apps.checks.models import CheckAnswer, LessonCheck, LessonCheckChoice
from apps.core import content_version, ratelimit
from apps.core.errors import NotFound, RateLimited
from apps.courses.models import Lesson
from apps.courses.selectors import lesson_is_visible
from apps.quizzes import grading
from apps.quizzes.importer import QuestionSource
from apps.quizzes.models import Question
from apps.quizzes.services import choice_render, question_render


def _as_question(check: LessonCheck) -> Question:
    """A check has a quiz question's fields and ``choices``: the quiz code grades it."""
    return cast(Question, check)


def _state(check: LessonCheck) -> tuple[Any, ...]:
    choices = [
        {"text": c.text, "is_correct": c.is_correct, "feedback": c.feedback}
        for c in check.choices.all()
    ]
    return _state_of(check, choices)


@transaction.atomic
def lesson_checks_sync(*, lesson: Lesson, sources: list[QuestionSource]) -> int:
    """Make the lesson's checks those of its Markdown; returns how many were written.

    Matched by key (answers survive), choices by position (their ids too); a check
    whose block is gone is deleted with its answers. Unchanged checks are not written.
    """
    existing = {c.key: c for c in lesson.checks.prefetch_related("choices")}
    written = 0
    for position, source in enumerate(sources):
        check = existing.pop(source.key, None)
        desired = LessonCheck(lesson=lesson, key=source.key, position=position, **source.fields)
        wanted = _state_of(desired, source.choices)
        if check is not None and _state(check) == wanted:
            continue
        check = check or LessonCheck(lesson=lesson, key=source.key)
        for name, value in source.fields.items():
            setattr(check, name, value)
        check.position = position
        question_render(_as_question(check))
        check.save()
        current = list(check.choices.order_by("order", "id")) if check.pk else []
        for index, data in enumerate(source.choices):
            choice = current[index] if index < len(current) else LessonCheckChoice(check_item=check)
            choice.text = data["text"]
            choice.is_correct = data["is_correct"]
            choice.feedback = data["feedback"]
            choice.order = index
            choice_render(choice)  # type: ignore[arg-type]  # a quiz choice's fields
            choice.save()
        for extra in current[len(source.choices) :]:
            extra.delete()
        written += 1
    for gone in existing.values():
        gone.delete()
        written += 1
    if written:
        transaction.on_commit(content_version.bump)
    return written


def _state_of(check: LessonCheck, choices: list[dict[str, Any]]) -> tuple[Any, ...]:
    fields = (
        check.type, check.prompt_md, check.explanation_md, check.points, check.scoring,
        check.true_false_answer, check.numeric_answer, check.tolerance,
        list(check.accepted_answers), check.position,
    )  # fmt: skip
    return (*fields, tuple((c["text"], c["is_correct"], c["feedback"]) for c in choices))


# Answers per learner per minute, across all checks and surfaces (guessing by script).
ANSWER_LIMIT = ratelimit.Limit("check-answers", 30, 60)


def check_get_visible(*, check_id: int) -> LessonCheck:
    check = (
        LessonCheck.objects.select_related("lesson__module__course")
        .prefetch_related("choices")
        .filter(pk=check_id)
        .first()
    )
    if check is None or not lesson_is_visible(check.lesson):
        raise NotFound("No such check.")
    return check


@transaction.atomic
def check_answer(*, user: Any, check_id: int, response: Any) -> tuple[LessonCheck, CheckAnswer]:
    """Grade ``response`` to a check of a published lesson and keep it (see the module's
    retry rule). Raises ``NotFound`` or ``InvalidResponse`` (400) and writes nothing then."""
    check = check_get_visible(check_id=check_id)
    verdict = ratelimit.hit(ANSWER_LIMIT, str(user.pk))
    if not verdict.allowed:
        raise RateLimited(
            f"Too many answers; try again in {verdict.retry_after} s.",
            extra={"retry_after": verdict.retry_after},
        )
    question = _as_question(check)
    normalised = grading.validate_response(question, response)
    now = timezone.now()
    answer, _ = CheckAnswer.objects.get_or_create(
        user=user, check_item=check, defaults={"answered_at": now}
    )
    answer = CheckAnswer.objects.select_for_update().get(pk=answer.pk)  # one grading at a time
    if answer.correct_at is not None:
        return check, answer  # closed: the first correct answer counts
    if answer.tries and answer.response == normalised:
        return check, answer  # the same answer again (a double submit): one try
    result = grading.grade(question, normalised)
    answer.response = normalised
    answer.is_correct = result.correct
    if answer.tries == 0:
        answer.first_correct = result.correct
    answer.tries += 1
    answer.answered_at = now
    if result.correct:
        answer.correct_at = now
    answer.save()
    return check, answer
