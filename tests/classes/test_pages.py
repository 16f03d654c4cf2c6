"""The class pages for the five kinds of people (an instructor, a teaching assistant, a
learner in the class, a learner outside it, an anonymous visitor — and platform staff):
who reads what, who changes what, the refusals shown next to the fields, constant query
counts on the roster and the gradebook, and the dashboard's classes panel."""

from __future__ import annotations

import re
import zoneinfo
from datetime import datetime, timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.classes import services
from apps.classes.models import Assignment, Classroom, Membership, Override, Role
from apps.quizzes import services as quiz_services
from apps.quizzes.models import Attempt
from tests.classes.conftest import assignment_times
from tests.factories import UserFactory
from tests.quizzes.conftest import perfect_answers

pytestmark = pytest.mark.django_db

ROLES = ("instructor", "ta", "learner", "outsider", "anonymous", "staff")


def quiz_assignment(world, **changes):
    opens, due = assignment_times()
    data = {
        "title": "Quiz 1",
        "kind": "quiz",
        "quiz_id": world.quiz.pk,
        "opens_at": opens,
        "due_at": due,
        "late_policy": "penalty",
        "penalty_per_day": 10,
        "penalty_cap": 30,
    }
    data.update(changes)
    return services.assignment_create(
        user=world.instructor, classroom_id=world.classroom.pk, **data
    )


def client_for(world, role: str) -> Client:
    client = Client()
    if role != "anonymous":
        client.force_login(getattr(world, role))
    return client


def take_quiz(user, quiz, answers=None):
    attempt = quiz_services.attempt_start(user=user, quiz=quiz)
    return quiz_services.attempt_submit(
        user=user, attempt_id=attempt.pk, answers=answers or perfect_answers(quiz)
    )


def local(value: datetime, zone: str) -> str:
    return value.astimezone(zoneinfo.ZoneInfo(zone)).strftime("%Y-%m-%dT%H:%M")


def assert_sound_page(response) -> None:
    body = response.content.decode()
    title = re.search(r"<title>(.*?)</title>", body, re.S).group(1)
    assert "<" not in title and title.strip()
    assert len(re.findall(r"<h1[ >]", body)) == 1
    assert "<script>" not in body and " style=" not in body  # CSP: nothing inline


# --------------------------------------------------------------------------- who reads what

OK, NOT_FOUND, FORBIDDEN, LOGIN = 200, 404, 403, 302

# page → status for: instructor, TA, learner, outsider, anonymous, staff
PAGES = {
    "detail": (OK, OK, OK, NOT_FOUND, LOGIN, OK),
    "roster": (OK, OK, NOT_FOUND, NOT_FOUND, LOGIN, OK),
    "roster_csv": (OK, OK, NOT_FOUND, NOT_FOUND, LOGIN, OK),
    "assignment_new": (OK, FORBIDDEN, NOT_FOUND, NOT_FOUND, LOGIN, OK),
    "assignment": (OK, OK, NOT_FOUND, NOT_FOUND, LOGIN, OK),
    "assignment_delete": (OK, FORBIDDEN, NOT_FOUND, NOT_FOUND, LOGIN, OK),
    "gradebook": (OK, OK, NOT_FOUND, NOT_FOUND, LOGIN, OK),
    "gradebook_csv": (OK, OK, NOT_FOUND, NOT_FOUND, LOGIN, OK),
    "learner": (OK, OK, NOT_FOUND, NOT_FOUND, LOGIN, OK),
    "attempt": (OK, OK, NOT_FOUND, NOT_FOUND, LOGIN, OK),
    "analysis": (OK, OK, NOT_FOUND, NOT_FOUND, LOGIN, OK),
    "settings": (OK, FORBIDDEN, NOT_FOUND, NOT_FOUND, LOGIN, OK),
    "index": (OK, OK, OK, OK, LOGIN, OK),
    "create": (OK, FORBIDDEN, FORBIDDEN, FORBIDDEN, LOGIN, OK),
    "join": (OK, OK, OK, OK, LOGIN, OK),
}


STAFF_PAGES = {"roster", "assignment_new", "assignment", "assignment_delete", "gradebook",
               "learner", "attempt", "analysis", "settings"}  # fmt: skip


