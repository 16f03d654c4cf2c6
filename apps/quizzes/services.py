"""Quiz writes: starting, saving, submitting and grading attempts; question checks.

Every surface (pages, REST, GraphQL, live sessions) calls these. Each is one
transaction; submission locks the attempt row, so a double (or fifty-fold)
submit grades once.
"""

from __future__ import annotations

import contextlib
import random
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from apps.core import content_version
from apps.core.markdown import render_inline, render_markdown
from apps.quizzes import grading, selectors
from apps.quizzes.errors import (
    AttemptClosed,
    DeadlinePassed,
    NoAttemptsLeft,
    QuestionNotInAttempt,
)
from apps.quizzes.models import (
    CHOICE_TYPES,
    Answer,
    Attempt,
    AttemptStatus,
    Choice,
    Question,
    QuestionType,
    Quiz,
    QuizKind,
)


def question_render(question: Question) -> None:
    """Render and sanitise a question's Markdown into its stored HTML (not saved)."""
    question.prompt_html = render_markdown(question.prompt_md).html
    question.explanation_html = render_markdown(question.explanation_md).html


def choice_render(choice: Choice) -> None:
    choice.text_html = render_inline(choice.text)


@transaction.atomic
def quiz_content_changed() -> None:
    """After an author edits a quiz, its questions or choices: cached pages go stale."""
    content_version.bump()


# Answers saved within this many seconds after the deadline still count (network latency).
DEADLINE_GRACE = timedelta(seconds=2)


def question_check(question: Question, choices: list[Any]) -> None:
    """Raise ``ValidationError`` when a question cannot be graded as configured.

    ``choices`` are objects with ``is_correct`` (the saved or about-to-be-saved choices).
    """
    kind = question.type
    correct = sum(1 for c in choices if c.is_correct)
    errors: list[str] = []
    if kind in CHOICE_TYPES and len(choices) < 2:
        errors.append("This question type needs at least two choices.")
    if kind == QuestionType.SINGLE and correct != 1:
        errors.append(
            f"A single-choice question needs exactly one correct choice (it has {correct})."
        )
    if kind == QuestionType.MULTIPLE and correct < 1:
        errors.append("A multiple-choice question needs at least one correct choice.")
    if kind not in CHOICE_TYPES and choices:
        errors.append("Only choice and ordering questions have choices.")
    if kind == QuestionType.TRUE_FALSE and question.true_false_answer is None:
        errors.append("A true/false question needs its answer.")
    if kind == QuestionType.NUMERIC:
        if question.numeric_answer is None:
            errors.append("A numeric question needs its answer.")
        if question.tolerance is not None and question.tolerance < 0:
            errors.append("The tolerance cannot be negative.")
    if kind == QuestionType.SHORT_TEXT and not [
        a for a in question.accepted_answers if str(a).strip()
    ]:
        errors.append("A short-text question needs at least one accepted answer.")
    if errors:
        raise ValidationError(errors)


def _draw_questions(quiz: Quiz) -> list[int]:
    if quiz.kind == QuizKind.FINAL:
        bank = Question.objects.filter(
            quiz__course=quiz.course,
            quiz__kind=QuizKind.MODULE,
            quiz__status="published",
            retired=False,
        ).values_list("id", "key", "quiz__module_id")
        return draw_stratified(list(bank), quiz.draw_count)
    ids = list(
        quiz.questions.filter(retired=False).order_by("order", "id").values_list("id", flat=True)
    )
    if quiz.shuffle_questions:
        random.SystemRandom().shuffle(ids)
    return ids


def draw_stratified(bank: list[tuple[int, str, Any]], count: int) -> list[int]:
    """Draw ``count`` question ids (all when 0) spread evenly over the modules.

    ``bank`` holds ``(id, key, module)`` rows. Modules take turns in a random order,
    each giving one random question per turn, so every module gets ``count // modules``
    questions or one more (a module that runs out yields its turn to the others). A
    key is drawn at most once, so a question present in two quizzes never repeats.
    """
    rng = random.SystemRandom()
    pools: dict[Any, list[tuple[int, str]]] = {}
    for question_id, key, module in bank:
        pools.setdefault(module, []).append((question_id, key))
    for pool in pools.values():
        rng.shuffle(pool)
    turns = list(pools)
    rng.shuffle(turns)
    wanted = min(count or len(bank), len(bank))
    picked: list[int] = []
    seen: set[str] = set()
    while len(picked) < wanted and any(pools.values()):
        for module in turns:
            pool = pools[module]
            while pool and len(picked) < wanted:
                question_id, key = pool.pop()
                if key not in seen:
                    seen.add(key)
                    picked.append(question_id)
                    break
    rng.shuffle(picked)
    return picked


