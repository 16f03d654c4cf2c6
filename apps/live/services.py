"""Live session writes: create, join, host actions, answers, deadlines.

Every function is a transaction that locks the session row first, so concurrent host
actions, answers and deadline timers (from any web process or a Celery worker) apply
one at a time. Broadcasts are scheduled with ``transaction.on_commit`` from here only
(``apps.live.events``); the consumers and views never broadcast state themselves.
"""

from __future__ import annotations

import hashlib
import logging
import random
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, cast

from django.conf import settings
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import Count, Max, Q
from django.utils import timezone

from apps.core import ratelimit
from apps.core.errors import ApplicationError
from apps.live import events, nicknames, scoring, selectors
from apps.live.errors import (
    AlreadyAnswered,
    HostingLimited,
    InvalidSetting,
    InvalidState,
    JoinedMidQuestion,
    JoinLimited,
    NotHost,
    NotRecorded,
    PlayerRemoved,
    PlayerUnknown,
    QuestionNotOpen,
    SessionEnded,
    SessionFull,
    SessionNotFound,
    TooLate,
)
from apps.live.models import (
    ACTIVE_STATUSES,
    CODE_ALPHABET,
    CODE_LENGTH,
    MAX_EXTRA_PERCENT,
    MAX_EXTRA_SECONDS,
    MAX_TEAMS,
    TEAM_NAME_MAX,
    LiveAnswer,
    LivePlayer,
    LiveSession,
    LiveTeam,
    ScoringMode,
    SessionStatus,
)
from apps.quizzes import grading
from apps.quizzes import selectors as quiz_selectors
from apps.quizzes.models import Question

logger = logging.getLogger(__name__)

JOINED_MID_QUESTION = "You joined during this question: you'll play from the next one."
JOIN_LIMIT = ratelimit.Limit(scope="live-join-miss", limit=20, window=600)
HOSTING_LIMIT = ratelimit.Limit(scope="live-host", limit=20, window=3600)
MAX_ACTIVE_SESSIONS_PER_HOST = 5


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def _lock(session_id: int) -> LiveSession:
    session = (
        LiveSession.objects.select_for_update(of=("self",))
        .select_related("quiz")
        .filter(pk=session_id)
        .first()
    )
    if session is None:
        raise SessionNotFound("No such live session.")
    return session


def _require_host(session: LiveSession, user: Any) -> None:
    if not (user.is_authenticated and user.pk == session.host_id):
        raise NotHost("Only the host can do that.")


def _require_organiser(session: LiveSession, user: Any) -> None:
    """The host, or platform staff: who may set modes, teams and extra time."""
    if not (user.is_authenticated and (user.pk == session.host_id or user.is_staff)):
        raise NotHost("Only the host can do that.")
    if session.status == SessionStatus.ENDED:
        raise SessionEnded("This session has ended.")


def _require_lobby(session: LiveSession, what: str) -> None:
    if session.status != SessionStatus.LOBBY:
        raise InvalidState(f"{what} in the lobby only, before the quiz starts.")


def _scoring_mode(value: Any) -> str:
    if value not in ScoringMode.values:
        raise InvalidSetting(
            "Choose the scoring: speed (faster right answers score more) or accuracy.",
            extra={"scoring_mode": [f"One of: {', '.join(ScoringMode.values)}."]},
        )
    return str(value)


def _bump(session: LiveSession, **fields: Any) -> None:
    """Apply ``fields`` and advance ``seq``: one numbered state change."""
    for name, value in fields.items():
        setattr(session, name, value)
    # The row is locked FOR UPDATE (``_lock``): the seq in hand is the row's.
    session.seq += 1
    session.save(update_fields=[*fields, "seq"])


# --------------------------------------------------------------------------- create


def max_players_for(user: Any) -> int:
    if user.has_perm("live.host_large_session"):
        return settings.LIVE_MAX_PLAYERS
    return settings.LIVE_SMALL_SESSION_PLAYERS


