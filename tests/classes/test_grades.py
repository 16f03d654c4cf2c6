"""Grade rules, on plain values: which work counts, late days and penalties, the attempt
the policy picks, statuses, and the weighted total."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from apps.classes import grades
from apps.classes.grades import Cell, Policy, Status, Terms, Work

OPENS = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
DUE = datetime(2027, 3, 8, 23, 59, tzinfo=UTC)
BEFORE = DUE - timedelta(days=1)
AFTER = DUE + timedelta(days=1)


def terms(**changes) -> Terms:
    values = {"opens_at": OPENS, "due_at": DUE, "late_policy": "penalty",
              "penalty_per_day": Decimal(10), "penalty_cap": Decimal(30)}  # fmt: skip
    values.update(changes)
    return Terms(**values)


def work(at: datetime, raw: int, pk: int = 1) -> Work:
    return Work(at, Decimal(raw), ("attempt", pk))


def one(works, *, t=None, policy=None, now=AFTER + timedelta(days=10), in_progress=False):
    return grades.single_cell(
        works, t or terms(), policy or Policy(), now=now, in_progress=in_progress
    )


@pytest.mark.parametrize(
    ("late", "rule", "days"),
    [
        (timedelta(seconds=1), "started", 0),  # within the grace
        (timedelta(minutes=5), "started", 1),
        (timedelta(hours=25), "started", 2),
        (timedelta(hours=36), "exact", Decimal("1.50")),
        (timedelta(days=-1), "started", 0),
    ],
)
def test_days_late(late, rule, days):
    assert grades.days_late(DUE + late, DUE, rule) == Decimal(days)


def test_a_late_attempt_loses_points_per_day_up_to_the_cap():
    cell = one([work(DUE + timedelta(hours=30), 90)])
    assert (cell.status, cell.raw, cell.penalty, cell.days_late, cell.score) == (
        Status.LATE, Decimal(90), Decimal(20), Decimal(2), Decimal(70))  # fmt: skip
    capped = one([work(DUE + timedelta(days=9), 90)])
    assert (capped.penalty, capped.score) == (Decimal(30), Decimal(60))
    floor = one([work(DUE + timedelta(days=9), 20)])
    assert floor.score == Decimal(0)  # never below zero


def test_under_the_refuse_policy_late_work_does_not_count():
    cell = one([work(AFTER, 100)], t=terms(late_policy="refuse"))
    assert (cell.status, cell.score, cell.refused_late) == (Status.MISSING, Decimal(0), 1)
    on_time = one([work(BEFORE, 60, 1), work(AFTER, 100, 2)], t=terms(late_policy="refuse"))
    assert (on_time.status, on_time.score, on_time.refs) == (
        Status.SUBMITTED, Decimal(60), [("attempt", 1)])  # fmt: skip


def test_work_before_the_opening_time_does_not_count():
    cell = one([work(OPENS - timedelta(hours=1), 100)])
    assert cell.status == Status.MISSING


@pytest.mark.parametrize(
    ("rule", "expected"),
    [("best", ("attempt", 3)), ("last", ("attempt", 4)), ("first", ("attempt", 1))],
)
def test_the_policy_picks_the_attempt(rule, expected):
    works = [
        work(OPENS + timedelta(days=1), 50, 1),
        work(OPENS + timedelta(days=2), 70, 2),
        work(DUE + timedelta(hours=1), 95, 3),  # late: 95 - 10 = 85, still the best
        work(DUE + timedelta(days=3), 60, 4),
    ]
    assert one(works, policy=Policy(counted_attempt=rule)).refs == [expected]


def test_best_weighs_the_penalty():
    works = [work(BEFORE, 80, 1), work(DUE + timedelta(days=2), 95, 2)]  # 95 - 20 = 75
    assert one(works).refs == [("attempt", 1)]


def test_statuses_before_and_after_the_due_time():
    assert one([], now=BEFORE).status == Status.NOT_STARTED
    assert one([], now=BEFORE, in_progress=True).status == Status.IN_PROGRESS
    assert one([], now=AFTER).status == Status.MISSING
    assert one([], now=AFTER, in_progress=True).status == Status.IN_PROGRESS  # penalty: still open
    refuse = terms(late_policy="refuse")
    assert one([], t=refuse, now=AFTER, in_progress=True).status == Status.MISSING
    assert one([work(AFTER, 50)], t=terms(excused=True)).status == Status.EXCUSED


def test_exercises_are_the_mean_of_their_parts():
    parts = [
        [work(BEFORE, 100, 1)],
        [work(BEFORE, 50, 2), work(BEFORE + timedelta(hours=1), 0, 3)],
        [],
    ]
    cell = grades.multi_cell(parts, terms(), Policy(), now=AFTER, started=True)
    assert cell.status == Status.IN_PROGRESS and cell.score == Decimal(50)  # (100 + 50 + 0) / 3
    done = grades.multi_cell(parts[:2], terms(), Policy(counted_attempt="last"), now=AFTER,
                             started=True)  # fmt: skip
    assert (done.status, done.score) == (Status.SUBMITTED, Decimal(50))  # (100 + 0) / 2


def test_after_a_refusing_due_time_what_came_in_time_is_final():
    parts = [[work(BEFORE, 100, 1)], [work(AFTER, 100, 2)]]
    cell = grades.multi_cell(parts, terms(late_policy="refuse"), Policy(), now=AFTER, started=True)
    assert (cell.status, cell.score, cell.refused_late) == (Status.SUBMITTED, Decimal(50), 1)


def test_the_total_weighs_due_and_handed_in_work_and_leaves_out_the_excused():
    now = BEFORE
    later = terms(due_at=DUE + timedelta(days=30))
    cells = [
        (Cell(Status.SUBMITTED, score=Decimal(80)), Decimal(1), terms()),
        (Cell(Status.SUBMITTED, score=Decimal(50)), Decimal(3), later),
        (Cell(Status.NOT_STARTED), Decimal(5), later),  # not due yet: not counted
        (Cell(Status.EXCUSED), Decimal(9), terms()),
    ]
    assert grades.total(*zip(*cells, strict=True), now=now) == Decimal("57.50")  # (80 + 150) / 4
    cells.append(
        (
            Cell(Status.MISSING, score=Decimal(0)),
            Decimal(4),
            terms(due_at=OPENS + timedelta(hours=1)),
        )
    )
    assert grades.total(*zip(*cells, strict=True), now=now) == Decimal("28.75")  # 230 / 8
    assert grades.total([], [], [], now=now) is None


def test_an_assignment_with_nothing_to_do_is_left_out_of_the_total():
    empty = grades.multi_cell([], terms(), Policy(), now=AFTER, started=False)
    assert empty.status == Status.NOT_STARTED
    cells = [
        (empty, Decimal(5), terms()),
        (Cell(Status.SUBMITTED, score=Decimal(90)), Decimal(1), terms()),
    ]
    assert grades.total(*zip(*cells, strict=True), now=AFTER) == Decimal(90)