def page_urls(world) -> dict[str, str]:
    assignment = quiz_assignment(world)
    attempt = take_quiz(world.learner, world.quiz)
    base = f"/classes/{world.classroom.pk}/"
    return {
        "detail": base,
        "roster": f"{base}roster/",
        "roster_csv": f"{base}roster/?format=csv",
        "assignment_new": f"{base}assignments/new/",
        "assignment": assignment.get_absolute_url(),
        "assignment_delete": f"{assignment.get_absolute_url()}delete/",
        "gradebook": f"{base}gradebook/",
        "gradebook_csv": f"{base}gradebook/?format=csv",
        "learner": f"{base}gradebook/{world.learner.pk}/",
        "attempt": f"{base}work/attempts/{attempt.pk}/",
        "analysis": f"{base}analysis/",
        "settings": f"{base}settings/",
        "index": "/classes/",
        "create": "/classes/new/",
        "join": "/classes/join/",
    }


def test_every_page_for_every_role(world):
    urls = page_urls(world)
    for index, role in enumerate(ROLES):
        client = client_for(world, role)
        for name, url in urls.items():
            response = client.get(url)
            expected = PAGES[name][index]
            assert response.status_code == expected, (role, name, response.status_code)
            if expected == LOGIN:
                assert response["Location"].startswith("/accounts/login/?next=")
            if expected == OK and "csv" not in name:
                assert_sound_page(response)
            body = response.content.decode() if expected == OK else ""
            if name in STAFF_PAGES and expected == OK:
                assert 'aria-label="Class pages"' in body, (role, name)
                settings_tab = f'href="/classes/{world.classroom.pk}/settings/"'
                assert (settings_tab in body) == (role != "ta"), (role, name)


def test_a_removed_learner_loses_the_class_and_keeps_their_work(world):
    take_quiz(world.learner, world.quiz)
    membership = Membership.objects.get(classroom=world.classroom, user=world.learner)
    instructor = client_for(world, "instructor")
    response = instructor.post(f"/classes/{world.classroom.pk}/roster/{membership.pk}/remove")
    assert response.status_code == 302
    learner = client_for(world, "learner")
    assert learner.get(f"/classes/{world.classroom.pk}/").status_code == 404
    assert Attempt.objects.filter(user=world.learner).count() == 1  # the work is kept
    gradebook = instructor.get(f"/classes/{world.classroom.pk}/gradebook/")
    assert gradebook.context["lines"] == []
    roster = instructor.get(f"/classes/{world.classroom.pk}/roster/").content.decode()
    assert "Restore ada" in roster
    instructor.post(f"/classes/{world.classroom.pk}/roster/{membership.pk}/restore")
    assert learner.get(f"/classes/{world.classroom.pk}/").status_code == 200


# --------------------------------------------------------------------------- who changes what


def change_requests(world):
    """Every change a class's pages post, with a check that it did not happen."""
    assignment = quiz_assignment(world)
    services.override_set(
        user=world.instructor,
        classroom_id=world.classroom.pk,
        assignment_id=assignment.pk,
        learner_id=world.learner.pk,
        extra_quiz_minutes=15,
    )
    membership = Membership.objects.get(classroom=world.classroom, user=world.learner)
    base = f"/classes/{world.classroom.pk}/"
    opens, due = (local(t, "UTC") for t in assignment_times())
    new_assignment = {
        "title": "Sneaky",
        "kind": "quiz",
        "quiz": world.quiz.pk,
        "opens_at": opens,
        "due_at": due,
        "late_policy": "refuse",
        "penalty_per_day": "10",
        "penalty_cap": "50",
        "weight": "1",
    }
    return assignment, membership, [
        (f"{base}settings/", {"name": "Renamed", "time_zone": "UTC", "counted_attempt": "last",
                              "late_days": "started", "exercise_scoring": "share"}),
        (f"{base}settings/invite", {}),
        (f"{base}assignments/new/", new_assignment),
        (assignment.get_absolute_url(), {**new_assignment, "title": "Changed"}),
        (f"{assignment.get_absolute_url()}delete/", {}),
        (f"{assignment.get_absolute_url()}overrides",
         {"learner": world.learner.pk, "excused": "on"}),
        (f"{assignment.get_absolute_url()}overrides/{world.learner.pk}/revoke", {}),
        (f"{base}roster/{membership.pk}/remove", {}),
        (f"{base}roster/{membership.pk}/restore", {}),
        (f"{base}roster/staff", {"username": "eve", "role": "ta"}),
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("role", "expected"),
    [("ta", FORBIDDEN), ("learner", NOT_FOUND), ("outsider", NOT_FOUND), ("anonymous", LOGIN)],
)
def test_only_instructors_change_a_class(world, role, expected):
    _, membership, requests = change_requests(world)
    code = world.classroom.invite_code
    client = client_for(world, role)
    for url, data in requests:
        assert client.post(url, data).status_code == expected, url
    classroom = Classroom.objects.get(pk=world.classroom.pk)
    assert (classroom.name, classroom.invite_code, classroom.counted_attempt) == (
        "Backend 101",
        code,
        "best",
    )
    assert list(Assignment.objects.values_list("title", flat=True)) == ["Quiz 1"]
    override = Override.objects.get()
    assert (override.extra_quiz_minutes, override.excused) == (15, False)
    membership.refresh_from_db()
    assert membership.removed_at is None
    assert not Membership.objects.filter(user=world.outsider).exists()


