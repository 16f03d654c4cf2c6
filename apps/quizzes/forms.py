"""Turn a submitted quiz form (or the autosave JSON) into responses per question."""

from __future__ import annotations

from typing import Any

from django.http import QueryDict

from apps.quizzes.grading import InvalidResponse
from apps.quizzes.models import QuestionType
from apps.quizzes.selectors import PublicQuestion


def responses_from_post(
    post: QueryDict, questions: list[PublicQuestion]
) -> dict[int, dict[str, Any]]:
    """Answered questions only; malformed values raise ``InvalidResponse``."""
    out: dict[int, dict[str, Any]] = {}
    for question in questions:
        name = f"q-{question.id}"
        value = str(post.get(name, "") or "")
        kind = question.type
        try:
            if kind == QuestionType.SINGLE and post.get(name):
                out[question.id] = {"choice": int(value)}
            elif kind == QuestionType.MULTIPLE and post.getlist(name):
                out[question.id] = {"choices": [int(v) for v in post.getlist(name)]}
            elif kind == QuestionType.TRUE_FALSE and post.get(name) in {"true", "false"}:
                out[question.id] = {"value": post[name] == "true"}
            elif kind in {QuestionType.NUMERIC, QuestionType.SHORT_TEXT} and value.strip():
                key = "value" if kind == QuestionType.NUMERIC else "text"
                out[question.id] = {key: value.strip()}
            elif kind == QuestionType.ORDERING:
                ranks = {c.id: post.get(f"{name}-{c.id}", "") for c in question.choices}
                if all(ranks.values()):
                    positions = {cid: int(rank) for cid, rank in ranks.items()}
                    if sorted(positions.values()) != list(range(1, len(positions) + 1)):
                        raise InvalidResponse(
                            f"Question {question.number}: give each item a different position."
                        )
                    out[question.id] = {"order": sorted(positions, key=lambda cid: positions[cid])}
        except ValueError as exc:
            raise InvalidResponse(f"Question {question.number}: that answer is not valid.") from exc
    return out
