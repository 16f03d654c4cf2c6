"""Code lab fixtures: a host, learners, a lab of one exercise, and runs executed in
this process over the stand-in sandbox of the exercise tests."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from django.test import TestCase

from apps.exercises import services as exercise_services
from apps.exercises.models import Run
from apps.labs import services
from apps.labs.models import Lab
from tests.classes import conftest as class_fixtures
from tests.exercises import conftest as exercise_fixtures
from tests.exercises.conftest import SOLUTION, STARTER, WRONG, FakeSandbox, make_exercise
from tests.factories import UserFactory

__all__ = ["SOLUTION", "STARTER", "WRONG", "FakeSandbox", "make_exercise"]

# The exercise tests' fixtures: an exercise, the stand-in sandbox, runs kept from executing.
exercise = exercise_fixtures.exercise
fake_sandbox = exercise_fixtures.fake_sandbox
dispatched = exercise_fixtures.dispatched
world = class_fixtures.world  # a class with an instructor, a TA, a learner and an outsider

_keys = itertools.count(1)


def new_key() -> str:
    return f"lab-key-{next(_keys):08d}"


@pytest.fixture
def host(db):
    return UserFactory(username="teacher")


@pytest.fixture
def lab(host, exercise) -> Lab:
    return services.lab_create(host=host, exercise_slugs=[exercise.slug], title="Adding up")


@pytest.fixture
def learners(lab):
    users = [UserFactory(username=f"learner{i}", display_name=f"Learner {i}") for i in range(2)]
    return [(user, services.lab_join(lab_id=lab.pk, user=user)) for user in users]


def lab_run(lab: Lab, user: Any, exercise: Any, code: str, mode: str = "run") -> Run:
    """Queue a lab run and execute it here (both commits' callbacks run)."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        run = services.lab_run_create(
            lab_id=lab.pk,
            user=user,
            exercise_slug=exercise.slug,
            code=code,
            mode=mode,
            key=new_key(),
        )
    with TestCase.captureOnCommitCallbacks(execute=True):
        exercise_services.run_execute(run_id=run.pk)
    run.refresh_from_db()
    return run


@pytest.fixture(autouse=True)
def _queue_places_at_once(settings):
    """Queue places are sent at each move in these tests (no timer thread)."""
    settings.LABS_QUEUE_BROADCAST_MS = 0