def test_every_change_needs_csrf(world):
    _, _, requests = change_requests(world)
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(world.instructor)
    for url, data in [
        *requests,
        ("/classes/new/", {}),
        ("/classes/join/", {}),
        ("/classes/calendar/new", {}),
        ("/classes/calendar/revoke", {}),
    ]:
        assert strict.post(url, data).status_code == 403, url
    assert Classroom.objects.get().name == "Backend 101"


# --------------------------------------------------------------------------- creating a class


def test_an_instructor_creates_a_class(world):
    client = client_for(world, "instructor")
    page = client.get("/classes/").content.decode()
    assert "New class" in page
    response = client.post(
        "/classes/new/",
        {"course": world.course.pk, "name": "Evening group", "term": "Autumn",
         "enrolment_cap": "30", "time_zone": "Europe/Paris"},
    )  # fmt: skip
    classroom = Classroom.objects.get(name="Evening group")
    assert response.status_code == 302 and response["Location"] == classroom.get_absolute_url()
    assert (classroom.enrolment_cap, classroom.time_zone, classroom.term) == (
        30,
        "Europe/Paris",
        "Autumn",
    )
    overview = client.get(classroom.get_absolute_url()).content.decode()
    assert classroom.invite_code in overview
    assert f"/classes/join/{classroom.invite_code}/" in overview
    assert 'data-copy="invite-link"' in overview


def test_create_refusals_are_shown_next_to_the_fields(world):
    client = client_for(world, "instructor")
    response = client.post(
        "/classes/new/",
        {"course": world.course.pk, "name": "  ", "time_zone": "Mars/Olympus",
         "enrolment_cap": "0"},
    )  # fmt: skip
    assert response.status_code == 400
    form = response.context["form"]
    assert set(form.errors) == {"name", "time_zone", "enrolment_cap"}
    assert Classroom.objects.count() == 1
    assert "New class" not in client_for(world, "learner").get("/classes/").content.decode()


# --------------------------------------------------------------------------- joining


def test_join_with_a_code_as_typed_and_twice(world):
    classroom = services.class_create(user=world.instructor, course=world.course, name="Second")
    client = client_for(world, "outsider")
    code = classroom.invite_code
    typed = f"{code[:4].lower()}-{code[4:].lower()}"
    response = client.post("/classes/join/", {"code": typed}, follow=True)
    assert response.redirect_chain[-1][0] == classroom.get_absolute_url()
    assert "Welcome to Second" in response.content.decode()
    again = client.post("/classes/join/", {"code": code}, follow=True)
    assert "You are already in Second" in again.content.decode()
    assert Membership.objects.filter(classroom=classroom, user=world.outsider).count() == 1


def test_join_errors_are_clear(world):
    client = client_for(world, "outsider")
    wrong = client.post("/classes/join/", {"code": "AAAAAAAA"})
    assert wrong.status_code == 404
    assert "No class has this invite code" in str(wrong.context["form"].errors["code"])

    services.class_update(user=world.instructor, classroom_id=world.classroom.pk,
                          invite_open=False)  # fmt: skip
    closed = client.post("/classes/join/", {"code": world.classroom.invite_code})
    assert closed.status_code == 409 and "not taking new learners" in closed.content.decode()

    services.class_update(user=world.instructor, classroom_id=world.classroom.pk,
                          invite_open=True, enrolment_cap=1)  # fmt: skip
    full = client.post("/classes/join/", {"code": world.classroom.invite_code})
    assert full.status_code == 409 and "This class is full" in full.content.decode()

    membership = Membership.objects.get(classroom=world.classroom, user=world.learner)
    services.member_remove(user=world.instructor, classroom_id=world.classroom.pk,
                           member_id=membership.pk)  # fmt: skip
    removed = client_for(world, "learner").post(
        "/classes/join/", {"code": world.classroom.invite_code}
    )
    assert removed.status_code == 403 and "You were removed" in removed.content.decode()
    assert not Membership.objects.filter(user=world.outsider).exists()


