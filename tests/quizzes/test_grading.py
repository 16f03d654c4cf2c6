"""Every question type's grading, with edge cases."""

from __future__ import annotations

from decimal import Decimal

import pytest

from apps.quizzes import grading
from apps.quizzes.grading import InvalidResponse, grade, normalise_text, validate_response
from tests.quizzes.conftest import ids

pytestmark = pytest.mark.django_db


@pytest.fixture
def q(make_quiz):
    return ids(make_quiz())


def check(question, response):
    return grade(question, validate_response(question, response))


def test_single_choice(q):
    question, c = q["single"]
    assert check(question, {"choice": c["Right"]}) == grading.Grade(Decimal(1), True)
    assert check(question, {"choice": c["Wrong"]}).correct is False
    for bad in ({"choice": 999999}, {"choice": "1"}, {"choice": True}, {}, [], "x"):
        with pytest.raises(InvalidResponse):
            validate_response(question, bad)


def test_multiple_choice_partial_and_all_or_nothing(q):
    question, c = q["multi"]
    assert check(question, {"choices": [c["A"], c["B"]]}) == grading.Grade(Decimal(1), True)
    half = check(question, {"choices": [c["A"]]})
    assert half.fraction == Decimal("0.5") and not half.correct
    assert check(question, {"choices": [c["A"], c["C"]]}).fraction == Decimal(0)
    assert check(question, {"choices": [c["C"], c["D"]]}).fraction == Decimal(0)  # never negative
    assert check(question, {"choices": [c["A"], c["B"], c["C"]]}).fraction == Decimal("0.5")
    question.scoring = "all_or_nothing"
    assert check(question, {"choices": [c["A"]]}).fraction == Decimal(0)
    assert check(question, {"choices": [c["B"], c["A"]]}).fraction == Decimal(1)
    with pytest.raises(InvalidResponse):
        validate_response(question, {"choices": [c["A"], c["A"]]})
    with pytest.raises(InvalidResponse):
        validate_response(question, {"choices": [c["A"], 123456]})


def test_true_false(q):
    question, _ = q["tf"]
    assert check(question, {"value": False}).correct
    assert not check(question, {"value": True}).correct
    for bad in ({"value": "false"}, {"value": 0}, {"value": None}):
        with pytest.raises(InvalidResponse):
            validate_response(question, bad)


@pytest.mark.parametrize(
    ("value", "correct"),
    [("3.14", True), ("3.15", True), ("3.13", True), (3.1399, True), ("3.151", False), ("3", False),
     ("1,000", False), (" 3.14 ", True)],
)  # fmt: skip
def test_numeric_with_tolerance(q, value, correct):
    question, _ = q["num"]
    assert check(question, {"value": value}).correct is correct


@pytest.mark.parametrize("bad", ["abc", "NaN", "Infinity", "1e", True, None, "9" * 50, [1]])
def test_numeric_rejects_non_numbers(q, bad):
    question, _ = q["num"]
    with pytest.raises(InvalidResponse):
        validate_response(question, {"value": bad})


def test_numeric_exact_when_tolerance_is_zero(q):
    question, _ = q["num"]
    question.tolerance = Decimal(0)
    assert check(question, {"value": "3.14"}).correct
    assert not check(question, {"value": "3.1400001"}).correct


FULLWIDTH = "".join(chr(ord(c) + 0xFEE0) for c in "select_related")  # NFKC folds it back


@pytest.mark.parametrize(
    ("text", "correct"),
    [("select_related", True), ("SELECT_RELATED", True), ("  select   related ", True),
     ("select_related.", True), (FULLWIDTH, True),
     ("prefetch_related", False), ("", False),
     ("select", False)],
)  # fmt: skip
def test_short_text_normalisation(q, text, correct):
    question, _ = q["text"]
    assert check(question, {"text": text}).correct is correct


def test_short_text_length_limit(q):
    question, _ = q["text"]
    with pytest.raises(InvalidResponse):
        validate_response(question, {"text": "x" * 501})


def test_ordering(q):
    question, c = q["order"]
    right = [c["First"], c["Second"], c["Third"]]
    assert check(question, {"order": right}).correct
    assert not check(question, {"order": right[::-1]}).correct
    for bad in ({"order": right[:2]}, {"order": [*right, right[0]]}, {"order": [1, 2, 3]}):
        with pytest.raises(InvalidResponse):
            validate_response(question, bad)


def test_unanswered_scores_zero(q):
    question, _ = q["single"]
    assert grade(question, None) == grading.Grade(Decimal(0), False)


def test_points_are_scaled_and_rounded(q):
    question, c = q["multi"]
    question.points = Decimal("3")
    assert grade(question, validate_response(question, {"choices": [c["A"]]})).points(
        question
    ) == Decimal("1.50")


def test_normalise_text():
    assert normalise_text("  Hello   World!! ") == "hello world"