@transaction.atomic
def session_create(
    *,
    host: Any,
    quiz_slug: str,
    seconds_per_question: int = 20,
    scoring_mode: str = ScoringMode.SPEED,
) -> LiveSession:
    """A new session in the lobby, with a fresh join code."""
    if not host.is_authenticated:
        raise NotHost("Log in to host a live session.")
    if not 5 <= seconds_per_question <= 300:
        raise InvalidState("Allow between 5 and 300 seconds per question.")
    scoring_mode = _scoring_mode(scoring_mode)
    verdict = ratelimit.hit(HOSTING_LIMIT, f"user:{host.pk}")
    if not verdict.allowed:
        raise HostingLimited(
            "You have started many sessions recently; try again later.",
            extra={"retry_after": verdict.retry_after},
        )
    quiz = quiz_selectors.quiz_get_published(slug=quiz_slug)
    active = LiveSession.objects.filter(host=host, status__in=ACTIVE_STATUSES).count()
    if active >= MAX_ACTIVE_SESSIONS_PER_HOST:
        raise HostingLimited(
            f"You already run {active} live sessions; end one before starting another."
        )
    question_ids = list(
        Question.objects.filter(quiz=quiz, retired=False)
        .order_by("order", "id")
        .values_list("id", flat=True)
    )
    if not question_ids:
        raise InvalidState("This quiz has no questions to play.")
    for _ in range(20):
        try:
            with transaction.atomic():
                return LiveSession.objects.create(
                    code=_new_code(),
                    quiz=quiz,
                    host=host,
                    max_players=max_players_for(host),
                    seconds_per_question=seconds_per_question,
                    scoring_mode=scoring_mode,
                    question_ids=question_ids,
                )
        except IntegrityError:
            continue  # the code is in use by a running session: draw another
    raise InvalidState("Could not find a free join code; try again.")


# --------------------------------------------------------------------------- join


@dataclass(frozen=True)
class JoinResult:
    player: LivePlayer
    secret: str  # the browser keeps it (in its session) to reconnect as this player
    rejoined: bool


def join_attempt_check(*, address: str) -> None:
    """Refuse an address that has guessed too many wrong codes recently."""
    verdict = ratelimit.peek(JOIN_LIMIT, address)
    if not verdict.allowed:
        raise JoinLimited(
            "Too many wrong join codes from your network; wait a few minutes.",
            extra={"retry_after": verdict.retry_after},
        )


def session_for_code(*, code: str, address: str) -> LiveSession:
    """The running session with this code; wrong guesses count towards a rate limit."""
    join_attempt_check(address=address)
    normalised = "".join(str(code).split()).upper()[:CODE_LENGTH]
    session = selectors.session_by_code(code=normalised)
    if session is None:
        ratelimit.hit(JOIN_LIMIT, address)
        raise SessionNotFound("No live session has that code. Check it and try again.")
    return session


REMOVED_REJOIN = "The host removed you from this session: you cannot join it again."


def _smallest_team(session: LiveSession) -> LiveTeam | None:
    return (
        LiveTeam.objects.filter(session=session)
        .annotate(size=Count("players", filter=Q(players__removed=False)))
        .order_by("size", "position", "id")
        .first()
    )


@transaction.atomic
def player_join(
    *,
    session_id: int,
    user: Any,
    nickname: str | None = None,
    secret: str | None = None,
    browser: str | None = None,
) -> JoinResult:
    """Join (or rejoin) a session as a signed-in user or as a guest with a nickname.

    Joining is open until the session ends (within ``max_players``). A player who joins
    while a question is open or revealed plays from the next question, and goes to the
    smallest team when the session has teams. Someone the host removed cannot come back:
    a signed-in user is known by their account, a guest by ``browser`` (the id in a
    signed cookie their browser got at its first join) and by ``secret`` (the
    credentials their browser kept for this session).
    """
    session = _lock(session_id)
    if session.status == SessionStatus.ENDED:
        raise SessionEnded("This session has ended.")
    known = Q(secret_hash=_hash(secret)) if secret else Q(pk__in=[])
    if user.is_authenticated:
        known |= Q(user=user)
    elif browser:
        known |= Q(browser_hash=_hash(browser))
    if LivePlayer.objects.filter(known, session=session, removed=True).exists():
        raise PlayerRemoved(REMOVED_REJOIN)
    # One player per account, and per browser for guests: a join sent again (its answer
    # lost with a worker, say) gets the player the first one made, with new credentials.
    if user.is_authenticated:
        existing = LivePlayer.objects.filter(session=session, user=user).first()
    elif browser:
        existing = LivePlayer.objects.filter(
            session=session, user=None, browser_hash=_hash(browser), removed=False
        ).first()
    else:
        existing = None
    if existing is not None:
        new_secret = secrets.token_urlsafe(24)
        existing.secret_hash = _hash(new_secret)
        existing.save(update_fields=["secret_hash"])
        return JoinResult(existing, new_secret, True)
    count = LivePlayer.objects.filter(session=session, removed=False).count()
    if count >= session.max_players:
        raise SessionFull(f"This session is full ({session.max_players} players).")
    extra = tuple(getattr(settings, "LIVE_EXTRA_BLOCKED_WORDS", ()))
    wanted = nicknames.clean_nickname(
        nickname if nickname else getattr(user, "public_name", "") or "", extra
    )
    new_secret = secrets.token_urlsafe(24)
    team = _smallest_team(session)
    for _ in range(5):
        taken = set(LivePlayer.objects.filter(session=session).values_list("nickname", flat=True))
        try:
            with transaction.atomic():
                player = LivePlayer.objects.create(
                    session=session,
                    user=user if user.is_authenticated else None,
                    nickname=nicknames.unique_nickname(wanted, taken),
                    secret_hash=_hash(new_secret),
                    browser_hash=_hash(browser) if browser else "",
                    first_index=max(session.index + 1, 0),
                    team=team,
                )
            break
        except IntegrityError:
            continue
    else:
        raise InvalidState("Could not join; try again.")
    # (Not a numbered event: a newcomer reads their team in their state, the host in
    # the player list; a broadcast of every team's members per join would not scale.)
    events.lobby_changed(session.pk)
    return JoinResult(player, new_secret, False)