def test_wrong_codes_are_rate_limited_by_address(world):
    client = client_for(world, "outsider")
    for _ in range(10):
        assert client.post("/classes/join/", {"code": "AAAAAAAA"},
                           REMOTE_ADDR="203.0.113.9").status_code == 404  # fmt: skip
    limited = client.post("/classes/join/", {"code": world.classroom.invite_code},
                          REMOTE_ADDR="203.0.113.9")  # fmt: skip
    assert limited.status_code == 429 and int(limited["Retry-After"]) > 0
    assert "Too many wrong codes" in limited.content.decode()
    # Another account from the same address is limited too.
    other = Client()
    other.force_login(UserFactory(username="mallory"))
    assert other.post("/classes/join/", {"code": world.classroom.invite_code},
                      REMOTE_ADDR="203.0.113.9").status_code == 429  # fmt: skip
    assert not Membership.objects.filter(user__username__in=["eve", "mallory"]).exists()


def test_an_invite_link_asks_to_sign_in_then_to_confirm(world):
    link = f"/classes/join/{world.classroom.invite_code}/"
    anonymous = Client().get(link)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith(
        f"/accounts/login/?next=/classes/join/{world.classroom.invite_code}/"
    )
    client = client_for(world, "outsider")
    confirm = client.get(link)
    assert confirm.status_code == 200
    assert "Backend 101" not in confirm.content.decode()  # nothing said before it is posted
    assert_sound_page(confirm)
    assert not Membership.objects.filter(user=world.outsider).exists()
    response = client.post(link, {"code": world.classroom.invite_code})
    assert response.status_code == 302
    assert Membership.objects.get(user=world.outsider).role == Role.LEARNER
    wrong = client.post("/classes/join/ZZZZZZZZ/", {"code": "ZZZZZZZZ"})
    assert wrong.status_code == 404 and "No class has this invite code" in wrong.content.decode()


# --------------------------------------------------------------------------- assignments


def assignment_post(world, **changes):
    zone = world.classroom.time_zone
    opens, due = assignment_times()
    data = {
        "title": "Read the first module",
        "kind": "reading",
        "module": world.module.pk,
        "opens_at": local(opens, zone),
        "due_at": local(due, zone),
        "late_policy": "penalty",
        "penalty_per_day": "5",
        "penalty_cap": "20",
        "weight": "2",
        "order": "0",
    }
    data.update(changes)
    return data


def test_an_assignment_is_set_in_the_class_time_zone(world):
    services.class_update(user=world.instructor, classroom_id=world.classroom.pk,
                          time_zone="America/New_York")  # fmt: skip
    client = client_for(world, "instructor")
    form_page = client.get(f"/classes/{world.classroom.pk}/assignments/new/").content.decode()
    assert 'type="datetime-local"' in form_page and "America/New_York" in form_page
    response = client.post(
        f"/classes/{world.classroom.pk}/assignments/new/",
        assignment_post(world, opens_at="2027-03-01T09:00", due_at="2027-03-08T23:59"),
    )
    assignment = Assignment.objects.get()
    assert response.status_code == 302 and response["Location"] == assignment.get_absolute_url()
    zone = zoneinfo.ZoneInfo("America/New_York")
    assert assignment.due_at == datetime(2027, 3, 8, 23, 59, tzinfo=zone)
    assert assignment.opens_at == datetime(2027, 3, 1, 9, 0, tzinfo=zone)
    edit = client.get(assignment.get_absolute_url()).content.decode()
    assert 'value="2027-03-08T23:59"' in edit  # shown back in the class's zone
    assert "8 Mar 2027, 23:59 (America/New_York)" in edit  # the site's one format


def test_assignment_refusals_are_shown_next_to_the_fields(world):
    client = client_for(world, "instructor")
    url = f"/classes/{world.classroom.pk}/assignments/new/"
    early = client.post(url, assignment_post(world, opens_at="2027-03-08T10:00",
                                             due_at="2027-03-01T10:00"))  # fmt: skip
    assert early.status_code == 400
    errors = early.context["form"].errors
    assert "The due time must come after the opening time." in errors["__all__"]
    assert errors["due_at"] == ["Before (or at) the opening time."]
    body = early.content.decode()
    assert 'role="alert"' in body and "Before (or at) the opening time." in body
    no_work = client.post(url, assignment_post(world, module=""))
    assert no_work.status_code == 400
    assert "Not a module of this course." in no_work.context["form"].errors["module"]
    no_exercise = client.post(url, assignment_post(world, kind="exercises"))
    assert "exercises" in no_exercise.context["form"].errors
    assert not Assignment.objects.exists()


