"""Quiz reads, and the one place that decides when answer keys may leave the server.

``attempt_questions_public`` is what a learner sees while answering: prompts and
choices, never ``is_correct``, feedback, explanations, numeric answers or accepted
texts. ``attempt_review`` adds those only when the quiz's reveal policy allows.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Max, Prefetch, Q

from apps.core.numbers import plain_number
from apps.quizzes.errors import (
    AttemptNotFound,
    AttemptNotSubmitted,
    QuestionsHidden,
    QuizNotFound,
)
from apps.quizzes.models import (
    Answer,
    Attempt,
    AttemptStatus,
    Choice,
    Question,
    QuestionType,
    Quiz,
    Reveal,
)


def _published() -> Any:
    return Quiz.objects.filter(status="published", course__status="published").filter(
        Q(module__isnull=True) | Q(module__status="published")
    )


def quiz_get_published(*, slug: str) -> Quiz:
    quiz = _published().select_related("course", "module").filter(slug=slug).first()
    if quiz is None:
        raise QuizNotFound("No such quiz.")
    return quiz


def quizzes_published_for_course(*, course_id: int) -> list[Quiz]:
    return list(
        _published()
        .filter(course_id=course_id)
        .annotate(question_count=Count("questions"))
        .select_related("module")
    )


def final_exam_for_course(*, course_id: int) -> Quiz | None:
    return _published().filter(course_id=course_id, kind="final").first()


def attempt_get_for_user(*, user, attempt_id: int, for_update: bool = False) -> Attempt:
    """The user's own attempt; anyone else's is "not found" (no existence leak)."""
    if not user.is_authenticated:
        raise AttemptNotFound("No such attempt.")
    rows = Attempt.objects.filter(pk=attempt_id, user=user)
    if for_update:
        rows = rows.select_for_update(of=("self",))
    attempt = rows.select_related("quiz__course", "quiz__module").first()
    if attempt is None:
        raise AttemptNotFound("No such attempt.")
    return attempt


def attempt_questions_with_keys(attempt: Attempt) -> dict[int, Question]:
    """Server side only (grading): the attempt's questions with their keys."""
    rows = Question.objects.filter(id__in=attempt.question_ids).prefetch_related(
        Prefetch("choices", queryset=Choice.objects.order_by("order", "id"))
    )
    return {question.id: question for question in rows}


@dataclass
class PublicChoice:
    id: int
    text_html: str
    saved_position: int | None = None  # ordering: the learner's saved position


@dataclass
class PublicQuestion:
    id: int
    number: int
    type: str
    prompt_html: str
    points: Decimal
    choices: list[PublicChoice]
    response: dict[str, Any] | None = None


def attempt_questions_public(attempt: Attempt) -> list[PublicQuestion]:
    """The questions as sent to the learner before submission: no answer keys."""
    questions = attempt_questions_with_keys(attempt)
    saved = {a.question_id: a.response for a in attempt.answers.all()}
    out = []
    for number, question_id in enumerate(attempt.question_ids, start=1):
        question = questions.get(question_id)
        if question is None:
            continue
        by_id = {c.id: c for c in question.choices.all()}
        order = attempt.choice_orders.get(str(question_id)) or list(by_id)
        response = saved.get(question_id)
        positions = {cid: i for i, cid in enumerate((response or {}).get("order") or [], 1)}
        out.append(
            PublicQuestion(
                id=question.id,
                number=number,
                type=question.type,
                prompt_html=question.prompt_html,
                points=question.points,
                choices=[
                    PublicChoice(
                        id=cid, text_html=by_id[cid].text_html, saved_position=positions.get(cid)
                    )
                    for cid in order
                    if cid in by_id
                ],
                response=response,
            )
        )
    return out


def attempt_require_submitted(attempt: Attempt) -> Attempt:
    """Results exist only for submitted attempts."""
    if attempt.status != AttemptStatus.SUBMITTED:
        raise AttemptNotSubmitted("This attempt has not been submitted yet.")
    return attempt


def attempts_used(*, user, quiz: Quiz) -> int:
    return Attempt.objects.filter(user=user, quiz=quiz).aggregate(n=Max("number"))["n"] or 0


