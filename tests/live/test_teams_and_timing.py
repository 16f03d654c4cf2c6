"""Live sessions, second round: joining a running quiz, accuracy-only scoring, extra
time for one player, teams, and no way back for a removed player."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.live import scoring, selectors, services
from apps.live.errors import (
    InvalidSetting,
    InvalidState,
    JoinedMidQuestion,
    NotHost,
    PlayerRemoved,
    SessionEnded,
    SessionFull,
    TooLate,
)
from apps.live.models import LiveAnswer, LivePlayer, LiveSession, LiveTeam
from tests.factories import UserFactory
from tests.quizzes.conftest import build_quiz, ids

pytestmark = pytest.mark.django_db


@pytest.fixture
def game():
    quiz = build_quiz()
    host = UserFactory(username="host")
    session = services.session_create(host=host, quiz_slug=quiz.slug, seconds_per_question=20)
    return {"quiz": quiz, "host": host, "session": session, "q": ids(quiz)}


def guest(game, nickname, browser=None):
    return services.player_join(
        session_id=game["session"].pk, user=AnonymousUser(), nickname=nickname, browser=browser
    )


def act(game, action):
    return services.host_action(session_id=game["session"].pk, user=game["host"], action=action)


def fresh(game) -> LiveSession:
    return LiveSession.objects.get(pk=game["session"].pk)


def answer(game, player, key, response, index=None):
    session = fresh(game)
    return services.answer_submit(
        session_id=session.pk,
        player_id=player.pk,
        index=session.index if index is None else index,
        response=response,
        key=key,
    )


def right(game):
    return {"choice": game["q"]["single"][1]["Right"]}


def clock(game, *, opened_ago: float, deadline_in: float) -> None:
    """Move the open question's clock: opened ``opened_ago`` s ago, the room's deadline
    ``deadline_in`` s from now (negative: passed)."""
    now = timezone.now()
    LiveSession.objects.filter(pk=game["session"].pk).update(
        question_opened_at=now - timedelta(seconds=opened_ago),
        deadline=now + timedelta(seconds=deadline_in),
    )


# --------------------------------------------------------------------------- late join


def test_a_late_joiner_plays_from_the_next_question(game):
    ada = guest(game, "Ada").player
    assert ada.first_index == 0
    act(game, "start")
    answer(game, ada, "ada-late-q0", right(game))
    bob = guest(game, "Bob").player  # the first question is open
    assert bob.first_index == 1
    with pytest.raises(JoinedMidQuestion) as refused:
        answer(game, bob, "bob-late-q0", right(game))
    assert (
        refused.value.message == "You joined during this question: you'll play from the next one."
    )
    state = selectors.session_state(
        fresh(game), host=False, player=LivePlayer.objects.get(pk=bob.pk)
    )
    assert state["status"] == "question" and state["me"]["joined_mid_question"] is True
    assert state["me"]["score"] == 0 and state["me"]["answer"] is None
    act(game, "reveal")
    state = selectors.session_state(
        fresh(game), host=False, player=LivePlayer.objects.get(pk=bob.pk)
    )
    assert state["me"]["joined_mid_question"] is True and state["me"]["rank"] == 2
    cy = guest(game, "Cy").player  # joins during the review: plays from the next one too
    assert cy.first_index == 1
    act(game, "next")
    state = selectors.session_state(
        fresh(game), host=False, player=LivePlayer.objects.get(pk=bob.pk)
    )
    assert state["me"]["joined_mid_question"] is False
    multi = game["q"]["multi"][1]
    receipt = answer(game, bob, "bob-late-q1", {"choices": [multi["A"], multi["B"]]})
    assert receipt.correct and receipt.points > 0
    act(game, "reveal")
    board = selectors.leaderboard(fresh(game))
    assert [row["nickname"] for row in board][:2] in (["Ada", "Bob"], ["Bob", "Ada"])
    assert [row["rank"] for row in board] == [1, 2, 3]
    assert LiveAnswer.objects.filter(player=bob).count() == 1


def test_late_joining_stops_at_the_end_and_at_max_players(game):
    for n in range(9):
        guest(game, f"Player {n}")
    act(game, "start")
    guest(game, "Tenth")
    with pytest.raises(SessionFull):
        guest(game, "Eleventh")
    act(game, "end")
    with pytest.raises(SessionEnded):
        guest(game, "Too late")


# --------------------------------------------------------------------------- accuracy only


def test_accuracy_only_scores_full_points_whatever_the_time_and_partial_credit_in_share(game):
    session = services.session_create(
        host=game["host"], quiz_slug=game["quiz"].slug, scoring_mode="accuracy"
    )
    game = dict(game, session=session)
    ada, bob = guest(game, "Ada").player, guest(game, "Bob").player
    act(game, "start")
    clock(game, opened_ago=19, deadline_in=1)  # at the buzzer
    first = answer(game, ada, "ada-acc-q0", right(game))
    assert first.points == 1000 and first.bonus == 0
    act(game, "reveal")
    act(game, "next")
    clock(game, opened_ago=15, deadline_in=5)
    multi = game["q"]["multi"][1]
    partial = answer(game, bob, "bob-acc-q1", {"choices": [multi["A"]]})  # half right
    assert not partial.correct and partial.points == 500
    full = answer(game, ada, "ada-acc-q1", {"choices": [multi["A"], multi["B"]]})
    assert full.points == 1000 and full.bonus == 100  # streaks still count
    assert scoring.answer_points(
        fraction=scoring.Decimal("0.5"), elapsed_ms=20000, limit_ms=20000, accuracy_only=True
    ) == 500  # fmt: skip


def test_the_scoring_mode_changes_in_the_lobby_only_and_by_the_host_or_staff(game):
    pk = game["session"].pk
    seq = fresh(game).seq
    services.session_settings_update(session_id=pk, user=game["host"], scoring_mode="accuracy")
    assert fresh(game).scoring_mode == "accuracy" and fresh(game).seq == seq + 1
    staff = UserFactory(is_staff=True)
    services.session_settings_update(session_id=pk, user=staff, scoring_mode="speed")
    assert fresh(game).scoring_mode == "speed"
    with pytest.raises(NotHost):
        services.session_settings_update(session_id=pk, user=UserFactory(), scoring_mode="speed")
    with pytest.raises(InvalidSetting):
        services.session_settings_update(session_id=pk, user=game["host"], scoring_mode="fast")
    with pytest.raises(InvalidSetting):
        services.session_create(host=game["host"], quiz_slug=game["quiz"].slug, scoring_mode="x")
    act(game, "start")
    with pytest.raises(InvalidState):
        services.session_settings_update(session_id=pk, user=game["host"], scoring_mode="accuracy")
    assert fresh(game).scoring_mode == "speed"


# --------------------------------------------------------------------------- extra time


def test_a_player_with_extra_time_answers_after_the_room_on_their_own_clock(game):
    ada, bob = guest(game, "Ada").player, guest(game, "Bob").player
    pk = game["session"].pk
    services.player_extra_time_set(
        session_id=pk, user=game["host"], player_id=ada.pk, extra_percent=50
    )  # 20 s → 30 s
    act(game, "start")
    session = fresh(game)
    assert session.grace_ms == 10_000
    assert session.closes_at == session.deadline + timedelta(seconds=10)
    state = selectors.session_state(session, host=False, player=LivePlayer.objects.get(pk=ada.pk))
    room = selectors.session_state(session, host=True)["timing"]
    assert state["timing"]["limit_ms"] == 30_000 and room["limit_ms"] == 20_000
    assert state["timing"]["deadline"] == room["deadline"] + 10_000
    assert room["closes_at"] == room["deadline"] + 10_000
    with pytest.raises(InvalidState):  # between questions only
        services.player_extra_time_set(
            session_id=pk, user=game["host"], player_id=bob.pk, extra_seconds=5
        )

    clock(game, opened_ago=25, deadline_in=-5)  # the room's time is up, Ada's is not
    with pytest.raises(TooLate):
        answer(game, bob, "bob-extra-q0", right(game))
    assert fresh(game).status == "question"  # the room waits for Ada
    assert not services.question_close_if_due(session_id=pk, round=session.round)
    receipt = answer(game, ada, "ada-extra-q0", right(game))
    # 25 s of her 30: scored on her own time scale.
    expected = scoring.answer_points(
        fraction=scoring.Decimal(1), elapsed_ms=25_000, limit_ms=30_000
    )
    assert abs(receipt.points - expected) <= 2 and receipt.points < 600
    clock(game, opened_ago=31, deadline_in=-11)
    assert services.question_close_if_due(session_id=pk, round=session.round)
    assert fresh(game).status == "review"


def test_pausing_during_extra_time_keeps_it(game):
    ada, bob = guest(game, "Ada").player, guest(game, "Bob").player
    pk = game["session"].pk
    services.player_extra_time_set(
        session_id=pk, user=game["host"], player_id=ada.pk, extra_seconds=10
    )
    act(game, "start")
    clock(game, opened_ago=25, deadline_in=-5)
    act(game, "pause")
    session = fresh(game)
    assert 4_000 <= session.paused_remaining_ms <= 5_000
    room = selectors.timing(session)
    assert (
        room["remaining_ms"] == 0
        and selectors.personal_timing(room, 10_000)["remaining_ms"] > 4_000
    )
    with pytest.raises(TooLate):
        answer(game, bob, "bob-pause-q0", right(game))
    act(game, "resume")
    session = fresh(game)
    assert session.deadline < timezone.now() < session.closes_at
    assert answer(game, ada, "ada-pause-q0", right(game)).correct


def test_extra_time_settings_are_checked(game):
    ada = guest(game, "Ada").player
    pk = game["session"].pk
    for bad in ({"extra_percent": 201}, {"extra_seconds": 301}, {"extra_percent": -1},
                {"extra_percent": True}):  # fmt: skip
        with pytest.raises(InvalidSetting):
            services.player_extra_time_set(
                session_id=pk, user=game["host"], player_id=ada.pk, **bad
            )
    with pytest.raises(NotHost):
        services.player_extra_time_set(
            session_id=pk, user=UserFactory(), player_id=ada.pk, extra_percent=50
        )
    services.player_remove(session_id=pk, user=game["host"], player_id=ada.pk)
    with pytest.raises(PlayerRemoved):
        services.player_extra_time_set(
            session_id=pk, user=game["host"], player_id=ada.pk, extra_percent=50
        )
    act(game, "start")
    assert fresh(game).grace_ms == 0  # removed players' extra time does not hold the room


# --------------------------------------------------------------------------- teams


def test_teams_by_hand_and_their_score_is_the_mean_of_their_players(game):
    pk, host = game["session"].pk, game["host"]
    red = services.team_create(session_id=pk, user=host, name="  Red   Team ")
    blue = services.team_create(session_id=pk, user=host, name="Blue")
    assert red.name == "Red Team" and (red.position, blue.position) == (0, 1)
    with pytest.raises(InvalidSetting):
        services.team_create(session_id=pk, user=host, name="red team")
    with pytest.raises(InvalidSetting):
        services.team_create(session_id=pk, user=host, name="Sh1t heads")
    with pytest.raises(NotHost):
        services.team_create(session_id=pk, user=UserFactory(), name="Green")
    players = [guest(game, name).player for name in ("Ada", "Bob", "Cy", "Di")]
    # Joined after the teams were made: dealt into the smallest team.
    assert [p.team_id for p in players] == [red.pk, blue.pk, red.pk, blue.pk]
    services.player_team_set(session_id=pk, user=host, player_id=players[3].pk, team_id=red.pk)
    LivePlayer.objects.filter(pk=players[0].pk).update(score=900)
    LivePlayer.objects.filter(pk=players[1].pk).update(score=400)
    LivePlayer.objects.filter(pk=players[2].pk).update(score=300)
    LivePlayer.objects.filter(pk=players[3].pk).update(score=0)
    standings = selectors.team_leaderboard(fresh(game))
    # A tie goes to the team made first.
    assert [(t["rank"], t["name"], t["score"], t["players"]) for t in standings] == [
        (1, "Red Team", 400, 3), (2, "Blue", 400, 1),
    ]  # fmt: skip
    services.player_remove(session_id=pk, user=host, player_id=players[3].pk)
    standings = selectors.team_leaderboard(fresh(game))
    assert [(t["name"], t["score"], t["players"]) for t in standings] == [
        ("Red Team", 600, 2), ("Blue", 400, 1),
    ]  # fmt: skip
    state = selectors.session_state(
        fresh(game), host=False, player=LivePlayer.objects.get(pk=players[1].pk)
    )
    assert state["me"]["team"] == blue.pk
    assert {t["name"]: t["members"] for t in state["teams"]} == {
        "Red Team": [players[0].pk, players[2].pk], "Blue": [players[1].pk],
    }  # fmt: skip
    services.team_delete(session_id=pk, user=host, team_id=blue.pk)
    assert LivePlayer.objects.get(pk=players[1].pk).team_id is None
    act(game, "start")
    with pytest.raises(InvalidState):
        services.player_team_set(session_id=pk, user=host, player_id=players[1].pk, team_id=red.pk)
    with pytest.raises(InvalidState):
        services.teams_shuffle(session_id=pk, user=host, count=2)


def test_shuffle_deals_players_into_balanced_teams_and_late_joiners_fill_the_smallest(game):
    pk, host = game["session"].pk, game["host"]
    players = [guest(game, f"Player {n}").player for n in range(7)]
    services.team_create(session_id=pk, user=host, name="Owls")
    for bad in (1, 21, "3", True):
        with pytest.raises(InvalidSetting):
            services.teams_shuffle(session_id=pk, user=host, count=bad)
    teams = services.teams_shuffle(session_id=pk, user=host, count=3)
    assert [t.name for t in teams] == ["Owls", "Red", "Blue"]
    sizes = Counter(LivePlayer.objects.filter(session_id=pk).values_list("team_id", flat=True))
    assert sorted(sizes.values()) == [2, 2, 3] and None not in sizes
    act(game, "start")
    late = guest(game, "Late").player
    smallest = [team for team, size in sizes.items() if size == 2]
    assert late.team_id in smallest and late.first_index == 1
    services.player_remove(session_id=pk, user=host, player_id=players[0].pk)
    act(game, "end")
    assert len(selectors.team_leaderboard(fresh(game))) == 3


def test_shuffling_again_keeps_n_teams_and_clearing_plays_without(game):
    pk, host = game["session"].pk, game["host"]
    for n in range(4):
        guest(game, f"Player {n}")
    services.teams_shuffle(session_id=pk, user=host, count=4)
    services.teams_shuffle(session_id=pk, user=host, count=2)
    assert list(LiveTeam.objects.filter(session_id=pk).values_list("name", flat=True)) == [
        "Red", "Blue",
    ]  # fmt: skip
    seq = fresh(game).seq
    services.teams_clear(session_id=pk, user=host)
    assert not LiveTeam.objects.filter(session_id=pk).exists() and fresh(game).seq == seq + 1
    assert selectors.session_state(fresh(game), host=True)["teams"] == []


def test_state_and_team_standings_take_constant_queries(game):
    pk, host = game["session"].pk, game["host"]
    counts = []
    for batch in (2, 8):
        for n in range(batch):
            guest(game, f"B{batch} {n}")
        services.teams_shuffle(session_id=pk, user=host, count=2)
        player = LivePlayer.objects.filter(session_id=pk).first()
        with CaptureQueriesContext(connection) as host_state:
            selectors.session_state(fresh(game), host=True)
        with CaptureQueriesContext(connection) as player_state:
            selectors.session_state(fresh(game), host=False, player=player)
        with CaptureQueriesContext(connection) as standings:
            selectors.team_leaderboard(fresh(game))
        counts.append((len(host_state), len(player_state), len(standings)))
    assert counts[0] == counts[1], counts
    assert counts[0][2] == 2  # the session, then the teams with their scores


# --------------------------------------------------------------------------- removed players


def test_a_removed_guest_cannot_rejoin_from_the_same_browser_or_with_the_kept_secret(game):
    pk, host = game["session"].pk, game["host"]
    troll = guest(game, "Troll", browser="browser-one-0123456789")
    services.player_remove(session_id=pk, user=host, player_id=troll.player.pk)
    with pytest.raises(PlayerRemoved) as refused:
        guest(game, "Nice Person", browser="browser-one-0123456789")
    assert refused.value.message == services.REMOVED_REJOIN
    with pytest.raises(PlayerRemoved):
        services.player_join(
            session_id=pk, user=AnonymousUser(), nickname="Other", secret=troll.secret
        )
    assert guest(game, "Someone", browser="browser-two-0123456789").player.nickname == "Someone"
    # Another session is another matter.
    other = services.session_create(host=host, quiz_slug=game["quiz"].slug)
    assert services.player_join(
        session_id=other.pk,
        user=AnonymousUser(),
        nickname="Troll",
        browser="browser-one-0123456789",
    ).player


def test_a_removed_user_cannot_rejoin_by_account(game):
    pk, host = game["session"].pk, game["host"]
    user = UserFactory(display_name="Grace")
    joined = services.player_join(session_id=pk, user=user, browser="browser-grace-0123456")
    services.player_remove(session_id=pk, user=host, player_id=joined.player.pk)
    with pytest.raises(PlayerRemoved):
        services.player_join(session_id=pk, user=user, nickname="Hopper")
    with pytest.raises(PlayerRemoved):  # signed out, same browser
        guest(game, "Hopper", browser="browser-grace-0123456")
