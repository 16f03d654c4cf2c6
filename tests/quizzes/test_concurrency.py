"""Fifty simultaneous submissions of one attempt grade it exactly once (PostgreSQL)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from apps.quizzes import services
from apps.quizzes.models import Attempt
from tests.factories import UserFactory
from tests.quizzes.conftest import perfect_answers

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def test_fifty_concurrent_submissions_grade_once(make_quiz, monkeypatch):
    assert connection.vendor == "postgresql"
    quiz = make_quiz()
    learner = UserFactory()
    attempt = services.attempt_start(user=learner, quiz=quiz)
    answers = perfect_answers(quiz)
    graded = []
    lock = threading.Lock()
    original = services._grade_and_close

    def counting(attempt):
        with lock:
            graded.append(threading.get_ident())
        return original(attempt)

    monkeypatch.setattr(services, "_grade_and_close", counting)
    barrier = threading.Barrier(50)

    def submit(_: int):
        from django.db import connections

        try:
            barrier.wait(timeout=30)
            return services.attempt_submit(
                user=learner, attempt_id=attempt.pk, answers=answers
            ).percent
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=50) as pool:
        results = list(pool.map(submit, range(50)))

    assert len(graded) == 1
    assert set(results) == {results[0]} and str(results[0]) == "100.00"
    row = Attempt.objects.get(pk=attempt.pk)
    assert row.status == "submitted" and row.answers.count() == 6
    assert Attempt.objects.filter(user=learner).count() == 1


def test_concurrent_starts_create_one_attempt(make_quiz):
    quiz = make_quiz()
    learner = UserFactory()
    barrier = threading.Barrier(20)

    def start(_: int):
        from django.db import connections

        try:
            barrier.wait(timeout=30)
            return services.attempt_start(user=learner, quiz=quiz).pk
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=20) as pool:
        ids = set(pool.map(start, range(20)))
    assert len(ids) == 1
    assert Attempt.objects.filter(user=learner).count() == 1
