"""Code lab writes: start, join, learners' runs, the board's bookkeeping, host actions.

Every surface calls these: the pages, the websockets, REST, GraphQL, the admin, and
the receivers of the exercise runs' signals (in whatever process ran the run: a
Celery worker of the ``exercises`` queue, or the web process in embedded mode).

* Learners' runs are ordinary runs (``apps.exercises.services.run_create``): the same
  sandbox queue, limits and progress. That service already refuses a second run while
  one is queued or running, and the queue hands runs out oldest first: with one run in
  flight per learner the queue goes round the learners in turn, so submitting again
  and again only puts a learner at the back. Run and Submit share that one queue
  (Submit is not put behind Run, nor Run before Submit): a priority lane would let a
  learner who presses Run over and over overtake others' submissions, and each learner
  has only one run in flight anyway.
* ``lab_run_record`` updates the learner's standing when a run finishes and
  broadcasts that one line to the board (never a query per learner).
* Host actions lock the lab row first; broadcasts are scheduled on commit from here
  only (``apps.labs.events``).
"""

from __future__ import annotations

import re
import secrets
from datetime import timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from apps.classes import selectors as class_selectors
from apps.classes.models import Membership as ClassMembership
from apps.core import ratelimit
from apps.exercises import selectors as exercise_selectors
from apps.exercises import services as exercise_services
from apps.exercises.errors import IdempotencyKeyReused
from apps.exercises.models import IN_FLIGHT, Mode, Run, RunStatus
from apps.labs import events, selectors
from apps.labs.errors import (
    GuestsRefused,
    HostingLimited,
    InvalidLab,
    JoinLimited,
    LabEnded,
    LabNotFound,
    LabPaused,
    NotInLab,
)
from apps.labs.models import (
    ACTIVE_STATUSES,
    CODE_ALPHABET,
    CODE_LENGTH,
    HIDDEN_GROUP,
    Lab,
    LabExercise,
    LabFailure,
    LabHint,
    LabLearner,
    LabProgress,
    LabRun,
    LabStatus,
)
from apps.live.services import HOSTING_LIMIT as LIVE_HOSTING_LIMIT

# The rule for hosting is live quizzes': signed in, a few running at a time, and a
# rate limit on starting them (a lab has its own count).
HOSTING_LIMIT = ratelimit.Limit(
    scope="lab-host", limit=LIVE_HOSTING_LIMIT.limit, window=LIVE_HOSTING_LIMIT.window
)
MAX_ACTIVE_LABS_PER_HOST = 5
MAX_EXERCISES = 20
MAX_HINT_CHARS = 2000
JOIN_LIMIT = ratelimit.Limit(scope="lab-join-miss", limit=20, window=600)
_EXCEPTION = re.compile(r"\b([A-Z][A-Za-z0-9_]*(?:Error|Exception|Exit|Interrupt))\b")
WHOLE_RUN = "(whole run)"


def _new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def _lock(lab_id: int) -> Lab:
    lab = Lab.objects.select_for_update(of=("self",)).filter(pk=lab_id).first()
    if lab is None:
        raise LabNotFound("No such code lab.")
    return lab


def _bump(lab: Lab, **fields: Any) -> None:
    """Apply ``fields`` and advance ``seq`` (what learners see)."""
    for name, value in fields.items():
        setattr(lab, name, value)
    lab.seq = F("seq") + 1
    lab.save(update_fields=[*fields, "seq"])
    lab.refresh_from_db(fields=["seq"])


def _bump_board(lab_id: int) -> int:
    Lab.objects.filter(pk=lab_id).update(board_seq=F("board_seq") + 1)
    return int(Lab.objects.filter(pk=lab_id).values_list("board_seq", flat=True).get())


def _lab_changed(lab: Lab) -> None:
    """Host screens re-read the whole board after a host action (rare)."""
    board_seq = _bump_board(lab.pk)
    events.board_event(lab.pk, board_seq=board_seq, event="refresh", body={})


def _state_event(lab: Lab, event: str) -> None:
    events.learner_event(lab.pk, seq=lab.seq, event=event, body={"lab": selectors.lab_public(lab)})
    _lab_changed(lab)