def _choice_orders(quiz: Quiz, question_ids: list[int]) -> dict[str, list[int]]:
    orders: dict[str, list[int]] = {}
    rng = random.SystemRandom()
    rows = (
        Question.objects.filter(id__in=question_ids, type__in=CHOICE_TYPES)
        .prefetch_related("choices")
        .only("id", "type")
    )
    for question in rows:
        ids = [c.id for c in question.choices.all()]
        # Ordering items are always shuffled: their stored order is the answer.
        if quiz.shuffle_choices or question.type == QuestionType.ORDERING:
            rng.shuffle(ids)
            if question.type == QuestionType.ORDERING and len(ids) > 1:
                stored = [
                    c.id for c in sorted(question.choices.all(), key=lambda c: (c.order, c.id))
                ]
                while ids == stored:
                    rng.shuffle(ids)
        orders[str(question.id)] = ids
    return orders


def attempt_start(*, user, quiz: Quiz) -> Attempt:
    """Resume the user's open attempt, or start a new one if attempts remain."""
    return attempt_begin(user=user, quiz=quiz)[0]


@transaction.atomic
def attempt_begin(*, user, quiz: Quiz) -> tuple[Attempt, bool]:
    """``attempt_start``, also saying whether the attempt was resumed (True) or new."""
    quiz = selectors.quiz_get_published(slug=quiz.slug)
    open_attempt = Attempt.objects.filter(
        user=user, quiz=quiz, status=AttemptStatus.IN_PROGRESS
    ).first()
    if open_attempt is not None and not attempt_expire_if_due(open_attempt):
        return open_attempt, True
    used = Attempt.objects.filter(user=user, quiz=quiz).aggregate(n=Max("number"))["n"] or 0
    if quiz.attempts_allowed and used >= quiz.attempts_allowed:
        raise NoAttemptsLeft(f"You have used all {quiz.attempts_allowed} attempts at this quiz.")
    question_ids = _draw_questions(quiz)
    now = timezone.now()
    try:
        with transaction.atomic():
            created = Attempt.objects.create(
                user=user,
                quiz=quiz,
                number=used + 1,
                question_ids=question_ids,
                choice_orders=_choice_orders(quiz, question_ids),
                started_at=now,
                deadline=_deadline(user, quiz, now),
                max_score=sum(
                    (q.points for q in Question.objects.filter(id__in=question_ids).only("points")),
                    Decimal(0),
                ),
            )
    except IntegrityError:
        # A concurrent start won the race: return the attempt it created.
        return Attempt.objects.get(user=user, quiz=quiz, status=AttemptStatus.IN_PROGRESS), True
    return created, False


def _deadline(user, quiz: Quiz, now):
    """When an attempt starting now closes: the quiz's time limit (plus the extra minutes
    an instructor granted the learner), and no later than the due time of an open class
    assignment of this quiz that refuses late work — answers saved by then count."""
    from apps.classes.selectors import quiz_attempt_terms  # classes build on quizzes

    extra, cutoff = quiz_attempt_terms(user=user, quiz_id=quiz.pk, now=now)
    deadline = (
        now + timedelta(minutes=quiz.time_limit_minutes + extra)
        if quiz.time_limit_minutes
        else None
    )
    if cutoff is not None and (deadline is None or cutoff < deadline):
        deadline = cutoff
    return deadline


@transaction.atomic
def attempts_expire_due(*, quiz_ids: Any, user_ids: Any = None) -> int:
    """Grade the open attempts whose deadline has passed (a learner who never came back
    is graded on what they had saved), so the gradebook shows them handed in.
    ``quiz_ids`` and ``user_ids`` are lists or subqueries of ids."""
    rows = Attempt.objects.select_for_update(skip_locked=True).filter(
        quiz_id__in=quiz_ids,
        status=AttemptStatus.IN_PROGRESS,
        deadline__lt=timezone.now() - DEADLINE_GRACE,
    )
    if user_ids is not None:
        rows = rows.filter(user_id__in=user_ids)
    expired = 0
    for attempt in rows.select_related("quiz"):
        _grade_and_close(attempt)
        expired += 1
    return expired


