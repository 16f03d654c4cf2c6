"""Solved exercises (a passing submission) count into progress: the REST and GraphQL
progress reports per module, the dashboard, and the lesson's Practise box."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from apps.accounts import services as account_services
from apps.exercises.models import Run
from tests.exercises.conftest import SOLUTION, make_exercise
from tests.factories import LessonFactory, UserFactory

pytestmark = pytest.mark.django_db


def run(user, exercise, *, mode="submit", status="passed", n=0):
    return Run.objects.create(user=user, exercise=exercise, mode=mode, status=status,
                              key=f"progress-{exercise.pk}-{n}", code=SOLUTION,
                              queued_at="2026-01-01T00:00Z")  # fmt: skip


@pytest.fixture
def world():
    lesson = LessonFactory()
    solved = make_exercise(lesson, slug="solved-one", title="Solved one")
    tried = make_exercise(lesson, slug="tried-one", title="Tried one")
    make_exercise(lesson, slug="draft-one", title="Draft one", status="draft")
    user = UserFactory(username="progressor")
    run(user, solved)
    run(user, solved, status="failed", n=1)
    run(user, tried, status="failed")
    run(user, tried, mode="run", n=1)  # a passing *run* is not a solution
    other = UserFactory(username="other-learner")
    run(other, tried, n=2)
    return {"lesson": lesson, "user": user, "module": lesson.module}


def test_progress_reports_exercises_per_module(world):
    _, key = account_services.api_token_create(user=world["user"], name="p")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    courses = client.get("/api/v1/progress/").json()["results"]
    module = next(m for c in courses for m in c["modules"] if m["slug"] == world["module"].slug)
    assert module["exercises"] == {"solved": 1, "total": 2}
    graph = client.post("/graphql", {"query": "{ progress { modules { slug exercises "
                                              "{ solved total } } } }"}, format="json")  # fmt: skip
    modules = [m for c in graph.json()["data"]["progress"] for m in c["modules"]]
    assert {"slug": world["module"].slug, "exercises": {"solved": 1, "total": 2}} in modules


def test_dashboard_shows_exercises_solved_per_module(client, world):
    client.force_login(world["user"])
    body = client.get("/dashboard/").content.decode()
    assert 'data-solved="1" data-total="2"' in body
    row = body.split(f'data-module="{world["module"].slug}"')[-1].split("</tr>")[0]
    assert '<td class="align-right">1</td><td class="align-right">2</td>' in row


def test_the_lesson_lists_its_exercises(client, world):
    lesson = world["lesson"]
    url = lesson.get_absolute_url()
    anonymous = client.get(url).content.decode()
    assert "Practise" in anonymous and "Solved one" in anonymous and "Draft one" not in anonymous
    assert "badge-done" not in anonymous.split('id="practise-title"')[1].split("</section>")[0]
    client.force_login(world["user"])
    box = client.get(url).content.decode().split('id="practise-title"')[1].split("</section>")[0]
    assert box.index("Solved one") < box.index("Solved</span>") < box.index("Tried one")
    assert "Attempted" in box
    bare = LessonFactory(module=lesson.module)
    assert "practise-title" not in client.get(bare.get_absolute_url()).content.decode()
