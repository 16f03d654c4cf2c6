"""Code labs over REST and GraphQL: starting, joining, running, host controls and the
results, the same services and rules behind both; only the host (or staff) drives a
lab or reads its results; nothing secret reaches learners."""

from __future__ import annotations

import pytest
from django.test import TestCase
from rest_framework.test import APIClient

from apps.accounts import services as account_services
from apps.labs import services
from apps.labs.models import LabLearner, LabStatus
from tests.factories import UserFactory
from tests.labs.conftest import SOLUTION, WRONG, lab_run

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("dispatched")]


def client_for(user) -> APIClient:
    _, key = account_services.api_token_create(user=user, name="tests")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


def gql(client, query, variables=None):
    response = client.post(
        "/graphql", {"query": query, "variables": variables or {}}, format="json"
    )
    assert response.status_code == 200, response.content
    return response.json()


def test_start_join_and_run_over_rest(host, exercise):
    api = client_for(host)
    started = api.post("/api/v1/labs/", {"exercises": [exercise.slug], "title": "Sums"},
                       format="json")  # fmt: skip
    assert started.status_code == 201, started.content
    code = started.json()["code"]
    assert started.json()["exercises"] == [exercise.slug]
    learner = client_for(UserFactory())
    assert learner.post(f"/api/v1/labs/{code}/join/").status_code == 200
    with TestCase.captureOnCommitCallbacks(execute=True):
        run = learner.post(
            f"/api/v1/labs/{code}/exercises/{exercise.slug}/runs/",
            {"code": SOLUTION, "mode": "run", "key": "abcdefgh-1"},
            format="json",
        )
    assert run.status_code == 202, run.content
    assert run.json()["queue_position"] == 1
    busy = learner.post(
        f"/api/v1/labs/{code}/exercises/{exercise.slug}/runs/",
        {"code": SOLUTION, "mode": "submit"},
        format="json",
    )
    assert busy.status_code == 409 and busy.json()["error"]["code"] == "run_in_progress"
    outsider = client_for(UserFactory())
    refused = outsider.post(
        f"/api/v1/labs/{code}/exercises/{exercise.slug}/runs/",
        {"code": SOLUTION, "mode": "run"},
        format="json",
    )
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "not_in_lab"


def test_host_controls_over_rest_and_who_may_use_them(lab, host, learners, exercise):
    api, learner = client_for(host), client_for(learners[0][0])
    for path, body in (
        ("actions/", {"action": "pause", "message": "Stop"}),
        ("hints/", {"text": "Look at line 2"}),
        ("unlock/", {"exercise": exercise.slug}),
    ):
        denied = learner.post(f"/api/v1/labs/{lab.code}/{path}", body, format="json")
        assert denied.status_code == 403, path
        assert api.post(f"/api/v1/labs/{lab.code}/{path}", body, format="json").status_code in (
            200,
            201,
        )
    lab.refresh_from_db()
    assert lab.status == LabStatus.PAUSED
    paused = learner.post(
        f"/api/v1/labs/{lab.code}/exercises/{exercise.slug}/runs/",
        {"code": SOLUTION, "mode": "run"},
        format="json",
    )
    assert paused.status_code == 409 and paused.json()["error"]["code"] == "lab_paused"
    assert learner.get(f"/api/v1/labs/{lab.code}/results/").status_code == 404
    anonymous = APIClient().post(f"/api/v1/labs/{lab.code}/join/")
    assert anonymous.status_code == 401


def test_results_rest_and_graphql_agree(lab, host, learners, exercise, fake_sandbox,
                                        django_assert_max_num_queries):  # fmt: skip
    (alice, _), (bob, _) = learners
    lab_run(lab, alice, exercise, SOLUTION, mode="submit")
    lab_run(lab, bob, exercise, WRONG, mode="submit")
    api = client_for(host)
    with django_assert_max_num_queries(12):
        rest = api.get(f"/api/v1/labs/{lab.code}/results/").json()
    fields = (
        "learner username position exercise runs solved best_run best_mode best_status "
        "best_passed best_total seconds_to_best seconds_to_solve"
    )
    graph = gql(
        api, f'{{ lab_results(code: "{lab.code}") {{ code status results {{ {fields} }} }} }}'
    )
    assert graph["data"]["lab_results"]["results"] == rest["results"]
    by_name = {r["username"]: r for r in rest["results"]}
    assert by_name["learner0"]["solved"] and not by_name["learner1"]["solved"]
    assert "REFERENCE-SOLUTION" not in str(rest)
    other = client_for(UserFactory())
    denied = gql(other, f'{{ lab_results(code: "{lab.code}") {{ code }} }}')
    assert denied["errors"][0]["extensions"]["code"] == "not_found"
    hosted = gql(api, "{ labs_hosted { code learners } }")
    assert hosted["data"]["labs_hosted"] == [{"code": lab.code, "learners": 2}]