def _check_open(attempt: Attempt, *, now=None) -> None:
    if attempt.status != AttemptStatus.IN_PROGRESS:
        raise AttemptClosed("This attempt has been submitted.")
    now = now or timezone.now()
    if attempt.deadline is not None and now > attempt.deadline + DEADLINE_GRACE:
        raise DeadlinePassed(
            "The time limit for this attempt has passed; answers are no longer accepted."
        )


@transaction.atomic
def attempt_save_answers(*, user, attempt_id: int, answers: dict[Any, Any]) -> Attempt:
    """Validate and store answers (not graded yet). Bad input writes nothing."""
    attempt = selectors.attempt_get_for_user(user=user, attempt_id=attempt_id, for_update=True)
    _check_open(attempt)
    if not isinstance(answers, dict) or not answers:
        raise grading.InvalidResponse("Send at least one answer, keyed by question id.")
    if len(answers) > len(attempt.question_ids):
        raise grading.InvalidResponse("More answers than questions.")
    questions = selectors.attempt_questions_with_keys(attempt)
    cleaned: dict[int, dict[str, Any]] = {}
    for raw_id, response in answers.items():
        try:
            question_id = int(raw_id)
        except (TypeError, ValueError) as exc:
            raise QuestionNotInAttempt(f"{str(raw_id)[:20]!r} is not a question id.") from exc
        question = questions.get(question_id)
        if question is None:
            raise QuestionNotInAttempt(f"Question {question_id} is not part of this attempt.")
        cleaned[question_id] = grading.validate_response(question, response)
    now = timezone.now()
    for question_id, response in cleaned.items():
        Answer.objects.update_or_create(
            attempt=attempt,
            question_id=question_id,
            defaults={"response": response, "saved_at": now},
        )
    return attempt


def attempt_expire_if_due(attempt: Attempt) -> bool:
    """Submit an open attempt whose deadline has passed; True if it did."""
    if (
        attempt.status == AttemptStatus.IN_PROGRESS
        and attempt.deadline is not None
        and timezone.now() > attempt.deadline + DEADLINE_GRACE
    ):
        _grade_and_close(Attempt.objects.select_for_update().get(pk=attempt.pk))
        attempt.refresh_from_db()
        return True
    return False


@transaction.atomic
def attempt_submit(*, user, attempt_id: int, answers: dict[Any, Any] | None = None) -> Attempt:
    """Grade the attempt once. Submitting again returns the same result."""
    attempt = selectors.attempt_get_for_user(user=user, attempt_id=attempt_id, for_update=True)
    if attempt.status == AttemptStatus.SUBMITTED:
        return attempt  # idempotent: already graded
    if answers:
        # Late answers are ignored: what was saved in time is graded. (Checking first and
        # saving after would race the deadline: saving checks it again, atomically.)
        with contextlib.suppress(DeadlinePassed):
            attempt_save_answers(user=user, attempt_id=attempt.pk, answers=answers)
    return _grade_and_close(attempt)


def _grade_and_close(attempt: Attempt) -> Attempt:
    questions = selectors.attempt_questions_with_keys(attempt)
    saved = {answer.question_id: answer for answer in attempt.answers.all()}
    total = Decimal(0)
    to_update = []
    for question_id in attempt.question_ids:
        question = questions.get(question_id)
        if question is None:  # deleted by an author since the attempt started
            continue
        answer = saved.get(question_id)
        verdict = grading.grade(question, answer.response if answer else None)
        points = verdict.points(question)
        total += points
        if answer is not None:
            answer.is_correct = verdict.correct
            answer.score = points
            to_update.append(answer)
    Answer.objects.bulk_update(to_update, ["is_correct", "score"])
    attempt.status = AttemptStatus.SUBMITTED
    attempt.submitted_at = timezone.now()
    attempt.score = total
    attempt.percent = (
        (Decimal(100) * total / attempt.max_score).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        if attempt.max_score
        else Decimal(0)
    )
    attempt.passed = attempt.percent >= attempt.quiz.pass_mark
    attempt.save(update_fields=["status", "submitted_at", "score", "percent", "passed"])
    return attempt