def player_authenticate(*, session_id: int, player_id: int, secret: str) -> LivePlayer:
    player = LivePlayer.objects.filter(pk=player_id, session_id=session_id).first()
    if player is None or not secrets.compare_digest(player.secret_hash, _hash(secret or "")):
        raise PlayerUnknown("Join the session first.")
    if player.removed:
        raise PlayerRemoved("The host removed you from this session.")
    return player


@transaction.atomic
def player_remove(*, session_id: int, user: Any, player_id: int) -> LivePlayer:
    session = _lock(session_id)
    _require_host(session, user)
    player = LivePlayer.objects.filter(pk=player_id, session=session).first()
    if player is None:
        raise PlayerUnknown("No such player in this session.")
    if not player.removed:
        player.removed = True
        player.save(update_fields=["removed"])
        events.player_removed(session.pk, player.pk)
        events.lobby_changed(session.pk)
    return player


# ------------------------------------------------------------ settings, teams, extra time

TEAM_NAMES = (
    "Red", "Blue", "Green", "Yellow", "Purple", "Orange", "Teal", "Pink", "Silver", "Gold",
    "Indigo", "Coral", "Olive", "Navy", "Amber", "Lime", "Ruby", "Jade", "Sky", "Plum",
)  # fmt: skip


@transaction.atomic
def session_settings_update(*, session_id: int, user: Any, scoring_mode: str) -> LiveSession:
    """Change how answers score (speed and accuracy, or accuracy only): in the lobby."""
    session = _lock(session_id)
    _require_organiser(session, user)
    mode = _scoring_mode(scoring_mode)
    if mode != session.scoring_mode:
        _require_lobby(session, "The scoring can change")
        _bump(session, scoring_mode=mode)
        events.settings_changed(session)
    return session


def _team_name(raw: Any) -> str:
    text = re.sub(r"\s+", " ", raw if isinstance(raw, str) else "").strip()
    if not 1 <= len(text) <= TEAM_NAME_MAX or not text.isprintable():
        raise InvalidSetting(
            f"Team names are 1 to {TEAM_NAME_MAX} characters long.",
            extra={"name": [f"1 to {TEAM_NAME_MAX} characters."]},
        )
    extra = tuple(getattr(settings, "LIVE_EXTRA_BLOCKED_WORDS", ()))
    if nicknames.is_offensive(text, extra):
        raise InvalidSetting("Please choose another team name.", extra={"name": ["Not allowed."]})
    return text


def _teams_changed(session: LiveSession) -> None:
    _bump(session)
    events.teams_changed(session)


@transaction.atomic
def team_create(*, session_id: int, user: Any, name: str) -> LiveTeam:
    """A new (empty) team, in the lobby. The session plays in teams once it has one."""
    session = _lock(session_id)
    _require_organiser(session, user)
    _require_lobby(session, "Teams are made")
    name = _team_name(name)
    teams = LiveTeam.objects.filter(session=session)
    found = teams.aggregate(count=Count("pk"), last=Max("position"))
    if found["count"] >= MAX_TEAMS:
        raise InvalidSetting(f"A session has at most {MAX_TEAMS} teams.")
    if teams.filter(name__iexact=name).exists():
        raise InvalidSetting("A team has that name already.", extra={"name": ["Taken."]})
    team = LiveTeam.objects.create(
        session=session, name=name, position=(found["last"] or 0) + 1 if found["count"] else 0
    )
    _teams_changed(session)
    return team


def _team_of(session: LiveSession, team_id: Any) -> LiveTeam:
    team = LiveTeam.objects.filter(pk=team_id, session=session).first()
    if team is None:
        raise InvalidSetting("No such team in this session.", extra={"team": ["Unknown team."]})
    return team


