"""Live session reads: what the host and the players may see, and when.

Questions go out without keys (``question_public``); the key, the explanation and the
answer distribution go out only when the question closes (``question_reveal``).
"""

from __future__ import annotations

import threading
from collections import Counter, OrderedDict
from dataclasses import asdict, dataclass
from functools import lru_cache
from typing import Any

from django.db.models import Count, Q, Sum
from django.utils import timezone

from apps.live.models import (
    ACTIVE_STATUSES,
    LiveAnswer,
    LivePlayer,
    LiveSession,
    LiveTeam,
    SessionStatus,
)
from apps.quizzes.models import Question, QuestionType
from apps.quizzes.selectors import _key as key_text
from apps.quizzes.selectors import choices_in_display_order

LEADERBOARD_SIZE = 10
CHOICE_TYPES = {QuestionType.SINGLE, QuestionType.MULTIPLE, QuestionType.ORDERING}


def session_by_code(*, code: str) -> LiveSession | None:
    """The running session with this code (codes are reused once a session ends)."""
    return (
        LiveSession.objects.filter(code=code, status__in=ACTIVE_STATUSES)
        .select_related("quiz", "host")
        .first()
    )


def session_by_code_any(*, code: str) -> LiveSession | None:
    """The running session with this code, else the latest ended one (for results)."""
    return (
        LiveSession.objects.filter(code=code)
        .select_related("quiz", "host")
        .order_by("-created_at")
        .first()
    )


@lru_cache(maxsize=512)
def _question_cached(question_id: int, version: str) -> Question:
    return Question.objects.prefetch_related("choices").get(pk=question_id)


def question_with_keys(question_id: int) -> Question:
    """Server side only (grading, reveal). Cached per process: questions of a running
    game do not change (an edit changes ``version``, which misses the cache)."""
    from apps.core import content_version

    return _question_cached(question_id, str(content_version.current()))


# (session id, round, question id, opened at) -> the question with its keys, for the
# answers of one round: a round grades against the keys it started with, without a
# cache round trip per answer. A new round (next question, resume) reads them again.
_ROUND_QUESTIONS_KEPT = 64
_round_questions: OrderedDict[tuple[Any, ...], Question] = OrderedDict()
_round_questions_lock = threading.Lock()


def question_of_round(session: LiveSession) -> Question:
    """The open question of ``session`` with its keys (server side only), kept in
    process memory for the rest of its round."""
    question_id = session.question_ids[session.index]
    key = (session.pk, session.round, question_id, session.question_opened_at)
    question = _round_questions.get(key)
    if question is None:
        question = question_with_keys(question_id)
        with _round_questions_lock:
            _round_questions[key] = question
            while len(_round_questions) > _ROUND_QUESTIONS_KEPT:
                _round_questions.popitem(last=False)
    return question


def question_public(session: LiveSession, index: int) -> dict[str, Any]:
    question = question_with_keys(session.question_ids[index])
    choices = list(question.choices.all())
    shown = (
        choices_in_display_order(session.quiz, question, choices)
        if question.type in CHOICE_TYPES
        else []
    )
    return {
        "id": question.id,
        "type": question.type,
        "prompt_html": question.prompt_html,
        "choices": [{"id": c.id, "text_html": c.text_html} for c in shown],
    }


def question_reveal(session: LiveSession, index: int) -> dict[str, Any]:
    """The key and explanation of a closed question."""
    question = question_with_keys(session.question_ids[index])
    choices = sorted(question.choices.all(), key=lambda c: (c.order, c.id))
    return {
        "correct_choices": [c.id for c in choices if c.is_correct]
        if question.type in {QuestionType.SINGLE, QuestionType.MULTIPLE}
        else [],
        "correct_order": [c.id for c in choices] if question.type == QuestionType.ORDERING else [],
        "correct_text": key_text(question) or ", ".join(c.text for c in choices if c.is_correct),
        "explanation_html": question.explanation_html,
    }


