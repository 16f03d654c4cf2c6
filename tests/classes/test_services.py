"""Class services: creating and joining classes, staff and removal, assignments,
overrides, the policy, the deadline at quiz submission, calendar keys and reminders —
with the refusals each must make, and nothing half-written."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from apps.classes import selectors, services
from apps.classes.errors import (
    CannotCreateClasses,
    ClassFull,
    ClassNotFound,
    InvalidAssignment,
    InvalidOverride,
    InviteClosed,
    InviteInvalid,
    NotInstructor,
    RemovedFromClass,
    TooManyJoinAttempts,
)
from apps.classes.grades import Status
from apps.classes.models import INVITE_ALPHABET, Assignment, Membership, Override, Role
from apps.quizzes import services as quiz_services
from apps.quizzes.errors import DeadlinePassed
from apps.quizzes.models import Attempt
from tests.classes.conftest import assignment_times
from tests.factories import UserFactory
from tests.quizzes.conftest import perfect_answers

pytestmark = pytest.mark.django_db


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


# --------------------------------------------------------------------------- classes


def test_only_instructors_and_staff_create_classes(world):
    with pytest.raises(CannotCreateClasses):
        services.class_create(user=world.learner, course=world.course, name="Mine")
    assert services.class_create(user=world.staff, course=world.course, name="Staff's").pk
    classroom = world.classroom
    assert len(classroom.invite_code) == 8 and set(classroom.invite_code) <= set(INVITE_ALPHABET)
    assert (
        selectors.class_access(user=world.instructor, classroom_id=classroom.pk).role
        == "instructor"
    )


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"name": ""}, "name is required"),
        ({"enrolment_cap": 0}, "enrolment cap"),
        ({"time_zone": "Mars/Olympus"}, "not a time zone"),
        ({"counted_attempt": "random"}, "counted_attempt must be one of"),
        ({"owner": "eve"}, "Unknown settings"),
    ],
)
def test_bad_settings_are_refused_and_nothing_changes(world, changes, message):
    with pytest.raises(services.ApplicationError, match=message):
        services.class_update(user=world.instructor, classroom_id=world.classroom.pk, **changes)
    world.classroom.refresh_from_db()
    assert world.classroom.name == "Backend 101" and world.classroom.enrolment_cap is None


def test_a_ta_reads_but_changes_nothing_and_outsiders_see_no_class(world):
    assert selectors.class_for_staff(user=world.ta, classroom_id=world.classroom.pk).role == "ta"
    with pytest.raises(NotInstructor):
        services.class_update(user=world.ta, classroom_id=world.classroom.pk, name="Mine now")
    opens, due = assignment_times()
    with pytest.raises(NotInstructor):
        services.assignment_create(
            user=world.ta,
            classroom_id=world.classroom.pk,
            title="x",
            kind="quiz",
            quiz_id=world.quiz.pk,
            opens_at=opens,
            due_at=due,
        )
    for user in (world.learner, world.outsider):
        with pytest.raises(ClassNotFound):
            selectors.class_for_staff(user=user, classroom_id=world.classroom.pk)
    with pytest.raises(ClassNotFound):
        selectors.class_access(user=world.outsider, classroom_id=world.classroom.pk)
    assert selectors.class_access(user=world.staff, classroom_id=world.classroom.pk).can_change


# --------------------------------------------------------------------------- joining


def test_joining_with_the_code_in_any_case_and_twice_is_harmless(world):
    code = world.classroom.invite_code
    newcomer = UserFactory()
    first = services.class_join(user=newcomer, code=f" {code[:4].lower()}-{code[4:]} ")
    again = services.class_join(user=newcomer, code=code)
    assert first.pk == again.pk and first.role == Role.LEARNER


def test_wrong_closed_and_full_classes_are_refused(world):
    newcomer = UserFactory()
    with pytest.raises(InviteInvalid):
        services.class_join(user=newcomer, code="NOPE2345")
    services.class_update(user=world.instructor, classroom_id=world.classroom.pk, invite_open=False)
    with pytest.raises(InviteClosed):
        services.class_join(user=newcomer, code=world.classroom.invite_code)
    services.class_update(
        user=world.instructor, classroom_id=world.classroom.pk, invite_open=True, enrolment_cap=1
    )
    with pytest.raises(ClassFull):  # ada already fills it
        services.class_join(user=newcomer, code=world.classroom.invite_code)
    assert not Membership.objects.filter(user=newcomer).exists()


def test_a_rotated_code_stops_working(world):
    old = world.classroom.invite_code
    rotated = services.class_invite_rotate(user=world.instructor, classroom_id=world.classroom.pk)
    assert rotated.invite_code != old
    with pytest.raises(InviteInvalid):
        services.class_join(user=UserFactory(), code=old)


def test_wrong_codes_are_rate_limited_per_account(world):
    guesser = UserFactory()
    for n in range(services.JOIN_FAILURES.limit):
        with pytest.raises(InviteInvalid):
            services.class_join(user=guesser, code=f"WRONG{n:03d}")
    with pytest.raises(TooManyJoinAttempts) as caught:
        services.class_join(user=guesser, code=world.classroom.invite_code)  # even the right one
    assert caught.value.status == 429 and caught.value.extra["retry_after"] > 0


def test_a_removed_learner_keeps_their_work_but_loses_the_class(world):
    membership = Membership.objects.get(classroom=world.classroom, user=world.learner)
    services.member_remove(
        user=world.instructor, classroom_id=world.classroom.pk, member_id=membership.pk
    )
    with pytest.raises(ClassNotFound):
        selectors.class_access(user=world.learner, classroom_id=world.classroom.pk)
    with pytest.raises(RemovedFromClass):
        services.class_join(user=world.learner, code=world.classroom.invite_code)
    assert Membership.objects.filter(pk=membership.pk, removed_by=world.instructor).exists()
    instructor = Membership.objects.get(classroom=world.classroom, user=world.instructor)
    with pytest.raises(NotInstructor, match="at least one instructor"):
        services.member_remove(
            user=world.instructor, classroom_id=world.classroom.pk, member_id=instructor.pk
        )


# --------------------------------------------------------------------------- assignments


def test_assignments_are_validated_against_the_class(world):
    from tests.factories import ModuleFactory

    other_module = ModuleFactory()  # another course
    opens, _ = assignment_times()
    cases = [
        ({"due_at": opens}, "due time must come after"),
        ({"kind": "reading", "module_id": other_module.pk}, "module of the class's course"),
        ({"kind": "quiz", "quiz_id": None}, "published quiz"),
        ({"kind": "exercises", "exercise_ids": [999999]}, "code exercises"),
        ({"kind": "live", "live_session_id": None}, "live session"),
        ({"penalty_per_day": 150}, "percentage"),
        ({"weight": -1}, "weight"),
        ({"title": ""}, "title is required"),
        ({"opens_at": "next tuesday"}, "date and time"),
    ]
    for changes, message in cases:
        with pytest.raises(InvalidAssignment, match=message):
            quiz_assignment(world, **changes)
    assert not Assignment.objects.exists()
    reading = quiz_assignment(world, kind="reading", module_id=world.module.pk, quiz_id=None)
    exercises = quiz_assignment(world, kind="exercises", exercise_ids=[world.exercise.pk])
    assert reading.module == world.module and list(exercises.exercises.all()) == [world.exercise]


def test_a_naive_time_is_read_in_the_class_time_zone(world):
    services.class_update(
        user=world.instructor, classroom_id=world.classroom.pk, time_zone="America/New_York"
    )
    world.classroom.refresh_from_db()
    assignment = quiz_assignment(world, opens_at="2027-01-10T09:00", due_at="2027-01-17T23:59")
    assert assignment.due_at == datetime(2027, 1, 18, 4, 59, tzinfo=UTC)


def test_overrides_are_for_learners_of_the_class_and_record_who_granted_them(world):
    assignment = quiz_assignment(world)
    with pytest.raises(InvalidOverride, match="not in this class"):
        services.override_set(
            user=world.instructor,
            classroom_id=world.classroom.pk,
            assignment_id=assignment.pk,
            learner_id=world.outsider.pk,
            excused=True,
        )
    with pytest.raises(InvalidOverride, match="after the assignment's due time"):
        services.override_set(
            user=world.instructor,
            classroom_id=world.classroom.pk,
            assignment_id=assignment.pk,
            learner_id=world.learner.pk,
            due_at=assignment.due_at - timedelta(hours=1),
        )
    with pytest.raises(NotInstructor):
        services.override_set(
            user=world.ta,
            classroom_id=world.classroom.pk,
            assignment_id=assignment.pk,
            learner_id=world.learner.pk,
            excused=True,
        )
    override = services.override_set(
        user=world.instructor,
        classroom_id=world.classroom.pk,
        assignment_id=assignment.pk,
        learner_id=world.learner.pk,
        due_at=assignment.due_at + timedelta(days=2),
        extra_quiz_minutes=15,
        reason="Illness",
    )
    assert (override.granted_by, override.reason) == (world.instructor, "Illness")
    assert Override.objects.count() == 1


# --------------------------------------------------------------------------- grades


def submit_quiz(user, quiz, *, perfect=True):
    attempt = quiz_services.attempt_start(user=user, quiz=quiz)
    answers = perfect_answers(quiz) if perfect else {}
    return quiz_services.attempt_submit(user=user, attempt_id=attempt.pk, answers=answers)


def cell_of(world, assignment, user=None, now=None):
    book = selectors.gradebook(classroom=world.classroom, now=now)
    row = next(r for r in book.rows if r.user == (user or world.learner))
    return row.cells[[a.pk for a in book.assignments].index(assignment.pk)], row


def test_the_gradebook_follows_the_policy_and_a_new_policy_recomputes_it(world):
    assignment = quiz_assignment(world)
    best = submit_quiz(world.learner, world.quiz, perfect=True)
    last = submit_quiz(world.learner, world.quiz, perfect=False)
    cell, row = cell_of(world, assignment)
    assert cell.status == Status.SUBMITTED and cell.refs == [("attempt", best.pk)]
    assert cell.score == Decimal(100) and row.total == Decimal(100)
    services.class_update(
        user=world.instructor, classroom_id=world.classroom.pk, counted_attempt="last"
    )
    world.classroom.refresh_from_db()
    cell, row = cell_of(world, assignment)
    assert cell.refs == [("attempt", last.pk)] and cell.score == Decimal(0)
    assert Attempt.objects.filter(user=world.learner).count() == 2  # nothing was lost


def test_a_late_quiz_is_penalised_and_an_extension_makes_it_on_time(world):
    opens = timezone.now() - timedelta(days=5)
    assignment = quiz_assignment(world, opens_at=opens, due_at=timezone.now() - timedelta(hours=30))
    submit_quiz(world.learner, world.quiz)
    cell, _ = cell_of(world, assignment)
    assert (cell.status, cell.days_late, cell.penalty, cell.score) == (
        Status.LATE,
        Decimal(2),
        Decimal(20),
        Decimal(80),
    )
    services.override_set(
        user=world.instructor,
        classroom_id=world.classroom.pk,
        assignment_id=assignment.pk,
        learner_id=world.learner.pk,
        due_at=timezone.now() + timedelta(days=1),
    )
    cell, _ = cell_of(world, assignment)
    assert (cell.status, cell.score) == (Status.SUBMITTED, Decimal(100))


def test_a_refusing_due_time_ends_an_open_attempt_and_only_answers_saved_by_then_count(world):
    due = timezone.now() + timedelta(minutes=10)
    assignment = quiz_assignment(world, due_at=due, late_policy="refuse")
    attempt = quiz_services.attempt_start(user=world.learner, quiz=world.quiz)
    assert attempt.deadline == due  # the attempt closes at the class's due time
    answers = perfect_answers(world.quiz)
    first = dict(list(answers.items())[:2])
    quiz_services.attempt_save_answers(user=world.learner, attempt_id=attempt.pk, answers=first)
    Attempt.objects.filter(pk=attempt.pk).update(deadline=timezone.now() - timedelta(seconds=5))
    with pytest.raises(DeadlinePassed):  # autosave after the due time is refused
        quiz_services.attempt_save_answers(
            user=world.learner, attempt_id=attempt.pk, answers=answers
        )
    graded = quiz_services.attempt_submit(
        user=world.learner, attempt_id=attempt.pk, answers=answers
    )
    assert graded.score == Decimal(2)  # the two answers saved in time
    cell, _ = cell_of(world, assignment)
    assert cell.status == Status.SUBMITTED and cell.refs == [("attempt", attempt.pk)]


def test_extra_quiz_minutes_lengthen_a_timed_attempt(world):
    world.quiz.time_limit_minutes = 20
    world.quiz.save()
    assignment = quiz_assignment(world)
    services.override_set(
        user=world.instructor,
        classroom_id=world.classroom.pk,
        assignment_id=assignment.pk,
        learner_id=world.learner.pk,
        extra_quiz_minutes=10,
    )
    attempt = quiz_services.attempt_start(user=world.learner, quiz=world.quiz)
    assert attempt.deadline - attempt.started_at == timedelta(minutes=30)
    other = UserFactory()
    services.class_join(user=other, code=world.classroom.invite_code)
    plain = quiz_services.attempt_start(user=other, quiz=world.quiz)
    assert plain.deadline - plain.started_at == timedelta(minutes=20)


def test_reading_counts_lessons_completed_and_excused_is_left_out(world):
    from apps.courses.models import LessonProgress

    assignment = quiz_assignment(world, kind="reading", module_id=world.module.pk, quiz_id=None)
    for lesson in world.lessons[:2]:
        LessonProgress.objects.create(
            user=world.learner, lesson=lesson, completed_at=timezone.now() - timedelta(days=30)
        )
    cell, _ = cell_of(world, assignment)
    assert cell.status == Status.IN_PROGRESS and cell.score == Decimal("66.67")
    services.override_set(
        user=world.instructor,
        classroom_id=world.classroom.pk,
        assignment_id=assignment.pk,
        learner_id=world.learner.pk,
        excused=True,
    )
    cell, row = cell_of(world, assignment)
    assert cell.status == Status.EXCUSED and row.total is None


def test_exercise_runs_score_by_the_policy(world):
    from apps.exercises.models import Run

    assignment = quiz_assignment(world, kind="exercises", exercise_ids=[world.exercise.pk])
    common = {
        "user": world.learner,
        "exercise": world.exercise,
        "mode": "submit",
        "code": "x",
        "queued_at": timezone.now(),
    }
    Run.objects.create(key="run-0001", status="failed", passed=4, total=5, **common)
    Run.objects.create(key="run-0002", status="refused", passed=0, total=5, **common)
    cell, _ = cell_of(world, assignment)
    assert (cell.status, cell.score) == (Status.SUBMITTED, Decimal(0))  # all tests or nothing
    services.class_update(
        user=world.instructor, classroom_id=world.classroom.pk, exercise_scoring="share"
    )
    world.classroom.refresh_from_db()
    cell, _ = cell_of(world, assignment)
    assert cell.score == Decimal(80)


def test_a_learner_reads_only_their_own_row(world):
    other = UserFactory()
    services.class_join(user=other, code=world.classroom.invite_code)
    quiz_assignment(world)
    mine = selectors.my_grades(user=world.learner, classroom_id=world.classroom.pk)
    assert [r.user for r in mine.rows] == [world.learner]
    for user in (world.outsider, world.instructor):
        with pytest.raises(ClassNotFound):
            selectors.my_grades(user=user, classroom_id=world.classroom.pk)


def test_the_gradebook_reads_in_a_constant_number_of_queries(world, django_assert_max_num_queries):
    from apps.courses.models import LessonProgress
    from apps.exercises.models import Run

    assignments = [quiz_assignment(world, title=f"Quiz {n}") for n in range(3)]
    assignments.append(
        quiz_assignment(world, kind="reading", module_id=world.module.pk, quiz_id=None)
    )
    assignments.append(quiz_assignment(world, kind="exercises", exercise_ids=[world.exercise.pk]))
    learners = [UserFactory() for _ in range(25)]
    for n, user in enumerate(learners):
        services.class_join(user=user, code=world.classroom.invite_code)
        if n % 3 == 0:
            submit_quiz(user, world.quiz)
        LessonProgress.objects.create(
            user=user, lesson=world.lessons[0], completed_at=timezone.now()
        )
        Run.objects.create(
            user=user,
            exercise=world.exercise,
            mode="submit",
            key=f"k-{n:06d}",
            code="x",
            status="passed",
            passed=5,
            total=5,
            queued_at=timezone.now(),
        )
    with django_assert_max_num_queries(9):
        book = selectors.gradebook(classroom=world.classroom)
    assert len(book.rows) == 26 and len(book.assignments) == 5
    assert all(len(row.cells) == 5 for row in book.rows)


# --------------------------------------------------------------------------- calendar, reminders


def test_calendar_keys_are_stored_as_hashes_and_rotate(world):
    from apps.classes.models import CalendarFeed

    first = services.calendar_feed_rotate(user=world.learner)
    second = services.calendar_feed_rotate(user=world.learner)
    feed = CalendarFeed.objects.get(user=world.learner)
    assert first != second and feed.key_hash == services.feed_key_hash(second)
    assert first not in feed.key_hash


def test_a_reminder_goes_once_to_learners_who_have_not_handed_in(world, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    done = UserFactory(email="done@example.com")
    services.class_join(user=done, code=world.classroom.invite_code)
    quiz_assignment(world, due_at=timezone.now() + timedelta(hours=20))
    submit_quiz(done, world.quiz)
    assert services.reminders_send() == 1
    assert services.reminders_send() == 0  # once per due time
    (message,) = mail.outbox
    assert message.to == ["ada@example.com"] and "Quiz 1" in message.subject


def test_an_attempt_whose_time_ran_out_is_settled_before_the_gradebook_is_read(world):
    assignment = quiz_assignment(world, late_policy="refuse")
    attempt = quiz_services.attempt_start(user=world.learner, quiz=world.quiz)
    answers = perfect_answers(world.quiz)
    quiz_services.attempt_save_answers(user=world.learner, attempt_id=attempt.pk, answers=answers)
    Attempt.objects.filter(pk=attempt.pk).update(deadline=timezone.now() - timedelta(minutes=5))
    cell, _ = cell_of(world, assignment)
    assert cell.status == Status.IN_PROGRESS  # the learner never came back to submit
    assert services.class_attempts_settle(classroom=world.classroom) == 1
    cell, _ = cell_of(world, assignment)
    assert (cell.status, cell.score) == (Status.SUBMITTED, Decimal(100))
    assert services.class_attempts_settle(classroom=world.classroom) == 0


def test_when_an_attempt_was_handed_in_is_worked_out_by_the_database_as_in_python(world):
    """min(submitted, deadline + grace), no earlier than the start: whatever the
    database's arithmetic on timestamps, the same instants as Python's."""
    from apps.classes import grades

    assignment = quiz_assignment(world)
    now = timezone.now()
    cases = [  # (started, deadline, submitted)
        (now - timedelta(hours=2), None, now - timedelta(hours=1)),
        (now - timedelta(hours=2), now - timedelta(hours=1, minutes=30), now - timedelta(hours=1)),
        (now - timedelta(hours=2), now - timedelta(minutes=5), now - timedelta(minutes=7)),
        (now - timedelta(minutes=1), now - timedelta(hours=3), now),  # deadline before start
        (
            now - timedelta(seconds=30, microseconds=250),
            now - timedelta(seconds=1, microseconds=7),
            now - timedelta(microseconds=999_999),
        ),
    ]
    users = [UserFactory() for _ in cases]
    for user, (started, deadline, submitted) in zip(users, cases, strict=True):
        services.class_join(user=user, code=world.classroom.invite_code)
        Attempt.objects.create(
            user=user,
            quiz=world.quiz,
            number=1,
            status="submitted",
            started_at=started,
            deadline=deadline,
            submitted_at=submitted,
            percent=Decimal(50),
            score=Decimal(1),
        )
    facts = selectors._facts(
        [assignment], [u.pk for u in users], selectors.policy_of(world.classroom)
    )
    for user, (started, deadline, submitted) in zip(users, cases, strict=True):
        expected = min(submitted, deadline + grades.GRACE) if deadline else submitted
        (work,) = facts.attempts[(user.pk, world.quiz.pk)]
        assert work.submitted_at == max(expected, started)


def test_a_reminder_says_how_soon_the_work_is_due(world, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    quiz_assignment(world, title="Soon", due_at=timezone.now() + timedelta(minutes=30))
    quiz_assignment(world, title="Later", due_at=timezone.now() + timedelta(hours=5, minutes=5))
    quiz_assignment(world, title="Tomorrow", due_at=timezone.now() + timedelta(hours=23))
    assert services.reminders_send() == 3
    subjects = sorted(m.subject for m in mail.outbox)
    assert subjects == [
        "Due in 5 hours: Later (Backend 101)",
        "Due in less than an hour: Soon (Backend 101)",
        "Due tomorrow: Tomorrow (Backend 101)",
    ]


def test_a_due_time_in_the_class_time_zone_is_enforced_at_that_instant(world):
    """Due at 23:59 in New York (04:59 UTC the next day, in winter): a quiz handed in at
    04:58:30 UTC is on time, one at 05:30 UTC is a day late."""
    services.class_update(
        user=world.instructor, classroom_id=world.classroom.pk, time_zone="America/New_York"
    )
    world.classroom.refresh_from_db()
    assignment = quiz_assignment(world, opens_at="2027-01-10T09:00", due_at="2027-01-17T23:59")
    late = UserFactory()
    services.class_join(user=late, code=world.classroom.invite_code)
    for user, handed_in in ((world.learner, "04:58:30"), (late, "05:30:00")):
        at = datetime.fromisoformat(f"2027-01-18T{handed_in}+00:00")
        Attempt.objects.create(
            user=user,
            quiz=world.quiz,
            number=1,
            status="submitted",
            started_at=at - timedelta(minutes=20),
            submitted_at=at,
            percent=Decimal(90),
            score=Decimal(5),
        )
    now = datetime(2027, 2, 1, tzinfo=UTC)
    on_time, _ = cell_of(world, assignment, now=now)
    after, _ = cell_of(world, assignment, user=late, now=now)
    assert (on_time.status, on_time.score) == (Status.SUBMITTED, Decimal(90))
    assert (after.status, after.days_late, after.score) == (Status.LATE, Decimal(1), Decimal(80))