def _player_of(session: LiveSession, player_id: Any) -> LivePlayer:
    player = LivePlayer.objects.filter(pk=player_id, session=session).first()
    if player is None:
        raise PlayerUnknown("No such player in this session.")
    if player.removed:
        raise PlayerRemoved("That player was removed from this session.")
    return player


@transaction.atomic
def team_delete(*, session_id: int, user: Any, team_id: int) -> None:
    """Delete a team, in the lobby: its players are left without a team."""
    session = _lock(session_id)
    _require_organiser(session, user)
    _require_lobby(session, "Teams are changed")
    _team_of(session, team_id).delete()
    _teams_changed(session)


@transaction.atomic
def teams_clear(*, session_id: int, user: Any) -> None:
    """Play without teams again (in the lobby)."""
    session = _lock(session_id)
    _require_organiser(session, user)
    _require_lobby(session, "Teams are changed")
    if LiveTeam.objects.filter(session=session).delete()[0]:
        _teams_changed(session)


@transaction.atomic
def teams_shuffle(*, session_id: int, user: Any, count: int) -> list[LiveTeam]:
    """Deal the players at random into ``count`` teams of sizes that differ by one at
    most, in the lobby. The first ``count`` teams are kept (with their names), missing
    ones are made with colour names, any beyond ``count`` are deleted."""
    session = _lock(session_id)
    _require_organiser(session, user)
    _require_lobby(session, "Teams are made")
    if isinstance(count, bool) or not isinstance(count, int) or not 2 <= count <= MAX_TEAMS:
        raise InvalidSetting(
            f"Shuffle into 2 to {MAX_TEAMS} teams.", extra={"count": [f"2 to {MAX_TEAMS}."]}
        )
    teams = list(LiveTeam.objects.filter(session=session).order_by("position", "id"))
    for extra in teams[count:]:
        extra.delete()
    teams = teams[:count]
    taken = {team.name.casefold() for team in teams}
    spare = [name for name in TEAM_NAMES if name.casefold() not in taken]
    position = max((team.position for team in teams), default=-1)
    while len(teams) < count:
        position += 1
        name = spare.pop(0) if spare else f"Team {position + 1}"
        teams.append(LiveTeam.objects.create(session=session, name=name, position=position))
    players = list(
        LivePlayer.objects.filter(session=session, removed=False).values_list("pk", flat=True)
    )
    random.SystemRandom().shuffle(players)
    for n, team in enumerate(teams):
        LivePlayer.objects.filter(pk__in=players[n::count]).update(team=team)
    _teams_changed(session)
    return teams


@transaction.atomic
def player_team_set(
    *, session_id: int, user: Any, player_id: int, team_id: int | None
) -> LivePlayer:
    """Put a player in a team (``None``: in none), in the lobby."""
    session = _lock(session_id)
    _require_organiser(session, user)
    _require_lobby(session, "Players change teams")
    player = _player_of(session, player_id)
    team = None if team_id is None else _team_of(session, team_id)
    if player.team_id != (team.pk if team else None):
        player.team = team
        player.save(update_fields=["team"])
        _teams_changed(session)
    return player


@transaction.atomic
def player_extra_time_set(
    *, session_id: int, user: Any, player_id: int, extra_percent: int = 0, extra_seconds: int = 0
) -> LivePlayer:
    """Give one player more time on every question (for accessibility): a share of the
    question's time and/or some seconds. Set between questions; it applies from the
    next question opened (the question closes for everyone at the room's deadline and
    stays open for that player until theirs)."""
    session = _lock(session_id)
    _require_organiser(session, user)
    for name, value, top in (
        ("extra_percent", extra_percent, MAX_EXTRA_PERCENT),
        ("extra_seconds", extra_seconds, MAX_EXTRA_SECONDS),
    ):
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= top:
            raise InvalidSetting(
                f"Extra time is 0 to {MAX_EXTRA_PERCENT}% and 0 to {MAX_EXTRA_SECONDS} seconds.",
                extra={name: [f"0 to {top}."]},
            )
    if session.status in {SessionStatus.QUESTION, SessionStatus.PAUSED}:
        raise InvalidState("Change extra time between questions: it applies from the next one.")
    player = _player_of(session, player_id)
    if (player.extra_percent, player.extra_seconds) != (extra_percent, extra_seconds):
        player.extra_percent, player.extra_seconds = extra_percent, extra_seconds
        player.save(update_fields=["extra_percent", "extra_seconds"])
        _bump(session)
        events.extra_time_changed(session, player)
    return player


