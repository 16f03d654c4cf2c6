"""Reads of code labs, with the access rules in one place.

* The board (``lab_board``), learners' code (``lab_learner_code``) and the results
  (``lab_results``) are the host's (or staff's) only: anyone else gets ``NotLabHost``.
* What a learner's page and socket get is built by ``lab_learner_state`` only: the
  lab's state, their hints, and an exercise's reference solution once it is unlocked.
  Other learners' code or standing, hidden tests and answer keys are never part of it.
* The board is read in a constant number of queries whatever the room's size: the
  standing of every learner comes from ``LabProgress`` rows (kept current by
  ``services.lab_run_record``), error clusters from one aggregate over ``LabFailure``.
"""

from __future__ import annotations

import statistics
from datetime import datetime
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from apps.classes.selectors import sees_every_class
from apps.exercises.grading import test_names
from apps.exercises.models import Run, RunStatus
from apps.labs.errors import LabExerciseNotFound, LabNotFound, NotInLab, NotLabHost
from apps.labs.models import (
    ACTIVE_STATUSES,
    CODE_LENGTH,
    HIDDEN_GROUP,
    Lab,
    LabExercise,
    LabFailure,
    LabHint,
    LabLearner,
    LabProgress,
    LabStatus,
)

QUEUE_SCAN = 1000  # queued runs looked at for queue positions
CLUSTERS_SHOWN = 20
HINTS_KEPT = 50


def normalise_code(code: str) -> str:
    return "".join(str(code).split()).upper()[:CODE_LENGTH]


def lab_by_code(*, code: str, active_only: bool = True) -> Lab:
    rows = Lab.objects.select_related("host", "classroom").filter(code=normalise_code(code))
    if active_only:
        rows = rows.filter(status__in=ACTIVE_STATUSES)
    lab = rows.order_by("-created_at", "-id").first()
    if lab is None:
        raise LabNotFound("No code lab has that code.")
    return lab


def can_host(lab: Lab, user: Any) -> bool:
    """The lab's host, and platform staff; not another instructor, even one with admin
    access (the rule classes follow: ``sees_every_class``)."""
    if not user.is_authenticated:
        return False
    return bool(user.pk == lab.host_id or sees_every_class(user))


def require_host(lab: Lab, user: Any) -> None:
    if not can_host(lab, user):
        raise NotLabHost("Only the lab's host can do that.")


def lab_items(lab: Lab) -> list[LabExercise]:
    return list(
        LabExercise.objects.filter(lab=lab)
        .select_related("exercise__lesson__module__course")
        .order_by("position")
    )


def learner_for(*, lab: Lab, user: Any) -> LabLearner:
    learner = None
    if user.is_authenticated:
        learner = LabLearner.objects.filter(lab=lab, user=user).first()
    if learner is None:
        raise NotInLab("Join the lab first.")
    return learner


def labs_hosted(*, user: Any) -> QuerySet[Lab]:
    return (
        Lab.objects.filter(host=user)
        .annotate(learner_total=Count("learners", distinct=True))
        .order_by("-created_at", "-id")
    )


# --------------------------------------------------------------------------- timing


def elapsed_seconds(lab: Lab, *, now: datetime | None = None) -> int:
    """Seconds the lab has been running, pauses left out."""
    now = now or timezone.now()
    until = lab.ended_at or lab.paused_at or now
    return max(int((until - lab.started_at).total_seconds()) - lab.paused_seconds, 0)


def lab_public(lab: Lab, *, now: datetime | None = None) -> dict[str, Any]:
    return {
        "code": lab.code,
        "title": lab.title,
        "status": lab.status,
        "message": lab.pause_message if lab.status == LabStatus.PAUSED else "",
        "elapsed": elapsed_seconds(lab, now=now),
        "started_at": lab.started_at,
        "ended_at": lab.ended_at,
        "seq": lab.seq,
    }


# --------------------------------------------------------------------------- queue