def distribution(session: LiveSession, index: int) -> dict[str, Any]:
    """How many answered, and how answers spread (by choice, or by value)."""
    question = question_with_keys(session.question_ids[index])
    rows = list(
        LiveAnswer.objects.filter(session=session, index=index).values_list("response", "correct")
    )
    counts: Counter[str] = Counter()
    for response, _correct in rows:
        if "choice" in response:
            counts[str(response["choice"])] += 1
        elif "choices" in response:
            for choice in response["choices"]:
                counts[str(choice)] += 1
        elif question.type == QuestionType.TRUE_FALSE:
            counts["true" if response.get("value") else "false"] += 1
        elif question.type == QuestionType.ORDERING:
            counts["ordered"] += 1
        else:
            counts[str(response.get("value", response.get("text", "")))[:40]] += 1
    top = dict(counts.most_common(12))
    return {
        "answered": len(rows),
        "correct": sum(1 for _, correct in rows if correct),
        "counts": top,
    }


def player_count(session: LiveSession) -> int:
    return LivePlayer.objects.filter(session=session, removed=False).count()


def leaderboard(session: LiveSession, limit: int = LEADERBOARD_SIZE) -> list[dict[str, Any]]:
    rows = LivePlayer.objects.filter(session=session, removed=False).order_by(
        "-score", "joined_at", "id"
    )[:limit]
    return [
        {"rank": n, "player": p.pk, "nickname": p.nickname, "score": p.score, "streak": p.streak}
        for n, p in enumerate(rows, start=1)
    ]


def player_rank(player: LivePlayer) -> int:
    ahead = LivePlayer.objects.filter(session_id=player.session_id, removed=False).filter(
        Q(score__gt=player.score)
        | Q(score=player.score, joined_at__lt=player.joined_at)
        | Q(score=player.score, joined_at=player.joined_at, pk__lt=player.pk)
    )
    return ahead.count() + 1


def lobby(session: LiveSession) -> list[dict[str, Any]]:
    """The players in the game, for the host (with their team and extra time)."""
    return [
        {
            "player": p["id"],
            "nickname": p["nickname"],
            "guest": p["user_id"] is None,
            "team": p["team_id"],
            "extra_percent": p["extra_percent"],
            "extra_seconds": p["extra_seconds"],
            "first_index": p["first_index"],
        }
        for p in LivePlayer.objects.filter(session=session, removed=False)
        .order_by("joined_at", "id")
        .values(
            "id", "nickname", "user_id", "team_id", "extra_percent", "extra_seconds", "first_index"
        )
    ]


def teams_public(session: LiveSession) -> list[dict[str, Any]]:
    """The teams and who is in each (player ids; nicknames are in the leaderboards)."""
    teams = list(LiveTeam.objects.filter(session=session).order_by("position", "id"))
    if not teams:
        return []
    members: dict[int, list[int]] = {team.pk: [] for team in teams}
    rows = LivePlayer.objects.filter(session=session, removed=False, team__isnull=False)
    for team_id, player_id in rows.order_by("joined_at", "id").values_list("team_id", "pk"):
        members[team_id].append(player_id)
    return [{"id": team.pk, "name": team.name, "members": members[team.pk]} for team in teams]


@dataclass(frozen=True)
class TeamStanding:
    rank: int
    team: int
    name: str
    score: int
    players: int


def team_standings(session: LiveSession) -> list[TeamStanding]:
    """The teams ranked by their score, the mean of their players' scores (players the
    host removed do not count), rounded to a whole point. One query."""
    in_game = Q(players__removed=False)
    rows = LiveTeam.objects.filter(session=session).annotate(
        size=Count("players", filter=in_game), total=Sum("players__score", filter=in_game)
    )
    scored = [
        (round((row.total or 0) / row.size) if row.size else 0, row.size, row.position, row)
        for row in rows
    ]
    scored.sort(key=lambda item: (-item[0], item[1] == 0, item[2], item[3].pk))
    return [
        TeamStanding(rank=n, team=row.pk, name=row.name, score=score, players=size)
        for n, (score, size, _, row) in enumerate(scored, start=1)
    ]


def team_leaderboard(session: LiveSession) -> list[dict[str, Any]]:
    return [asdict(standing) for standing in team_standings(session)]