UNCHANGED: Any = object()


@transaction.atomic
def player_settings_update(
    *,
    session_id: int,
    user: Any,
    player_id: int,
    team_id: Any = UNCHANGED,
    extra_percent: int | None = None,
    extra_seconds: int | None = None,
) -> LivePlayer:
    """A player's team and/or extra time at once (the APIs' one call): all or nothing.
    Left out: unchanged; ``team_id=None``: no team."""
    session = _lock(session_id)
    _require_organiser(session, user)
    player = _player_of(session, player_id)
    if team_id is not UNCHANGED:
        player = player_team_set(
            session_id=session_id, user=user, player_id=player_id, team_id=team_id
        )
    if extra_percent is not None or extra_seconds is not None:
        player = player_extra_time_set(
            session_id=session_id,
            user=user,
            player_id=player_id,
            extra_percent=player.extra_percent if extra_percent is None else extra_percent,
            extra_seconds=player.extra_seconds if extra_seconds is None else extra_seconds,
        )
    return player


# --------------------------------------------------------------------------- host actions


def _grace_ms(session: LiveSession) -> int:
    """The longest extra time of a player still in the game, for the question opening."""
    limit_ms = session.seconds_per_question * 1000
    rows = LivePlayer.objects.filter(session=session, removed=False).filter(
        Q(extra_percent__gt=0) | Q(extra_seconds__gt=0)
    )
    rows = rows.only("extra_percent", "extra_seconds")
    return max((player.extra_ms(limit_ms) for player in rows), default=0)


def _open_question(session: LiveSession, index: int, *, now=None) -> None:
    now = now or timezone.now()
    limit = timedelta(seconds=session.seconds_per_question)
    _bump(
        session,
        status=SessionStatus.QUESTION,
        index=index,
        round=session.round + 1,
        question_opened_at=now,
        deadline=now + limit,
        grace_ms=_grace_ms(session),
        paused_remaining_ms=None,
        elapsed_before_ms=0,
    )
    events.question_opened(session)


def _close_question(session: LiveSession, *, voided: bool = False) -> None:
    """Close the open (or paused) question: streaks reset for those who did not answer."""
    if voided:
        session.skipped = [*session.skipped, session.index]
    else:
        answered = LiveAnswer.objects.filter(session=session, index=session.index).values(
            "player_id"
        )
        LivePlayer.objects.filter(session=session, removed=False).exclude(pk__in=answered).update(
            streak=0
        )
    fields: dict[str, Any] = {
        "status": SessionStatus.REVIEW,
        "deadline": None,
        "paused_remaining_ms": None,
    }
    if voided:
        fields["skipped"] = session.skipped
    _bump(session, **fields)
    events.question_closed(session, voided=voided)


def _end(session: LiveSession) -> None:
    if session.status in {SessionStatus.QUESTION, SessionStatus.PAUSED}:
        _close_question(session)
    _bump(session, status=SessionStatus.ENDED, ended_at=timezone.now(), deadline=None)
    events.session_ended(session)


def _action_start(session: LiveSession) -> None:
    if session.status != SessionStatus.LOBBY:
        raise InvalidState("The session has already started.")
    session.started_at = timezone.now()
    session.save(update_fields=["started_at"])
    _open_question(session, 0)


def _action_next(session: LiveSession) -> None:
    if session.status == SessionStatus.LOBBY:
        raise InvalidState("Start the session first.")
    if session.status in {SessionStatus.QUESTION, SessionStatus.PAUSED}:
        raise InvalidState("Reveal or skip the current question first.")
    if session.index >= session.question_count - 1:
        _end(session)
    else:
        _open_question(session, session.index + 1)


def _action_reveal(session: LiveSession) -> None:
    if session.status not in {SessionStatus.QUESTION, SessionStatus.PAUSED}:
        raise InvalidState("No question is open.")
    _close_question(session)


def _action_pause(session: LiveSession) -> None:
    closes_at = session.closes_at
    if session.status != SessionStatus.QUESTION or closes_at is None:
        raise InvalidState("No question is running.")
    # Until the question closes: extra time still running is kept too.
    remaining = max(int((closes_at - timezone.now()).total_seconds() * 1000), 0)
    _bump(session, status=SessionStatus.PAUSED, paused_remaining_ms=remaining, deadline=None)
    events.paused(session)


