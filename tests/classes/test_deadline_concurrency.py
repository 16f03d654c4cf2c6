"""The due time enforced by the server under concurrent submissions, on PostgreSQL.

Learners of a class hand in work from many threads at once, some just before and some
just after a due time that refuses late work. Whatever the interleaving, what counts is
decided by the server's clock at the moment of each write: an answer saved after the
due time is refused and never graded, a run queued after it never counts, and the
gradebook agrees with the rows written."""

from __future__ import annotations

import random
import threading
import time
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import close_old_connections
from django.utils import timezone

from apps.classes import selectors, services
from apps.classes.grades import GRACE, Status
from apps.exercises import services as exercise_services
from apps.exercises.models import Run
from apps.quizzes import services as quiz_services
from apps.quizzes.errors import DeadlinePassed
from apps.quizzes.models import Answer, Attempt
from tests.exercises.conftest import SOLUTION
from tests.factories import UserFactory
from tests.quizzes.conftest import perfect_answers

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

LEARNERS = 12


def in_threads(users, work):
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(users))

    def run(user):
        try:
            barrier.wait(10)
            work(user)
        except BaseException as exc:
            errors.append(exc)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=run, args=(u,)) for u in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors


def test_quiz_answers_saved_after_the_due_time_are_refused_and_never_graded(world):
    # Learners join first, so the due time is set after the slow part of the setup (on a
    # loaded machine it could otherwise pass before anyone hands in).
    users = [UserFactory() for _ in range(LEARNERS)]
    for user in users:
        services.class_join(user=user, code=world.classroom.invite_code)
    due = timezone.now() + timedelta(seconds=3)
    assignment = services.assignment_create(
        user=world.instructor,
        classroom_id=world.classroom.pk,
        title="Timed",
        kind="quiz",
        quiz_id=world.quiz.pk,
        opens_at=timezone.now() - timedelta(hours=1),
        due_at=due,
        late_policy="refuse",
    )
    attempts = {}
    for user in users:
        attempts[user.pk] = quiz_services.attempt_start(user=user, quiz=world.quiz)
        assert attempts[user.pk].deadline == due
    answers = perfect_answers(world.quiz)
    refused: set[int] = set()
    lock = threading.Lock()

    def hand_in(user):
        # spread around the due time, from 0.8 s before to 0.8 s after (plus the grace)
        target = due + timedelta(seconds=random.uniform(-0.8, 0.8)) + GRACE
        time.sleep(max(0.0, (target - timezone.now()).total_seconds()))
        try:
            quiz_services.attempt_save_answers(
                user=user, attempt_id=attempts[user.pk].pk, answers=answers
            )
        except DeadlinePassed:
            with lock:
                refused.add(user.pk)
        quiz_services.attempt_submit(user=user, attempt_id=attempts[user.pk].pk, answers=answers)

    in_threads(users, hand_in)
    assert 0 < len(refused) < LEARNERS, "the spread should land on both sides of the due time"
    book = selectors.gradebook(classroom=world.classroom)
    cells = {row.user.pk: row.cells[0] for row in book.rows}
    for user in users:
        attempt = Attempt.objects.get(pk=attempts[user.pk].pk)
        saved = list(Answer.objects.filter(attempt=attempt).values_list("saved_at", flat=True))
        assert all(at <= due + GRACE for at in saved)  # nothing late was ever stored
        assert (user.pk in refused) == (not saved)
        assert attempt.status == "submitted"
        cell = cells[user.pk]
        assert cell.status == Status.SUBMITTED  # cut off at the due time: handed in on time
        assert cell.score == (Decimal(100) if saved else Decimal(0))
    assert assignment.pk == book.assignments[0].pk


def test_runs_queued_after_the_due_time_never_count(world, monkeypatch):
    monkeypatch.setattr(exercise_services, "run_dispatch", lambda run_id: None)
    users = [UserFactory() for _ in range(LEARNERS)]
    for user in users:
        services.class_join(user=user, code=world.classroom.invite_code)
    due = timezone.now() + timedelta(seconds=2)
    services.assignment_create(
        user=world.instructor,
        classroom_id=world.classroom.pk,
        title="Code",
        kind="exercises",
        exercise_ids=[world.exercise.pk],
        opens_at=timezone.now() - timedelta(hours=1),
        due_at=due,
        late_policy="refuse",
    )

    def submit(user):
        target = due + timedelta(seconds=random.uniform(-0.8, 0.8)) + GRACE
        time.sleep(max(0.0, (target - timezone.now()).total_seconds()))
        run = exercise_services.run_create(
            user=user,
            exercise_slug=world.exercise.slug,
            code=SOLUTION,
            mode="submit",
            key=f"due-{user.pk:06d}",
        )
        Run.objects.filter(pk=run.pk).update(status="passed", passed=5, total=5)

    in_threads(users, submit)
    book = selectors.gradebook(classroom=world.classroom, now=due + timedelta(hours=1))
    cells = {row.user.pk: row.cells[0] for row in book.rows}
    on_time = 0
    for user in users:
        queued = Run.objects.get(user=user).queued_at
        expected = Status.SUBMITTED if queued <= due + GRACE else Status.MISSING
        assert cells[user.pk].status == expected, (queued, due)
        on_time += expected == Status.SUBMITTED
    assert 0 < on_time < LEARNERS
