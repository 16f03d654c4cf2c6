"""Classes in the admin: an instructor sees and changes only the classes they teach,
every save goes through the services (their refusals become form errors and nothing is
written), staff see everything, calendar keys and reminders are read-only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from apps.classes import services
from apps.classes.models import Assignment, CalendarFeed, Classroom, Membership, Override, Role
from tests.classes.conftest import World
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_world(world: World) -> World:
    """The world's instructor may use the admin (staff status and the instructor group),
    and another instructor teaches a class of their own."""
    world.instructor.is_staff = True
    world.instructor.save()
    other = UserFactory(username="other-prof", roles=["instructor"], is_staff=True)
    world.other_class = services.class_create(  # type: ignore[attr-defined]
        user=other, course=world.course, name="Someone else's class"
    )
    world.other = other  # type: ignore[attr-defined]
    return world


def login(client: Any, user: Any) -> Any:
    client.force_login(user)
    return client


def split(when: datetime) -> dict[str, str]:
    return {"0": when.strftime("%Y-%m-%d"), "1": when.strftime("%H:%M:%S")}


def assignment_form(classroom: Classroom | None, **changes: Any) -> dict[str, Any]:
    opens = changes.pop("opens_at", datetime(2027, 3, 1, 9, 0, tzinfo=UTC))
    due = changes.pop("due_at", datetime(2027, 3, 8, 23, 0, tzinfo=UTC))
    data: dict[str, Any] = {
        "title": "Read module one", "kind": "reading", "order": "0", "weight": "1",
        "module": "", "quiz": "", "live_session": "", "late_policy": "refuse",
        "penalty_per_day": "10", "penalty_cap": "50",
    }  # fmt: skip
    if classroom is not None:
        data["classroom"] = str(classroom.pk)
    for name, when in (("opens_at", opens), ("due_at", due)):
        for part, text in split(when).items():
            data[f"{name}_{part}"] = text
    data.update(changes)
    return data


def management(prefix: str, total: int, initial: int) -> dict[str, str]:
    return {
        f"{prefix}-TOTAL_FORMS": str(total), f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0", f"{prefix}-MAX_NUM_FORMS": "1000",
    }  # fmt: skip


def quiz_assignment(world: World, classroom: Classroom | None = None, **changes: Any) -> Any:
    now = timezone.now()
    data = {"title": "Quiz 1", "kind": "quiz", "quiz_id": world.quiz.pk,
            "opens_at": now - timedelta(days=1), "due_at": now + timedelta(days=7)}  # fmt: skip
    data.update(changes)
    classroom = classroom or world.classroom
    owner = world.instructor if classroom == world.classroom else world.other  # type: ignore[attr-defined]
    return services.assignment_create(user=owner, classroom_id=classroom.pk, **data)


# --------------------------------------------------------------------------- who sees what


def test_an_instructor_sees_only_the_classes_they_teach(client, admin_world):
    world = admin_world
    theirs = quiz_assignment(world, world.other_class, title="Their quiz")
    mine = quiz_assignment(world, title="My quiz")
    login(client, world.instructor)
    listing = client.get(reverse("admin:classes_classroom_changelist")).content.decode()
    assert "Backend 101" in listing and "Someone else" not in listing
    listing = client.get(reverse("admin:classes_assignment_changelist")).content.decode()
    assert "My quiz" in listing and "Their quiz" not in listing
    assert "Someone else" not in listing  # not even as a filter choice
    for url in (
        reverse("admin:classes_classroom_change", args=[world.other_class.pk]),
        reverse("admin:classes_assignment_change", args=[theirs.pk]),
        reverse("admin:classes_assignment_delete", args=[theirs.pk]),
        reverse("admin:classes_classroom_history", args=[world.other_class.pk]),
    ):
        assert client.get(url).status_code == 404, url
    assert client.get(reverse("admin:classes_assignment_change", args=[mine.pk])).status_code == 200
    # A forged POST on another class's assignment changes nothing either.
    response = client.post(
        reverse("admin:classes_assignment_change", args=[theirs.pk]),
        assignment_form(None, title="Hijacked"),
    )
    assert response.status_code == 404
    assert Assignment.objects.get(pk=theirs.pk).title == "Their quiz"


def test_the_class_field_offers_only_their_classes(client, admin_world):
    world = admin_world
    login(client, world.instructor)
    response = client.post(
        reverse("admin:classes_assignment_add"),
        assignment_form(world.other_class, module=str(world.module.pk)),
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not Assignment.objects.exists()


def test_staff_and_superusers_see_every_class(client, admin_world):
    world = admin_world
    staff = UserFactory(username="ops", is_staff=True, is_superuser=True)
    login(client, staff)
    listing = client.get(reverse("admin:classes_classroom_changelist")).content.decode()
    assert "Backend 101" in listing and "Someone else" in listing
    url = reverse("admin:classes_classroom_change", args=[world.other_class.pk])
    assert client.get(url).status_code == 200


def test_a_teaching_assistant_gets_nothing_unless_they_also_teach(client, admin_world):
    world = admin_world
    # A TA of the world's class who is an instructor elsewhere and may use the admin.
    world.ta.is_staff = True
    world.ta.save()
    from django.contrib.auth.models import Group

    world.ta.groups.add(Group.objects.get(name="instructor"))
    login(client, world.ta)
    listing = client.get(reverse("admin:classes_classroom_changelist")).content.decode()
    assert "Backend 101" not in listing
    url = reverse("admin:classes_classroom_change", args=[world.classroom.pk])
    assert client.get(url).status_code == 404
    # Made an instructor of the class, they see it.
    services.class_staff_add(
        user=world.instructor,
        classroom_id=world.classroom.pk,
        username=world.ta.username,
        role=Role.INSTRUCTOR,
    )
    assert client.get(url).status_code == 200
    # Staff status without the instructor group: no class permissions at all.
    plain = UserFactory(username="plain-staff", is_staff=True, roles=["author"])
    services.class_staff_add(
        user=world.instructor, classroom_id=world.classroom.pk, username=plain.username, role="ta"
    )
    login(client, plain)
    assert client.get(reverse("admin:classes_classroom_changelist")).status_code == 403


# --------------------------------------------------------------------------- saving


def test_an_assignment_due_before_it_opens_is_a_form_error_and_nothing_is_saved(
    client, admin_world
):
    world = admin_world
    login(client, world.instructor)
    data = assignment_form(
        world.classroom,
        module=str(world.module.pk),
        opens_at=datetime(2027, 3, 8, 9, 0, tzinfo=UTC),
        due_at=datetime(2027, 3, 1, 9, 0, tzinfo=UTC),
    )
    response = client.post(reverse("admin:classes_assignment_add"), data)
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert form.errors["due_at"] == ["The due time must come after the opening time."]
    assert not Assignment.objects.exists()


def test_an_assignment_without_its_work_gets_the_services_message(client, admin_world):
    world = admin_world
    login(client, world.instructor)
    response = client.post(
        reverse("admin:classes_assignment_add"), assignment_form(world.classroom, kind="quiz")
    )
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert form.errors["quiz"] == ["Choose a published quiz of the class's course."]
    assert not Assignment.objects.exists()


def test_an_instructor_creates_and_changes_an_assignment(client, admin_world):
    world = admin_world
    login(client, world.instructor)
    data = assignment_form(world.classroom, kind="exercises", exercises=[str(world.exercise.pk)])
    response = client.post(reverse("admin:classes_assignment_add"), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assignment = Assignment.objects.get()
    assert assignment.created_by == world.instructor
    assert list(assignment.exercises.all()) == [world.exercise]
    url = reverse("admin:classes_assignment_change", args=[assignment.pk])
    change = assignment_form(
        None, title="Exercises, week 1", kind="exercises", exercises=[str(world.exercise.pk)]
    )
    change.update(management("overrides", 0, 0))
    response = client.post(url, change)
    assert response.status_code == 302, response.content.decode()[:3000]
    assignment.refresh_from_db()
    assert assignment.title == "Exercises, week 1"


def test_times_are_read_in_the_class_time_zone(client, admin_world):
    world = admin_world
    services.class_update(
        user=world.instructor, classroom_id=world.classroom.pk, time_zone="America/New_York"
    )
    login(client, world.instructor)
    data = assignment_form(
        world.classroom,
        module=str(world.module.pk),
        opens_at=datetime(2027, 1, 10, 9, 0, tzinfo=UTC),  # only the wall clock is posted
        due_at=datetime(2027, 1, 17, 23, 59, tzinfo=UTC),
    )
    response = client.post(reverse("admin:classes_assignment_add"), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert Assignment.objects.get().due_at == datetime(2027, 1, 18, 4, 59, tzinfo=UTC)


def test_an_override_records_who_granted_it(client, admin_world):
    world = admin_world
    assignment = quiz_assignment(world)
    login(client, world.instructor)
    due = assignment.due_at + timedelta(days=2)
    data = {"assignment": str(assignment.pk), "user": str(world.learner.pk),
            "extra_quiz_minutes": "15", "reason": "Illness"}  # fmt: skip
    data.update({f"due_at_{part}": text for part, text in split(due).items()})
    response = client.post(reverse("admin:classes_override_add"), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    override = Override.objects.get()
    assert (override.granted_by, override.user, override.reason) == (
        world.instructor,
        world.learner,
        "Illness",
    )
    assert override.due_at == due.replace(microsecond=0)
    assert override.extra_quiz_minutes == 15


def test_an_override_inline_goes_through_the_service(client, admin_world):
    world = admin_world
    assignment = quiz_assignment(world)
    login(client, world.instructor)
    url = reverse("admin:classes_assignment_change", args=[assignment.pk])
    base = assignment_form(
        None, title="Quiz 1", kind="quiz", quiz=str(world.quiz.pk),
        opens_at=assignment.opens_at, due_at=assignment.due_at, **management("overrides", 1, 0),
    )  # fmt: skip
    early = assignment.due_at - timedelta(hours=1)
    row = {"overrides-0-user": str(world.learner.pk), "overrides-0-extra_quiz_minutes": "0",
           "overrides-0-reason": ""}  # fmt: skip
    refused = {**base, **row}
    refused.update({f"overrides-0-due_at_{part}": t for part, t in split(early).items()})
    response = client.post(url, refused)
    assert response.status_code == 200
    errors = response.context["adminform"].form.non_field_errors()
    assert errors == [
        f"Override for {world.learner.username}: "
        "An extension must end after the assignment's due time."
    ]
    assert not Override.objects.exists()
    granted = {**base, **row, "overrides-0-excused": "on"}
    response = client.post(url, granted)
    assert response.status_code == 302, response.content.decode()[:3000]
    override = Override.objects.get()
    assert override.excused and override.granted_by == world.instructor


def test_a_class_is_created_through_the_service_and_a_bad_time_zone_is_refused(client, admin_world):
    world = admin_world
    login(client, world.instructor)
    data = {"course": str(world.course.pk), "name": "Backend 102", "term": "", "time_zone": "Mars",
            "invite_open": "on", "enrolment_cap": "", "counted_attempt": "last",
            "late_days": "started", "exercise_scoring": "share",
            **management("members", 0, 0)}  # fmt: skip
    response = client.post(reverse("admin:classes_classroom_add"), data)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["time_zone"] == [
        "'Mars' is not a time zone (use a name such as Europe/Paris)."
    ]
    assert not Classroom.objects.filter(name="Backend 102").exists()
    data.update({"time_zone": "Europe/Paris", "members-TOTAL_FORMS": "1",
                 "members-0-username": world.ta.username, "members-0-role": "ta"})  # fmt: skip
    response = client.post(reverse("admin:classes_classroom_add"), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    classroom = Classroom.objects.get(name="Backend 102")
    assert (classroom.created_by, classroom.counted_attempt, classroom.exercise_scoring) == (
        world.instructor,
        "last",
        "share",
    )
    roles = dict(
        Membership.objects.filter(classroom=classroom).values_list("user__username", "role")
    )
    assert roles == {world.instructor.username: "instructor", world.ta.username: "ta"}


def members_form(classroom: Classroom, removed: set[int]) -> dict[str, str]:
    members = list(
        Membership.objects.filter(classroom=classroom, role__in=["instructor", "ta"]).order_by(
            "role", "user__username"
        )
    )
    data = {
        "course": str(classroom.course_id), "name": classroom.name, "term": classroom.term,
        "time_zone": classroom.time_zone, "invite_open": "on", "enrolment_cap": "",
        "counted_attempt": classroom.counted_attempt, "late_days": classroom.late_days,
        "exercise_scoring": classroom.exercise_scoring,
        **management("members", len(members), len(members)),
    }  # fmt: skip
    for n, member in enumerate(members):
        data[f"members-{n}-id"] = str(member.pk)
        data[f"members-{n}-classroom"] = str(classroom.pk)
        if member.pk in removed:
            data[f"members-{n}-removed"] = "on"
    return data


def test_staff_are_removed_through_the_service_and_the_last_instructor_stays(client, admin_world):
    world = admin_world
    login(client, world.instructor)
    url = reverse("admin:classes_classroom_change", args=[world.classroom.pk])
    assert client.get(url).status_code == 200
    mine = Membership.objects.get(classroom=world.classroom, user=world.instructor)
    response = client.post(url, members_form(world.classroom, {mine.pk}))
    assert response.status_code == 200
    assert "at least one instructor" in str(response.context["adminform"].form.non_field_errors())
    mine.refresh_from_db()
    assert mine.removed_at is None
    assistant = Membership.objects.get(classroom=world.classroom, user=world.ta)
    response = client.post(url, members_form(world.classroom, {assistant.pk}))
    assert response.status_code == 302, response.content.decode()[:3000]
    assistant.refresh_from_db()
    assert assistant.removed_at is not None and assistant.removed_by == world.instructor
    # Restored by unticking; learners are not rows here, only counted.
    response = client.post(url, members_form(world.classroom, set()))
    assert response.status_code == 302, response.content.decode()[:3000]
    assistant.refresh_from_db()
    assert assistant.removed_at is None
    page = client.get(url).content.decode()
    assert 'name="members-TOTAL_FORMS" value="2"' in page  # the instructor and the TA
    assert "1 — removed and restored on" in page


def test_rotating_the_invite_code(client, admin_world):
    world = admin_world
    login(client, world.instructor)
    old = world.classroom.invite_code
    response = client.post(
        reverse("admin:classes_classroom_changelist"),
        {"action": "rotate_invite", "_selected_action": [str(world.classroom.pk)]},
    )
    assert response.status_code == 302
    world.classroom.refresh_from_db()
    assert world.classroom.invite_code != old
    assert any(world.classroom.invite_code in str(m) for m in get_messages(response.wsgi_request))


def test_deleting_an_assignment_goes_through_the_service(client, admin_world):
    world = admin_world
    assignment = quiz_assignment(world)
    login(client, world.instructor)
    url = reverse("admin:classes_assignment_delete", args=[assignment.pk])
    assert client.post(url, {"post": "yes"}).status_code == 302
    assert not Assignment.objects.exists()


# --------------------------------------------------------------------------- read-only records


def test_calendar_feeds_show_no_key_and_reminders_are_read_only(client, admin_world, settings):
    world = admin_world
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    key = services.calendar_feed_rotate(user=world.learner)
    feed = CalendarFeed.objects.get()
    quiz_assignment(world, due_at=timezone.now() + timedelta(hours=20))
    assert services.reminders_send() == 1
    login(client, UserFactory(username="ops", is_staff=True, is_superuser=True))
    page = client.get(reverse("admin:classes_calendarfeed_change", args=[feed.pk]))
    assert page.status_code == 200
    assert key not in page.content.decode() and feed.key_hash not in page.content.decode()
    assert client.get(reverse("admin:classes_calendarfeed_add")).status_code == 403
    listing = client.get(reverse("admin:classes_reminder_changelist"))
    assert listing.status_code == 200 and "Quiz 1" in listing.content.decode()
    assert client.get(reverse("admin:classes_reminder_add")).status_code == 403


def test_every_page_an_instructor_may_open_renders(client, admin_world):
    world = admin_world
    assignment = quiz_assignment(world)
    services.override_set(
        user=world.instructor,
        classroom_id=world.classroom.pk,
        assignment_id=assignment.pk,
        learner_id=world.learner.pk,
        excused=True,
    )
    login(client, world.instructor)
    for name, args in (
        ("classroom_changelist", []), ("classroom_add", []),
        ("classroom_change", [world.classroom.pk]), ("assignment_add", []),
        ("assignment_changelist", []), ("override_changelist", []), ("override_add", []),
        ("override_change", [Override.objects.get().pk]),
    ):  # fmt: skip
        assert client.get(reverse(f"admin:classes_{name}", args=args)).status_code == 200, name
    # Calendar feeds and reminders are platform staff's (instructors have no permission).
    assert client.get(reverse("admin:classes_calendarfeed_changelist")).status_code == 403
    assert client.get(reverse("admin:classes_reminder_changelist")).status_code == 403


def test_admin_pages_read_in_a_constant_number_of_queries(client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from bench.gradebook_bench import build_class

    login(client, UserFactory(username="ops", is_staff=True, is_superuser=True))
    counts: dict[str, list[int]] = {}
    for learners in (3, 40):
        built = build_class(learners=learners, assignments=4, prefix=f"n{learners}")
        quiz = built.classroom.assignments.get(kind="quiz")
        members = Membership.objects.filter(classroom=built.classroom, role=Role.LEARNER)
        Override.objects.bulk_create(
            Override(assignment=quiz, user_id=m.user_id, excused=True,
                     granted_by=built.instructor, granted_at=timezone.now())
            for m in members
        )  # fmt: skip
        for name, args in (
            ("classroom_change", [built.classroom.pk]), ("assignment_change", [quiz.pk]),
            ("classroom_changelist", []), ("assignment_changelist", []),
            ("override_changelist", []), ("reminder_changelist", []),
        ):  # fmt: skip
            url = reverse(f"admin:classes_{name}", args=args)
            client.get(url)  # the first read fills the process's caches (content types)
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200
            counts.setdefault(name, []).append(len(queries))
    assert all(small == big for small, big in counts.values()), counts