def _action_resume(session: LiveSession) -> None:
    if session.status != SessionStatus.PAUSED:
        raise InvalidState("The session is not paused.")
    now = timezone.now()
    remaining = session.paused_remaining_ms or 0
    room_remaining = remaining - session.grace_ms  # negative when paused in extra time
    _bump(
        session,
        status=SessionStatus.QUESTION,
        round=session.round + 1,
        deadline=now + timedelta(milliseconds=room_remaining),
        question_opened_at=now,
        elapsed_before_ms=session.seconds_per_question * 1000 - room_remaining,
        paused_remaining_ms=None,
    )
    events.resumed(session)


def _action_skip(session: LiveSession) -> None:
    """Void the open question (no points, streaks kept) and open the next one."""
    if session.status == SessionStatus.LOBBY:
        raise InvalidState("Start the session first.")
    if session.status in {SessionStatus.QUESTION, SessionStatus.PAUSED}:
        _close_question(session, voided=True)
    if session.index >= session.question_count - 1:
        _end(session)
    else:
        _open_question(session, session.index + 1)


_ACTIONS = {
    "start": _action_start,
    "next": _action_next,
    "reveal": _action_reveal,
    "pause": _action_pause,
    "resume": _action_resume,
    "skip": _action_skip,
    "end": _end,
}


@transaction.atomic
def host_action(*, session_id: int, user: Any, action: str) -> LiveSession:
    """One host command: start, next, reveal, pause, resume, skip, end."""
    handler = _ACTIONS.get(action)
    if handler is None:
        raise InvalidState(f"Unknown host action {str(action)[:20]!r}.")
    session = _lock(session_id)
    _require_host(session, user)
    if session.status == SessionStatus.ENDED:
        raise SessionEnded("This session has ended.")
    handler(session)
    return session


@transaction.atomic
def question_close_if_due(*, session_id: int, round: int) -> bool:
    """Deadline timers call this: close the question of ``round`` if it is still open and
    due (its last personal deadline has passed). Idempotent; a stale timer (paused,
    resumed, revealed, skipped) does nothing."""
    session = LiveSession.objects.select_for_update(of=("self",)).filter(pk=session_id).first()
    closes_at = session.closes_at if session is not None else None
    if (
        session is None
        or session.status != SessionStatus.QUESTION
        or session.round != round
        or closes_at is None
        or timezone.now() < closes_at
    ):
        return False
    _close_question(session)
    return True


def questions_close_overdue(*, limit: int = 200) -> int:
    """Close every open question whose last deadline has passed, in any session: the
    sweep each live web process runs every second (``apps.live.events.sweeper``), so a
    deadline holds whatever process dies (the one that opened the question and set its
    timer, the Celery worker with its backstop task). One indexed query when nothing is
    due; each close is ``question_close_if_due``, idempotent per round. The number
    closed."""
    now = timezone.now()
    due = (
        LiveSession.objects.filter(status=SessionStatus.QUESTION, deadline__lte=now)
        .order_by("deadline")
        .values_list("pk", "round", "deadline", "grace_ms")[:limit]
    )
    closed = 0
    for pk, round_, deadline, grace_ms in due:
        closes_at = cast(datetime, deadline) + timedelta(milliseconds=int(grace_ms))
        if closes_at <= now and question_close_if_due(session_id=pk, round=round_):
            closed += 1
    return closed


# --------------------------------------------------------------------------- answers


@dataclass(frozen=True)
class AnswerReceipt:
    index: int
    key: str
    duplicate: bool
    # Known to the server now; sent to the player only when the answer is revealed.
    correct: bool
    points: int
    bonus: int
    score: int
    streak: int


def _receipt(answer: LiveAnswer, player: LivePlayer, duplicate: bool) -> AnswerReceipt:
    bonus = scoring.streak_bonus(player.streak) if answer.correct else 0
    return AnswerReceipt(
        index=answer.index,
        key=answer.key,
        duplicate=duplicate,
        correct=answer.correct,
        points=answer.points - bonus,
        bonus=bonus,
        score=player.score,
        streak=player.streak,
    )


def answer_submit(
    *, session_id: int, player_id: int, index: int, response: Any, key: str
) -> AnswerReceipt:
    """Record a player's answer to the open question, once (retries with the same key
    return the first receipt). Committed before the caller acknowledges it.

    An answer that arrives after the deadline is refused, and closes the question if
    its timer has not yet: that close is committed even though the answer is refused.
    """
    (outcome,) = answers_submit(
        session_id=session_id,
        answers=[AnswerRequest(player_id=player_id, index=index, response=response, key=key)],
    )
    if isinstance(outcome, ApplicationError):
        raise outcome
    return outcome


@dataclass(frozen=True)
class AnswerRequest:
    player_id: int
    index: int
    response: Any
    key: str