# --------------------------------------------------------------------------- start and join


@transaction.atomic
def lab_create(
    *,
    host: Any,
    exercise_slugs: list[str],
    title: str = "",
    stuck_minutes: int | None = None,
    stuck_failures: int | None = None,
    class_id: int | None = None,
) -> Lab:
    """A running lab of one exercise or an ordered set, with a fresh join code; for one
    of the host's classes (its instructors and teaching assistants), only that class's
    members may join."""
    if not getattr(host, "is_authenticated", False):
        raise GuestsRefused("Log in to host a code lab.")
    classroom = None
    if class_id is not None:
        classroom = class_selectors.class_for_staff(user=host, classroom_id=class_id).classroom
    slugs = [str(s).strip() for s in exercise_slugs if str(s).strip()]
    if not slugs:
        raise InvalidLab("Choose at least one exercise.", extra={"exercises": ["Empty."]})
    if len(slugs) > MAX_EXERCISES or len(set(slugs)) != len(slugs):
        raise InvalidLab(
            f"Choose up to {MAX_EXERCISES} different exercises.",
            extra={"exercises": ["Too many, or repeated."]},
        )
    minutes = (
        stuck_minutes if stuck_minutes is not None else Lab._meta.get_field("stuck_minutes").default
    )
    failures = (
        stuck_failures
        if stuck_failures is not None
        else Lab._meta.get_field("stuck_failures").default
    )
    if not 1 <= int(minutes) <= 120:
        raise InvalidLab("Stuck after 1 to 120 minutes.", extra={"stuck_minutes": ["1-120."]})
    if not 2 <= int(failures) <= 50:
        raise InvalidLab("Stuck after 2 to 50 failing runs.", extra={"stuck_failures": ["2-50."]})
    exercises = [exercise_selectors.exercise_get_published(slug=slug) for slug in slugs]
    verdict = ratelimit.hit(HOSTING_LIMIT, f"user:{host.pk}")
    if not verdict.allowed:
        raise HostingLimited(
            "You have started many labs recently; try again later.",
            extra={"retry_after": verdict.retry_after},
        )
    active = Lab.objects.filter(host=host, status__in=ACTIVE_STATUSES).count()
    if active >= MAX_ACTIVE_LABS_PER_HOST:
        raise HostingLimited(f"You already run {active} code labs; end one before another.")
    name = (title or "").strip()[:200] or exercises[0].title
    for _ in range(20):
        try:
            with transaction.atomic():
                lab = Lab.objects.create(
                    code=_new_code(),
                    host=host,
                    title=name,
                    classroom=classroom,
                    stuck_minutes=int(minutes),
                    stuck_failures=int(failures),
                    started_at=timezone.now(),
                )
            break
        except IntegrityError:
            continue  # the code names a running lab: draw another
    else:
        raise InvalidLab("Could not find a free join code; try again.")
    LabExercise.objects.bulk_create(
        [LabExercise(lab=lab, exercise=e, position=i) for i, e in enumerate(exercises)]
    )
    return lab


def lab_for_code(*, code: str, address: str) -> Lab:
    """The running lab with this code; wrong guesses count towards a rate limit."""
    verdict = ratelimit.peek(JOIN_LIMIT, address)
    if not verdict.allowed:
        raise JoinLimited(
            "Too many wrong join codes from your network; wait a few minutes.",
            extra={"retry_after": verdict.retry_after},
        )
    try:
        return selectors.lab_by_code(code=code)
    except LabNotFound:
        ratelimit.hit(JOIN_LIMIT, address)
        raise