def test_edit_delete_and_exercises(world):
    client = client_for(world, "instructor")
    url = f"/classes/{world.classroom.pk}/assignments/new/"
    client.post(url, assignment_post(world, kind="exercises", title="Practise",
                                     exercises=[world.exercise.pk]))  # fmt: skip
    assignment = Assignment.objects.get()
    assert list(assignment.exercises.all()) == [world.exercise]
    response = client.post(
        assignment.get_absolute_url(),
        assignment_post(world, kind="exercises", title="Practise more",
                        exercises=[world.exercise.pk]),
    )  # fmt: skip
    assert response.status_code == 302
    assignment.refresh_from_db()
    assert assignment.title == "Practise more"
    confirm = client.get(f"{assignment.get_absolute_url()}delete/")
    assert "Delete the assignment" in confirm.content.decode()
    client.post(f"{assignment.get_absolute_url()}delete/")
    assert not Assignment.objects.exists()


def test_overrides_record_who_granted_them(world):
    assignment = quiz_assignment(world)
    client = client_for(world, "instructor")
    url = f"{assignment.get_absolute_url()}overrides"
    later = local(assignment.due_at + timedelta(days=3), "UTC")
    response = client.post(url, {"learner": world.learner.pk, "due_at": later,
                                 "extra_quiz_minutes": "20", "reason": "Illness"})  # fmt: skip
    assert response.status_code == 302
    override = Override.objects.get()
    assert (override.granted_by, override.extra_quiz_minutes, override.reason) == (
        world.instructor,
        20,
        "Illness",
    )
    page = client.get(assignment.get_absolute_url()).content.decode()
    assert "by prof" in page and "Illness" in page
    ta_page = client_for(world, "ta").get(assignment.get_absolute_url()).content.decode()
    assert "Illness" in ta_page and "Grant an override" not in ta_page
    assert "Revoke" not in ta_page

    early = local(assignment.due_at - timedelta(days=1), "UTC")
    refused = client.post(url, {"learner": world.learner.pk, "due_at": early})
    assert refused.status_code == 400
    assert refused.context["override_form"].errors["due_at"] == ["Not later than the due time."]
    nothing = client.post(url, {"learner": world.learner.pk})
    assert "Grant a later due time" in nothing.content.decode()
    outsider = client.post(url, {"learner": world.outsider.pk, "excused": "on"})
    assert outsider.status_code == 400 and "learner" in outsider.context["override_form"].errors

    client.post(f"{url}/{world.learner.pk}/revoke")
    assert not Override.objects.exists()


def test_learner_sees_their_own_due_times_and_grades(world):
    assignment = quiz_assignment(world)
    services.override_set(user=world.instructor, classroom_id=world.classroom.pk,
                          assignment_id=assignment.pk, learner_id=world.learner.pk,
                          due_at=assignment.due_at + timedelta(days=2))  # fmt: skip
    other = UserFactory(username="grace")
    services.class_join(user=other, code=world.classroom.invite_code)
    take_quiz(world.learner, world.quiz)
    page = client_for(world, "learner").get(world.classroom.get_absolute_url()).content.decode()
    assert "extended for you" in page
    assert "Submitted" in page and "100" in page
    assert world.quiz.get_absolute_url() in page
    assert "grace" not in page and "Gradebook" not in page
    assert "datetime=" in page and "data-local" in page


# --------------------------------------------------------------------------- roster


def add_learners(world, count: int, prefix: str = "student") -> list:
    users = [UserFactory(username=f"{prefix}{n:04d}") for n in range(count)]
    for user in users:
        services.class_join(user=user, code=world.classroom.invite_code)
    return users


def test_roster_shows_activity_and_progress_in_constant_queries(
    world, django_assert_max_num_queries
):
    take_quiz(world.learner, world.quiz)
    client = client_for(world, "instructor")
    url = f"/classes/{world.classroom.pk}/roster/"
    add_learners(world, 5)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    add_learners(world, 40, prefix="more")
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url)
    body = response.content.decode()
    assert body.count('aria-label="Remove student') + body.count('aria-label="Remove more') == 45
    assert "0 of 3 lessons (0%)" in body
    assert "Teaching assistant" in body


def test_staff_add_by_username(world):
    client = client_for(world, "instructor")
    url = f"/classes/{world.classroom.pk}/roster/staff"
    missing = client.post(url, {"username": "nobody", "role": "ta"})
    assert missing.status_code == 404
    assert (
        "No active account has that username." in missing.context["staff_form"].errors["username"]
    )
    assert client.post(url, {"username": "eve", "role": "instructor"}).status_code == 302
    assert Membership.objects.get(user=world.outsider).role == Role.INSTRUCTOR
    eve = client_for(world, "outsider")
    assert eve.get(f"/classes/{world.classroom.pk}/settings/").status_code == 200