def timing(session: LiveSession, extra_ms: int = 0) -> dict[str, Any]:
    """Clock facts for the open question, as epoch milliseconds of the server clock:
    the room's (``extra_ms`` 0), or one player's with their extra time."""
    now = timezone.now()
    limit_ms = session.seconds_per_question * 1000
    closes_at = session.closes_at
    if session.status == SessionStatus.PAUSED:
        close_remaining = session.paused_remaining_ms or 0
        remaining = max(close_remaining - session.grace_ms, 0)
        deadline = closes = None
    elif session.deadline is not None and closes_at is not None:
        remaining = max(int((session.deadline - now).total_seconds() * 1000), 0)
        close_remaining = max(int((closes_at - now).total_seconds() * 1000), 0)
        deadline = int(session.deadline.timestamp() * 1000)
        closes = int(closes_at.timestamp() * 1000)
    else:
        remaining = close_remaining = 0
        deadline = closes = None
    room = {
        "server_now": int(now.timestamp() * 1000),
        "deadline": deadline,
        "remaining_ms": remaining,
        "limit_ms": limit_ms,
        "extra_ms": 0,
        "grace_ms": session.grace_ms,
        "closes_at": closes,
        "close_remaining_ms": close_remaining,
    }
    return personal_timing(room, extra_ms) if extra_ms else room


def personal_timing(room: dict[str, Any], extra_ms: int) -> dict[str, Any]:
    """A room's timing as one player with ``extra_ms`` more sees it (their deadline,
    time left and limit); never past the question's closing."""
    extra = max(min(extra_ms, room["grace_ms"]), 0)
    mine = dict(room, extra_ms=extra, limit_ms=room["limit_ms"] + extra)
    if room["deadline"] is not None:
        mine["deadline"] = room["deadline"] + extra
        mine["remaining_ms"] = max(mine["deadline"] - room["server_now"], 0)
    else:
        left = room["close_remaining_ms"] - room["grace_ms"] + extra
        mine["remaining_ms"] = max(left, 0) if room["closes_at"] is None else 0
    return mine


def player_extra_ms(session: LiveSession, player: LivePlayer) -> int:
    """The player's extra time on the open question (what the question allowed for)."""
    return min(player.extra_ms(session.seconds_per_question * 1000), session.grace_ms)


def session_state(
    session: LiveSession, *, host: bool, player: LivePlayer | None = None
) -> dict[str, Any]:
    """Everything a (re)connecting client needs, as of ``session.seq``."""
    state: dict[str, Any] = {
        "code": session.code,
        "quiz": {"slug": session.quiz.slug, "title": session.quiz.title},
        "status": session.status,
        "index": session.index,
        "total": session.question_count,
        "round": session.round,
        "seq": session.seq,
        "players": player_count(session),
        "seconds_per_question": session.seconds_per_question,
        "scoring_mode": session.scoring_mode,
        "voided": session.index in session.skipped,
        "teams": teams_public(session),
    }
    open_ = session.status in {SessionStatus.QUESTION, SessionStatus.PAUSED}
    if open_ or session.status == SessionStatus.REVIEW:
        state["question"] = question_public(session, session.index)
        extra = player_extra_ms(session, player) if player is not None and open_ else 0
        state["timing"] = timing(session, extra)
    if session.status == SessionStatus.REVIEW:
        state["reveal"] = question_reveal(session, session.index)
        state["distribution"] = distribution(session, session.index)
    if session.status in {SessionStatus.REVIEW, SessionStatus.ENDED}:
        state["leaderboard"] = leaderboard(session)
        state["team_leaderboard"] = team_leaderboard(session) if state["teams"] else []
    if host:
        state["lobby"] = lobby(session)
        if session.status in {SessionStatus.QUESTION, SessionStatus.PAUSED}:
            state["distribution"] = distribution(session, session.index)
    if player is not None:
        mine = None
        score: int = player.score
        streak: int | None = player.streak
        if session.index >= 0:
            answer = LiveAnswer.objects.filter(player=player, index=session.index).first()
            if answer is not None:
                mine = {"index": answer.index, "key": answer.key}
                if session.status in {SessionStatus.REVIEW, SessionStatus.ENDED}:
                    mine |= {"correct": answer.correct, "points": answer.points}
                else:
                    # Until the reveal, a score or streak that moved would tell whether
                    # the answer was right: show them as they were before it.
                    score, streak = player.score - answer.points, None
        state["me"] = {
            "player": player.pk,
            "nickname": player.nickname,
            "score": score,
            "streak": streak,
            "team": player.team_id,
            "extra_percent": player.extra_percent,
            "extra_seconds": player.extra_seconds,
            "first_index": player.first_index,
            # Joined while this question was open (or revealed): plays from the next.
            "joined_mid_question": 0 <= session.index < player.first_index,
            "answer": mine,
            "rank": player_rank(player)
            if session.status in {SessionStatus.REVIEW, SessionStatus.ENDED}
            else None,
        }
    return state