@transaction.atomic
def lab_join(*, lab_id: int, user: Any) -> LabLearner:
    """Take a seat in a lab (again: the same seat). Guests are refused: runs cost
    sandbox time and count into the learner's own progress."""
    if not getattr(user, "is_authenticated", False):
        raise GuestsRefused("Log in to join a code lab.")
    lab = Lab.objects.filter(pk=lab_id).first()
    if lab is None:
        raise LabNotFound("No such code lab.")
    existing = LabLearner.objects.filter(lab=lab, user=user).first()
    if existing is not None:
        return existing
    if lab.status == LabStatus.ENDED:
        raise LabEnded("This code lab has ended.")
    if lab.classroom_id is not None and not selectors.can_host(lab, user):
        member = ClassMembership.objects.filter(
            classroom_id=lab.classroom_id, user=user, removed_at__isnull=True
        ).exists()
        if not member:
            raise NotInLab("This code lab is for the members of a class you are not in.")
    try:
        with transaction.atomic():
            learner = LabLearner.objects.create(lab=lab, user=user)
    except IntegrityError:  # a second tab joined at the same moment
        return LabLearner.objects.get(lab=lab, user=user)
    now = learner.joined_at
    LabProgress.objects.bulk_create(
        [
            LabProgress(lab=lab, learner=learner, item=item, last_progress_at=now)
            for item in LabExercise.objects.filter(lab=lab)
        ]
    )
    board_seq = _bump_board(lab.pk)
    rows = _rows_for(lab, learner)
    events.board_event(lab.pk, board_seq=board_seq, event="learner", body={"rows": rows})
    return learner


def _rows_for(lab: Lab, learner: LabLearner, item_id: int | None = None) -> list[dict[str, Any]]:
    rows = (
        LabProgress.objects.filter(learner=learner)
        .select_related("learner__user", "item__exercise")
        .order_by("item__position")
    )
    if item_id is not None:
        rows = rows.filter(item_id=item_id)
    now = timezone.now()
    return [
        selectors.progress_row(lab, row, now=now, total=len(selectors.test_groups(row.item)))
        for row in rows
    ]


# --------------------------------------------------------------------------- runs


@transaction.atomic
def lab_run_create(
    *, lab_id: int, user: Any, exercise_slug: str, code: str, mode: str, key: str
) -> Run:
    """Queue a learner's run of one of the lab's exercises (an ordinary run, linked to
    the lab). The same ``key`` again returns the run it created."""
    if not getattr(user, "is_authenticated", False):
        raise GuestsRefused("Log in to run code.")
    lab = Lab.objects.filter(pk=lab_id).first()
    if lab is None:
        raise LabNotFound("No such code lab.")
    learner = selectors.learner_for(lab=lab, user=user)
    item = (
        LabExercise.objects.select_related("exercise")
        .filter(lab=lab, exercise__slug=exercise_slug)
        .first()
    )
    if item is None:
        raise NotInLab("That exercise is not part of this lab.")
    if isinstance(key, str):
        existing = (
            Run.objects.select_related("exercise", "lab_run").filter(user=user, key=key).first()
        )
        if existing is not None:
            link = getattr(existing, "lab_run", None)
            if link is None or link.lab_id != lab.pk:
                raise IdempotencyKeyReused("This key was already used for a different run.")
            return exercise_services.run_create(
                user=user, exercise_slug=exercise_slug, code=code, mode=mode, key=key
            )
    if lab.status == LabStatus.ENDED:
        raise LabEnded("This code lab has ended.")
    if lab.status == LabStatus.PAUSED:
        raise LabPaused(lab.pause_message or "The lab is paused: runs wait until it resumes.")
    run = exercise_services.run_create(
        user=user, exercise_slug=exercise_slug, code=code, mode=mode, key=key
    )
    LabRun.objects.create(lab=lab, learner=learner, item=item, run=run)
    board_seq = _bump_board(lab.pk)  # the lab's row first, as everywhere (no deadlock)
    LabProgress.objects.filter(learner=learner, item=item).update(
        runs=F("runs") + 1,
        last_run=run,
        last_run_at=run.queued_at,
        last_status=run.status,
        version=F("version") + 1,
    )
    events.board_event(
        lab.pk,
        board_seq=board_seq,
        event="learner",
        body={"rows": _rows_for(lab, learner, item.pk)},
    )
    transaction.on_commit(lambda: events.queue_changed(selectors.queue_positions))
    return run


