"""Code lab services and selectors: starting and joining, lab runs (ordinary runs that
count into progress), the board's bookkeeping (passing tests, stuck learners, error
clusters), fairness of the queue, host actions and who may do them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import TestCase
from django.utils import timezone

from apps.exercises import selectors as exercise_selectors
from apps.exercises.errors import RunInProgress
from apps.exercises.models import Run
from apps.labs import selectors, services
from apps.labs.errors import (
    GuestsRefused,
    LabEnded,
    LabPaused,
    NotInLab,
    NotLabHost,
)
from apps.labs.models import HIDDEN_GROUP, LabFailure, LabProgress, LabRun, LabStatus
from tests.factories import UserFactory
from tests.labs.conftest import SOLUTION, STARTER, WRONG, lab_run, new_key

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("dispatched")]

BROKEN = "def add(a, b):\n    return undefined_name\n"


def board(lab, host):
    lab.refresh_from_db()
    return selectors.lab_board(lab=lab, user=host)


def test_create_makes_a_running_lab_with_a_join_code(lab, exercise, host):
    assert lab.status == LabStatus.RUNNING
    assert len(lab.code) == 6
    assert [i.exercise_id for i in selectors.lab_items(lab)] == [exercise.pk]
    assert selectors.lab_by_code(code=lab.code.lower()).pk == lab.pk


def test_an_ordered_set_keeps_its_order(host, exercise):
    other = __import__("tests.exercises.conftest", fromlist=["make_exercise"]).make_exercise(
        slug="add-again", title="Again"
    )
    lab = services.lab_create(host=host, exercise_slugs=[other.slug, exercise.slug])
    assert [i.exercise.slug for i in selectors.lab_items(lab)] == [other.slug, exercise.slug]


def test_guests_can_neither_host_nor_join(lab):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(GuestsRefused):
        services.lab_create(host=AnonymousUser(), exercise_slugs=["x"])
    with pytest.raises(GuestsRefused):
        services.lab_join(lab_id=lab.pk, user=AnonymousUser())


def test_joining_twice_keeps_one_seat(lab, learners):
    user, learner = learners[0]
    assert services.lab_join(lab_id=lab.pk, user=user).pk == learner.pk
    assert LabProgress.objects.filter(learner=learner).count() == 1


def test_lab_runs_are_ordinary_runs_that_count_into_progress(lab, learners, exercise, fake_sandbox):
    user, _ = learners[0]
    run = lab_run(lab, user, exercise, SOLUTION, mode="submit")
    assert run.status == "passed"
    assert LabRun.objects.get(run=run).recorded
    solved = exercise_selectors.exercise_get_published(slug=exercise.slug, user=user)
    assert exercise_selectors.progress_of(solved) == "solved"


def test_board_counts_passing_tests_histogram_and_first_full_pass(
    lab, host, learners, exercise, fake_sandbox
):
    (alice, _), (bob, _) = learners
    lab_run(lab, alice, exercise, SOLUTION, mode="submit")
    lab_run(lab, bob, exercise, WRONG, mode="run")  # passes the visible tests only
    item = board(lab, host)["items"][0]
    assert item["groups"] == ["test_adds_small_numbers", "test_adds_negatives", HIDDEN_GROUP]
    summary = item["summary"]
    assert summary["tests"] == [
        {"name": "test_adds_small_numbers", "passing": 2},
        {"name": "test_adds_negatives", "passing": 2},
        {"name": HIDDEN_GROUP, "passing": 1},
    ]
    assert summary["histogram"] == [0, 0, 1, 1]
    assert (summary["ran"], summary["all_pass"], summary["full_pass"]) == (2, 1, 1)
    assert summary["median_full_pass_seconds"] is not None
    rows = {r["name"]: r for r in item["rows"]}
    assert rows["Learner 0"]["passed"] == 3 and rows["Learner 0"]["runs"] == 1
    assert rows["Learner 1"]["passed"] == 2 and rows["Learner 1"]["full_pass_at"] is None


def test_a_submit_that_fails_hidden_tests_counts_the_hidden_group_failing(
    lab, host, learners, exercise, fake_sandbox
):
    user, _ = learners[0]
    lab_run(lab, user, exercise, WRONG, mode="submit")
    row = board(lab, host)["items"][0]["rows"][0]
    assert row["tests"][HIDDEN_GROUP] is False
    assert row["passed"] == 2
    clusters = board(lab, host)["items"][0]["clusters"]
    assert {
        "test": HIDDEN_GROUP,
        "kind": "hidden",
        "message": "",
        "runs": 1,
        "learners": 1,
    } in clusters


def test_stuck_when_the_same_test_fails_k_runs_in_a_row(
    lab, host, learners, exercise, fake_sandbox
):
    user, _ = learners[0]
    for _ in range(lab.stuck_failures - 1):
        lab_run(lab, user, exercise, STARTER)
    assert board(lab, host)["items"][0]["rows"][0]["stuck"] == ""
    lab_run(lab, user, exercise, STARTER)
    row = board(lab, host)["items"][0]["rows"][0]
    assert row["stuck"].endswith(f"failed {lab.stuck_failures} runs in a row")
    assert board(lab, host)["items"][0]["summary"]["stuck"] == 1
    lab_run(lab, user, exercise, WRONG)  # passes the visible tests: no longer stuck
    assert board(lab, host)["items"][0]["rows"][0]["stuck"] == ""


def test_stuck_after_n_minutes_without_a_new_passing_test(
    lab, host, learners, exercise, fake_sandbox
):
    user, _ = learners[0]
    lab_run(lab, user, exercise, WRONG)
    later = timezone.now() + timedelta(minutes=lab.stuck_minutes, seconds=5)
    lab.refresh_from_db()
    row = selectors.lab_board(lab=lab, user=host, now=later)["items"][0]["rows"][0]
    assert row["stuck"].startswith("no new test passed for")
    # Passing the same tests again is not progress; passing everything ends it.
    lab_run(lab, user, exercise, WRONG)
    assert selectors.lab_board(lab=lab, user=host, now=later)["items"][0]["rows"][0]["stuck"]
    lab_run(lab, user, exercise, SOLUTION, mode="submit")
    assert not selectors.lab_board(lab=lab, user=host, now=later)["items"][0]["rows"][0]["stuck"]


def test_error_clusters_group_failures_by_test_and_error(
    lab, host, learners, exercise, fake_sandbox
):
    (alice, _), (bob, _) = learners
    lab_run(lab, alice, exercise, STARTER)
    lab_run(lab, bob, exercise, STARTER)
    lab_run(lab, bob, exercise, BROKEN)
    clusters = board(lab, host)["items"][0]["clusters"]
    top = clusters[0]
    assert top["kind"] == "NotImplementedError" and top["runs"] == 2 and top["learners"] == 2
    assert any(c["kind"] == "NameError" and c["learners"] == 1 for c in clusters)
    assert LabFailure.objects.filter(lab=lab).count() == 6


def test_failure_signature():
    assert services.failure_signature("ValueError: bad\nmore") == ("ValueError", "ValueError: bad")
    assert services.failure_signature("add(1, 2): expected 3, got -1")[0] == "wrong value"
    assert services.failure_signature("") == ("failed", "")


def test_recording_is_idempotent_and_ignores_other_runs(
    lab, host, learners, exercise, fake_sandbox
):
    user, _ = learners[0]
    run = lab_run(lab, user, exercise, STARTER)
    assert services.lab_run_record(run_id=run.pk) is None
    assert board(lab, host)["items"][0]["rows"][0]["runs"] == 1
    assert LabFailure.objects.count() == 2
    assert services.lab_run_record(run_id=10**9) is None


def test_one_run_in_flight_per_learner_and_fifo_queue_places(lab, learners, exercise):
    (alice, a), (bob, b) = learners
    with TestCase.captureOnCommitCallbacks(execute=True):
        services.lab_run_create(
            lab_id=lab.pk,
            user=alice,
            exercise_slug=exercise.slug,
            code=SOLUTION,
            mode="run",
            key=new_key(),
        )
    with pytest.raises(RunInProgress):
        services.lab_run_create(
            lab_id=lab.pk,
            user=alice,
            exercise_slug=exercise.slug,
            code=SOLUTION,
            mode="submit",
            key=new_key(),
        )
    with TestCase.captureOnCommitCallbacks(execute=True):
        services.lab_run_create(
            lab_id=lab.pk,
            user=bob,
            exercise_slug=exercise.slug,
            code=SOLUTION,
            mode="submit",
            key=new_key(),
        )
    assert selectors.queue_positions() == {lab.pk: {a.pk: 1, b.pk: 2}}
    assert selectors.queue_position(lab=lab, learner=b) == 2
    # A run of someone outside the lab queued before theirs counts too.


def test_queue_places_count_runs_outside_the_lab(lab, learners, exercise):
    from apps.exercises import services as exercise_services

    outsider = UserFactory()
    with TestCase.captureOnCommitCallbacks(execute=True):
        exercise_services.run_create(
            user=outsider, exercise_slug=exercise.slug, code=SOLUTION, mode="run", key=new_key()
        )
        services.lab_run_create(
            lab_id=lab.pk,
            user=learners[0][0],
            exercise_slug=exercise.slug,
            code=SOLUTION,
            mode="run",
            key=new_key(),
        )
    assert selectors.queue_positions(lab_id=lab.pk) == {lab.pk: {learners[0][1].pk: 2}}


def test_the_same_key_returns_the_same_run(lab, learners, exercise):
    user, _ = learners[0]
    k = new_key()
    first = services.lab_run_create(
        lab_id=lab.pk, user=user, exercise_slug=exercise.slug, code=SOLUTION, mode="run", key=k
    )
    again = services.lab_run_create(
        lab_id=lab.pk, user=user, exercise_slug=exercise.slug, code=SOLUTION, mode="run", key=k
    )
    assert first.pk == again.pk
    assert LabRun.objects.count() == 1


def test_outsiders_cannot_run_in_the_lab(lab, exercise):
    with pytest.raises(NotInLab):
        services.lab_run_create(
            lab_id=lab.pk,
            user=UserFactory(),
            exercise_slug=exercise.slug,
            code=SOLUTION,
            mode="run",
            key=new_key(),
        )


def test_pause_locks_runs_and_resume_unlocks(lab, host, learners, exercise):
    user, learner = learners[0]
    services.lab_pause(lab_id=lab.pk, user=host, message="Look at the board")
    with pytest.raises(LabPaused, match="Look at the board"):
        services.lab_run_create(
            lab_id=lab.pk,
            user=user,
            exercise_slug=exercise.slug,
            code=SOLUTION,
            mode="run",
            key=new_key(),
        )
    state = selectors.lab_learner_state(lab=selectors.lab_by_code(code=lab.code), learner=learner)
    assert state["status"] == "paused" and state["message"] == "Look at the board"
    services.lab_resume(lab_id=lab.pk, user=host)
    services.lab_run_create(
        lab_id=lab.pk,
        user=user,
        exercise_slug=exercise.slug,
        code=SOLUTION,
        mode="run",
        key=new_key(),
    )
    services.lab_end(lab_id=lab.pk, user=host)
    with pytest.raises(LabEnded):
        services.lab_join(lab_id=lab.pk, user=UserFactory())


def test_only_the_host_or_staff_act_on_the_lab(lab, learners, exercise):
    user, learner = learners[0]
    item = selectors.lab_items(lab)[0]
    for action in (
        lambda u: services.lab_pause(lab_id=lab.pk, user=u),
        lambda u: services.lab_hint_send(lab_id=lab.pk, user=u, text="psst"),
        lambda u: services.lab_solution_unlock(lab_id=lab.pk, user=u, item_id=item.pk),
        lambda u: services.lab_spotlight(
            lab_id=lab.pk, user=u, learner_id=learner.pk, item_id=item.pk
        ),
        lambda u: selectors.lab_board(lab=lab, user=u),
        lambda u: selectors.lab_learner_code(
            lab=lab, user=u, learner_id=learner.pk, item_id=item.pk
        ),
        lambda u: selectors.lab_results(lab=lab, user=u),
    ):
        with pytest.raises(NotLabHost):
            action(user)
        # Another instructor, even one with admin access, is not this lab's host.
        with pytest.raises(NotLabHost):
            action(UserFactory(is_staff=True, roles=["instructor"]))
    staff = UserFactory(is_staff=True)
    services.lab_hint_send(lab_id=lab.pk, user=staff, text="From the staff")
    assert selectors.lab_board(lab=lab, user=staff)["hints"][0]["text"] == "From the staff"


def test_hints_reach_everyone_or_one_learner(lab, host, learners):
    (_, a), (_, b) = learners
    services.lab_hint_send(lab_id=lab.pk, user=host, text="For all")
    services.lab_hint_send(lab_id=lab.pk, user=host, text="For A", learner_id=a.pk)
    lab.refresh_from_db()
    assert [h["text"] for h in selectors.lab_learner_state(lab=lab, learner=a)["hints"]] == [
        "For all",
        "For A",
    ]
    assert [h["text"] for h in selectors.lab_learner_state(lab=lab, learner=b)["hints"]] == [
        "For all"
    ]


def test_the_solution_reaches_learners_only_once_unlocked(lab, host, learners, exercise):
    _, learner = learners[0]
    state = selectors.lab_learner_state(lab=lab, learner=learner)
    assert "REFERENCE-SOLUTION" not in str(state)
    assert "SECRET-EXPECTATION" not in str(state)
    item = selectors.lab_items(lab)[0]
    services.lab_solution_unlock(lab_id=lab.pk, user=host, item_id=item.pk)
    lab.refresh_from_db()
    state = selectors.lab_learner_state(lab=lab, learner=learner)
    assert "REFERENCE-SOLUTION" in state["items"][0]["solution"]


def test_host_reads_code_and_spotlights_it_without_the_name(
    lab, host, learners, exercise, fake_sandbox
):
    user, learner = learners[0]
    lab_run(lab, user, exercise, WRONG)
    item = selectors.lab_items(lab)[0]
    code = selectors.lab_learner_code(lab=lab, user=host, learner_id=learner.pk, item_id=item.pk)
    assert code["code"] == WRONG and code["name"] == "Learner 0"
    services.lab_spotlight(lab_id=lab.pk, user=host, learner_id=learner.pk, item_id=item.pk)
    spot = board(lab, host)["spotlight"]
    assert spot["code"] == WRONG and "Learner" not in str(spot)


def test_results_give_each_learners_best_run_and_time(lab, host, learners, exercise, fake_sandbox):
    (alice, _), (bob, _) = learners
    lab_run(lab, alice, exercise, WRONG, mode="submit")
    best = lab_run(lab, alice, exercise, SOLUTION, mode="submit")
    lab_run(lab, alice, exercise, STARTER)
    lab_run(lab, bob, exercise, STARTER)
    results = {r["username"]: r for r in selectors.lab_results(lab=lab, user=host)}
    assert results["learner0"]["best_run"] == best.pk
    assert results["learner0"]["solved"] and results["learner0"]["runs"] == 3
    assert results["learner0"]["seconds_to_solve"] is not None
    assert results["learner1"]["best_passed"] == 0 and not results["learner1"]["solved"]


def test_board_query_count_does_not_grow_with_learners(
    lab, host, exercise, fake_sandbox, django_assert_max_num_queries
):
    for i in range(12):
        user = UserFactory()
        services.lab_join(lab_id=lab.pk, user=user)
        lab_run(lab, user, exercise, STARTER if i % 2 else WRONG)
    lab.refresh_from_db()
    with django_assert_max_num_queries(6):
        data = selectors.lab_board(lab=lab, user=host)
    assert len(data["items"][0]["rows"]) == 12
    with django_assert_max_num_queries(3):
        assert len(selectors.lab_results(lab=lab, user=host)) == 12


def test_runs_made_outside_the_lab_are_not_on_the_board(
    lab, host, learners, exercise, fake_sandbox
):
    from apps.exercises import services as exercise_services

    user, _ = learners[0]
    with TestCase.captureOnCommitCallbacks(execute=True):
        run = exercise_services.run_create(
            user=user, exercise_slug=exercise.slug, code=SOLUTION, mode="submit", key=new_key()
        )
    with TestCase.captureOnCommitCallbacks(execute=True):
        exercise_services.run_execute(run_id=run.pk)
    assert Run.objects.get(pk=run.pk).status == "passed"
    assert board(lab, host)["items"][0]["rows"][0]["runs"] == 0


def test_catch_up_records_finished_runs_whose_signal_was_lost(lab, host, learners, exercise,
                                                              fake_sandbox):  # fmt: skip
    from apps.exercises import services as exercise_services

    user, _ = learners[0]
    with TestCase.captureOnCommitCallbacks(execute=True):
        run = services.lab_run_create(lab_id=lab.pk, user=user, exercise_slug=exercise.slug,
                                      code=SOLUTION, mode="submit", key=new_key())  # fmt: skip
    exercise_services.run_execute(run_id=run.pk)  # its after-commit signal never runs here
    assert not LabRun.objects.get(run=run).recorded
    assert services.lab_catch_up(lab_id=lab.pk) == 1
    assert board(lab, host)["items"][0]["summary"]["full_pass"] == 1
    assert services.lab_catch_up(lab_id=lab.pk) == 0


def test_a_lab_for_a_class_takes_its_members_only(world, host):
    from apps.classes.errors import ClassNotFound

    lab = services.lab_create(host=world.instructor, exercise_slugs=[world.exercise.slug],
                              class_id=world.classroom.pk)  # fmt: skip
    assert lab.classroom_id == world.classroom.pk
    assert services.lab_join(lab_id=lab.pk, user=world.learner).user_id == world.learner.pk
    services.lab_join(lab_id=lab.pk, user=world.ta)  # staff of the class are members too
    with pytest.raises(NotInLab):
        services.lab_join(lab_id=lab.pk, user=world.outsider)
    with pytest.raises(ClassNotFound):  # only the class's staff run labs for it
        services.lab_create(host=world.learner, exercise_slugs=[world.exercise.slug],
                            class_id=world.classroom.pk)  # fmt: skip
    with pytest.raises(ClassNotFound):
        services.lab_create(host=host, exercise_slugs=[world.exercise.slug],
                            class_id=world.classroom.pk)  # fmt: skip


def test_a_class_labs_runs_count_in_its_gradebook(world, fake_sandbox):
    """A lab's runs are ordinary runs: an exercises assignment of the class covering the
    lab grades them like any other."""
    from apps.classes import selectors as class_selectors
    from apps.classes import services as class_services
    from apps.classes.grades import Status
    from apps.exercises import services as exercise_services

    now = timezone.now()
    assignment = class_services.assignment_create(
        user=world.instructor, classroom_id=world.classroom.pk, title="Lab, week 1",
        kind="exercises", exercise_ids=[world.exercise.pk],
        opens_at=now - timedelta(hours=1), due_at=now + timedelta(hours=1),
    )  # fmt: skip
    lab = services.lab_create(host=world.instructor, exercise_slugs=[world.exercise.slug],
                              class_id=world.classroom.pk)  # fmt: skip
    services.lab_join(lab_id=lab.pk, user=world.learner)
    with TestCase.captureOnCommitCallbacks(execute=True):
        run = services.lab_run_create(lab_id=lab.pk, user=world.learner,
                                      exercise_slug=world.exercise.slug, code=SOLUTION,
                                      mode="submit", key=new_key())  # fmt: skip
    exercise_services.run_execute(run_id=run.pk)
    book = class_selectors.gradebook(classroom=world.classroom)
    row = next(r for r in book.rows if r.user == world.learner)
    cell = row.cells[[a.pk for a in book.assignments].index(assignment.pk)]
    assert cell.status == Status.SUBMITTED and cell.score == 100


def test_submitting_again_and_again_goes_to_the_back_of_the_queue(lab, learners, exercise,
                                                                  fake_sandbox):  # fmt: skip
    from apps.exercises import services as exercise_services

    (alice, a), (bob, b) = learners

    def queue(user):
        with TestCase.captureOnCommitCallbacks(execute=True):
            return services.lab_run_create(lab_id=lab.pk, user=user, exercise_slug=exercise.slug,
                                           code=SOLUTION, mode="run", key=new_key())  # fmt: skip

    first = queue(alice)
    queue(bob)
    with TestCase.captureOnCommitCallbacks(execute=True):
        exercise_services.run_execute(run_id=first.pk)  # Alice's turn comes and goes
    queue(alice)  # straight away again: behind Bob, who was waiting
    assert selectors.queue_positions(lab_id=lab.pk) == {lab.pk: {b.pk: 1, a.pk: 2}}


def test_queue_places_are_coalesced_with_the_last_move_sent(settings, monkeypatch):
    import threading
    import time

    from apps.labs import events

    settings.LABS_QUEUE_BROADCAST_MS = 200
    sent: list[dict] = []
    done = threading.Event()

    def record(positions):
        sent.append(positions)
        if len(sent) == 2:
            done.set()

    monkeypatch.setattr(events, "queue_moved", record)
    monkeypatch.setattr(events, "_queue_last", 0.0)
    moves = iter(range(1, 100))
    for _ in range(5):  # five moves in a burst: one send now, one at the interval's end
        events.queue_changed(lambda: {1: {1: next(moves)}})
    assert done.wait(2)
    time.sleep(0.3)
    assert sent == [{1: {1: 1}}, {1: {1: 2}}]  # the trailing send computed its places late