def test_the_last_instructor_stays(world):
    membership = Membership.objects.get(classroom=world.classroom, user=world.instructor)
    client = client_for(world, "instructor")
    response = client.post(
        f"/classes/{world.classroom.pk}/roster/{membership.pk}/remove", follow=True
    )
    assert "keeps at least one instructor" in response.content.decode()
    membership.refresh_from_db()
    assert membership.removed_at is None


# --------------------------------------------------------------------------- gradebook


def late_world(world):
    """Three learners and a quiz that was due 20 hours ago (late work accepted with a
    penalty): ada on time, bob a day late, cy nothing."""
    now = timezone.now()
    assignment = quiz_assignment(world, opens_at=now - timedelta(days=5),
                                 due_at=now + timedelta(days=2))  # fmt: skip
    take_quiz(world.learner, world.quiz)
    Attempt.objects.filter(user=world.learner).update(
        started_at=now - timedelta(days=2, hours=1), submitted_at=now - timedelta(days=2)
    )
    bob, cy = UserFactory(username="bob"), UserFactory(username="cy")
    for user in (bob, cy):
        services.class_join(user=user, code=world.classroom.invite_code)
    Assignment.objects.filter(pk=assignment.pk).update(due_at=now - timedelta(hours=20))
    take_quiz(bob, world.quiz)
    return assignment


def test_gradebook_sorts_and_filters_without_javascript(world):
    assignment = late_world(world)
    client = client_for(world, "ta")
    url = f"/classes/{world.classroom.pk}/gradebook/"
    page = client.get(url)
    body = page.content.decode()
    names = [line.user.username for line in page.context["lines"]]
    assert names == ["ada", "bob", "cy"]
    assert 'aria-sort="ascending"' in body and "Late" in body and "Missing" in body
    by_score = client.get(url, {"sort": f"a{assignment.pk}", "dir": "desc"})
    assert [line.user.username for line in by_score.context["lines"]] == ["ada", "bob", "cy"]
    ascending = client.get(url, {"sort": "total", "dir": "asc"})
    assert [line.user.username for line in ascending.context["lines"]] == ["cy", "bob", "ada"]
    assert 'aria-sort="ascending"' in ascending.content.decode()
    late = client.get(url, {"status": "late"})
    assert [line.user.username for line in late.context["lines"]] == ["bob"]
    assert [line.cells[0].text for line in late.context["lines"]] == ["90"]
    search = client.get(url, {"q": "AD"})
    assert [line.user.username for line in search.context["lines"]] == ["ada"]
    assert (
        client.get(url, {"sort": "nonsense", "dir": "sideways", "status": "x"}).status_code == 200
    )
    # Each cell opens the work that counts; the learner's page lists it too.
    attempt_url = late.context["lines"][0].cells[0].url
    assert re.fullmatch(rf"/classes/{world.classroom.pk}/work/attempts/\d+/", attempt_url)
    work = client.get(attempt_url)
    assert work.status_code == 200 and "Their answer" in work.content.decode()
    missing_cell = client.get(url, {"q": "cy"}).context["lines"][0].cells[0]
    assert (
        missing_cell.url
        == f"/classes/{world.classroom.pk}/gradebook/{UserFactory(username='cy').pk}/"
    )


def test_gradebook_in_constant_queries(world, django_assert_max_num_queries):
    quiz_assignment(world)
    services.assignment_create(
        user=world.instructor, classroom_id=world.classroom.pk, title="Read", kind="reading",
        module_id=world.module.pk, opens_at=assignment_times()[0], due_at=assignment_times()[1],
    )  # fmt: skip
    client = client_for(world, "instructor")
    url = f"/classes/{world.classroom.pk}/gradebook/"
    with CaptureQueriesContext(connection) as few:
        client.get(url)
        client.get(url, {"format": "csv"})
    users = add_learners(world, 60)
    for user in users[:20]:
        take_quiz(user, world.quiz)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(url)
        csv = client.get(url, {"format": "csv"})
    assert len(page.context["lines"]) == 61
    assert csv.content.decode().count("\n") == 62


def test_the_gradebook_pages_its_learners(world, monkeypatch):
    from apps.classes import views

    monkeypatch.setattr(views, "GRADEBOOK_PAGE", 10)
    add_learners(world, 14)
    client = client_for(world, "instructor")
    url = f"/classes/{world.classroom.pk}/gradebook/"
    second = client.get(url, {"page": 2, "sort": "name", "dir": "desc"})
    assert len(second.context["lines"]) == 5
    assert "sort=name&amp;dir=desc&amp;page=1" in second.content.decode()


