"""Authoring exercises in the admin: validation on save, the rendered prompt, the Check
action's report, read-only runs."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages

from apps.exercises.models import Exercise, Run
from tests.exercises.conftest import HIDDEN, SOLUTION, STARTER, VISIBLE
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client):
    client.force_login(UserFactory(username="boss", is_staff=True, is_superuser=True))
    return client


def form_data(exercise, **changes):
    data = {
        "title": exercise.title, "slug": exercise.slug, "lesson": exercise.lesson_id,
        "summary": exercise.summary, "difficulty": "medium", "order": 3,
        "time_limit_seconds": 4, "status": "published", "prompt_md": "New **prompt**.",
        "starter_code": STARTER, "solution_code": SOLUTION, "test_visible": VISIBLE,
        "test_hidden": HIDDEN,
    }  # fmt: skip
    data.update(changes)
    return data


def test_saving_renders_the_prompt_and_counts_tests(staff, exercise):
    url = f"/admin/exercises/exercise/{exercise.pk}/change/"
    assert staff.get(url).status_code == 200
    response = staff.post(url, form_data(exercise))
    assert response.status_code == 302, response.content.decode()[:2000]
    exercise.refresh_from_db()
    assert exercise.prompt_html == "<p>New <strong>prompt</strong>.</p>\n"
    assert (exercise.difficulty, exercise.time_limit_seconds) == ("medium", 4)
    assert "<strong>prompt</strong>" in staff.get(url).content.decode()  # the preview


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"test_visible": "def test_x(:"}, "not valid Python"),
        ({"test_hidden": "print('no tests')"}, "define no test function"),
        ({"time_limit_seconds": 9}, "From 1 to 5 seconds"),
    ],
)
def test_broken_exercises_are_refused(staff, exercise, changes, message):
    url = f"/admin/exercises/exercise/{exercise.pk}/change/"
    response = staff.post(url, form_data(exercise, **changes))
    assert response.status_code == 200 and message in response.content.decode()
    exercise.refresh_from_db()
    assert exercise.difficulty == "easy"  # nothing saved


def test_the_check_action_reports(staff, exercise, fake_sandbox):
    broken = Exercise.objects.get(pk=exercise.pk)
    broken.pk, broken.slug, broken.starter_code = None, "broken-one", SOLUTION
    broken.save()
    response = staff.post(
        "/admin/exercises/exercise/",
        {"action": "check_exercises", "_selected_action": [exercise.pk, broken.pk]},
        follow=True,
    )
    texts = [str(m) for m in get_messages(response.wsgi_request)] or [
        m.message for m in response.context["messages"]
    ]
    assert f"{exercise.slug}: reference passes 5/5; starter fails 2/2 visible (5/5 in all)" in texts
    assert any(t.startswith("broken-one: reference passes 5/5; starter fails 0/2") and
               "starter passes every test" in t for t in texts), texts  # fmt: skip


def test_runs_are_read_only(staff, exercise):
    run = Run.objects.create(user=UserFactory(), exercise=exercise, mode="run", key="admin-key-1",
                             code="x", status="passed", queued_at="2026-01-01T00:00Z")  # fmt: skip
    assert staff.get("/admin/exercises/run/").status_code == 200
    assert staff.get(f"/admin/exercises/run/{run.pk}/change/").status_code == 200
    assert staff.get("/admin/exercises/run/add/").status_code == 403
    staff.post(f"/admin/exercises/run/{run.pk}/change/", {"status": "failed"})
    run.refresh_from_db()
    assert run.status == "passed"