AnswerOutcome = AnswerReceipt | ApplicationError


def answers_submit(*, session_id: int, answers: list[AnswerRequest]) -> list[AnswerOutcome]:
    """Record several players' answers to one session in one transaction (a group
    commit): the same rules and the same receipts as ``answer_submit`` one by one, with
    one outcome per request, in order (a receipt, or the error that refused it). The
    queries do not grow with the number of answers: the session row (shared lock), the
    players (locked, in id order, so two batches never deadlock), their earlier answers,
    one insert, one update.

    Should the batch fail as a whole (a database error), each answer is tried again on
    its own, so one cannot cost the others theirs."""
    outcomes: list[AnswerOutcome | None] = [None] * len(answers)
    valid: list[int] = []
    for position, request in enumerate(answers):
        key = request.key
        if not isinstance(key, str) or not 8 <= len(key) <= 64:
            outcomes[position] = grading.InvalidResponse(
                "Send an idempotency key of 8 to 64 characters."
            )
        else:
            valid.append(position)
    if valid:
        try:
            late_round = _answers_submit(session_id, answers, valid, outcomes)
        except DatabaseError:
            if len(valid) == 1:
                raise
            for position in valid:  # one by one: a bad answer fails only itself
                outcomes[position] = None
                try:
                    late_round = _answers_submit(session_id, answers, [position], outcomes)
                except DatabaseError:
                    logger.exception("live session %s: an answer was not recorded", session_id)
                    outcomes[position] = NotRecorded(
                        "Your answer could not be recorded. Send it again."
                    )
                    continue
                if late_round is not None:
                    question_close_if_due(session_id=session_id, round=late_round)
            late_round = None
        if late_round is not None:
            # Close it in a transaction of its own (the answers held only a shared lock).
            question_close_if_due(session_id=session_id, round=late_round)
    return [cast(AnswerOutcome, outcome) for outcome in outcomes]


def _lock_shared(session_id: int) -> LiveSession:
    """The session row locked FOR SHARE: answers to one question commit side by side,
    while a host action or a deadline close (FOR UPDATE) waits for those in flight and
    every later answer sees the question closed. (SQLite serialises writes anyway.)"""
    if connection.vendor != "postgresql":
        return _lock(session_id)
    table = LiveSession._meta.db_table
    rows = list(
        LiveSession.objects.raw(f"SELECT * FROM {table} WHERE id = %s FOR SHARE", [session_id])  # noqa: S608
    )
    if not rows:
        raise SessionNotFound("No such live session.")
    return rows[0]


def _players_scores_save(players: list[LivePlayer]) -> None:
    """One ``UPDATE … FROM (VALUES …)`` for the players' new scores, streaks and
    correct counts (``bulk_update`` builds a CASE per field and player in Python: most
    of a batch's CPU time at 500 players, bench/live_bench.py with py-spy)."""
    table = LivePlayer._meta.db_table
    rows = ", ".join(["(%s, %s, %s, %s)"] * len(players))
    params: list[int] = []
    for player in players:
        params += [player.pk, player.score, player.streak, player.correct_count]
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET score = v.column2, streak = v.column3, "  # noqa: S608
            f"correct_count = v.column4 FROM (VALUES {rows}) AS v "
            f"WHERE {table}.id = v.column1",
            params,
        )


