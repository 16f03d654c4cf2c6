"""Code lab pages: start and join, the learner's exercise page in lab mode (nothing
secret in it until unlocked), the host's board (host and staff only), results and
their formula-safe CSV."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from apps.labs import selectors, services
from apps.labs.models import Lab
from tests.factories import UserFactory
from tests.labs.conftest import SOLUTION, lab_run

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("dispatched")]


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_start_a_lab_from_the_form(host, exercise):
    client = client_for(host)
    assert client.get(reverse("labs:index")).status_code == 200
    response = client.post(
        reverse("labs:create"),
        {"exercises": exercise.slug, "title": "", "stuck_minutes": 4, "stuck_failures": 3},
    )
    lab = Lab.objects.get()
    assert response.status_code == 302 and response.url == reverse("labs:host", args=[lab.code])
    assert lab.stuck_minutes == 4 and lab.title == exercise.title
    bad = client.post(reverse("labs:create"), {"exercises": "nope", "stuck_minutes": 4,
                                               "stuck_failures": 3})  # fmt: skip
    assert bad.status_code == 404 and b"No such exercise" in bad.content


def test_guests_are_asked_to_log_in_and_learners_join(lab, exercise):
    page = Client().get(reverse("labs:play", args=[lab.code]))
    assert page.status_code == 200 and b"log in" in page.content
    assert Client().post(reverse("labs:join-code", args=[lab.code])).status_code == 302
    user = UserFactory()
    client = client_for(user)
    invite = client.get(reverse("labs:play", args=[lab.code]))
    assert b"Join the lab" in invite.content
    joined = client.post(reverse("labs:join"), {"code": lab.code.lower()})
    assert joined.status_code == 302
    page = client.get(reverse("labs:play", args=[lab.code]))
    assert page.status_code == 200
    body = page.content.decode()
    assert 'id="lab-panel"' in body and 'id="exercise-form"' in body
    assert reverse("api:lab-run-create", args=[lab.code, exercise.slug]) in body
    assert "REFERENCE-SOLUTION" not in body and "SECRET-EXPECTATION" not in body
    wrong = client.post(reverse("labs:join"), {"code": "ZZZZZZ"})
    assert wrong.status_code == 404


def test_the_unlocked_solution_is_on_the_learners_page(lab, host, learners):
    item = selectors.lab_items(lab)[0]
    services.lab_solution_unlock(lab_id=lab.pk, user=host, item_id=item.pk)
    page = client_for(learners[0][0]).get(reverse("labs:play", args=[lab.code]))
    assert "REFERENCE-SOLUTION" in page.content.decode()


def test_runs_without_javascript(lab, learners, exercise):
    client = client_for(learners[0][0])
    response = client.post(reverse("labs:run-create", args=[lab.code]),
                           {"code": SOLUTION, "run": "1"})  # fmt: skip
    assert response.status_code == 302 and "/exercises/runs/" in response.url


def test_the_board_and_results_are_the_hosts(lab, host, learners, exercise, fake_sandbox):
    lab_run(lab, learners[0][0], exercise, SOLUTION, mode="submit")
    for path in ("labs:host", "labs:results", "labs:results-csv"):
        url = reverse(path, args=[lab.code])
        assert client_for(learners[0][0]).get(url).status_code == 403, path
        assert client_for(host).get(url).status_code == 200, path
    assert (
        client_for(UserFactory(is_staff=True))
        .get(reverse("labs:host", args=[lab.code]))
        .status_code
        == 200
    )
    qr = Client().get(reverse("labs:qr", args=[lab.code]))
    assert qr["Content-Type"] == "image/svg+xml"


def test_results_csv_is_formula_safe(lab, host, exercise, fake_sandbox):
    evil = UserFactory(username="evil", display_name="=HYPERLINK(1)")
    services.lab_join(lab_id=lab.pk, user=evil)
    lab_run(lab, evil, exercise, SOLUTION)
    csv_text = client_for(host).get(reverse("labs:results-csv", args=[lab.code])).content.decode()
    assert "'=HYPERLINK(1)" in csv_text
    assert csv_text.splitlines()[0].startswith("learner,username,position,exercise")


def test_ended_labs_send_the_host_to_the_results(lab, host):
    services.lab_end(lab_id=lab.pk, user=host)
    response = client_for(host).get(reverse("labs:host", args=[lab.code]))
    assert response.status_code == 302 and response.url == reverse("labs:results", args=[lab.code])


def test_an_instructor_starts_a_lab_for_a_class(world):
    client = client_for(world.instructor)
    page = client.get(reverse("labs:index"))
    assert "Backend 101" in page.content.decode()
    response = client.post(
        reverse("labs:create"),
        {"exercises": world.exercise.slug, "stuck_minutes": 5, "stuck_failures": 3,
         "classroom": world.classroom.pk},
    )  # fmt: skip
    lab = Lab.objects.get()
    assert response.status_code == 302 and lab.classroom_id == world.classroom.pk
    outsider = client_for(world.outsider)
    refused = outsider.post(reverse("labs:join"), {"code": lab.code})
    assert refused.status_code == 403 and b"members of a class" in refused.content
    foreign = client_for(world.outsider).post(
        reverse("labs:create"),
        {"exercises": world.exercise.slug, "stuck_minutes": 5, "stuck_failures": 3,
         "classroom": world.classroom.pk},
    )  # fmt: skip
    assert foreign.status_code == 400  # not one of the choices offered


def test_wrong_join_codes_are_rate_limited(lab):
    client = client_for(UserFactory())
    for _ in range(services.JOIN_LIMIT.limit):
        assert client.post(reverse("labs:join"), {"code": "ZZZZZZ"}).status_code == 404
    limited = client.post(reverse("labs:join"), {"code": lab.code})
    assert limited.status_code == 429 and b"Too many wrong join codes" in limited.content
