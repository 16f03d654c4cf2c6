"""Reads of lesson checks, as learners may see them.

Before a learner has answered a check they get its prompt and choices only: no key,
no ``correct`` flags, no feedback, no explanation. After an answer: the verdict, the
feedback of the choices they picked and the explanation; which choices are correct
only once they have answered correctly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Exists, OuterRef

from apps.checks.models import CheckAnswer, LessonCheck
from apps.core.markdown import CHECK_SLOT
from apps.quizzes.models import CHOICE_TYPES


@dataclass
class CheckChoice:
    id: int
    text_html: str
    picked: bool = False
    correct: bool | None = None  # known only once the check is answered correctly
    feedback: str = ""  # the picked choices' feedback, after an answer


@dataclass
class CheckView:
    id: int
    number: int  # 1-based position in the lesson
    type: str
    prompt_html: str
    choices: list[CheckChoice]
    answered: bool = False
    correct: bool = False  # answered correctly (closed)
    tries: int = 0
    first_correct: bool = False
    response: dict[str, Any] | None = None
    explanation_html: str = ""  # after an answer only
    errors: list[str] = field(default_factory=list)  # a refused answer (the page's form)

    @property
    def html_id(self) -> str:
        return f"check-{self.number}"


def _view(check: LessonCheck, answer: CheckAnswer | None) -> CheckView:
    response = answer.response if answer is not None and answer.tries else None
    picked: set[int] = set()
    if response:
        if "choice" in response:
            picked = {response["choice"]}
        picked |= set(response.get("choices") or [])
    solved = bool(answer and answer.correct_at)
    choices = [
        CheckChoice(
            id=c.id,
            text_html=c.text_html,
            picked=c.id in picked,
            correct=c.is_correct if solved else None,
            feedback=c.feedback if response and c.id in picked else "",
        )
        for c in check.choices.all()
    ]
    return CheckView(
        id=check.id,
        number=check.position + 1,
        type=check.type,
        prompt_html=check.prompt_html,
        choices=choices if check.type in CHOICE_TYPES else [],
        answered=response is not None,
        correct=solved,
        tries=answer.tries if answer else 0,
        first_correct=bool(answer and answer.first_correct),
        response=response,
        explanation_html=check.explanation_html if response is not None else "",
    )


def check_view(*, check: LessonCheck, answer: CheckAnswer | None) -> CheckView:
    return _view(check, answer)


def lesson_checks(*, lesson_id: int, user: Any) -> list[CheckView]:
    """A published lesson's checks with the user's answers: 2 queries, 3 signed in."""
    checks = list(
        LessonCheck.objects.filter(lesson_id=lesson_id)
        .order_by("position", "id")
        .prefetch_related("choices")
    )
    answers: dict[int, CheckAnswer] = {}
    if checks and user.is_authenticated:
        answers = {
            a.check_item_id: a
            for a in CheckAnswer.objects.filter(user=user, check_item__in=[c.id for c in checks])
        }
    return [_view(check, answers.get(check.id)) for check in checks]


def _solved(user: Any) -> Exists:
    return Exists(
        CheckAnswer.objects.filter(check_item=OuterRef("pk"), user=user, correct_at__isnull=False)
    )


def open_checks(user: Any, lesson_ref: str = "lesson_id") -> Exists:
    """Whether the lesson (``OuterRef(lesson_ref)``) has a check the user has not yet
    answered correctly: for completion, inside the progress queries (no extra query)."""
    return Exists(LessonCheck.objects.filter(lesson_id=OuterRef(lesson_ref)).exclude(_solved(user)))


def open_check_count(*, lesson_id: int, user: Any) -> int:
    """How many of the lesson's checks the user has still to answer correctly."""
    return LessonCheck.objects.filter(lesson_id=lesson_id).exclude(_solved(user)).count()


@dataclass
class BodyPart:
    html: str = ""
    check: CheckView | None = None


def body_parts(body_html: str, checks: list[CheckView]) -> list[BodyPart]:
    """The lesson's HTML cut at its check slots, each check in its place; a check whose
    slot is missing (added in the admin, say) follows the text."""
    by_number = {check.number: check for check in checks}
    parts: list[BodyPart] = []
    cursor = 0
    for match in CHECK_SLOT.finditer(body_html):
        parts.append(BodyPart(html=body_html[cursor : match.start()]))
        check = by_number.pop(int(match.group(1)) + 1, None)
        if check is not None:
            parts.append(BodyPart(check=check))
        cursor = match.end()
    parts.append(BodyPart(html=body_html[cursor:]))
    parts.extend(BodyPart(check=check) for check in by_number.values())
    return parts