def queue_positions(*, lab_id: int | None = None) -> dict[int, dict[int, int]]:
    """``{lab id: {learner id: place in the sandbox queue}}`` for learners whose lab run
    is queued (1: next to start). The queue is every queued run of the platform, oldest
    first, as the ``exercises`` queue hands them out: one query."""
    rows = (
        Run.objects.filter(status=RunStatus.QUEUED)
        .order_by("queued_at", "id")
        .values_list("lab_run__lab_id", "lab_run__learner_id")[:QUEUE_SCAN]
    )
    out: dict[int, dict[int, int]] = {}
    for place, (lab, learner) in enumerate(rows, start=1):
        if lab is None or (lab_id is not None and lab != lab_id):
            continue
        out.setdefault(lab, {})[learner] = place
    return out


def queue_position(*, lab: Lab, learner: LabLearner) -> int | None:
    return queue_positions(lab_id=lab.pk).get(lab.pk, {}).get(learner.pk)


# --------------------------------------------------------------------------- the board


def lab_item_by_slug(*, lab: Lab, slug: str) -> tuple[LabExercise, list[LabExercise]]:
    """The lab's exercise with ``slug``, and all of the lab's (for the caller's output)."""
    items = lab_items(lab)
    item = next((i for i in items if i.exercise.slug == slug), None)
    if item is None:
        raise LabExerciseNotFound("That exercise is not part of this lab.")
    return item, items


def test_groups(item: LabExercise) -> list[str]:
    """The names the board counts for an exercise: each visible test, then the hidden
    tests as one group."""
    names = test_names(item.exercise.test_visible or "")
    if item.exercise.hidden_test_count:
        names.append(HIDDEN_GROUP)
    return names


def start_of(lab: Lab, learner: LabLearner) -> datetime:
    return max(lab.started_at, learner.joined_at)


def stuck_reason(lab: Lab, row: LabProgress, *, now: datetime) -> str:
    """Why a learner counts as stuck on an exercise ('' when they are not)."""
    if row.first_full_pass_at is not None:
        return ""
    if row.streaks:
        test, count = max(row.streaks.items(), key=lambda kv: (kv[1], kv[0]))
        if count >= lab.stuck_failures:
            return f"{test} failed {count} runs in a row"
    quiet = (now - row.last_progress_at).total_seconds() / 60
    if lab.status != LabStatus.ENDED and quiet >= lab.stuck_minutes:
        return f"no new test passed for {int(quiet)} min"
    return ""


