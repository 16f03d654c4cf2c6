from __future__ import annotations

from decimal import Decimal

import pytest

from apps.core.markdown import render_inline, render_markdown
from apps.quizzes.models import Choice, Question, Quiz
from tests.factories import ModuleFactory


def add_question(quiz, key, type, *, choices=(), order=0, **fields):
    question = Question.objects.create(
        quiz=quiz, key=key, type=type, order=order,
        prompt_md=f"Prompt for {key}", prompt_html=render_markdown(f"Prompt for {key}").html,
        explanation_md=f"Because {key}.", explanation_html=render_markdown(f"Because {key}.").html,
        **fields,
    )  # fmt: skip
    for index, (text, correct) in enumerate(choices):
        Choice.objects.create(
            question=question, text=text, text_html=render_inline(text), is_correct=correct,
            order=index, feedback=f"Feedback on {text}",
        )  # fmt: skip
    return question


def build_quiz(**settings):
    module = ModuleFactory()
    quiz = Quiz.objects.create(
        course=module.course, module=module, slug=f"{module.slug}-quiz", title="Demo quiz",
        status="published", shuffle_questions=False, shuffle_choices=False,
        **settings,
    )  # fmt: skip
    add_question(
        quiz, "single", "single_choice", order=0, choices=[("Right", True), ("Wrong", False)]
    )
    add_question(
        quiz, "multi", "multiple_choice", order=1, scoring="partial",
        choices=[("A", True), ("B", True), ("C", False), ("D", False)],
    )  # fmt: skip
    add_question(quiz, "tf", "true_false", order=2, true_false_answer=False)
    add_question(
        quiz,
        "num",
        "numeric",
        order=3,
        numeric_answer=Decimal("3.14"),
        tolerance=Decimal("0.01"),
    )
    add_question(
        quiz,
        "text",
        "short_text",
        order=4,
        accepted_answers=["select_related", "select related"],
    )
    add_question(
        quiz,
        "order",
        "ordering",
        order=5,
        choices=[("First", False), ("Second", False), ("Third", False)],
    )
    return quiz


def ids(quiz):
    """question key -> (question, {choice text: choice id})."""
    out = {}
    for q in quiz.questions.prefetch_related("choices"):
        out[q.key] = (q, {c.text: c.id for c in q.choices.all()})
    return out


def perfect_answers(quiz):
    q = ids(quiz)
    return {
        str(q["single"][0].id): {"choice": q["single"][1]["Right"]},
        str(q["multi"][0].id): {"choices": [q["multi"][1]["A"], q["multi"][1]["B"]]},
        str(q["tf"][0].id): {"value": False},
        str(q["num"][0].id): {"value": "3.141"},
        str(q["text"][0].id): {"text": "  Select_Related "},
        str(q["order"][0].id): {"order": [q["order"][1][t] for t in ("First", "Second", "Third")]},
    }


@pytest.fixture
def make_quiz(db):
    return build_quiz
