"""Live session services: joining, the host's state machine, answers, scoring, deadlines."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone

from apps.live import nicknames, scoring, selectors, services
from apps.live.errors import (
    AlreadyAnswered,
    BadNickname,
    InvalidState,
    JoinLimited,
    NotHost,
    PlayerRemoved,
    PlayerUnknown,
    QuestionNotOpen,
    SessionEnded,
    SessionFull,
    SessionNotFound,
    TooLate,
)
from apps.live.models import CODE_ALPHABET, LiveAnswer, LivePlayer, LiveSession
from tests.factories import UserFactory
from tests.quizzes.conftest import build_quiz, ids

pytestmark = pytest.mark.django_db


@pytest.fixture
def game():
    quiz = build_quiz()
    host = UserFactory(username="host")
    session = services.session_create(host=host, quiz_slug=quiz.slug, seconds_per_question=20)
    return {"quiz": quiz, "host": host, "session": session, "q": ids(quiz)}


def guest(session, nickname="Ada"):
    from django.contrib.auth.models import AnonymousUser

    return services.player_join(session_id=session.pk, user=AnonymousUser(), nickname=nickname)


def act(game, action):
    return services.host_action(session_id=game["session"].pk, user=game["host"], action=action)


def fresh(game) -> LiveSession:
    return LiveSession.objects.get(pk=game["session"].pk)


def test_codes_are_six_unambiguous_characters(game):
    code = game["session"].code
    assert len(code) == 6 and set(code) <= set(CODE_ALPHABET)
    assert not set("0O1IL2Z5S8B") & set(CODE_ALPHABET)


def test_anyone_signed_in_hosts_up_to_ten_players_instructors_more(game):
    assert game["session"].max_players == 10
    instructor = UserFactory(roles=["instructor"])
    big = services.session_create(host=instructor, quiz_slug=game["quiz"].slug)
    assert big.max_players == 1500
    plain = UserFactory()
    plain.user_permissions.add(Permission.objects.get(codename="host_large_session"))
    assert services.max_players_for(plain) == 1500


def test_session_full(game):
    for n in range(10):
        guest(game["session"], f"player {n}")
    with pytest.raises(SessionFull):
        guest(game["session"], "one too many")


def test_nickname_rules():
    assert nicknames.clean_nickname("  Grace   Hopper ") == "Grace Hopper"
    for bad in ("", "x", "a" * 21, "1234", "Bad\u200bname", "<script>", "F.u.c.k", "sh1t head",
                "FUUUCK", 42):  # fmt: skip
        with pytest.raises(BadNickname):
            nicknames.clean_nickname(bad)
    assert nicknames.unique_nickname("Ada", {"ada", "Ada 2"}) == "Ada 3"
    assert len(nicknames.unique_nickname("A" * 20, {"A" * 20})) <= 20


def test_duplicate_nicknames_are_made_unique_and_users_rejoin(game):
    session = game["session"]
    assert guest(session, "Ada").player.nickname == "Ada"
    assert guest(session, "ada").player.nickname == "ada 2"
    user = UserFactory(username="grace", display_name="Grace")
    first = services.player_join(session_id=session.pk, user=user)
    again = services.player_join(session_id=session.pk, user=user)
    assert again.rejoined and again.player.pk == first.player.pk and again.secret != first.secret
    with pytest.raises(PlayerUnknown):
        services.player_authenticate(
            session_id=session.pk, player_id=first.player.pk, secret=first.secret
        )  # the old secret is replaced


def test_join_code_guessing_is_rate_limited(game):
    for _ in range(20):
        with pytest.raises(SessionNotFound):
            services.session_for_code(code="QQQQQQ", address="203.0.113.9")
    with pytest.raises(JoinLimited):
        services.session_for_code(code=game["session"].code, address="203.0.113.9")
    assert services.session_for_code(code=game["session"].code.lower(), address="198.51.100.1")


def test_only_the_host_drives_the_session(game):
    with pytest.raises(NotHost):
        services.host_action(session_id=game["session"].pk, user=UserFactory(), action="start")
    with pytest.raises(InvalidState):
        act(game, "next")
    with pytest.raises(InvalidState):
        act(game, "explode")


def test_a_whole_game_scores_and_streaks(game):
    q = game["q"]
    ada = guest(game["session"], "Ada").player
    bob = guest(game["session"], "Bob").player
    act(game, "start")
    session = fresh(game)
    assert session.status == "question" and session.index == 0 and session.seq >= 1
    single = q["single"]
    receipt = services.answer_submit(
        session_id=session.pk, player_id=ada.pk, index=0,
        response={"choice": single[1]["Right"]}, key="ada-0-key",
    )  # fmt: skip
    assert receipt.correct and 500 <= receipt.points <= 1000 and receipt.bonus == 0
    again = services.answer_submit(
        session_id=session.pk, player_id=ada.pk, index=0,
        response={"choice": single[1]["Wrong"]}, key="ada-0-key",
    )  # fmt: skip
    assert again.duplicate and again.points == receipt.points  # the retry counted once
    with pytest.raises(AlreadyAnswered):
        services.answer_submit(
            session_id=session.pk, player_id=ada.pk, index=0,
            response={"choice": single[1]["Wrong"]}, key="ada-0-other",
        )  # fmt: skip
    services.answer_submit(
        session_id=session.pk, player_id=bob.pk, index=0,
        response={"choice": single[1]["Wrong"]}, key="bob-0-key",
    )  # fmt: skip
    act(game, "reveal")
    assert fresh(game).status == "review"
    with pytest.raises(QuestionNotOpen):
        services.answer_submit(
            session_id=session.pk, player_id=bob.pk, index=0,
            response={"choice": single[1]["Right"]}, key="bob-0-late",
        )  # fmt: skip
    act(game, "next")
    multi = q["multi"]
    second = services.answer_submit(
        session_id=session.pk, player_id=ada.pk, index=1,
        response={"choices": [multi[1]["A"], multi[1]["B"]]}, key="ada-1-key",
    )  # fmt: skip
    assert second.correct and second.streak == 2 and second.bonus == 100
    act(game, "reveal")
    ada.refresh_from_db()
    bob.refresh_from_db()
    assert ada.score == receipt.points + second.points + second.bonus
    assert bob.score == 0 and bob.streak == 0  # did not answer question 2: streak reset
    board = selectors.leaderboard(fresh(game))
    assert [row["nickname"] for row in board] == ["Ada", "Bob"]
    act(game, "end")
    assert fresh(game).status == "ended"
    with pytest.raises(SessionEnded):
        act(game, "next")


def test_skip_voids_the_question(game):
    ada = guest(game["session"], "Ada").player
    act(game, "start")
    services.answer_submit(
        session_id=game["session"].pk, player_id=ada.pk, index=0,
        response={"choice": game["q"]["single"][1]["Right"]}, key="ada-skip-1",
    )  # fmt: skip
    act(game, "skip")
    session = fresh(game)
    assert session.index == 1 and session.status == "question" and 0 in session.skipped


def test_pause_keeps_the_remaining_time_and_answers_score_as_of_the_pause(game):
    ada = guest(game["session"], "Ada").player
    act(game, "start")
    LiveSession.objects.filter(pk=game["session"].pk).update(
        question_opened_at=timezone.now() - timedelta(seconds=10),
        deadline=timezone.now() + timedelta(seconds=10),
    )
    act(game, "pause")
    session = fresh(game)
    assert session.status == "paused" and 9000 <= session.paused_remaining_ms <= 10000
    act(game, "resume")
    session = fresh(game)
    assert session.elapsed_before_ms >= 10000 and session.deadline > timezone.now()
    receipt = services.answer_submit(
        session_id=session.pk, player_id=ada.pk, index=0,
        response={"choice": game["q"]["single"][1]["Right"]}, key="ada-pause-1",
    )  # fmt: skip
    assert (
        receipt.points
        == scoring.answer_points(fraction=Decimal(1), elapsed_ms=10000, limit_ms=20000)
        or abs(receipt.points - 750) <= 5
    )


def test_answers_after_the_deadline_are_refused_and_close_the_question(game):
    ada = guest(game["session"], "Ada").player
    act(game, "start")
    LiveSession.objects.filter(pk=game["session"].pk).update(
        deadline=timezone.now() - timedelta(milliseconds=1)
    )
    with pytest.raises(TooLate):
        services.answer_submit(
            session_id=game["session"].pk, player_id=ada.pk, index=0,
            response={"choice": game["q"]["single"][1]["Right"]}, key="ada-late-1",
        )  # fmt: skip
    assert fresh(game).status == "review"
    assert not LiveAnswer.objects.exists()


def test_deadline_timer_closes_once_and_stale_rounds_do_nothing(game):
    act(game, "start")
    session = fresh(game)
    assert not services.question_close_if_due(session_id=session.pk, round=session.round)
    LiveSession.objects.filter(pk=session.pk).update(deadline=timezone.now())
    assert not services.question_close_if_due(session_id=session.pk, round=session.round - 1)
    assert services.question_close_if_due(session_id=session.pk, round=session.round)
    assert not services.question_close_if_due(session_id=session.pk, round=session.round)


def test_the_sweep_closes_every_overdue_question_once_and_waits_for_extra_time(
    game, django_assert_max_num_queries
):
    act(game, "start")
    session = fresh(game)
    other = services.session_create(
        host=game["host"], quiz_slug=game["quiz"].slug, seconds_per_question=20
    )
    services.host_action(session_id=other.pk, user=game["host"], action="start")
    with django_assert_max_num_queries(1):  # nothing due: one indexed query
        assert services.questions_close_overdue() == 0
    past = timezone.now() - timedelta(milliseconds=5)
    LiveSession.objects.filter(pk=session.pk).update(deadline=past)
    LiveSession.objects.filter(pk=other.pk).update(deadline=past, grace_ms=60_000)
    assert services.questions_close_overdue() == 1  # the other's extra time runs on
    assert fresh(game).status == "review"
    assert LiveSession.objects.get(pk=other.pk).status == "question"
    assert services.questions_close_overdue() == 0  # closed once
    LiveSession.objects.filter(pk=other.pk).update(grace_ms=0)
    assert services.questions_close_overdue() == 1
    assert LiveSession.objects.get(pk=other.pk).status == "review"


def test_removed_players_cannot_answer_or_rejoin(game):
    user = UserFactory()
    joined = services.player_join(session_id=game["session"].pk, user=user)
    services.player_remove(
        session_id=game["session"].pk, user=game["host"], player_id=joined.player.pk
    )
    with pytest.raises(PlayerRemoved):
        services.player_join(session_id=game["session"].pk, user=user)
    act(game, "start")
    with pytest.raises(PlayerRemoved):
        services.answer_submit(
            session_id=game["session"].pk, player_id=joined.player.pk, index=0,
            response={"choice": game["q"]["single"][1]["Right"]}, key="removed-1",
        )  # fmt: skip


def test_state_hides_the_key_and_the_score_change_until_the_reveal(game):
    ada = guest(game["session"], "Ada").player
    act(game, "start")
    services.answer_submit(
        session_id=game["session"].pk, player_id=ada.pk, index=0,
        response={"choice": game["q"]["single"][1]["Right"]}, key="ada-state-1",
    )  # fmt: skip
    player = LivePlayer.objects.get(pk=ada.pk)
    state = selectors.session_state(fresh(game), host=False, player=player)
    assert "reveal" not in state and state["me"]["score"] == 0 and state["me"]["streak"] is None
    assert "is_correct" not in str(state) and "Because" not in str(state)
    act(game, "reveal")
    state = selectors.session_state(fresh(game), host=False, player=player)
    assert state["reveal"]["correct_choices"] == [game["q"]["single"][1]["Right"]]
    assert state["me"]["score"] > 0 and state["me"]["answer"]["correct"] is True


def test_scoring_formula():
    assert scoring.answer_points(fraction=Decimal(1), elapsed_ms=0, limit_ms=20000) == 1000
    assert scoring.answer_points(fraction=Decimal(1), elapsed_ms=20000, limit_ms=20000) == 500
    assert scoring.answer_points(fraction=Decimal("0.5"), elapsed_ms=0, limit_ms=20000) == 500
    assert scoring.answer_points(fraction=Decimal(0), elapsed_ms=0, limit_ms=20000) == 0
    assert [scoring.streak_bonus(n) for n in (1, 2, 3, 6, 9)] == [0, 100, 200, 500, 500]


@pytest.fixture
def reads(monkeypatch) -> list[int]:
    """The questions read with their keys (``selectors.question_with_keys``), in order."""
    seen: list[int] = []
    real = selectors.question_with_keys
    monkeypatch.setattr(selectors, "question_with_keys", lambda pk: seen.append(pk) or real(pk))
    return seen


def test_an_answer_is_five_queries_and_reads_the_question_once_per_round(
    game, django_assert_num_queries, reads
):
    """Session row (shared lock), player (locked), its earlier answers (read after the
    lock), insert, update: the question with its keys is read on a round's first answer
    only."""
    from django.db import connection

    ada = guest(game["session"], "Ada").player
    bob = guest(game["session"], "Bob").player
    act(game, "start")
    right = {"choice": game["q"]["single"][1]["Right"]}
    pk = game["session"].pk
    services.answer_submit(
        session_id=pk, player_id=ada.pk, index=0, response=right, key="ada-q0-key"
    )
    assert reads == [game["q"]["single"][0].pk]
    # In a test's transaction the service's atomic block is a savepoint (+2 queries).
    savepoints = 2 if connection.in_atomic_block else 0
    with django_assert_num_queries(5 + savepoints):
        receipt = services.answer_submit(
            session_id=pk, player_id=bob.pk, index=0, response=right, key="bob-q0-key"
        )
    assert receipt.correct and not receipt.duplicate
    assert reads == [game["q"]["single"][0].pk]  # the round's keys, kept
    with django_assert_num_queries(3 + savepoints):  # session, player, the earlier answer
        again = services.answer_submit(
            session_id=pk, player_id=bob.pk, index=0, response=right, key="bob-q0-key"
        )
    assert again.duplicate and again.points == receipt.points


def test_a_batch_of_answers_is_five_queries_with_one_outcome_each(game, django_assert_num_queries):
    """A group commit: thirteen answers in one transaction, the same five queries as one
    answer; each request gets what it would have got alone, in order."""
    from django.db import connection

    session = game["session"]
    players = [guest(session, f"Player {n}").player for n in range(9)]
    late = guest(session, "Late")  # removed below
    act(game, "start")
    services.player_remove(session_id=session.pk, user=game["host"], player_id=late.player.pk)
    right = {"choice": game["q"]["single"][1]["Right"]}
    wrong = {"choice": game["q"]["single"][1]["Wrong"]}
    services.answer_submit(
        session_id=session.pk, player_id=players[0].pk, index=0, response=right, key="p0-first"
    )
    Req = services.AnswerRequest
    batch = [
        Req(player_id=players[0].pk, index=0, response=right, key="p0-first"),  # a retry
        Req(player_id=players[1].pk, index=0, response=right, key="p1-right"),
        Req(player_id=players[2].pk, index=0, response=wrong, key="p2-wrong"),
        Req(player_id=players[3].pk, index=1, response=right, key="p3-not-open"),
        Req(player_id=players[4].pk, index=0, response={"choice": 10**6}, key="p4-invalid"),
        Req(player_id=players[5].pk, index=0, response=right, key="short"),
        Req(player_id=late.player.pk, index=0, response=right, key="late-removed"),
        Req(player_id=999_999, index=0, response=right, key="nobody-here"),
        Req(player_id=players[6].pk, index=0, response=right, key="p6-right"),
        Req(player_id=players[6].pk, index=0, response=wrong, key="p6-second"),  # answered
        Req(player_id=players[7].pk, index=0, response=right, key="p7-right"),
        Req(player_id=players[7].pk, index=0, response=right, key="p7-right"),  # same key
        Req(player_id=players[8].pk, index=0, response=wrong, key="p8-wrong"),
    ]
    savepoints = 2 if connection.in_atomic_block else 0
    with django_assert_num_queries(5 + savepoints):
        out = services.answers_submit(session_id=session.pk, answers=batch)
    kinds = [o.code if isinstance(o, Exception) else ("dup" if o.duplicate else "new") for o in out]
    assert kinds == [
        "dup", "new", "new", "question_not_open", "invalid_answer", "invalid_answer",
        "player_removed", "not_a_player", "new", "already_answered", "new", "dup", "new",
    ]  # fmt: skip
    assert out[1].correct and not out[2].correct and out[1].points > 0 == out[2].points
    assert out[11].points == out[10].points and out[11].score == out[10].score
    rows = {a.key: a for a in LiveAnswer.objects.filter(session=session)}
    assert set(rows) == {"p0-first", "p1-right", "p2-wrong", "p6-right", "p7-right", "p8-wrong"}
    scores = dict(LivePlayer.objects.filter(session=session).values_list("pk", "score"))
    for receipt, player in ((out[1], players[1]), (out[8], players[6]), (out[10], players[7])):
        assert scores[player.pk] == receipt.score == rows[receipt.key].points
    assert LivePlayer.objects.get(pk=players[1].pk).correct_count == 1


def test_a_batch_that_the_database_refuses_is_retried_one_answer_at_a_time(game, monkeypatch):
    """One answer the database refuses (here: a forced IntegrityError on its insert)
    fails alone; the rest of its batch is recorded."""
    from django.db import IntegrityError

    session = game["session"]
    players = [guest(session, f"Player {n}").player for n in range(3)]
    act(game, "start")
    right = {"choice": game["q"]["single"][1]["Right"]}
    real = LiveAnswer.objects.bulk_create

    def bulk_create(objs, *args, **kwargs):
        if any(obj.key == "poisoned-key" for obj in objs):
            raise IntegrityError("refused")
        return real(objs, *args, **kwargs)

    monkeypatch.setattr(LiveAnswer.objects, "bulk_create", bulk_create)
    batch = [
        services.AnswerRequest(player_id=p.pk, index=0, response=right, key=key)
        for p, key in zip(players, ["good-key-1", "poisoned-key", "good-key-2"], strict=True)
    ]
    out = services.answers_submit(session_id=session.pk, answers=batch)
    assert [getattr(o, "code", "ok") for o in out] == ["ok", "answer_not_recorded", "ok"]
    assert set(LiveAnswer.objects.values_list("key", flat=True)) == {"good-key-1", "good-key-2"}
    assert LivePlayer.objects.get(pk=players[1].pk).score == 0


def test_a_new_round_reads_the_question_again(game, reads):
    """Kept per (session, round): after a pause and resume (a new round) or in another
    session, the keys are read again, so an edit reaches the next round."""
    ada = guest(game["session"], "Ada").player
    bob = guest(game["session"], "Bob").player
    act(game, "start")
    right = {"choice": game["q"]["single"][1]["Right"]}
    pk = game["session"].pk
    services.answer_submit(
        session_id=pk, player_id=ada.pk, index=0, response=right, key="ada-r1-key"
    )
    act(game, "pause")
    act(game, "resume")
    services.answer_submit(
        session_id=pk, player_id=bob.pk, index=0, response=right, key="bob-r2-key"
    )
    assert len(reads) == 2
    other = services.session_create(host=game["host"], quiz_slug=game["quiz"].slug)
    cy = guest(other, "Cy").player
    services.host_action(session_id=other.pk, user=game["host"], action="start")
    services.answer_submit(
        session_id=other.pk, player_id=cy.pk, index=0, response=right, key="cy-1-key"
    )
    assert len(reads) == 3


def test_a_broker_outage_does_not_fail_opening_a_question(
    game, settings, monkeypatch, django_capture_on_commit_callbacks, caplog
):
    """The deadline task is a backstop: when it cannot be queued (Redis cut), the host's
    action still succeeds (the timer and the sweep close the question)."""
    from kombu.exceptions import OperationalError

    from apps.live import tasks

    settings.CELERY_TASK_ALWAYS_EAGER = False

    def refuse(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(tasks.close_question, "apply_async", refuse)
    guest(game["session"], "Ada")
    with django_capture_on_commit_callbacks(execute=True):
        session = act(game, "start")
    assert session.status == "question" and fresh(game).status == "question"
    assert "the deadline task for round 1 could not be queued" in caplog.text
