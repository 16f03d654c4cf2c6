"""Exercise pages: the list by module with your standing, the exercise page (its CSP,
nothing secret in it), the form that works without JavaScript, run pages (owner only)."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.exercises.models import Run
from tests.exercises.conftest import SOLUTION, make_exercise
from tests.factories import LessonFactory, ModuleFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_execution(dispatched):
    """Runs are recorded, not executed."""


def finished_run(user, exercise, status="passed", mode="submit", n=0):
    return Run.objects.create(user=user, exercise=exercise, mode=mode, key=f"page-key-{n:04d}",
                              code=SOLUTION, status=status, queued_at="2026-01-01T00:00Z",
                              passed=5, total=5)  # fmt: skip


def test_list_shows_one_grid_with_your_standing_and_modules_to_filter(client, exercise):
    other = make_exercise(LessonFactory(module=ModuleFactory(title="Second module")),
                          slug="second-one", title="Second exercise")  # fmt: skip
    make_exercise(slug="hidden-draft", title="Draft exercise", status="draft")
    user = UserFactory()
    finished_run(user, exercise)
    finished_run(user, other, status="failed", n=1)
    client.force_login(user)
    body = client.get("/exercises/").content.decode()
    assert "Draft exercise" not in body
    assert body.count('class="exercise-grid"') == 1
    assert body.index(exercise.title) < body.index(other.title)
    assert re.search(rf'data-exercise="{exercise.slug}".*?Solved', body, re.S)
    assert re.search(r'data-exercise="second-one".*?Attempted', body, re.S)
    assert "(1 of 1 solved)" in body and "Second module (0 of 1 solved)" in body
    assert "Showing 2 of 2 exercises · you have solved 1." in body


def test_list_filters_by_query_parameters(client, exercise):
    second = ModuleFactory(title="Second module", slug="second")
    other = make_exercise(LessonFactory(module=second), slug="second-one",
                          title="Second exercise", difficulty="hard")  # fmt: skip
    user = UserFactory()
    finished_run(user, exercise)

    def shown(query: str) -> list[str]:
        body = client.get("/exercises/" + query).content.decode()
        return re.findall(r'<li class="exercise-card" data-exercise="([^"]+)"', body)

    assert shown("?module=second") == [other.slug]
    assert shown("?difficulty=hard") == [other.slug]
    assert shown("?difficulty=easy&module=second") == []
    assert shown("?difficulty=nonsense&module=nonsense") == [exercise.slug, other.slug]
    assert shown("?progress=solved") == [exercise.slug, other.slug]  # anonymous: no progress
    client.force_login(user)
    assert shown("?progress=solved") == [exercise.slug]
    assert shown("?progress=unsolved") == [other.slug]
    body = client.get("/exercises/?module=second&progress=unsolved").content.decode()
    assert '<option value="second" selected>' in body
    assert '<option value="unsolved" selected>' in body
    assert "Showing 1 of 2 exercises" in body and "Clear filters" in body


def test_the_list_runs_a_constant_number_of_queries(client, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    user = UserFactory()
    client.force_login(user)
    counts = []
    for size in (1, 10):
        for n in range(size):
            exercise = make_exercise(LessonFactory(module=ModuleFactory()))
            finished_run(user, exercise, n=size * 100 + n)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/exercises/").status_code == 200
        counts.append(len(ctx))
    assert counts[0] == counts[1] and counts[1] <= 6, counts


def test_the_exercise_page(client, exercise):
    response = client.get(f"/exercises/{exercise.slug}/")
    body = response.content.decode()
    assert response.status_code == 200
    for secret in ("REFERENCE-SOLUTION", "SECRET-EXPECTATION", "test_adds_big_numbers"):
        assert secret not in body
    assert "<script>alert(1)</script>" not in body  # the prompt is sanitised
    assert "raise NotImplementedError" in body  # the starter, in the textarea
    assert "Log in</a> or" in body and 'id="run-button"' not in body
    policy = response["Content-Security-Policy"]
    nonce = re.search(r"'nonce-([^']+)'", policy).group(1)
    assert f"style-src 'self' 'nonce-{nonce}'" in policy  # CodeMirror's <style> elements
    assert f'nonce="{nonce}"' in body and "unsafe-inline" not in policy
    assert "X-Cache" not in response  # the nonce must not be cached
    assert client.get("/exercises/nope/").status_code == 404


def test_the_editor_starts_with_your_latest_code(client, exercise):
    user = UserFactory()
    client.force_login(user)
    Run.objects.create(user=user, exercise=exercise, mode="run", key="latest-0001",
                       code="# my latest attempt\n", status="failed",
                       queued_at="2026-01-01T00:00Z")  # fmt: skip
    assert "# my latest attempt" in client.get(f"/exercises/{exercise.slug}/").content.decode()
    starter = client.get(f"/exercises/{exercise.slug}/?starter=1").content.decode()
    assert "# my latest attempt" not in starter and "raise NotImplementedError" in starter


def test_the_form_works_without_javascript(client, exercise, dispatched,
                                          django_capture_on_commit_callbacks):  # fmt: skip
    user = UserFactory()
    client.force_login(user)
    url = f"/exercises/{exercise.slug}/runs"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"code": "x = 1\r\n", "submit": "1", "key": "form-key-01"})
    run = Run.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/exercises/runs/{run.pk}/"
    assert (run.mode, run.code, dispatched) == ("submit", "x = 1\n", [run.pk])
    page = client.get(response["Location"]).content.decode()
    assert 'http-equiv="refresh"' in page and "queued" in page
    busy = client.post(url, {"code": "y = 2", "run": "1", "key": "form-key-02"})
    assert busy.status_code == 409
    assert "already in progress" in busy.content.decode()
    assert "y = 2" in busy.content.decode()  # the code is kept
    assert client.post(url.replace(exercise.slug, "nope"), {"code": "x"}).status_code == 404


def test_run_pages_are_their_owners(client, exercise):
    owner = UserFactory()
    run = finished_run(owner, exercise)
    run.tests = [{"name": "<b>t</b>", "outcome": "passed", "duration_ms": 3, "message": "",
                  "hidden": False}]  # fmt: skip
    run.output = "<script>alert(1)</script>"
    run.save()
    assert client.get(f"/exercises/runs/{run.pk}/").status_code == 302  # log in first
    client.force_login(UserFactory())
    assert client.get(f"/exercises/runs/{run.pk}/").status_code == 404
    client.force_login(owner)
    page = client.get(f"/exercises/runs/{run.pk}/").content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<b>t</b>" not in page
    assert 'http-equiv="refresh"' not in page  # finished: no refresh


def test_the_page_follows_a_run_still_in_flight(client, exercise):
    user = UserFactory()
    client.force_login(user)
    body = client.get(f"/exercises/{exercise.slug}/").content.decode()
    assert "data-active-run" not in body
    run = finished_run(user, exercise, status="running", n=99)
    body = client.get(f"/exercises/{exercise.slug}/").content.decode()
    assert f'data-active-run="{run.pk}"' in body