def test_a_learner_row_for_staff(world):
    late_world(world)
    client = client_for(world, "instructor")
    bob = UserFactory(username="bob")
    page = client.get(f"/classes/{world.classroom.pk}/gradebook/{bob.pk}/").content.decode()
    assert "Late" in page and "10 points off for 1 day(s) late" in page
    assert "Attempt " in page
    assert (
        client.get(f"/classes/{world.classroom.pk}/gradebook/{world.outsider.pk}/").status_code
        == 404
    )


# --------------------------------------------------------------------------- settings


def test_settings_change_the_policy_and_every_grade_follows(world):
    assignment = quiz_assignment(world)
    q = perfect_answers(world.quiz)
    take_quiz(world.learner, world.quiz)  # 100
    take_quiz(world.learner, world.quiz, {k: v for k, v in list(q.items())[:3]})  # 50
    client = client_for(world, "instructor")
    url = f"/classes/{world.classroom.pk}/settings/"
    page = client.get(url).content.decode()
    assert "recomputes every grade" in page and "nothing is lost" in page
    data = {"name": "Backend 101", "term": "Spring 2027", "time_zone": "UTC",
            "invite_open": "on", "counted_attempt": "last", "late_days": "started",
            "exercise_scoring": "all_tests"}  # fmt: skip
    assert client.post(url, data).status_code == 302
    book = client.get(f"/classes/{world.classroom.pk}/gradebook/").context["lines"]
    assert book[0].cells[0].text == "50"
    client.post(url, {**data, "counted_attempt": "best"})
    book = client.get(f"/classes/{world.classroom.pk}/gradebook/").context["lines"]
    assert book[0].cells[0].text == "100"
    assert assignment.pk


def test_settings_close_and_rotate_the_invite(world):
    client = client_for(world, "instructor")
    url = f"/classes/{world.classroom.pk}/settings/"
    old = world.classroom.invite_code
    client.post(f"{url}invite")
    classroom = Classroom.objects.get()
    assert classroom.invite_code != old
    data = {"name": "Backend 101", "time_zone": "UTC", "counted_attempt": "best",
            "late_days": "started", "exercise_scoring": "all_tests"}  # fmt: skip
    client.post(url, data)
    assert Classroom.objects.get().invite_open is False
    overview = client.get(classroom.get_absolute_url()).content.decode()
    assert "The invite is closed" in overview


def test_settings_refusals_next_to_the_fields(world):
    client = client_for(world, "instructor")
    data = {"name": "", "time_zone": "UTC", "counted_attempt": "random"}
    response = client.post(f"/classes/{world.classroom.pk}/settings/", data)
    assert response.status_code == 400
    assert {"name", "counted_attempt"} <= set(response.context["form"].errors)


# --------------------------------------------------------------------------- item analysis


def test_item_analysis_of_a_quiz(world, django_assert_max_num_queries):
    assignment = quiz_assignment(world)
    take_quiz(world.learner, world.quiz)
    for user in add_learners(world, 3):
        take_quiz(user, world.quiz, {})
    client = client_for(world, "ta")
    with django_assert_max_num_queries(25):
        page = client.get(f"/classes/{world.classroom.pk}/analysis/",
                          {"assignment": assignment.pk})  # fmt: skip
    body = page.content.decode()
    assert "4 counted attempts" in body and "Facility" in body
    assert page.context["quiz"].questions
    assert client.get(f"/classes/{world.classroom.pk}/analysis/",
                      {"assignment": 999999}).status_code == 404  # fmt: skip


def exercises_with_a_run(world):
    from apps.exercises.models import Run

    opens, due = assignment_times()
    assignment = services.assignment_create(
        user=world.instructor, classroom_id=world.classroom.pk, title="Code",
        kind="exercises", exercise_ids=[world.exercise.pk], opens_at=opens, due_at=due,
    )  # fmt: skip
    results = [
        {"name": "test_adds_small_numbers", "outcome": "passed", "hidden": False,
         "message": "", "duration_ms": 1},
        {"name": "hidden test 1", "outcome": "failed", "hidden": True,
         "message": "expected 3", "duration_ms": 1},
    ]  # fmt: skip
    run = Run.objects.create(
        user=world.learner, exercise=world.exercise, mode="submit", key="page-run-1",
        code="def add(a, b):\n    return a - b  # MINE\n", status="failed", tests=results,
        queued_at=timezone.now(), passed=1, total=2,
    )  # fmt: skip
    return assignment, run