def lab_queue_moved(*, run_id: int) -> None:
    """A run started: tell every lab with queued runs its learners' new places (one
    query, whatever the number of labs and learners; coalesced per process)."""
    started = LabRun.objects.filter(run_id=run_id).values_list("lab_id", flat=True).first()

    def places() -> dict[int, dict[int, int]]:
        positions = selectors.queue_positions()
        if started is not None:
            positions.setdefault(started, {})  # its learners' places changed too
        return positions

    events.queue_changed(places)


def failure_signature(message: str) -> tuple[str, str]:
    """``(kind, message)`` of a failing test: the exception's type when it names one,
    else that a value was wrong; the message's first line, shortened."""
    line = (message or "").strip().splitlines()[0] if (message or "").strip() else ""
    found = _EXCEPTION.search(line)
    if found:
        kind = found.group(1)
    elif "expected" in line:
        kind = "wrong value"
    else:
        kind = "failed"
    return kind[:100], line[:200]


def _failures(run: Run) -> list[tuple[str, str, str]]:
    """``(test, kind, message)`` of each failure of a finished run; a run that stopped
    as a whole (did not load, timed out) is one failure, not one per test."""
    if run.status in (RunStatus.ERROR, RunStatus.TIMEOUT) and (
        not run.tests or all(t["outcome"] != "passed" for t in run.tests)
    ):
        kind, message = failure_signature(run.reason)
        return [(WHOLE_RUN, run.status if kind == "failed" else kind, message)]
    out: list[tuple[str, str, str]] = []
    hidden_failed = False
    for entry in run.tests:
        if entry["outcome"] == "passed":
            continue
        if entry.get("hidden"):
            hidden_failed = True
            continue
        kind, message = failure_signature(entry.get("message") or "")
        out.append((entry["name"][:200], kind, message))
    if hidden_failed:
        out.append((HIDDEN_GROUP, "hidden", ""))
    return out


def _apply(row: LabProgress, run: Run, hidden_count: int, *, now: Any) -> None:
    """Fold a finished run into a learner's standing in the exercise."""
    tests = dict(row.tests)
    streaks = dict(row.streaks)
    outcomes: dict[str, bool] = {}
    hidden = [t for t in run.tests if t.get("hidden")]
    for entry in run.tests:
        if not entry.get("hidden"):
            outcomes[entry["name"]] = entry["outcome"] == "passed"
    if run.mode == Mode.SUBMIT and hidden_count:
        outcomes[HIDDEN_GROUP] = len(hidden) >= hidden_count and all(
            t["outcome"] == "passed" for t in hidden
        )
    for name, ok in outcomes.items():
        tests[name] = ok
        if ok:
            streaks.pop(name, None)
        else:
            streaks[name] = streaks.get(name, 0) + 1
    ever = set(row.passed_ever)
    fresh = {name for name, ok in outcomes.items() if ok} - ever
    if fresh:
        row.last_progress_at = now
        ever |= fresh
    row.tests = tests
    row.streaks = streaks
    row.passed_ever = sorted(ever)
    row.passed_now = sum(1 for ok in tests.values() if ok)
    row.best_passed = max(row.best_passed, row.passed_now)
    full = run.mode == Mode.SUBMIT and run.status == RunStatus.PASSED
    score = run.passed + (1000 if full else 0)
    if row.best_run_id is None or score > row.best_score:
        row.best_run = run
        row.best_score = score
    if full and row.first_full_pass_at is None:
        row.first_full_pass_at = run.finished_at or now


