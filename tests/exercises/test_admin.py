"""Authoring exercises in the admin: validation on save, the rendered prompt, the Check
action's report, read-only runs."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages

from apps.exercises import services
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


def test_changed_tests_get_their_expected_values_recorded_on_save(staff, exercise, fake_sandbox):
    url = f"/admin/exercises/exercise/{exercise.pk}/change/"
    visible = VISIBLE + '\n\ndef test_adds_three(check):\n    check("add(2, 5)", add(2, 5))\n'
    response = staff.post(url, form_data(exercise, test_visible=visible), follow=True)
    assert response.status_code == 200
    assert "recorded from the reference solution" in response.content.decode()
    exercise.refresh_from_db()
    checks = services.exercise_expectations(exercise)["test_visible.py"]
    assert checks["test_adds_three"] == [["add(2, 5)", 7]]
    assert exercise.visible_test_count == 3
    assert "add(2, 5)" in staff.get(url).content.decode()  # the preview shows them


def test_a_probe_that_cannot_grade_fairly_is_refused_with_the_reason(staff, exercise,
                                                                      fake_sandbox):  # fmt: skip
    url = f"/admin/exercises/exercise/{exercise.pk}/change/"
    hidden = "import time\n\ndef test_clock(check):\n    check('now', time.time())\n"
    response = staff.post(url, form_data(exercise, test_hidden=hidden))
    assert response.status_code == 200
    assert "its values change from run to run" in response.content.decode()
    exercise.refresh_from_db()
    assert exercise.test_hidden == HIDDEN


def test_without_a_sandbox_only_a_draft_can_be_saved(staff, exercise, fake_sandbox):
    fake_sandbox.status_override = "refused"
    url = f"/admin/exercises/exercise/{exercise.pk}/change/"
    visible = VISIBLE + '\n\ndef test_more(check):\n    check("add(2, 5)", add(2, 5))\n'
    refused = staff.post(url, form_data(exercise, test_visible=visible))
    assert refused.status_code == 200 and "Save it as a draft" in refused.content.decode()
    saved = staff.post(url, form_data(exercise, test_visible=visible, status="draft"), follow=True)
    assert "could not be recorded here" in saved.content.decode()
    exercise.refresh_from_db()
    assert exercise.status == "draft" and services.exercise_expectations(exercise) is None


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
