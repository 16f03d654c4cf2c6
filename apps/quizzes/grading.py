"""Grading: one function per question type, and ``grade`` that picks the right one.

Pure functions of a question (with its choices) and a validated response; the
only grading code in the project — pages, both APIs and live sessions call it
through ``apps.quizzes.services``.

Responses (validated by ``validate_response`` first):

=================  =========================================
single_choice      ``{"choice": <choice id>}``
multiple_choice    ``{"choices": [<choice id>, ...]}``
true_false         ``{"value": true | false}``
numeric            ``{"value": "<decimal as text or number>"}``
short_text         ``{"text": "<answer>"}``
ordering           ``{"order": [<choice id>, ...]}`` (all items)
=================  =========================================
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from apps.core.errors import ApplicationError
from apps.quizzes.models import Choice, Question, QuestionType, Scoring

MAX_TEXT = 500


class InvalidResponse(ApplicationError):
    status = 400
    code = "invalid_answer"


@dataclass(frozen=True)
class Grade:
    fraction: Decimal  # 0..1 of the question's points
    correct: bool

    def points(self, question: Question) -> Decimal:
        return (question.points * self.fraction).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def normalise_text(value: str) -> str:
    """Case-, accent-width- and whitespace-insensitive form of a short answer."""
    text = unicodedata.normalize("NFKC", value).casefold().strip()
    text = re.sub(r"\s+", " ", text)
    return text.strip(" .;:!?\"'`")


def _choice_ids(question: Question) -> set[int]:
    return {choice.id for choice in question.choices.all()}


def _ids(value: Any, field: str) -> list[int]:
    if not isinstance(value, list) or not all(
        isinstance(v, int) and not isinstance(v, bool) for v in value
    ):
        raise InvalidResponse(f"'{field}' must be a list of choice ids.")
    return value


def validate_response(question: Question, response: Any) -> dict[str, Any]:
    """Check the shape of a response for ``question``; return it normalised, or raise."""
    if not isinstance(response, dict):
        raise InvalidResponse("An answer must be a JSON object.")
    kind = question.type
    if kind == QuestionType.SINGLE:
        choice = response.get("choice")
        if (
            not isinstance(choice, int)
            or isinstance(choice, bool)
            or choice not in _choice_ids(question)
        ):
            raise InvalidResponse("Unknown choice for this question.")
        return {"choice": choice}
    if kind == QuestionType.MULTIPLE:
        chosen = _ids(response.get("choices"), "choices")
        if len(set(chosen)) != len(chosen) or not set(chosen) <= _choice_ids(question):
            raise InvalidResponse("Unknown or repeated choice for this question.")
        return {"choices": sorted(chosen)}
    if kind == QuestionType.TRUE_FALSE:
        if not isinstance(response.get("value"), bool):
            raise InvalidResponse("'value' must be true or false.")
        return {"value": response["value"]}
    if kind == QuestionType.NUMERIC:
        raw = response.get("value")
        if isinstance(raw, bool) or not isinstance(raw, int | float | str) or len(str(raw)) > 40:
            raise InvalidResponse("'value' must be a number.")
        try:
            number = Decimal(str(raw).strip().replace(",", ""))
        except InvalidOperation as exc:
            raise InvalidResponse("'value' must be a number.") from exc
        if not number.is_finite():
            raise InvalidResponse("'value' must be a finite number.")
        return {"value": str(number)}
    if kind == QuestionType.SHORT_TEXT:
        text = response.get("text")
        if not isinstance(text, str) or len(text) > MAX_TEXT:
            raise InvalidResponse(f"'text' must be a string of at most {MAX_TEXT} characters.")
        return {"text": text}
    if kind == QuestionType.ORDERING:
        order = _ids(response.get("order"), "order")
        if sorted(order) != sorted(_choice_ids(question)):
            raise InvalidResponse("'order' must list every item of this question exactly once.")
        return {"order": order}
    raise InvalidResponse("Unsupported question type.")


def _single(question: Question, response: dict[str, Any]) -> Grade:
    correct = any(c.id == response["choice"] and c.is_correct for c in question.choices.all())
    return Grade(Decimal(1) if correct else Decimal(0), correct)


def _multiple(question: Question, response: dict[str, Any]) -> Grade:
    choices: list[Choice] = list(question.choices.all())
    right = {c.id for c in choices if c.is_correct}
    chosen = set(response["choices"])
    exact = chosen == right
    if question.scoring == Scoring.ALL_OR_NOTHING or not right:
        return Grade(Decimal(1) if exact else Decimal(0), exact)
    # Partial credit: each correct pick earns 1/|right|, each wrong pick costs as much; never < 0.
    earned = Decimal(len(chosen & right) - len(chosen - right)) / Decimal(len(right))
    return Grade(max(Decimal(0), min(Decimal(1), earned)), exact)


def _true_false(question: Question, response: dict[str, Any]) -> Grade:
    correct = response["value"] is question.true_false_answer
    return Grade(Decimal(1) if correct else Decimal(0), correct)


def _numeric(question: Question, response: dict[str, Any]) -> Grade:
    assert question.numeric_answer is not None
    correct = abs(Decimal(response["value"]) - question.numeric_answer) <= question.tolerance
    return Grade(Decimal(1) if correct else Decimal(0), correct)


def _short_text(question: Question, response: dict[str, Any]) -> Grade:
    accepted = {normalise_text(str(item)) for item in question.accepted_answers}
    correct = bool(response["text"].strip()) and normalise_text(response["text"]) in accepted
    return Grade(Decimal(1) if correct else Decimal(0), correct)


def _ordering(question: Question, response: dict[str, Any]) -> Grade:
    expected = [c.id for c in sorted(question.choices.all(), key=lambda c: (c.order, c.id))]
    correct = response["order"] == expected
    return Grade(Decimal(1) if correct else Decimal(0), correct)


_GRADERS = {
    QuestionType.SINGLE: _single,
    QuestionType.MULTIPLE: _multiple,
    QuestionType.TRUE_FALSE: _true_false,
    QuestionType.NUMERIC: _numeric,
    QuestionType.SHORT_TEXT: _short_text,
    QuestionType.ORDERING: _ordering,
}


def grade(question: Question, response: dict[str, Any] | None) -> Grade:
    """Grade a validated response (``None`` = unanswered, which scores 0)."""
    if response is None:
        return Grade(Decimal(0), False)
    return _GRADERS[QuestionType(question.type)](question, response)