@transaction.atomic
def lab_run_record(*, run_id: int) -> LabProgress | None:
    """A lab run finished: fold it into the learner's standing, note its failures for
    the error clusters, and send that learner's new line to the board. Idempotent (a
    run is counted once); does nothing for runs made outside labs."""
    link = (
        LabRun.objects.select_for_update(of=("self",))
        .select_related("lab", "run", "item__exercise")
        .filter(run_id=run_id)
        .first()
    )
    if link is None or link.recorded:
        return None
    run = link.run
    if run.status in IN_FLIGHT:
        return None
    link.recorded = True
    link.save(update_fields=["recorded"])
    board_seq = _bump_board(link.lab_id)  # the lab's row before the learner's (no deadlock)
    row = (
        LabProgress.objects.select_for_update()
        .filter(learner_id=link.learner_id, item_id=link.item_id)
        .first()
    )
    if row is None:
        return None
    now = timezone.now()
    row.last_status = run.status
    if run.status != RunStatus.REFUSED:  # the sandbox's trouble says nothing of the code
        _apply(row, run, link.item.exercise.hidden_test_count, now=now)
        failures = _failures(run)
        LabFailure.objects.bulk_create(
            [
                LabFailure(
                    lab_id=link.lab_id,
                    item_id=link.item_id,
                    learner_id=link.learner_id,
                    run=run,
                    test=test,
                    kind=kind,
                    message=message,
                )
                for test, kind, message in failures
            ]
        )
    else:
        failures = []
    row.version += 1
    row.save()
    row.learner = LabLearner.objects.select_related("user").get(pk=link.learner_id)
    line = selectors.progress_row(
        link.lab, row, now=now, total=len(selectors.test_groups(link.item))
    )
    events.board_event(
        link.lab_id,
        board_seq=board_seq,
        event="learner",
        body={
            "rows": [line],
            "failures": [
                {"item": link.item_id, "test": t, "kind": k, "message": m} for t, k, m in failures
            ],
        },
    )
    return row


def lab_catch_up(*, lab_id: int) -> int:
    """Record the lab's finished runs that were not counted yet (their process stopped
    between the run's commit and its signal): called before each board snapshot, so no
    result is lost for good. One query when there is nothing to do."""
    pending = list(
        LabRun.objects.filter(lab_id=lab_id, recorded=False)
        .exclude(run__status__in=IN_FLIGHT)
        .values_list("run_id", flat=True)[:100]
    )
    for run_id in pending:
        lab_run_record(run_id=run_id)
    return len(pending)


# --------------------------------------------------------------------------- host actions


def _host_lock(lab_id: int, user: Any) -> Lab:
    lab = _lock(lab_id)
    selectors.require_host(lab, user)
    return lab


@transaction.atomic
def lab_pause(*, lab_id: int, user: Any, message: str = "") -> Lab:
    """Lock editing and runs, with a message for learners."""
    lab = _host_lock(lab_id, user)
    if lab.status != LabStatus.RUNNING:
        raise InvalidLab("Only a running lab can be paused.")
    text = " ".join(str(message or "").split())[:200] or "Eyes on the front: the lab is paused."
    _bump(lab, status=LabStatus.PAUSED, paused_at=timezone.now(), pause_message=text)
    _state_event(lab, "paused")
    return lab


@transaction.atomic
def lab_resume(*, lab_id: int, user: Any) -> Lab:
    lab = _host_lock(lab_id, user)
    if lab.status != LabStatus.PAUSED:
        raise InvalidLab("Only a paused lab can be resumed.")
    now = timezone.now()
    paused_for = int((now - (lab.paused_at or now)).total_seconds())
    _bump(
        lab,
        status=LabStatus.RUNNING,
        paused_at=None,
        paused_seconds=lab.paused_seconds + max(paused_for, 0),
        pause_message="",
    )
    # Nobody made progress while the lab was paused: the clock of "stuck" waits too.
    LabProgress.objects.filter(lab=lab, first_full_pass_at__isnull=True).update(
        last_progress_at=F("last_progress_at") + timedelta(seconds=max(paused_for, 0))
    )
    _state_event(lab, "resumed")
    return lab


@transaction.atomic
def lab_end(*, lab_id: int, user: Any) -> Lab:
    lab = _host_lock(lab_id, user)
    if lab.status == LabStatus.ENDED:
        return lab
    now = timezone.now()
    paused_for = int((now - lab.paused_at).total_seconds()) if lab.paused_at else 0
    _bump(
        lab,
        status=LabStatus.ENDED,
        ended_at=now,
        paused_at=None,
        paused_seconds=lab.paused_seconds + max(paused_for, 0),
        pause_message="",
    )
    _state_event(lab, "ended")
    return lab