def reveal_allowed(attempt: Attempt) -> bool:
    if attempt.status != AttemptStatus.SUBMITTED:
        return False
    policy = attempt.quiz.reveal
    if policy == Reveal.AFTER_EACH:
        return True
    if policy == Reveal.AFTER_LAST:
        limit = attempt.quiz.attempts_allowed
        if not limit:
            return False  # unlimited attempts: there is no last one
        submitted = Attempt.objects.filter(
            user_id=attempt.user_id, quiz_id=attempt.quiz_id, status=AttemptStatus.SUBMITTED
        ).count()
        return submitted >= limit
    return False


@dataclass
class ReviewChoice:
    id: int
    text_html: str
    chosen: bool
    is_correct: bool | None = None  # None when not revealed
    feedback: str = ""
    position: int | None = None  # ordering: correct position, when revealed


@dataclass
class ReviewQuestion:
    id: int
    number: int
    type: str
    prompt_html: str
    points: Decimal
    score: Decimal
    correct: bool
    answered: bool
    your_answer: str
    choices: list[ReviewChoice] = field(default_factory=list)
    correct_answer: str = ""
    explanation_html: str = ""


def _describe(question: Question, response: dict[str, Any] | None, by_id: dict[int, Choice]) -> str:
    if response is None:
        return "No answer"
    kind = question.type
    if kind == QuestionType.TRUE_FALSE:
        return "True" if response.get("value") else "False"
    if kind == QuestionType.NUMERIC:
        return plain_number(response.get("value"))
    if kind == QuestionType.SHORT_TEXT:
        return str(response.get("text"))
    if kind == QuestionType.ORDERING:
        return " → ".join(by_id[i].text for i in response.get("order", []) if i in by_id)
    return ""


def _key(question: Question) -> str:
    kind = question.type
    if kind == QuestionType.TRUE_FALSE:
        return "True" if question.true_false_answer else "False"
    if kind == QuestionType.NUMERIC:
        value = plain_number(question.numeric_answer)
        tolerance = question.tolerance
        return value + (f" (± {plain_number(tolerance)})" if tolerance else "")
    if kind == QuestionType.SHORT_TEXT:
        return " / ".join(str(a) for a in question.accepted_answers)
    if kind == QuestionType.ORDERING:
        return " → ".join(
            c.text for c in sorted(question.choices.all(), key=lambda c: (c.order, c.id))
        )
    return ""


def attempt_review(attempt: Attempt) -> list[ReviewQuestion]:
    """Per-question outcome of a submitted attempt; keys only when the policy allows."""
    if attempt.status != AttemptStatus.SUBMITTED:
        return []
    reveal = reveal_allowed(attempt)
    questions = attempt_questions_with_keys(attempt)
    answers: dict[int, Answer] = {a.question_id: a for a in attempt.answers.all()}
    out = []
    for number, question_id in enumerate(attempt.question_ids, start=1):
        question = questions.get(question_id)
        if question is None:
            continue
        answer = answers.get(question_id)
        response = answer.response if answer else None
        by_id = {c.id: c for c in question.choices.all()}
        chosen: set[int] = set()
        if response:
            if "choice" in response:
                chosen = {response["choice"]}
            elif "choices" in response:
                chosen = set(response["choices"])
        order = attempt.choice_orders.get(str(question_id)) or list(by_id)
        choices = []
        if question.type in {QuestionType.SINGLE, QuestionType.MULTIPLE}:
            choices = [
                ReviewChoice(
                    id=cid,
                    text_html=by_id[cid].text_html,
                    chosen=cid in chosen,
                    is_correct=by_id[cid].is_correct if reveal else None,
                    feedback=by_id[cid].feedback if reveal else "",
                )
                for cid in order
                if cid in by_id
            ]
        out.append(
            ReviewQuestion(
                id=question.id,
                number=number,
                type=question.type,
                prompt_html=question.prompt_html,
                points=question.points,
                score=(answer.score if answer and answer.score is not None else Decimal(0)),
                correct=bool(answer and answer.is_correct),
                answered=answer is not None,
                your_answer=_describe(question, response, by_id),
                choices=choices,
                correct_answer=_key(question) if reveal else "",
                explanation_html=question.explanation_html if reveal else "",
            )
        )
    return out