def sessions_hosted(*, user: Any) -> Any:
    return (
        LiveSession.objects.filter(host=user)
        .select_related("quiz")
        .annotate(player_total=Count("players", filter=Q(players__removed=False)))
        .order_by("-created_at")
    )


def results_rows(session: LiveSession) -> list[LivePlayer]:
    return list(
        LivePlayer.objects.filter(session=session)
        .select_related("user", "team")
        .order_by("removed", "-score", "joined_at", "id")
    )


def sessions_played(*, user: Any) -> Any:
    """The user's players in live sessions, newest first, each with its session and quiz,
    ``rank`` (among players not removed) and ``player_total``: one query."""
    if not getattr(user, "is_authenticated", False):
        return LivePlayer.objects.none()
    from django.db.models import OuterRef, Subquery
    from django.db.models.functions import Coalesce

    in_session = LivePlayer.objects.filter(session=OuterRef("session"), removed=False).order_by()
    ahead = in_session.filter(
        Q(score__gt=OuterRef("score"))
        | Q(score=OuterRef("score"), joined_at__lt=OuterRef("joined_at"))
        | Q(score=OuterRef("score"), joined_at=OuterRef("joined_at"), pk__lt=OuterRef("pk"))
    )

    def counted(rows: Any) -> Any:
        return Coalesce(
            Subquery(rows.values("session").annotate(n=Count("pk")).values("n")[:1]),
            0,
        )

    return (
        LivePlayer.objects.filter(user=user)
        .select_related("session__quiz")
        .annotate(rank=counted(ahead) + 1, player_total=counted(in_session))
        .order_by("-session__created_at", "-pk")
    )


# --------------------------------------------------------------------------- history (APIs)


def _ranked_players() -> Any:
    from django.db.models import F, Window
    from django.db.models.functions import Rank

    return LivePlayer.objects.filter(removed=False).annotate(
        rank=Window(
            Rank(),
            partition_by=[F("session_id")],
            order_by=[F("score").desc(), F("joined_at").asc(), F("id").asc()],
        )
    )


def live_sessions_hosted(*, user: Any) -> Any:
    """The user's hosted sessions, newest first, with player counts (one query)."""
    if not user.is_authenticated:
        return LiveSession.objects.none()
    return sessions_hosted(user=user)


def live_session_for_host(*, user: Any, session_id: int) -> LiveSession:
    """One hosted session; anyone else's is "not found"."""
    from apps.live.errors import SessionNotFound

    session = (
        live_sessions_hosted(user=user).filter(pk=session_id).first()
        if user.is_authenticated
        else None
    )
    if session is None:
        raise SessionNotFound("No such live session.")
    return session


def live_session_results(session: LiveSession) -> list[Any]:
    """Every player still in the session, ranked (one query)."""
    return list(
        _ranked_players().filter(session=session).order_by("rank").select_related("user", "team")
    )


def live_results_for_player(*, user: Any, limit: int = 50) -> list[Any]:
    """The user's latest sessions played, newest first, with their rank in each.

    Two queries: the sessions, then every player of those sessions ranked by a window
    function (the rank needs the whole room), keeping the user's own rows.
    """
    if not user.is_authenticated:
        return []
    session_ids = list(
        LivePlayer.objects.filter(user=user, removed=False)
        .order_by("-session__created_at")
        .values_list("session_id", flat=True)[:limit]
    )
    rows = _ranked_players().filter(session_id__in=session_ids).select_related("session__quiz")
    mine = [row for row in rows if row.user_id == user.pk]
    return sorted(mine, key=lambda row: (row.session.created_at, row.session_id), reverse=True)