@transaction.atomic
def lab_settings_update(*, lab_id: int, user: Any, stuck_minutes: int, stuck_failures: int) -> Lab:
    lab = _host_lock(lab_id, user)
    if not 1 <= stuck_minutes <= 120 or not 2 <= stuck_failures <= 50:
        raise InvalidLab("Stuck after 1 to 120 minutes, or 2 to 50 failing runs in a row.")
    lab.stuck_minutes, lab.stuck_failures = stuck_minutes, stuck_failures
    lab.save(update_fields=["stuck_minutes", "stuck_failures"])
    _lab_changed(lab)
    return lab


@transaction.atomic
def lab_hint_send(*, lab_id: int, user: Any, text: str, learner_id: int | None = None) -> LabHint:
    """A hint to everyone, or to one learner; it appears in their side panel."""
    lab = _host_lock(lab_id, user)
    if lab.status == LabStatus.ENDED:
        raise LabEnded("This code lab has ended.")
    body = str(text or "").strip()
    if not body or len(body) > MAX_HINT_CHARS:
        raise InvalidLab(
            f"A hint is 1 to {MAX_HINT_CHARS} characters.", extra={"text": ["Length."]}
        )
    learner = None
    if learner_id is not None:
        learner = LabLearner.objects.select_related("user").filter(pk=learner_id, lab=lab).first()
        if learner is None:
            raise NotInLab("No such learner in this lab.")
    _bump(lab)
    hint = LabHint.objects.create(lab=lab, learner=learner, text=body, seq=lab.seq)
    events.learner_event(
        lab.pk,
        seq=lab.seq,
        event="hint",
        body={
            "hint": {
                "seq": hint.seq,
                "text": hint.text,
                "personal": learner is not None,
                "sent_at": hint.created_at,
            }
        },
        learner=learner.pk if learner else None,
    )
    _lab_changed(lab)
    return hint


@transaction.atomic
def lab_solution_unlock(*, lab_id: int, user: Any, item_id: int) -> LabExercise:
    """Show an exercise's reference solution to the lab's learners, from now on."""
    lab = _host_lock(lab_id, user)
    item = LabExercise.objects.select_related("exercise").filter(pk=item_id, lab=lab).first()
    if item is None:
        raise NotInLab("That exercise is not part of this lab.")
    if item.solution_unlocked_at is None:
        item.solution_unlocked_at = timezone.now()
        item.save(update_fields=["solution_unlocked_at"])
        _bump(lab)
        events.learner_event(
            lab.pk,
            seq=lab.seq,
            event="solution",
            body={
                "item": item.pk,
                "exercise": item.exercise.slug,
                "solution": item.exercise.solution_code,
            },
        )
        _lab_changed(lab)
    return item


@transaction.atomic
def lab_spotlight(
    *, lab_id: int, user: Any, learner_id: int | None = None, item_id: int | None = None
) -> Lab:
    """Show a learner's latest code in an exercise on the projector, without their name
    (``learner_id`` None: clear it)."""
    lab = _host_lock(lab_id, user)
    run_id = None
    if learner_id is not None:
        row = LabProgress.objects.filter(lab=lab, learner_id=learner_id, item_id=item_id).first()
        if row is None:
            raise NotInLab("No such learner in this lab.")
        if row.last_run_id is None:
            raise InvalidLab("This learner has not run any code yet.")
        run_id = row.last_run_id
    lab.spotlight_run_id = run_id
    lab.save(update_fields=["spotlight_run"])
    _lab_changed(lab)
    return lab


HOST_ACTIONS = ("pause", "resume", "end")


def lab_host_action(*, lab_id: int, user: Any, action: str, message: str = "") -> Lab:
    if action == "pause":
        return lab_pause(lab_id=lab_id, user=user, message=message)
    if action == "resume":
        return lab_resume(lab_id=lab_id, user=user)
    if action == "end":
        return lab_end(lab_id=lab_id, user=user)
    raise InvalidLab(f"Unknown action {action[:20]!r}.")
