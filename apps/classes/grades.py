"""Grades, computed — never typed in, never stored.

Everything here is pure: it takes the facts the selectors read in a constant number of
queries (attempts, runs, lesson completions, live players, overrides) as plain values and
returns cells. A cell is one learner's standing in one assignment under the class's
policy:

* **which work counts**: a quiz attempt started after the assignment opened, submitted
  (or cut off by its time limit) — on time up to the learner's due time; after it, only
  under the *penalty* late policy. An exercise's *Submit* runs likewise (a refused run,
  which the sandbox could not execute, never counts). A reading counts each lesson
  completed by the due time (or late, with a penalty). A live session counts once the
  learner joined it as a signed-in player.
* **which attempt**: the best (after penalties), the last or the first, as the policy says.
* **how late**: days after the due time, each started day counting as one or pro rata by
  the hour, times the penalty per day, at most the cap, taken off in percentage points.
* **how an exercise scores**: 100 when every test passed, or the share of tests passed.

A learner's total is the weighted mean of the assignments that are due (or already
handed in), excused ones left out.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, NamedTuple

# Answers saved within this long after a deadline still count (network latency); the
# quizzes use the same grace.
GRACE = timedelta(seconds=2)
HUNDRED = Decimal(100)
ZERO = Decimal(0)


class Status:
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    SUBMITTED = "submitted"
    LATE = "late"
    MISSING = "missing"  # not handed in, and the due time has passed
    EXCUSED = "excused"

    LABELS = {
        NOT_STARTED: "Not started",
        IN_PROGRESS: "In progress",
        SUBMITTED: "Submitted",
        LATE: "Late",
        MISSING: "Missing",
        EXCUSED: "Excused",
    }


@dataclass(frozen=True)
class Policy:
    counted_attempt: str = "best"  # best | last | first
    late_days: str = "started"  # started | exact
    exercise_scoring: str = "all_tests"  # all_tests | share


class Terms(NamedTuple):
    """One learner's terms for one assignment (the assignment's, after an override)."""

    opens_at: datetime
    due_at: datetime
    late_policy: str  # refuse | penalty
    penalty_per_day: Decimal
    penalty_cap: Decimal
    excused: bool = False


class Work(NamedTuple):
    """One piece of handed-in work: when, its raw score (0-100) and what it was."""

    submitted_at: datetime
    raw: Decimal
    ref: tuple[str, int]  # ("attempt", id) | ("run", id) | ("lesson", id) | ("live", id)


@dataclass(slots=True)
class Cell:
    status: str
    score: Decimal | None = None  # 0-100 after any penalty; None: nothing counts yet
    raw: Decimal | None = None
    penalty: Decimal = Decimal(0)
    days_late: Decimal = Decimal(0)
    submitted_at: datetime | None = None
    refs: list[tuple[str, int]] = field(default_factory=list)
    refused_late: int = 0  # work handed in after a refusing due time (not counted)

    @property
    def label(self) -> str:
        return Status.LABELS[self.status]

    def as_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "score": _out(self.score),
            "raw": _out(self.raw),
            "penalty": _out(self.penalty),
            "days_late": _out(self.days_late),
            "submitted_at": self.submitted_at,
            "refs": [{"kind": kind, "id": pk} for kind, pk in self.refs],
        }


def _out(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


_CENT = Decimal("0.01")
_QUANTIZED: dict[Decimal, Decimal] = {}


def quantize(value: Decimal) -> Decimal:
    """``value`` to the cent (half up). Grades take few distinct values (100, 0, the
    percents of attempts), so each is worked out once per process and looked up after."""
    done = _QUANTIZED.get(value)
    if done is None:
        done = value.quantize(_CENT, rounding=ROUND_HALF_UP)
        if len(_QUANTIZED) < 100_000:
            _QUANTIZED[value] = done
    return done


def days_late(submitted_at: datetime, due_at: datetime, rule: str) -> Decimal:
    late = submitted_at - due_at
    if late <= GRACE:
        return ZERO
    days = Decimal(late.total_seconds()) / Decimal(86400)
    return Decimal(math.ceil(days)) if rule == "started" else quantize(days)


def penalty(terms: Terms, days: Decimal) -> Decimal:
    if days <= 0 or terms.late_policy != "penalty":
        return ZERO
    return min(terms.penalty_cap, quantize(terms.penalty_per_day * days))


def _judge(work: Work, terms: Terms, policy: Policy) -> tuple[Decimal, Decimal, Decimal] | None:
    """(score, penalty, days late) of one piece of work, or None when it does not count
    (a refusing due time has passed)."""
    if work.submitted_at - terms.due_at <= GRACE:  # on time: most work
        return (work.raw if work.raw > 0 else ZERO), ZERO, ZERO
    days = days_late(work.submitted_at, terms.due_at, policy.late_days)
    if days > 0 and terms.late_policy == "refuse":
        return None
    cut = penalty(terms, days)
    return max(ZERO, work.raw - cut), cut, days


def _choose(
    judged: list[tuple[Work, tuple[Decimal, Decimal, Decimal]]], rule: str
) -> tuple[Work, tuple[Decimal, Decimal, Decimal]]:
    if rule == "first":
        return min(judged, key=lambda item: item[0].submitted_at)
    if rule == "last":
        return max(judged, key=lambda item: item[0].submitted_at)
    # best: the highest score after penalties; of equals, the earliest
    return max(judged, key=lambda item: (item[1][0], -item[0].submitted_at.timestamp()))


def _still_open(terms: Terms, now: datetime) -> bool:
    """Whether work can still come in and count (before the due time, or late with a
    penalty)."""
    return now <= terms.due_at + GRACE or terms.late_policy == "penalty"


def empty_cell(terms: Terms, *, now: datetime, in_progress: bool) -> Cell:
    """What ``single_cell`` gives when there is no work at all (most cells of a class)."""
    if terms.excused:
        return Cell(Status.EXCUSED)
    if in_progress and _still_open(terms, now):
        return Cell(Status.IN_PROGRESS)
    if now > terms.due_at + GRACE:
        return Cell(Status.MISSING, score=ZERO)
    return Cell(Status.NOT_STARTED)


def _pick(
    works: list[Work], terms: Terms, policy: Policy
) -> tuple[tuple[Work, tuple[Decimal, Decimal, Decimal]] | None, int]:
    """The piece of work that counts, with its (score, penalty, days late), or None; and
    how many were refused (handed in after a refusing due time)."""
    floor = terms.opens_at - GRACE
    judged: list[tuple[Work, tuple[Decimal, Decimal, Decimal]]] = []
    refused = 0
    for w in works:
        if w.submitted_at < floor:
            continue
        j = _judge(w, terms, policy)
        if j is None:
            refused += 1
        else:
            judged.append((w, j))
    if not judged:
        return None, refused
    return (judged[0] if len(judged) == 1 else _choose(judged, policy.counted_attempt)), refused


def single_cell(
    works: list[Work], terms: Terms, policy: Policy, *, now: datetime, in_progress: bool
) -> Cell:
    """A quiz or a live session: one piece of work counts, chosen by the policy."""
    if not works:
        return empty_cell(terms, now=now, in_progress=in_progress)
    if terms.excused:
        return Cell(Status.EXCUSED)
    picked, refused = _pick(works, terms, policy)
    if picked is None:
        if in_progress and _still_open(terms, now):
            return Cell(Status.IN_PROGRESS, refused_late=refused)
        status = Status.MISSING if now > terms.due_at + GRACE else Status.NOT_STARTED
        return Cell(status, score=ZERO if status == Status.MISSING else None, refused_late=refused)
    work, (score, cut, days) = picked
    return Cell(
        Status.LATE if days > 0 else Status.SUBMITTED,
        score=quantize(score),
        raw=quantize(work.raw),
        penalty=cut,
        days_late=days,
        submitted_at=work.submitted_at,
        refs=[work.ref],
        refused_late=refused,
    )


def multi_cell(
    parts: list[list[Work]], terms: Terms, policy: Policy, *, now: datetime, started: bool
) -> Cell:
    """Code exercises (a part per exercise): each part scored as a single piece of
    work, the cell their mean (``reading_cell`` does the same for lessons)."""
    if terms.excused:
        return Cell(Status.EXCUSED)
    if not parts:
        return Cell(Status.NOT_STARTED)
    done: list[tuple[Decimal, Decimal, Decimal, Decimal, datetime, tuple[str, int]]] = []
    refused = 0
    floor = terms.opens_at - GRACE
    for works in parts:
        if not works:
            continue
        if len(works) == 1:  # most parts (one submit): no choosing
            work = works[0]
            if work.submitted_at < floor:
                continue
            judged = _judge(work, terms, policy)
            if judged is None:
                refused += 1
                continue
        else:
            picked, count = _pick(works, terms, policy)
            refused += count
            if picked is None:
                continue
            work, judged = picked
        done.append((*judged, work.raw, work.submitted_at, work.ref))
    return _mean_cell(done, len(parts), terms, now=now, started=started, refused=refused)


def reading_cell(
    completed: list[tuple[datetime, int] | None], terms: Terms, policy: Policy, *, now: datetime
) -> Cell:
    """A reading: for each lesson of the module, when the learner completed it (no
    earlier than the opening time) and its id, or None; each lesson read counts 100,
    late ones under the penalty policy less, and the cell is their mean."""
    if terms.excused:
        return Cell(Status.EXCUSED)
    if not completed:
        return Cell(Status.NOT_STARTED)
    done: list[tuple[Decimal, Decimal, Decimal, Decimal, datetime, tuple[str, int]]] = []
    refused = 0
    late_after = terms.due_at + GRACE
    for item in completed:
        if item is None:
            continue
        at, lesson_id = item
        if at <= late_after:
            done.append((HUNDRED, ZERO, ZERO, HUNDRED, at, ("lesson", lesson_id)))
            continue
        days = days_late(at, terms.due_at, policy.late_days)
        if terms.late_policy == "refuse":
            refused += 1
            continue
        cut = penalty(terms, days)
        done.append((max(ZERO, HUNDRED - cut), cut, days, HUNDRED, at, ("lesson", lesson_id)))
    started = any(item is not None for item in completed)
    return _mean_cell(done, len(completed), terms, now=now, started=started, refused=refused)


def _mean_cell(
    done: list[tuple[Decimal, Decimal, Decimal, Decimal, datetime, tuple[str, int]]],
    parts: int,
    terms: Terms,
    *,
    now: datetime,
    started: bool,
    refused: int,
) -> Cell:
    """The cell of work in ``parts`` parts, of which ``done`` (score, penalty, days late,
    raw, handed in, reference) count."""
    if not done:
        if started and _still_open(terms, now):
            return Cell(Status.IN_PROGRESS, refused_late=refused)
        status = Status.MISSING if now > terms.due_at + GRACE else Status.NOT_STARTED
        return Cell(status, score=ZERO if status == Status.MISSING else None, refused_late=refused)
    total = ZERO
    raw = ZERO
    cut = ZERO
    days = ZERO
    submitted = done[0][4]
    for score, penalty_, late, raw_score, handed_in, _ in done:
        total += score if score is HUNDRED else quantize(score)
        raw += raw_score if raw_score is HUNDRED else quantize(raw_score)
        cut = max(cut, penalty_)
        days = max(days, late)
        submitted = max(submitted, handed_in)
    complete = len(done) == parts
    if complete or (now > terms.due_at + GRACE and terms.late_policy == "refuse"):
        status = Status.LATE if days > 0 else Status.SUBMITTED
    else:
        status = Status.IN_PROGRESS
    return Cell(
        status,
        score=quantize(total / parts),
        raw=quantize(raw / parts),
        penalty=cut,
        days_late=days,
        submitted_at=submitted,
        refs=[item[5] for item in done],
        refused_late=refused,
    )


def total(
    cells: list[Cell], weights: list[Decimal], terms: list[Terms], *, now: datetime
) -> Decimal | None:
    """The weighted mean of the cells that count so far: handed in, or due (``cells``,
    their assignments' ``weights`` and the learner's ``terms``, in the same order)."""
    weight_sum = ZERO
    weighted = ZERO
    late_after = now - GRACE
    for cell, weight, terms_ in zip(cells, weights, terms, strict=True):
        status = cell.status
        # Excused work, and work that is not there at all (a reading of a module with no
        # published lesson stays "not started" even once due), is left out.
        if status in _LEFT_OUT or weight <= 0:
            continue
        if (cell.score is None or status == Status.IN_PROGRESS) and terms_.due_at >= late_after:
            continue  # not handed in, and not due yet
        weight_sum += weight
        if cell.score:
            weighted += weight * cell.score
    if not weight_sum:
        return None
    return quantize(weighted / weight_sum)


_LEFT_OUT = frozenset({Status.EXCUSED, Status.NOT_STARTED})