@dataclass
class QuizStanding:
    quiz: Quiz
    attempts: list[Attempt]
    used: int
    best: Decimal | None
    last: Decimal | None
    passed: bool
    open_attempt: Attempt | None

    @property
    def left(self) -> int | None:
        if not self.quiz.attempts_allowed:
            return None
        return max(0, self.quiz.attempts_allowed - self.used)


def quiz_standing(*, user, quiz: Quiz) -> QuizStanding:
    attempts = (
        list(Attempt.objects.filter(user=user, quiz=quiz).order_by("-number"))
        if user.is_authenticated
        else []
    )
    graded = [a for a in attempts if a.status == AttemptStatus.SUBMITTED and a.percent is not None]
    return QuizStanding(
        quiz=quiz,
        attempts=attempts,
        used=max((a.number for a in attempts), default=0),
        best=max((a.percent for a in graded), default=None),  # type: ignore[type-var]
        last=graded[0].percent if graded else None,
        passed=any(a.passed for a in graded),
        open_attempt=next((a for a in attempts if a.status == AttemptStatus.IN_PROGRESS), None),
    )


def best_scores(*, user, quiz_ids: list[int]) -> dict[int, dict[str, Any]]:
    """Best and last percentage per quiz for the user (one query)."""
    if not user.is_authenticated or not quiz_ids:
        return {}
    rows = (
        Attempt.objects.filter(user=user, quiz_id__in=quiz_ids, status=AttemptStatus.SUBMITTED)
        .order_by("quiz_id", "-number")
        .values("quiz_id", "percent", "passed")
    )
    out: dict[int, dict[str, Any]] = {}
    for row in rows:
        entry = out.setdefault(
            row["quiz_id"], {"best": row["percent"], "last": row["percent"], "passed": False}
        )
        entry["best"] = max(entry["best"], row["percent"])
        entry["passed"] = entry["passed"] or bool(row["passed"])
    return out


@dataclass
class QuestionStats:
    attempts: int
    facility: float | None  # share of submitted attempts that got it fully right
    discrimination: float | None  # facility in the top 27% minus the bottom 27% (by attempt score)
    picks: list[tuple[str, int, bool]]  # choice text, times picked, is the correct answer


def question_stats(question: Question) -> QuestionStats:
    """Item analysis over submitted attempts (a fixed number of queries)."""
    answers = list(
        Answer.objects.filter(question=question, attempt__status=AttemptStatus.SUBMITTED)
        .select_related("attempt")
        .only("is_correct", "response", "attempt__percent")
    )
    total = len(answers)
    if not total:
        return QuestionStats(
            0, None, None, [(c.text, 0, c.is_correct) for c in question.choices.all()]
        )
    facility = sum(1 for a in answers if a.is_correct) / total
    ranked = sorted(answers, key=lambda a: a.attempt.percent or 0)
    group = max(1, round(total * 0.27))
    low, high = ranked[:group], ranked[-group:]
    discrimination = (
        sum(1 for a in high if a.is_correct) / len(high)
        - sum(1 for a in low if a.is_correct) / len(low)
        if total >= 2
        else None
    )
    counts: dict[int, int] = {}
    for answer in answers:
        response = answer.response or {}
        picked = [response["choice"]] if "choice" in response else response.get("choices", [])
        for cid in picked:
            counts[cid] = counts.get(cid, 0) + 1
    picks = [(c.text, counts.get(c.id, 0), c.is_correct) for c in question.choices.all()]
    return QuestionStats(total, facility, discrimination, picks)


# --------------------------------------------------------------------------- API reads

QUIZ_ORDERINGS = {
    "position": ("course__order", "kind", "module__order", "id"),
    "title": ("title", "id"),
    "-title": ("-title", "-id"),
}


