"""REST for classes: what each of the five kinds of people may read and change (every
endpoint), joining and its refusals (the rate limit with Retry-After), assignments and
overrides with their bad input refused and nothing half-written, the gradebook paged in a
constant number of queries, a learner's own row, and the documented fields."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from apps.accounts import services as account_services
from apps.classes import services
from apps.classes.api import views
from apps.classes.models import Assignment, Classroom, Membership, Override
from tests.classes.conftest import World, assignment_times
from tests.factories import UserFactory
from tests.quizzes.conftest import perfect_answers

pytestmark = pytest.mark.django_db

ROLES = ("instructor", "ta", "learner", "outsider", "anonymous")


def client_for(user: Any = None, **extra: Any) -> APIClient:
    """Signed in as an API client is (a personal token), or anonymous."""
    client = APIClient(**extra)
    if user is not None:
        _, key = account_services.api_token_create(user=user, name="tests")
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


def clients(world: World) -> dict[str, APIClient]:
    return {
        role: client_for(None if role == "anonymous" else getattr(world, role)) for role in ROLES
    }


def quiz_assignment(world: World, **changes: Any) -> Assignment:
    opens, due = assignment_times()
    data = {"title": "Quiz 1", "kind": "quiz", "quiz_id": world.quiz.pk, "opens_at": opens,
            "due_at": due, "late_policy": "penalty", "penalty_per_day": 10}  # fmt: skip
    data.update(changes)
    return services.assignment_create(
        user=world.instructor, classroom_id=world.classroom.pk, **data
    )


def error_of(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"}, body  # the one error shape
    return body["error"]


def base(world: World) -> str:
    return f"/api/v1/classes/{world.classroom.pk}"


def fuzz_class(instructor, learner) -> None:
    """A class (ids from 1, so generated ids sometimes hit it) taught by the instructor,
    with the learner in it and an assignment, so class endpoints reach their services."""
    from apps.courses.models import Course
    from apps.quizzes.models import Quiz

    course = Course.objects.get(slug="python-backend-engineering")
    classroom = services.class_create(user=instructor, course=course, name="Fuzz")
    services.class_join(user=learner, code=classroom.invite_code)
    now = timezone.now()
    services.assignment_create(
        user=instructor,
        classroom_id=classroom.pk,
        title="Quiz",
        kind="quiz",
        quiz_id=Quiz.objects.filter(course=course, status="published").first().pk,
        opens_at=now,
        due_at=now + timedelta(days=7),
    )


# --------------------------------------------------------------------------- who may do what


def permission_table(world: World) -> list[tuple[str, Any, dict[str, int]]]:
    """(request, body, status per role). Writes come after the reads they would change."""
    assignment = quiz_assignment(world)
    learner = Membership.objects.get(classroom=world.classroom, user=world.learner)
    ta = Membership.objects.get(classroom=world.classroom, user=world.ta)
    url = base(world)
    a_url = f"{url}/assignments/{assignment.pk}"
    opens, due = assignment_times()
    quiz_work = {"title": "Quiz 2", "kind": "quiz", "quiz": world.quiz.slug,
                 "opens_at": opens.isoformat(), "due_at": due.isoformat()}  # fmt: skip

    def only(**codes: int) -> dict[str, int]:
        return {**dict.fromkeys(ROLES, 404), "anonymous": 401, **codes}

    members = only(instructor=200, ta=200, learner=200)
    staff = only(instructor=200, ta=200)
    change = only(instructor=200, ta=403)
    signed_in = {**dict.fromkeys(ROLES, 200), "anonymous": 401}
    return [
        ("GET /api/v1/classes/", None, signed_in),
        ("GET /api/v1/classes/due/", None, signed_in),
        (f"GET {url}/", None, members),
        (f"GET {url}/roster/", None, staff),
        (f"GET {url}/assignments/", None, members),
        (f"GET {a_url}/overrides/", None, staff),
        (f"GET {url}/gradebook/", None, staff),
        (f"GET {url}/grades/", None, only(learner=200)),
        ("POST /api/v1/classes/join/", {"code": world.classroom.invite_code}, signed_in),
        (f"PATCH {url}/", {"term": "Autumn"}, change),
        (f"POST {url}/invite/rotate/", {}, change),
        (f"POST {url}/staff/", {"username": "assistant", "role": "ta"},
         {**change, "instructor": 201}),
        (f"POST {url}/members/{ta.pk}/remove/", {}, change),
        (f"POST {url}/members/{ta.pk}/restore/", {}, change),
        (f"POST {url}/assignments/", quiz_work, {**change, "instructor": 201}),
        (f"PATCH {a_url}/", {"weight": 2}, change),
        (f"PUT {a_url}/overrides/{learner.user_id}/", {"excused": True}, change),
        (f"DELETE {a_url}/overrides/{learner.user_id}/", None, {**change, "instructor": 204}),
        (f"DELETE {a_url}/", None, {**change, "instructor": 204}),
        (f"POST {url}/members/{learner.pk}/remove/", {}, change),
        ("POST /api/v1/classes/", {"course": world.course.slug, "name": "New"},
         {"instructor": 201, "ta": 403, "learner": 403, "outsider": 403, "anonymous": 401}),
    ]  # fmt: skip


@pytest.mark.parametrize("role", ROLES)
def test_every_endpoint_for_each_of_the_five_roles(world, role):
    client = clients(world)[role]
    wrong = []
    for request, body, expected in permission_table(world):
        method, url = request.split(" ", 1)
        response = getattr(client, method.lower())(url, body, format="json")
        if response.status_code != expected[role]:
            wrong.append(f"{request}: {response.status_code}, expected {expected[role]}")
        elif response.status_code >= 400:
            assert set(response.json()) == {"error"}, request
    assert not wrong, "\n".join(wrong)


def test_refusals_say_not_found_never_forbidden_to_outsiders(world):
    quiz_assignment(world)
    learner, outsider = clients(world)["learner"], clients(world)["outsider"]
    for url in (f"{base(world)}/gradebook/", f"{base(world)}/roster/"):
        assert error_of(learner.get(url), 404)["code"] == "class_not_found"
    assert error_of(outsider.get(f"{base(world)}/"), 404)["code"] == "class_not_found"
    missing = error_of(learner.get("/api/v1/classes/999999/"), 404)
    assert missing == error_of(outsider.get(f"{base(world)}/"), 404)  # the same answer
    anonymous = error_of(clients(world)["anonymous"].get(f"{base(world)}/"), 401)
    assert anonymous["code"] == "not_authenticated"


# --------------------------------------------------------------------------- classes


def test_members_see_the_class_and_only_its_staff_see_the_invite_and_policy(world):
    c = clients(world)
    mine = c["learner"].get("/api/v1/classes/").json()
    assert mine["count"] == 1
    assert mine["results"] == [{
        "id": world.classroom.pk, "name": "Backend 101", "term": "Spring 2027",
        "course": world.course.slug, "course_title": world.course.title, "role": "learner",
        "url": f"/classes/{world.classroom.pk}/",
    }]  # fmt: skip
    detail = c["learner"].get(f"{base(world)}/").json()
    assert detail["settings"] is None and world.classroom.invite_code not in str(detail)
    for role in ("instructor", "ta"):
        staff_view = c[role].get(f"{base(world)}/").json()
        assert staff_view["role"] == role
        assert staff_view["settings"] == {
            "invite_code": world.classroom.invite_code, "invite_open": True,
            "enrolment_cap": None, "time_zone": "UTC", "counted_attempt": "best",
            "late_days": "started", "exercise_scoring": "all_tests",
        }  # fmt: skip
    platform = client_for(world.staff).get(f"{base(world)}/").json()
    assert platform["role"] == "staff" and platform["settings"]["invite_code"]
    assert c["outsider"].get("/api/v1/classes/").json()["count"] == 0


def test_an_instructor_creates_a_class_others_may_not(world):
    c = clients(world)
    created = c["instructor"].post("/api/v1/classes/", {
        "course": world.course.slug, "name": "Backend 102", "term": "Autumn",
        "enrolment_cap": 30, "time_zone": "Europe/Paris",
    }, format="json")  # fmt: skip
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["role"], body["settings"]["enrolment_cap"]) == ("instructor", 30)
    assert (
        body["settings"]["time_zone"] == "Europe/Paris"
        and len(body["settings"]["invite_code"]) == 8
    )
    refused = error_of(c["learner"].post("/api/v1/classes/", {
        "course": world.course.slug, "name": "Mine"}, format="json"), 403)  # fmt: skip
    assert refused["code"] == "cannot_create_classes"
    unknown = error_of(c["instructor"].post("/api/v1/classes/", {
        "course": "no-such-course", "name": "Mine"}, format="json"), 400)  # fmt: skip
    assert unknown["code"] == "invalid" and "course" in unknown["details"]
    zone = error_of(c["instructor"].post("/api/v1/classes/", {
        "course": world.course.slug, "name": "Mine", "time_zone": "Mars/Olympus"},
        format="json"), 400)  # fmt: skip
    assert "time_zone" in zone["details"]
    assert Classroom.objects.count() == 2


def test_instructors_change_settings_and_policy_tas_change_nothing(world):
    c = clients(world)
    url = f"{base(world)}/"
    changed = c["instructor"].patch(url, {
        "name": "Backend 101 (evening)", "enrolment_cap": 20, "invite_open": False,
        "counted_attempt": "last", "late_days": "exact", "exercise_scoring": "share",
    }, format="json")  # fmt: skip
    assert changed.status_code == 200, changed.content
    settings = changed.json()["settings"]
    assert (settings["counted_attempt"], settings["late_days"], settings["exercise_scoring"]) == (
        "last", "exact", "share")  # fmt: skip
    assert (settings["enrolment_cap"], settings["invite_open"]) == (20, False)
    uncapped = c["instructor"].patch(url, {"enrolment_cap": None}, format="json").json()
    assert uncapped["settings"]["enrolment_cap"] is None
    ta = error_of(c["ta"].patch(url, {"name": "Mine now"}, format="json"), 403)
    assert ta["code"] == "not_instructor"
    for body, field in (({"counted_attempt": "random"}, "counted_attempt"),
                        ({"time_zone": "Mars/Olympus"}, "time_zone"), ({"name": ""}, "name"),
                        ({"enrolment_cap": 0}, "enrolment_cap")):  # fmt: skip
        bad = error_of(c["instructor"].patch(url, body, format="json"), 400)
        assert field in bad["details"], bad
    world.classroom.refresh_from_db()
    assert world.classroom.name == "Backend 101 (evening)" and world.classroom.time_zone == "UTC"


def test_rotating_the_invite_retires_the_old_code(world):
    c = clients(world)
    old = world.classroom.invite_code
    rotated = c["instructor"].post(f"{base(world)}/invite/rotate/")
    assert rotated.status_code == 200
    new = rotated.json()["settings"]["invite_code"]
    assert new != old
    newcomer = client_for(UserFactory())
    assert error_of(newcomer.post("/api/v1/classes/join/", {"code": old}, format="json"),
                    404)["code"] == "invite_invalid"  # fmt: skip
    assert newcomer.post("/api/v1/classes/join/", {"code": new}, format="json").status_code == 200


# --------------------------------------------------------------------------- joining


def test_joining_by_code_in_any_case_and_twice(world):
    newcomer = UserFactory()
    client = client_for(newcomer)
    code = world.classroom.invite_code
    joined = client.post("/api/v1/classes/join/", {"code": f"{code[:4].lower()}-{code[4:]}"},
                         format="json")  # fmt: skip
    assert joined.status_code == 200, joined.content
    assert (joined.json()["id"], joined.json()["role"], joined.json()["settings"]) == (
        world.classroom.pk, "learner", None)  # fmt: skip
    again = client.post("/api/v1/classes/join/", {"code": code}, format="json")
    assert again.status_code == 200
    assert Membership.objects.filter(user=newcomer).count() == 1


def test_a_wrong_closed_or_full_class_is_refused_and_nothing_is_written(world):
    newcomer = UserFactory()
    client = client_for(newcomer)
    join = "/api/v1/classes/join/"
    code = world.classroom.invite_code
    assert error_of(client.post(join, {"code": "NOPE2345"}, format="json"), 404)["code"] == (
        "invite_invalid")  # fmt: skip
    assert error_of(client.post(join, {}, format="json"), 400)["details"]["code"]
    services.class_update(user=world.instructor, classroom_id=world.classroom.pk, invite_open=False)
    assert (
        error_of(client.post(join, {"code": code}, format="json"), 409)["code"] == "invite_closed"
    )
    services.class_update(user=world.instructor, classroom_id=world.classroom.pk,
                          invite_open=True, enrolment_cap=1)  # fmt: skip
    assert error_of(client.post(join, {"code": code}, format="json"), 409)["code"] == "class_full"
    assert not Membership.objects.filter(user=newcomer).exists()
    removed = Membership.objects.get(user=world.learner)
    services.member_remove(user=world.instructor, classroom_id=world.classroom.pk,
                           member_id=removed.pk)  # fmt: skip
    back = client_for(world.learner).post(join, {"code": code}, format="json")
    assert error_of(back, 403)["code"] == "removed_from_class"


def test_wrong_codes_are_rate_limited_with_retry_after(world):
    guesser = client_for(UserFactory())
    join = "/api/v1/classes/join/"
    for n in range(services.JOIN_FAILURES.limit):
        response = guesser.post(join, {"code": f"WRONG{n:03d}"}, format="json")
        assert response.status_code == 404
    limited = guesser.post(join, {"code": world.classroom.invite_code}, format="json")
    error = error_of(limited, 429)
    assert error["code"] == "too_many_join_attempts"
    assert 0 < int(limited["Retry-After"]) == error["details"]["retry_after"] <= 900


def test_the_join_limit_counts_the_client_address_too(world):
    """Ten accounts guessing from one address: the eleventh is refused at once."""
    for n in range(services.JOIN_FAILURES.limit):
        guesser = client_for(UserFactory(), REMOTE_ADDR="203.0.113.7")
        guesser.post("/api/v1/classes/join/", {"code": f"WRONG{n:03d}"}, format="json")
    fresh = client_for(UserFactory(), REMOTE_ADDR="203.0.113.7")
    code = world.classroom.invite_code
    limited = fresh.post("/api/v1/classes/join/", {"code": code}, format="json")
    assert error_of(limited, 429)["code"] == "too_many_join_attempts"
    elsewhere = client_for(UserFactory(), REMOTE_ADDR="198.51.100.1")
    assert elsewhere.post("/api/v1/classes/join/", {"code": code}, format="json").status_code == 200


# --------------------------------------------------------------------------- roster and staff


def test_the_roster_with_progress_and_removing_and_restoring(world):
    from apps.courses.models import LessonProgress

    LessonProgress.objects.create(user=world.learner, lesson=world.lessons[0],
                                  completed_at=timezone.now())  # fmt: skip
    c = clients(world)
    roster = c["ta"].get(f"{base(world)}/roster/").json()
    assert roster["count"] == 3
    ada = next(row for row in roster["results"] if row["username"] == "ada")
    membership = Membership.objects.get(user=world.learner)
    assert ada["id"] == membership.pk and ada["user_id"] == world.learner.pk
    assert (ada["role"], ada["removed_at"], ada["lessons_done"]) == ("learner", None, 1)
    assert ada["lessons_total"] == 3 and ada["progress_percent"] == 33
    assert ada["last_activity"] is not None and ada["joined_at"].endswith("Z")
    assert set(ada) == set(views.RosterOutput().fields)
    url = f"{base(world)}/members/{membership.pk}"
    assert error_of(c["ta"].post(f"{url}/remove/"), 403)["code"] == "not_instructor"
    removed = c["instructor"].post(f"{url}/remove/").json()
    assert removed["removed_at"] is not None
    assert error_of(c["learner"].get(f"{base(world)}/"), 404)["code"] == "class_not_found"
    listed = c["instructor"].get(f"{base(world)}/roster/").json()["results"]
    assert any(r["username"] == "ada" and r["removed_at"] for r in listed)  # kept, marked
    restored = c["instructor"].post(f"{url}/restore/").json()
    assert restored["removed_at"] is None
    assert c["learner"].get(f"{base(world)}/").status_code == 200
    instructor = Membership.objects.get(user=world.instructor)
    last = c["instructor"].post(f"{base(world)}/members/{instructor.pk}/remove/")
    assert "at least one instructor" in error_of(last, 403)["message"]
    missing = c["instructor"].post(f"{base(world)}/members/999999/remove/")
    assert error_of(missing, 404)["code"] == "member_not_found"


def test_instructors_add_a_co_instructor_or_a_ta(world):
    c = clients(world)
    UserFactory(username="second")
    staff = f"{base(world)}/staff/"
    added = c["instructor"].post(staff, {"username": "second", "role": "instructor"},
                                 format="json")  # fmt: skip
    assert added.status_code == 201 and added.json()["role"] == "instructor"
    assert set(added.json()) == set(views.MemberOutput().fields)
    unknown = c["instructor"].post(staff, {"username": "nobody", "role": "ta"}, format="json")
    assert error_of(unknown, 404)["code"] == "member_not_found"
    bad_role = c["instructor"].post(staff, {"username": "second", "role": "learner"},
                                    format="json")  # fmt: skip
    assert "role" in error_of(bad_role, 400)["details"]


# --------------------------------------------------------------------------- assignments


def test_assignments_are_created_by_slug_and_bad_ones_refused_with_nothing_written(world):
    c = clients(world)
    url = f"{base(world)}/assignments/"
    opens, due = assignment_times()
    quiz = {"title": "Quiz 1", "kind": "quiz", "quiz": world.quiz.slug,
            "opens_at": opens.isoformat(), "due_at": due.isoformat(),
            "late_policy": "penalty", "penalty_per_day": 12.5, "weight": 2}  # fmt: skip
    cases = [
        ({"due_at": opens.isoformat()}, "invalid_assignment", "due_at"),
        ({"quiz": "no-such-quiz"}, "invalid_assignment", "quiz"),
        ({"kind": "reading", "module": "no-such-module"}, "invalid_assignment", "module"),
        ({"kind": "exercises", "exercises": [world.exercise.slug, "nope"]},
         "invalid_assignment", "exercise_ids"),
        ({"kind": "live", "live_session": 99999}, "invalid_assignment", "live_session"),
        ({"penalty_per_day": 150}, "invalid", "penalty_per_day"),
        ({"opens_at": "next tuesday"}, "invalid", "opens_at"),
        ({"opens_at": "0001-01-01T00:00:00+09:00"}, "invalid", "opens_at"),
        ({"order": -1}, "invalid", "order"),
    ]  # fmt: skip
    for changes, code, field in cases:
        error = error_of(c["instructor"].post(url, {**quiz, **changes}, format="json"), 400)
        assert (error["code"], field in error["details"]) == (code, True), (changes, error)
    assert error_of(c["ta"].post(url, quiz, format="json"), 403)["code"] == "not_instructor"
    assert not Assignment.objects.exists()
    created = c["instructor"].post(url, quiz, format="json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["kind"], body["quiz"], body["module"], body["exercises"]) == (
        "quiz", world.quiz.slug, None, [])  # fmt: skip
    assert (body["penalty_per_day"], body["weight"], body["penalty_cap"]) == (12.5, 2.0, 50.0)
    assert body["my_due_at"] is None and body["standing"] is None
    assert set(body) == set(views.AssignmentOutput().fields)
    reading = c["instructor"].post(url, {**quiz, "kind": "reading", "module": world.module.slug,
                                        "quiz": None}, format="json")  # fmt: skip
    assert reading.status_code == 201 and reading.json()["module"] == world.module.slug
    code = {**quiz, "kind": "exercises", "exercises": [world.exercise.slug]}
    exercises = c["instructor"].post(url, code, format="json")
    assert exercises.json()["exercises"] == [world.exercise.slug]


def test_a_time_without_an_offset_is_read_in_the_class_time_zone(world):
    services.class_update(user=world.instructor, classroom_id=world.classroom.pk,
                          time_zone="America/New_York")  # fmt: skip
    created = clients(world)["instructor"].post(f"{base(world)}/assignments/", {
        "title": "Quiz", "kind": "quiz", "quiz": world.quiz.slug,
        "opens_at": "2027-01-10T09:00", "due_at": "2027-01-17T23:59"}, format="json")  # fmt: skip
    assert created.status_code == 201, created.content
    assert created.json()["due_at"] == "2027-01-18T04:59:00Z"


def test_updating_and_deleting_an_assignment(world):
    assignment = quiz_assignment(world)
    c = clients(world)
    url = f"{base(world)}/assignments/{assignment.pk}/"
    changed = c["instructor"].patch(url, {"title": "Quiz one", "penalty_cap": 30}, format="json")
    assert changed.status_code == 200, changed.content
    assert (changed.json()["title"], changed.json()["penalty_cap"]) == ("Quiz one", 30.0)
    before = changed.json()["due_at"]
    early = c["instructor"].patch(url, {"due_at": changed.json()["opens_at"]}, format="json")
    assert error_of(early, 400)["code"] == "invalid_assignment"
    assert (
        c["instructor"].get(f"{base(world)}/assignments/").json()["results"][0]["due_at"] == before
    )
    assert c["instructor"].delete(url).status_code == 204
    assert error_of(c["instructor"].delete(url), 404)["code"] == "assignment_not_found"


def test_learners_see_their_own_due_time_and_standing(world):
    from apps.quizzes import services as quiz_services

    assignment = quiz_assignment(world)
    later = assignment.due_at + timedelta(days=3)
    services.override_set(user=world.instructor, classroom_id=world.classroom.pk,
                          assignment_id=assignment.pk, learner_id=world.learner.pk,
                          due_at=later)  # fmt: skip
    attempt = quiz_services.attempt_start(user=world.learner, quiz=world.quiz)
    quiz_services.attempt_submit(user=world.learner, attempt_id=attempt.pk,
                                 answers=perfect_answers(world.quiz))  # fmt: skip
    c = clients(world)
    (mine,) = c["learner"].get(f"{base(world)}/assignments/").json()["results"]
    assert mine["my_due_at"].replace("Z", "+00:00") == later.isoformat()
    assert mine["standing"] == {
        "status": "submitted", "score": 100.0, "raw": 100.0, "penalty": 0.0, "days_late": 0.0,
        "submitted_at": mine["standing"]["submitted_at"],
        "refs": [{"kind": "attempt", "id": attempt.pk}],
    }  # fmt: skip
    (staff_view,) = c["ta"].get(f"{base(world)}/assignments/").json()["results"]
    assert staff_view["my_due_at"] is None and staff_view["standing"] is None
    due = c["learner"].get("/api/v1/classes/due/").json()
    assert due["count"] == 1
    assert due["results"][0] == {**mine, "class_name": "Backend 101"}
    assert c["instructor"].get("/api/v1/classes/due/").json()["count"] == 0


# --------------------------------------------------------------------------- overrides


def test_overrides_are_granted_listed_and_revoked(world):
    assignment = quiz_assignment(world)
    c = clients(world)
    url = f"{base(world)}/assignments/{assignment.pk}/overrides/"
    later = (assignment.due_at + timedelta(days=2)).isoformat()
    granted = c["instructor"].put(f"{url}{world.learner.pk}/", {
        "due_at": later, "extra_quiz_minutes": 15, "reason": "Illness"}, format="json")  # fmt: skip
    assert granted.status_code == 200, granted.content
    body = granted.json()
    assert (body["learner_id"], body["username"], body["granted_by"]) == (
        world.learner.pk, "ada", "prof")  # fmt: skip
    assert (body["extra_quiz_minutes"], body["excused"], body["reason"]) == (15, False, "Illness")
    assert set(body) == set(views.OverrideOutput().fields)
    listed = c["ta"].get(url).json()
    assert listed["count"] == 1 and listed["results"][0] == body
    refused = [
        (c["ta"].put(f"{url}{world.learner.pk}/", {"excused": True}, format="json"), 403,
         "not_instructor"),
        (c["instructor"].put(f"{url}{world.outsider.pk}/", {"excused": True}, format="json"), 400,
         "invalid_override"),
        (c["instructor"].put(f"{url}{world.learner.pk}/", {
            "due_at": (assignment.due_at - timedelta(hours=1)).isoformat()}, format="json"), 400,
         "invalid_override"),
        (c["instructor"].put(f"{url}{world.learner.pk}/", {}, format="json"), 400,
         "invalid_override"),
        (c["instructor"].put(f"{url}{world.learner.pk}/", {"extra_quiz_minutes": 601},
                             format="json"), 400, "invalid"),
        (c["learner"].get(url), 404, "class_not_found"),
    ]  # fmt: skip
    for response, status, code in refused:
        assert error_of(response, status)["code"] == code
    override = Override.objects.get()
    assert (override.extra_quiz_minutes, override.reason) == (15, "Illness")  # unchanged
    assert c["instructor"].delete(f"{url}{world.learner.pk}/").status_code == 204
    assert not Override.objects.exists()


# --------------------------------------------------------------------------- grades


def big_class(world: World, learners: int = 40, assignments: int = 6) -> list[Any]:
    """``assignments`` of every kind but live (quizzes, a reading, code) and ``learners``
    (ada and more) with attempts, lessons read, runs and an excuse."""
    made = [quiz_assignment(world, title=f"Quiz {n}") for n in range(assignments - 2)]
    made.append(quiz_assignment(world, title="Read", kind="reading", module_id=world.module.pk,
                                quiz_id=None))  # fmt: skip
    made.append(quiz_assignment(world, title="Code", kind="exercises",
                                exercise_ids=[world.exercise.pk]))  # fmt: skip
    add_learners(world, made, learners - 1)
    return made


def add_learners(world: World, made: list[Any], count: int, start: int = 0) -> None:
    from apps.courses.models import LessonProgress
    from apps.exercises.models import Run
    from apps.quizzes import services as quiz_services

    for n in range(start, start + count):
        user = UserFactory(username=f"learner-{n:03d}")
        services.class_join(user=user, code=world.classroom.invite_code)
        if n % 4 == 0:
            attempt = quiz_services.attempt_start(user=user, quiz=world.quiz)
            quiz_services.attempt_submit(user=user, attempt_id=attempt.pk,
                                         answers=perfect_answers(world.quiz))  # fmt: skip
        LessonProgress.objects.create(user=user, lesson=world.lessons[n % 3],
                                      completed_at=timezone.now())  # fmt: skip
        Run.objects.create(user=user, exercise=world.exercise, mode="submit", key=f"k-{n:05d}",
                           code="x", status="passed", passed=5, total=5,
                           queued_at=timezone.now())  # fmt: skip
        if n % 5 == 0:
            services.override_set(user=world.instructor, classroom_id=world.classroom.pk,
                                  assignment_id=made[0].pk, learner_id=user.pk,
                                  excused=True)  # fmt: skip


def test_every_list_runs_a_constant_number_of_queries(world):
    made = big_class(world, learners=2)
    urls = {
        "instructor": [f"{base(world)}/roster/", f"{base(world)}/assignments/",
                       f"{base(world)}/assignments/{made[0].pk}/overrides/",
                       f"{base(world)}/gradebook/", "/api/v1/classes/"],
        "learner": [f"{base(world)}/assignments/", f"{base(world)}/grades/",
                    "/api/v1/classes/due/", "/api/v1/classes/"],
    }  # fmt: skip
    c = clients(world)

    def counts() -> dict[str, int]:
        found = {}
        for role, listed in urls.items():
            c[role].get("/api/v1/")  # the token's last use is written at most once a while
            for url in listed:
                with CaptureQueriesContext(connection) as queries:
                    assert c[role].get(url).status_code == 200, url
                found[f"{role} {url}"] = len(queries.captured_queries)
        return found

    few = counts()
    add_learners(world, made, 38, start=1)
    many = counts()
    assert many == few
    assert max(many.values()) <= 20, many


def test_the_gradebook_pages_learners_in_a_constant_number_of_queries(
    world, django_assert_max_num_queries
):
    made = big_class(world)
    client = clients(world)["instructor"]
    url = f"{base(world)}/gradebook/"
    with django_assert_max_num_queries(20):
        book = client.get(f"{url}?limit=200").json()
    assert book["count"] == 40 and len(book["results"]) == 40
    assert [a["id"] for a in book["assignments"]] == [a.pk for a in made]
    assert all(len(row["cells"]) == 6 for row in book["results"])
    with django_assert_max_num_queries(20):
        small = client.get(f"{url}?limit=5").json()
    assert len(small["results"]) == 5 and small["next"].endswith("limit=5&offset=5")
    names = [row["username"] for row in book["results"]]
    assert names == sorted(names)
    second = client.get(f"{url}?limit=5&offset=5").json()["results"]
    assert [row["username"] for row in second] == names[5:10]
    row = next(r for r in book["results"] if r["username"] == "learner-000")
    assert set(row) == set(views.GradebookRowOutput().fields)
    first = row["cells"][0]
    assert set(first) == set(views.CellOutput().fields)
    assert first["status"] == "excused" and first["assignment"] == made[0].pk
    quiz_cell = row["cells"][1]
    assert (quiz_cell["status"], quiz_cell["score"]) == ("submitted", 100.0)
    assert quiz_cell["refs"][0]["kind"] == "attempt" and quiz_cell["submitted_at"]
    assert row["total"] == 100.0
    code = row["cells"][5]
    assert code["refs"][0]["kind"] == "run" and code["score"] == 100.0
    assert error_of(client.get(f"{url}?limit=0"), 400)["code"] == "invalid"


def test_totals_are_numbers_never_exponents(world):
    """100 is sent as 100.0, never as Decimal.normalize()'s 1E+2."""
    from apps.quizzes import services as quiz_services

    quiz_assignment(world)
    attempt = quiz_services.attempt_start(user=world.learner, quiz=world.quiz)
    quiz_services.attempt_submit(user=world.learner, attempt_id=attempt.pk,
                                 answers=perfect_answers(world.quiz))  # fmt: skip
    raw = clients(world)["instructor"].get(f"{base(world)}/gradebook/").content.decode()
    assert "E+" not in raw and '"total":100.0' in raw