HINT = """mutation($code: String!, $learner: Int) {
  lab_hint_send(code: $code, text: "Hi", learner: $learner) { hint { text learner } } }"""
CONTROL = """mutation($code: String!, $action: String!) {
  lab_control(code: $code, action: $action) { lab { status } } }"""
UNLOCK = """mutation($code: String!, $exercise: String!) {
  lab_solution_unlock(code: $code, exercise: $exercise) { lab { code } } }"""
START = """mutation($slug: String!) {
  lab_start(exercises: [$slug], stuck_minutes: 3) { lab { code stuck_minutes status } } }"""


def test_graphql_mutations_call_the_same_services(host, exercise, learners):
    api = client_for(host)
    lab = gql(api, START, {"slug": exercise.slug})["data"]["lab_start"]["lab"]
    assert lab["stuck_minutes"] == 3 and lab["status"] == "running"
    code = lab["code"]
    user = learners[0][0]
    services.lab_join(lab_id=services.selectors.lab_by_code(code=code).pk, user=user)
    learner = LabLearner.objects.get(user=user, lab__code=code)
    hint = gql(api, HINT, {"code": code, "learner": learner.pk})
    assert hint["data"]["lab_hint_send"]["hint"] == {"text": "Hi", "learner": learner.pk}
    denied = gql(client_for(user), CONTROL, {"code": code, "action": "end"})
    assert denied["errors"][0]["extensions"]["code"] == "not_host"
    unlocked = gql(api, UNLOCK, {"code": code, "exercise": exercise.slug})
    assert unlocked["data"]["lab_solution_unlock"]["lab"]["code"] == code
    ended = gql(api, CONTROL, {"code": code, "action": "end"})
    assert ended["data"]["lab_control"]["lab"]["status"] == "ended"


def test_lists_run_a_constant_number_of_queries(host, exercise, django_assert_max_num_queries):
    for _ in range(4):
        lab = services.lab_create(host=host, exercise_slugs=[exercise.slug])
        for _ in range(3):
            services.lab_join(lab_id=lab.pk, user=UserFactory())
        services.lab_end(lab_id=lab.pk, user=host)
    api = client_for(host)
    with django_assert_max_num_queries(8):
        rest = api.get("/api/v1/labs/").json()
    with django_assert_max_num_queries(8):
        graph = gql(api, "{ labs_hosted { code learners status } }")
    assert rest["count"] == 4 and [r["learners"] for r in rest["results"]] == [3, 3, 3, 3]
    assert [r["code"] for r in graph["data"]["labs_hosted"]] == [r["code"] for r in rest["results"]]


def test_admin_lists_labs_and_ends_them_through_the_service(client, lab, learners):
    admin = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin)
    page = client.get("/admin/labs/lab/")
    assert page.status_code == 200 and lab.code in page.content.decode()
    assert client.get(f"/admin/labs/lab/{lab.pk}/change/").status_code == 200
    client.post("/admin/labs/lab/", {"action": "end_labs", "_selected_action": [lab.pk]})
    lab.refresh_from_db()
    assert lab.status == LabStatus.ENDED and lab.ended_at is not None


def test_an_instructor_in_the_admin_sees_only_their_own_labs(client, lab, learners):
    from django.contrib.auth.models import Permission

    other = UserFactory(is_staff=True, roles=["instructor"])
    other.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_lab", "view_labhint"])
    )
    client.force_login(other)
    page = client.get("/admin/labs/lab/")
    assert page.status_code == 200 and lab.code not in page.content.decode()
    assert client.get(f"/admin/labs/lab/{lab.pk}/change/").status_code == 302  # not found
    services.lab_hint_send(lab_id=lab.pk, user=lab.host, text="A private hint")
    assert "A private hint" not in client.get("/admin/labs/labhint/").content.decode()