def quiz_list_published(
    *, course_slug: str | None = None, kind: str | None = None, ordering: str = "position"
) -> Any:
    """Published quizzes with their question counts (one query; paginate the result)."""
    rows = (
        _published()
        .select_related("course", "module")
        .annotate(question_count=Count("questions", filter=Q(questions__retired=False)))
        .order_by(*QUIZ_ORDERINGS.get(ordering, QUIZ_ORDERINGS["position"]))
    )
    if course_slug:
        rows = rows.filter(course__slug=course_slug)
    if kind:
        rows = rows.filter(kind=kind)
    return rows


def quiz_question_count(quiz: Quiz) -> int:
    """How many questions an attempt at this quiz has."""
    if quiz.draw_count:
        return int(quiz.draw_count)
    count = getattr(quiz, "question_count", None)
    if count is None:
        count = quiz.questions.filter(retired=False).count()
    return int(count)


def quiz_questions_public(*, quiz: Quiz) -> list[PublicQuestion]:
    """A quiz's current questions with their choices and no answer keys (two queries).

    Only for untimed quizzes with a fixed question set: a timed quiz or a final exam
    drawn at random shows its questions inside an attempt only, so its clock is fair.
    """
    if quiz.time_limit_minutes or quiz.draw_count:
        raise QuestionsHidden(
            "This quiz is timed or drawn at random: its questions are shown inside an attempt."
        )
    questions: list[Any] = list(
        Question.objects.filter(quiz=quiz, retired=False)
        .order_by("order", "id")
        .values_list("id", "type", "prompt_html", "points", named=True)
    )
    # Grouped by hand: prefetch_related's machinery costs more than the query here.
    choices: dict[int, list[Choice]] = {question.id: [] for question in questions}
    if questions:
        for choice in (
            Choice.objects.filter(question_id__in=list(choices))
            .order_by("order", "id")
            .only("id", "question_id", "text_html", "order")
        ):
            choices[choice.question_id].append(choice)
    return [
        PublicQuestion(
            id=question.id,
            number=number,
            type=question.type,
            prompt_html=question.prompt_html,
            points=question.points,
            choices=[
                PublicChoice(id=c.id, text_html=c.text_html)
                for c in choices_in_display_order(quiz, question, choices[question.id])
            ],
        )
        for number, question in enumerate(questions, start=1)
    ]


def quiz_questions_published(*, slug: str) -> tuple[Quiz, list[PublicQuestion]]:
    """``quiz_questions_public`` of a published quiz found by slug (three queries): the
    quiz row holds only what the visibility rule and the display order read."""
    quiz = (
        _published()
        .filter(slug=slug)
        .only("id", "slug", "time_limit_minutes", "draw_count", "shuffle_choices")
        .first()
    )
    if quiz is None:
        raise QuizNotFound("No such quiz.")
    return quiz, quiz_questions_public(quiz=quiz)


def choices_in_display_order(quiz: Quiz, question: Any, choices: list[Choice]) -> list[Choice]:
    """A stable order that says nothing about the key.

    Ordering questions store the answer in ``Choice.order`` (and often in id order), so
    they are always listed in a keyed-hash order that is never the correct one; other
    choice questions follow the author's order unless the quiz shuffles choices.
    """
    if question.type != QuestionType.ORDERING and not quiz.shuffle_choices:
        return choices

    def token(choice: Choice) -> bytes:
        return hashlib.sha256(f"{question.id}:{choice.id}".encode()).digest()

    shown = sorted(choices, key=token)
    if question.type == QuestionType.ORDERING and len(shown) > 1:
        correct = sorted(choices, key=lambda c: (c.order, c.id))
        if shown == correct:
            shown = shown[1:] + shown[:1]
    return shown


def attempt_list_for_user(*, user, quiz_slug: str | None = None, status: str | None = None) -> Any:
    """The user's own attempts, newest first (one query; paginate the result)."""
    if not user.is_authenticated:
        return Attempt.objects.none()
    rows = Attempt.objects.filter(user=user).select_related("quiz").order_by("-started_at", "-id")
    if quiz_slug:
        rows = rows.filter(quiz__slug=quiz_slug)
    if status:
        rows = rows.filter(status=status)
    return rows
