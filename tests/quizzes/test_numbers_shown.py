"""Numeric answers are shown as people write them (100, not 1E+2) wherever they appear."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from apps.core.numbers import plain_number
from apps.live.selectors import key_text
from apps.quizzes import selectors, services
from apps.quizzes.models import Quiz
from tests.factories import ModuleFactory, UserFactory
from tests.quizzes.conftest import add_question


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (Decimal("100.000000"), "100"),
        (Decimal("100").normalize(), "100"),  # 1E+2
        ("1e2", "100"),
        (Decimal("2500.000000"), "2500"),
        (Decimal("0.050000"), "0.05"),
        (Decimal("0.000001"), "0.000001"),
        (Decimal("-12.50"), "-12.5"),
        (Decimal("-0.0"), "0"),
        ("not a number", "not a number"),
        (None, ""),
    ],
)
def test_plain_number(value, shown):
    assert plain_number(value) == shown


def test_plain_number_keeps_huge_exponents_short():
    assert len(plain_number("1e999999")) < 20


@pytest.mark.django_db
def test_review_result_page_and_live_reveal_show_plain_numbers(client):
    module = ModuleFactory()
    quiz = Quiz.objects.create(
        course=module.course, module=module, slug="numbers", title="Numbers", status="published",
        shuffle_questions=False, shuffle_choices=False,
    )  # fmt: skip
    question = add_question(
        quiz, "hundred", "numeric", numeric_answer=Decimal("100"), tolerance=Decimal("10")
    )
    learner = UserFactory()
    attempt = services.attempt_start(user=learner, quiz=quiz)
    services.attempt_submit(
        user=learner, attempt_id=attempt.pk, answers={str(question.pk): {"value": "2e2"}}
    )
    attempt.refresh_from_db()

    (reviewed,) = selectors.attempt_review(attempt)
    assert reviewed.correct_answer == "100 (± 10)"
    assert reviewed.your_answer == "200"

    client.force_login(learner)
    html = client.get(reverse("quizzes:result", args=[attempt.pk])).content.decode()
    assert "100 (± 10)" in html
    assert "E+" not in html

    question.refresh_from_db()
    assert key_text(question) == "100 (± 10)"