def test_staff_read_a_learners_run(world):
    _, run = exercises_with_a_run(world)
    url = f"/classes/{world.classroom.pk}/work/runs/{run.pk}/"
    page = client_for(world, "ta").get(url)
    assert page.status_code == 200
    body = page.content.decode()
    assert "return a - b  # MINE" in body and "1 of 2 tests passed" in body
    assert "hidden test 1" in body
    assert_sound_page(page)
    for role, status in (("learner", 404), ("outsider", 404), ("anonymous", 302)):
        assert client_for(world, role).get(url).status_code == status
    cell = client_for(world, "instructor").get(f"/classes/{world.classroom.pk}/gradebook/")
    assert cell.context["lines"][0].cells[0].url == url
    other = services.class_create(user=world.instructor, course=world.course, name="Other")
    elsewhere = f"/classes/{other.pk}/work/runs/{run.pk}/"
    assert client_for(world, "instructor").get(elsewhere).status_code == 404


def test_item_analysis_of_exercises(world):
    assignment, _ = exercises_with_a_run(world)
    page = client_for(world, "instructor").get(
        f"/classes/{world.classroom.pk}/analysis/", {"assignment": assignment.pk}
    )
    body = page.content.decode()
    assert "1 learner with a counted submission" in body
    assert "Failed most often: <strong>hidden test 1</strong>" in body
    assert_sound_page(page)


# --------------------------------------------------------------------------- calendar and index


def test_the_calendar_address_is_shown_once_and_revocable(world):
    client = client_for(world, "learner")
    response = client.post("/classes/calendar/new")
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    url = re.search(r'value="(http://testserver/classes/calendar/[^"]+\.ics)"',
                    response.content.decode()).group(1)  # fmt: skip
    assert client.get(url).status_code == 200
    index = client.get("/classes/").content.decode()
    assert url not in index and "Make a new address" in index
    client.post("/classes/calendar/revoke")
    assert client.get(url).status_code == 404


def test_platform_staff_see_every_class(world):
    services.class_create(user=world.instructor, course=world.course, name="Other group")
    page = client_for(world, "staff").get("/classes/").content.decode()
    assert "Every class" in page and "Other group" in page and "Backend 101" in page
    assert "Every class" not in client_for(world, "instructor").get("/classes/").content.decode()


def test_the_nav_has_classes_for_signed_in_people(world):
    assert 'href="/classes/"' in client_for(world, "learner").get("/").content.decode()
    assert 'href="/classes/"' not in Client().get("/").content.decode()


# --------------------------------------------------------------------------- dashboard


def test_dashboard_shows_due_next_late_and_grades(world, django_assert_max_num_queries):
    now = timezone.now()
    soon = quiz_assignment(world, title="Soon", opens_at=now - timedelta(days=1),
                           due_at=now + timedelta(hours=30))  # fmt: skip
    services.assignment_create(
        user=world.instructor, classroom_id=world.classroom.pk, title="Overdue reading",
        kind="reading", module_id=world.module.pk, opens_at=now - timedelta(days=5),
        due_at=now - timedelta(days=2), late_policy="penalty",
    )  # fmt: skip
    services.assignment_create(
        user=world.instructor, classroom_id=world.classroom.pk, title="Closed reading",
        kind="reading", module_id=world.module.pk, opens_at=now - timedelta(days=5),
        due_at=now - timedelta(days=1), late_policy="refuse",
    )  # fmt: skip
    client = client_for(world, "learner")
    with django_assert_max_num_queries(28):  # the whole dashboard; a few per class
        page = client.get("/dashboard/").content.decode()
    page = page.replace("\xa0", " ")
    due_next = page.split('id="due-next-title"')[1].split('id="late-title"')[0]
    assert "Soon" in due_next and "in 1 day, 5 hours" in due_next
    assert "data-local" in due_next and soon.title in due_next
    late = page.split('id="late-title"')[1].split("Your grades")[0]
    assert "Overdue reading" in late and "Still accepted" in late
    assert "Closed reading" in late and "Closed: late work is refused" in late
    grades = page.split("Your grades")[1]
    assert "Backend 101" in grades and "0 of 3" in grades  # two missing readings count 0
    take_quiz(world.learner, world.quiz)
    page = client.get("/dashboard/").content.decode()
    assert "Nothing is due" in page
    teacher = client_for(world, "instructor").get("/dashboard/").content.decode()
    assert "Classes you teach" in teacher and "Due next" not in teacher


def test_dashboard_without_classes_points_to_joining(world):
    page = client_for(world, "outsider").get("/dashboard/").content.decode()
    assert "You are not in a class" in page and "/classes/join/" in page
