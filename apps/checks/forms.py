"""The lesson page's check form (a plain POST) → a response for ``check_answer``."""

from __future__ import annotations

from typing import Any

from django.http import QueryDict

from apps.checks.models import LessonCheck
from apps.quizzes.grading import InvalidResponse
from apps.quizzes.models import QuestionType


def response_from_post(post: QueryDict, check: LessonCheck) -> dict[str, Any]:
    """The answer in the form; an empty or malformed one raises ``InvalidResponse``."""
    value = str(post.get("answer", "") or "").strip()
    kind = check.type
    try:
        if kind == QuestionType.SINGLE and value:
            return {"choice": int(value)}
        if kind == QuestionType.MULTIPLE and post.getlist("answer"):
            return {"choices": [int(v) for v in post.getlist("answer")]}
        if kind == QuestionType.TRUE_FALSE and value in {"true", "false"}:
            return {"value": value == "true"}
        if kind == QuestionType.NUMERIC and value:
            return {"value": value}
        if kind == QuestionType.SHORT_TEXT and value:
            return {"text": value}
        if kind == QuestionType.ORDERING:
            ranks = {c.id: post.get(f"position-{c.id}", "") for c in check.choices.all()}
            if all(ranks.values()):
                positions = {cid: int(rank) for cid, rank in ranks.items()}
                if sorted(positions.values()) != list(range(1, len(positions) + 1)):
                    raise InvalidResponse("Give each item a different position.")
                return {"order": sorted(positions, key=lambda cid: positions[cid])}
    except ValueError as exc:
        raise InvalidResponse("That answer is not valid.") from exc
    raise InvalidResponse("Choose or type an answer first.")
