"""Item analysis from a class's counted work, and the staff's read-only access to a
learner's attempt or run (and to nothing else)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from apps.classes import selectors, services
from apps.classes.errors import ClassNotFound, WorkNotFound
from apps.quizzes import services as quiz_services
from tests.classes.conftest import assignment_times
from tests.factories import UserFactory
from tests.quizzes.conftest import ids, perfect_answers

pytestmark = pytest.mark.django_db


def quiz_assignment(world):
    opens, due = assignment_times()
    return services.assignment_create(
        user=world.instructor,
        classroom_id=world.classroom.pk,
        title="Quiz",
        kind="quiz",
        quiz_id=world.quiz.pk,
        opens_at=opens,
        due_at=due,
    )


def take(user, quiz, answers):
    attempt = quiz_services.attempt_start(user=user, quiz=quiz)
    return quiz_services.attempt_submit(user=user, attempt_id=attempt.pk, answers=answers)


def test_facility_discrimination_and_distractors(world, django_assert_max_num_queries):
    assignment = quiz_assignment(world)
    q = ids(world.quiz)
    single = str(q["single"][0].id)
    learners = [world.learner] + [UserFactory() for _ in range(7)]
    for n, user in enumerate(learners):
        services.class_join(user=user, code=world.classroom.invite_code)
        answers = perfect_answers(world.quiz)
        if n < 4:  # the weaker half: the single-choice question wrong, and nothing else
            answers = {single: {"choice": q["single"][1]["Wrong"]}}
        take(user, world.quiz, answers)
    with django_assert_max_num_queries(14):
        analysis = selectors.quiz_item_analysis(classroom=world.classroom, assignment=assignment)
    assert analysis.attempts == 8 and analysis.group_size == 2
    by_key = {s.key: s for s in analysis.questions}
    stats = by_key["single"]
    assert (stats.seen, stats.answered, stats.facility, stats.discrimination) == (8, 8, 0.5, 1.0)
    picked = {c.text_html: (c.picked, c.share, c.is_correct) for c in stats.choices}
    assert picked == {"Right": (4, 0.5, True), "Wrong": (4, 0.5, False)}
    tf = by_key["tf"]
    assert [(c.text_html, c.picked, c.is_correct) for c in tf.choices] == [
        ("True", 0, False),
        ("False", 4, True),
    ]
    assert by_key["order"].choices == []  # no distractors for an ordering


def test_exercise_analysis_counts_each_test_of_the_counted_runs(world):
    from apps.exercises.models import Run

    opens, due = assignment_times()
    assignment = services.assignment_create(
        user=world.instructor,
        classroom_id=world.classroom.pk,
        title="Code",
        kind="exercises",
        exercise_ids=[world.exercise.pk],
        opens_at=opens,
        due_at=due,
    )

    def tests(*outcomes):
        names = ["test_adds_small_numbers", "test_adds_negatives", "hidden test 1"]
        return [
            {
                "name": n,
                "outcome": o,
                "hidden": n.startswith("hidden"),
                "message": "",
                "duration_ms": 1,
            }
            for n, o in zip(names, outcomes, strict=True)
        ]

    others = [UserFactory() for _ in range(2)]
    for user in others:
        services.class_join(user=user, code=world.classroom.invite_code)
    rows = [
        (world.learner, tests("passed", "failed", "failed"), "failed"),
        (others[0], tests("passed", "passed", "failed"), "failed"),
        (others[1], tests("passed", "passed", "passed"), "passed"),
    ]
    for n, (user, results, status) in enumerate(rows):
        Run.objects.create(
            user=user,
            exercise=world.exercise,
            mode="submit",
            key=f"an-{n:05d}",
            code="x",
            status=status,
            tests=results,
            queued_at=timezone.now(),
            passed=sum(r["outcome"] == "passed" for r in results),
            total=3,
        )
    analysis = selectors.exercise_item_analysis(classroom=world.classroom, assignment=assignment)
    (stats,) = analysis.exercises
    assert stats.learners == 3
    assert [(t.name, t.hidden, t.share) for t in stats.tests] == [
        ("test_adds_small_numbers", False, 1.0),
        ("test_adds_negatives", False, 0.667),
        ("hidden test 1", True, 0.333),
    ]
    assert stats.most_common_failing == ("hidden test 1", 2)


def test_staff_read_a_learners_work_and_nothing_else(world):
    quiz_assignment(world)
    attempt = take(world.learner, world.quiz, perfect_answers(world.quiz))
    for user in (world.instructor, world.ta, world.staff):
        _, work = selectors.class_work_for_staff(
            user=user, classroom_id=world.classroom.pk, kind="attempt", pk=attempt.pk
        )
        assert work == attempt
    for user in (world.learner, world.outsider):
        with pytest.raises(ClassNotFound):
            selectors.class_work_for_staff(
                user=user, classroom_id=world.classroom.pk, kind="attempt", pk=attempt.pk
            )
    stranger = take(world.outsider, world.quiz, {})  # not a learner of the class
    with pytest.raises(WorkNotFound):
        selectors.class_work_for_staff(
            user=world.instructor, classroom_id=world.classroom.pk, kind="attempt", pk=stranger.pk
        )
    other_class = services.class_create(user=world.instructor, course=world.course, name="B")
    with pytest.raises(WorkNotFound):  # a quiz this other class does not set
        selectors.class_work_for_staff(
            user=world.instructor, classroom_id=other_class.pk, kind="attempt", pk=attempt.pk
        )