def test_a_learner_reads_their_own_row_only(world):
    quiz_assignment(world)
    other = UserFactory(username="zed")
    services.class_join(user=other, code=world.classroom.invite_code)
    c = clients(world)
    mine = c["learner"].get(f"{base(world)}/grades/").json()
    assert set(mine) == set(views.MyGradesOutput().fields)
    assert mine["class_id"] == world.classroom.pk and mine["row"]["username"] == "ada"
    assert "zed" not in str(mine) and len(mine["assignments"]) == 1
    for role in ("instructor", "ta", "outsider"):
        assert error_of(c[role].get(f"{base(world)}/grades/"), 404)["code"] == "class_not_found"


def test_lists_are_paginated_and_documented(world):
    quiz_assignment(world)
    c = clients(world)
    for url in ("/api/v1/classes/", f"{base(world)}/roster/", f"{base(world)}/assignments/"):
        body = c["instructor"].get(f"{url}?limit=1").json()
        assert set(body) == {"count", "next", "previous", "results"}, url
        assert len(body["results"]) == 1
    summary = c["instructor"].get("/api/v1/classes/").json()["results"][0]
    assert set(summary) == set(views.ClassOutput().fields)
    detail = c["instructor"].get(f"{base(world)}/").json()
    assert set(detail) == set(views.ClassDetailOutput().fields)
    assert set(detail["settings"]) == set(views.ClassSettingsOutput().fields)


def test_platform_staff_list_every_class_and_an_instructor_with_admin_access_only_theirs(world):
    from django.contrib.auth.models import Group

    other = services.class_create(user=world.staff, course=world.course, name="Elsewhere")
    listed = client_for(world.staff).get("/api/v1/classes/").json()["results"]
    roles = {row["id"]: row["role"] for row in listed}
    assert roles == {world.classroom.pk: "staff", other.pk: "instructor"}
    world.instructor.is_staff = True  # to use the admin
    world.instructor.save()
    world.instructor.groups.add(Group.objects.get(name="instructor"))
    mine = client_for(world.instructor).get("/api/v1/classes/").json()["results"]
    assert [row["id"] for row in mine] == [world.classroom.pk]
    graph = (
        client_for(world.instructor)
        .post("/graphql", {"query": "{ classes { results { id role } } }"}, format="json")
        .json()
    )
    assert graph["data"]["classes"]["results"] == [{"id": world.classroom.pk, "role": "instructor"}]
