"""A class of one course with its five kinds of people: an instructor, a teaching
assistant, a learner in the class, a learner outside it, and platform staff; a module
with lessons and a quiz, and a code exercise, all in that course."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from apps.classes import services
from apps.classes.models import Classroom, Role
from tests.exercises.conftest import make_exercise
from tests.factories import LessonFactory, UserFactory
from tests.quizzes.conftest import build_quiz


@dataclass
class World:
    classroom: Classroom
    course: Any
    module: Any
    lessons: list[Any]
    quiz: Any
    exercise: Any
    instructor: Any
    ta: Any
    learner: Any
    outsider: Any
    staff: Any


def assignment_times(days_open: int = 7) -> tuple[datetime, datetime]:
    now = timezone.now()
    return now - timedelta(days=1), now + timedelta(days=days_open)


@pytest.fixture
def world(db) -> World:
    quiz = build_quiz()
    module = quiz.module
    lessons = [LessonFactory(module=module) for _ in range(3)]
    exercise = make_exercise(lesson=lessons[0])
    instructor = UserFactory(username="prof", roles=["instructor"])
    ta = UserFactory(username="assistant")
    learner = UserFactory(username="ada", email="ada@example.com")
    outsider = UserFactory(username="eve")
    staff = UserFactory(username="root", is_staff=True)
    classroom = services.class_create(
        user=instructor, course=module.course, name="Backend 101", term="Spring 2027"
    )
    services.class_staff_add(user=instructor, classroom_id=classroom.pk, username="assistant",
                             role=Role.TA)  # fmt: skip
    services.class_join(user=learner, code=classroom.invite_code)
    return World(classroom, module.course, module, lessons, quiz, exercise, instructor, ta,
                 learner, outsider, staff)  # fmt: skip