@dataclass(frozen=True)
class _Moment:
    """The open question as it stands when a batch of answers is recorded."""

    session: LiveSession
    open_question: bool
    late: bool  # past the question's last deadline: refused, and the question closed
    elapsed_ms: int
    room_limit_ms: int

    @classmethod
    def of(cls, session: LiveSession, now: datetime) -> _Moment:
        room_limit_ms = session.seconds_per_question * 1000
        closes_at = session.closes_at
        if session.status == SessionStatus.PAUSED:
            elapsed = room_limit_ms + session.grace_ms - (session.paused_remaining_ms or 0)
        else:
            opened = session.question_opened_at or now
            elapsed = session.elapsed_before_ms + int((now - opened).total_seconds() * 1000)
        return cls(
            session=session,
            open_question=session.status in {SessionStatus.QUESTION, SessionStatus.PAUSED},
            late=session.status == SessionStatus.QUESTION
            and closes_at is not None
            and now > closes_at,
            elapsed_ms=elapsed,
            room_limit_ms=room_limit_ms,
        )

    def admit(
        self, player: LivePlayer | None, request: AnswerRequest, answered: set[tuple[int, int]]
    ) -> int:
        """The player's time limit for this answer, or the error that refuses it."""
        session = self.session
        if player is None:
            raise PlayerUnknown("Join the session first.")
        if player.removed:
            raise PlayerRemoved("The host removed you from this session.")
        if not self.open_question or request.index != session.index:
            raise QuestionNotOpen("That question is not open.")
        if request.index < player.first_index:
            raise JoinedMidQuestion(JOINED_MID_QUESTION)
        if self.late:
            raise TooLate("Time is up for this question.")
        # Extra time (set between questions) is within the question's grace.
        limit_ms = self.room_limit_ms + min(player.extra_ms(self.room_limit_ms), session.grace_ms)
        if self.elapsed_ms > limit_ms:
            # Past this player's own deadline; the room waits for others' extra time.
            raise TooLate("Time is up for this question.")
        if (player.pk, request.index) in answered:
            raise AlreadyAnswered("You have already answered this question.")
        return limit_ms

    def score(
        self,
        player: LivePlayer,
        request: AnswerRequest,
        question: Question,
        cleaned: Any,
        limit_ms: int,
    ) -> LiveAnswer:
        """The graded answer (not saved yet), its points added to ``player``."""
        verdict = grading.grade(question, cleaned)
        base = scoring.answer_points(
            fraction=verdict.fraction,
            elapsed_ms=self.elapsed_ms,
            limit_ms=limit_ms,
            accuracy_only=self.session.accuracy_only,
        )
        streak = player.streak + 1 if verdict.correct else 0
        bonus = scoring.streak_bonus(streak) if verdict.correct else 0
        player.score += base + bonus
        player.streak = streak
        player.correct_count += 1 if verdict.correct else 0
        return LiveAnswer(
            session=self.session,
            player=player,
            index=request.index,
            question=question,
            response=cleaned,
            correct=verdict.correct,
            fraction=verdict.fraction.quantize(Decimal("0.0001")),
            points=base + bonus,
            elapsed_ms=min(max(self.elapsed_ms, 0), limit_ms),
            key=request.key,
        )


@transaction.atomic
def _answers_submit(
    session_id: int,
    answers: list[AnswerRequest],
    positions: list[int],
    outcomes: list[AnswerOutcome | None],
) -> int | None:
    """Fill ``outcomes`` at ``positions``; the round to close if an answer came after
    the question's last deadline (refused, as ``TooLate``)."""
    now = timezone.now()
    try:
        session = _lock_shared(session_id)
    except SessionNotFound as exc:
        for position in positions:
            outcomes[position] = exc
        return None
    player_ids = sorted({answers[p].player_id for p in positions})
    players = {
        player.pk: player
        for player in LivePlayer.objects.select_for_update()
        .filter(pk__in=player_ids, session=session)
        .order_by("pk")
    }
    # Read after the locks are held (a new statement sees what was committed before
    # them): an answer from the same player through another process is seen here.
    keys = {answers[p].key for p in positions}
    by_key: dict[tuple[int, str], LiveAnswer] = {}
    answered: set[tuple[int, int]] = set()
    if players:
        for earlier in LiveAnswer.objects.filter(player_id__in=list(players)).filter(
            Q(key__in=keys) | Q(index=session.index)
        ):
            by_key[(earlier.player_id, earlier.key)] = earlier
            answered.add((earlier.player_id, earlier.index))
    moment = _Moment.of(session, now)
    question = None
    created: list[tuple[int, LiveAnswer, LivePlayer]] = []
    changed: dict[int, LivePlayer] = {}
    late_round = None
    for position in positions:
        request = answers[position]
        player = players.get(request.player_id)
        first = by_key.get((request.player_id, request.key))
        if player is not None and not player.removed and first is not None:
            outcomes[position] = _receipt(first, player, duplicate=True)
            continue
        try:
            limit_ms = moment.admit(player, request, answered)
            if question is None:
                question = selectors.question_of_round(session)
            cleaned = grading.validate_response(question, request.response)
        except TooLate as exc:
            if moment.late:
                late_round = session.round  # refused; the caller closes the question
            outcomes[position] = exc
            continue
        except ApplicationError as exc:
            outcomes[position] = exc
            continue
        assert player is not None
        answer = moment.score(player, request, question, cleaned, limit_ms)
        # A second answer in this batch (another key) sees this one.
        answered.add((player.pk, request.index))
        by_key[(player.pk, request.key)] = answer
        created.append((position, answer, player))
        changed[player.pk] = player
    if created:
        LiveAnswer.objects.bulk_create([answer for _, answer, _ in created])
        _players_scores_save(list(changed.values()))
        for position, answer, player in created:
            outcomes[position] = _receipt(answer, player, duplicate=False)
        events.answer_recorded(session.pk)
    return late_round
