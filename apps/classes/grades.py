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
from typing import Any

# Answers saved within this long after a deadline still count (network latency); the
# quizzes use the same grace.
GRACE = timedelta(seconds=2)
HUNDRED = Decimal(100)


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


@dataclass(frozen=True)
class Terms:
    """One learner's terms for one assignment (the assignment's, after an override)."""

    opens_at: datetime
    due_at: datetime
    late_policy: str  # refuse | penalty
    penalty_per_day: Decimal
    penalty_cap: Decimal
    excused: bool = False


@dataclass(frozen=True)
class Work:
    """One piece of handed-in work: when, its raw score (0-100) and what it was."""

    submitted_at: datetime
    raw: Decimal
    ref: tuple[str, int]  # ("attempt", id) | ("run", id) | ("lesson", id) | ("live", id)


@dataclass
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


def quantize(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def days_late(submitted_at: datetime, due_at: datetime, rule: str) -> Decimal:
    late = submitted_at - due_at
    if late <= GRACE:
        return Decimal(0)
    days = Decimal(late.total_seconds()) / Decimal(86400)
    return Decimal(math.ceil(days)) if rule == "started" else quantize(days)


def penalty(terms: Terms, days: Decimal) -> Decimal:
    if days <= 0 or terms.late_policy != "penalty":
        return Decimal(0)
    return min(terms.penalty_cap, quantize(terms.penalty_per_day * days))


def _judge(work: Work, terms: Terms, policy: Policy) -> tuple[Decimal, Decimal, Decimal] | None:
    """(score, penalty, days late) of one piece of work, or None when it does not count
    (a refusing due time has passed)."""
    days = days_late(work.submitted_at, terms.due_at, policy.late_days)
    if days > 0 and terms.late_policy == "refuse":
        return None
    cut = penalty(terms, days)
    return max(Decimal(0), work.raw - cut), cut, days


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


def single_cell(
    works: list[Work], terms: Terms, policy: Policy, *, now: datetime, in_progress: bool
) -> Cell:
    """A quiz or a live session: one piece of work counts, chosen by the policy."""
    if terms.excused:
        return Cell(Status.EXCUSED)
    eligible = [w for w in works if w.submitted_at >= terms.opens_at - GRACE]
    judged = [(w, j) for w in eligible if (j := _judge(w, terms, policy)) is not None]
    refused = len(eligible) - len(judged)
    if not judged:
        if in_progress and _still_open(terms, now):
            return Cell(Status.IN_PROGRESS, refused_late=refused)
        status = Status.MISSING if now > terms.due_at + GRACE else Status.NOT_STARTED
        return Cell(
            status, score=Decimal(0) if status == Status.MISSING else None, refused_late=refused
        )
    work, (score, cut, days) = _choose(judged, policy.counted_attempt)
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
    """Code exercises (a part per exercise) or a reading (a part per lesson): each part
    scored as a single piece of work, the cell their mean."""
    if terms.excused:
        return Cell(Status.EXCUSED)
    if not parts:
        return Cell(Status.NOT_STARTED)
    cells = [
        single_cell(works, terms, policy, now=now, in_progress=False) if works else None
        for works in parts
    ]
    done = [
        c
        for c in cells
        if c is not None and c.score is not None and c.status in (Status.SUBMITTED, Status.LATE)
    ]
    refused = sum(c.refused_late for c in cells if c is not None)
    if not done:
        if started and _still_open(terms, now):
            return Cell(Status.IN_PROGRESS, refused_late=refused)
        status = Status.MISSING if now > terms.due_at + GRACE else Status.NOT_STARTED
        return Cell(
            status, score=Decimal(0) if status == Status.MISSING else None, refused_late=refused
        )
    total = sum((c.score for c in done if c.score is not None), Decimal(0))
    raw = sum((c.raw for c in done if c.raw is not None), Decimal(0))
    score = quantize(total / len(parts))
    complete = len(done) == len(parts)
    late = any(c.status == Status.LATE for c in done)
    if complete:
        status = Status.LATE if late else Status.SUBMITTED
    elif now > terms.due_at + GRACE and terms.late_policy == "refuse":
        status = Status.LATE if late else Status.SUBMITTED  # what came in time is all there is
    else:
        status = Status.IN_PROGRESS
    return Cell(
        status,
        score=score,
        raw=quantize(raw / len(parts)),
        penalty=max((c.penalty for c in done), default=Decimal(0)),
        days_late=max((c.days_late for c in done), default=Decimal(0)),
        submitted_at=max((c.submitted_at for c in done if c.submitted_at), default=None),
        refs=[ref for c in done for ref in c.refs],
        refused_late=refused,
    )


def total(cells: list[tuple[Cell, Decimal, Terms]], *, now: datetime) -> Decimal | None:
    """The weighted mean of the cells that count so far: handed in, or due."""
    weight_sum = Decimal(0)
    weighted = Decimal(0)
    for cell, weight, terms in cells:
        # Excused work, and work that is not there at all (a reading of a module with no
        # published lesson stays "not started" even once due), is left out.
        if cell.status in (Status.EXCUSED, Status.NOT_STARTED) or weight <= 0:
            continue
        due = now > terms.due_at + GRACE
        if cell.score is None and not due:
            continue
        if cell.status == Status.IN_PROGRESS and not due:
            continue
        weight_sum += weight
        weighted += weight * (cell.score or Decimal(0))
    if not weight_sum:
        return None
    return quantize(weighted / weight_sum)