def progress_row(lab: Lab, row: LabProgress, *, now: datetime, total: int) -> dict[str, Any]:
    """One learner's line on the board (``row.learner.user`` selected)."""
    learner = row.learner
    first = row.first_full_pass_at
    return {
        "learner": learner.pk,
        "name": learner.user.public_name,
        "item": row.item_id,
        "runs": row.runs,
        "last_run": row.last_run_id,
        "last_run_at": row.last_run_at,
        "last_status": row.last_status,
        "tests": row.tests,
        "passed": row.passed_now,
        "total": total,
        "best": row.best_passed,
        "last_progress_at": row.last_progress_at,
        "minutes_since_progress": int((now - row.last_progress_at).total_seconds() // 60),
        "full_pass_at": first,
        "full_pass_seconds": (
            int((first - start_of(lab, learner)).total_seconds()) if first else None
        ),
        "streaks": row.streaks,
        "stuck": stuck_reason(lab, row, now=now),
        "version": row.version,
    }


def summarise(groups: list[str], rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The overview of one exercise from its board rows."""
    total = len(groups)
    histogram = [0] * (total + 1)
    passing = dict.fromkeys(groups, 0)
    firsts: list[int] = []
    for row in rows:
        histogram[min(row["passed"], total)] += 1
        for name in groups:
            if row["tests"].get(name):
                passing[name] += 1
        if row["full_pass_seconds"] is not None:
            firsts.append(row["full_pass_seconds"])
    return {
        "learners": len(rows),
        "tests": [{"name": name, "passing": passing[name]} for name in groups],
        "histogram": histogram,
        "ran": sum(1 for row in rows if row["runs"]),
        "all_pass": sum(1 for row in rows if total and row["passed"] >= total),
        "full_pass": len(firsts),
        "median_full_pass_seconds": int(statistics.median(firsts)) if firsts else None,
        "stuck": sum(1 for row in rows if row["stuck"]),
    }


def clusters(*, lab: Lab) -> dict[int, list[dict[str, Any]]]:
    """Failing runs grouped by test and error, per exercise, largest first (one query)."""
    rows = (
        LabFailure.objects.filter(lab=lab)
        .values("item_id", "test", "kind", "message")
        .annotate(runs=Count("id"), learners=Count("learner", distinct=True))
        .order_by("item_id", "-runs", "test", "kind", "message")
    )
    out: dict[int, list[dict[str, Any]]] = {}
    for row in rows:
        shown = out.setdefault(row["item_id"], [])
        if len(shown) < CLUSTERS_SHOWN:
            shown.append(
                {
                    "test": row["test"],
                    "kind": row["kind"],
                    "message": row["message"],
                    "runs": row["runs"],
                    "learners": row["learners"],
                }
            )
    return out


def item_public(item: LabExercise) -> dict[str, Any]:
    exercise = item.exercise
    return {
        "id": item.pk,
        "position": item.position,
        "slug": exercise.slug,
        "title": exercise.title,
        "url": exercise.get_absolute_url(),
        "solution_unlocked": item.solution_unlocked,
    }


def lab_board(*, lab: Lab, user: Any, now: datetime | None = None) -> dict[str, Any]:
    """The host's whole board: a consistent snapshot in a constant number of queries."""
    require_host(lab, user)
    now = now or timezone.now()
    items = lab_items(lab)
    rows = list(
        LabProgress.objects.filter(lab=lab)
        .select_related("learner__user")
        .order_by("item__position", "learner__joined_at", "learner_id")
    )
    by_item: dict[int, list[dict[str, Any]]] = {item.pk: [] for item in items}
    groups = {item.pk: test_groups(item) for item in items}
    for row in rows:
        by_item[row.item_id].append(progress_row(lab, row, now=now, total=len(groups[row.item_id])))
    found = clusters(lab=lab)
    spotlight = None
    if lab.spotlight_run_id is not None:
        spotlight = spotlight_of(lab, run_id=lab.spotlight_run_id)
    return {
        "lab": {
            **lab_public(lab, now=now),
            "board_seq": lab.board_seq,
            "stuck_minutes": lab.stuck_minutes,
            "stuck_failures": lab.stuck_failures,
            "pause_message": lab.pause_message,
        },
        "now": now,
        "items": [
            {
                **item_public(item),
                "groups": groups[item.pk],
                "rows": by_item[item.pk],
                "summary": summarise(groups[item.pk], by_item[item.pk]),
                "clusters": found.get(item.pk, []),
            }
            for item in items
        ],
        "learners": LabLearner.objects.filter(lab=lab).count(),
        "spotlight": spotlight,
        "hints": [
            hint_public(hint)
            for hint in LabHint.objects.filter(lab=lab)
            .select_related("learner__user")
            .order_by("-seq")[:HINTS_KEPT]
        ],
    }


def spotlight_of(lab: Lab, *, run_id: int) -> dict[str, Any] | None:
    """The code shown on the projector, without its author's name."""
    run = (
        Run.objects.filter(pk=run_id, lab_run__lab=lab)
        .select_related("exercise")
        .only("id", "code", "exercise__slug", "exercise__title", "passed", "total", "status")
        .first()
    )
    if run is None:
        return None
    return {
        "run": run.pk,
        "exercise": run.exercise.slug,
        "title": run.exercise.title,
        "code": run.code,
        "passed": run.passed,
        "total": run.total,
        "status": run.status,
    }


def hint_public(hint: LabHint) -> dict[str, Any]:
    return {
        "seq": hint.seq,
        "text": hint.text,
        "to": hint.learner.user.public_name if hint.learner is not None else None,
        "learner": hint.learner_id,
        "sent_at": hint.created_at,
    }


def lab_learner_code(*, lab: Lab, user: Any, learner_id: int, item_id: int) -> dict[str, Any]:
    """A learner's latest code in one exercise of the lab, for the host to read."""
    require_host(lab, user)
    row = (
        LabProgress.objects.filter(lab=lab, learner_id=learner_id, item_id=item_id)
        .select_related("learner__user", "last_run", "item__exercise")
        .first()
    )
    if row is None:
        raise NotInLab("No such learner in this lab.")
    run = row.last_run
    return {
        "learner": row.learner_id,
        "name": row.learner.user.public_name,
        "exercise": row.item.exercise.slug,
        "run": run.pk if run else None,
        "code": run.code if run else "",
        "status": run.status if run else "",
        "passed": run.passed if run else 0,
        "total": run.total if run else 0,
        "tests": [
            {"name": t["name"], "outcome": t["outcome"], "message": t["message"]}
            for t in (run.tests if run else [])
        ],
    }


# --------------------------------------------------------------------------- learners


def lab_learner_state(*, lab: Lab, learner: LabLearner) -> dict[str, Any]:
    """Everything a learner's page shows of the lab (a reload or reconnect restores it)."""
    items = lab_items(lab)
    hints = (
        LabHint.objects.filter(lab=lab)
        .filter(Q(learner__isnull=True) | Q(learner=learner))
        .order_by("-seq")[:HINTS_KEPT]
    )
    return {
        **lab_public(lab),
        "learner": learner.pk,
        "items": [
            {
                **item_public(item),
                "solution": item.exercise.solution_code if item.solution_unlocked else None,
            }
            for item in items
        ],
        "hints": [
            {
                "seq": h.seq,
                "text": h.text,
                "personal": h.learner_id is not None,
                "sent_at": h.created_at,
            }
            for h in reversed(list(hints))
        ],
        "queue": queue_position(lab=lab, learner=learner),
    }


# --------------------------------------------------------------------------- results


def lab_for_host(*, user: Any, code: str) -> Lab:
    """A lab the user hosts (staff: any), ended or not; anyone else: not found."""
    try:
        lab = lab_by_code(code=code, active_only=False)
    except LabNotFound:
        raise
    if not can_host(lab, user):
        raise LabNotFound("No code lab has that code.")
    return lab


def lab_results(*, lab: Lab, user: Any) -> list[dict[str, Any]]:
    """Each learner's best run in each exercise and how long it took them (a constant
    number of queries)."""
    require_host(lab, user)
    items = {item.pk: item for item in lab_items(lab)}
    rows = (
        LabProgress.objects.filter(lab=lab)
        .select_related("learner__user", "best_run")
        .defer("best_run__code", "best_run__output", "best_run__tests")
        .order_by("learner__joined_at", "learner_id", "item__position")
    )
    out = []
    for row in rows:
        item = items[row.item_id]
        best = row.best_run
        started = start_of(lab, row.learner)
        out.append(
            {
                "learner": row.learner.user.public_name,
                "username": row.learner.user.get_username(),
                "exercise": item.exercise.slug,
                "position": item.position + 1,
                "runs": row.runs,
                "best_run": best.pk if best else None,
                "best_mode": best.mode if best else "",
                "best_status": best.status if best else "",
                "best_passed": best.passed if best else 0,
                "best_total": best.total if best else 0,
                "solved": row.first_full_pass_at is not None,
                "seconds_to_best": (
                    int((best.finished_at - started).total_seconds())
                    if best and best.finished_at
                    else None
                ),
                "seconds_to_solve": (
                    int((row.first_full_pass_at - started).total_seconds())
                    if row.first_full_pass_at
                    else None
                ),
            }
        )
    return out
