"""Live session pages: joining, the player and host screens, the QR code, results and
their CSV, hosting from a quiz page, the admin and the dashboard."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.live import qr, selectors, services
from apps.live.models import LiveAnswer, LivePlayer, LiveSession
from tests.factories import UserFactory
from tests.quizzes.conftest import build_quiz, ids

pytestmark = pytest.mark.django_db


@pytest.fixture
def game():
    quiz = build_quiz()
    host = UserFactory(username="host", display_name="Hosting Hana")
    session = services.session_create(host=host, quiz_slug=quiz.slug, seconds_per_question=20)
    return {"quiz": quiz, "host": host, "session": session, "code": session.code, "q": ids(quiz)}


def join(client, code, nickname="Ada", **extra):
    return client.post("/live/join", {"code": code, "nickname": nickname}, **extra)


def guest(session, nickname):
    return services.player_join(session_id=session.pk, user=AnonymousUser(), nickname=nickname)


def act(game, action):
    return services.host_action(session_id=game["session"].pk, user=game["host"], action=action)


def answer(game, player, key, response):
    session = LiveSession.objects.get(pk=game["session"].pk)
    return services.answer_submit(
        session_id=session.pk,
        player_id=player.pk,
        index=session.index,
        response=response,
        key=key,
    )


def host_client(game) -> Client:
    client = Client()
    client.force_login(game["host"])
    return client


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


# --------------------------------------------------------------------------- joining


def test_join_page_has_a_big_code_field_and_explains_hosting_and_scoring(client):
    response = client.get("/live/")
    assert response.status_code == 200
    body = text(response)
    field = re.search(r'<input [^>]*name="code"[^>]*>', body).group(0)
    for attribute in ('autocomplete="off"', 'inputmode="text"', 'class="live-code-input"'):
        assert attribute in field
    assert re.search(r'<label for="id_code"[^>]*>Game code', body)
    assert 'name="nickname"' in body and "csrfmiddlewaretoken" in body
    assert "Host this quiz live" in body and "points = round(1000" in body
    assert 'href="/live/" aria-current="page"' in body  # the nav knows the page


def test_a_guest_joins_with_a_code_typed_in_lower_case_with_spaces(client, game):
    code = game["code"]
    messy = f" {code[:3].lower()} {code[3:].lower()} "
    response = join(client, messy, nickname="Ada")
    assert response.status_code == 302 and response["Location"] == f"/live/{code}/"
    player = LivePlayer.objects.get(session=game["session"])
    assert player.nickname == "Ada" and player.user is None
    stored = client.session["live"][code]
    assert stored["player"] == player.pk and len(stored["secret"]) >= 24
    assert services.player_authenticate(
        session_id=game["session"].pk, player_id=player.pk, secret=stored["secret"]
    )

    page = client.get(f"/live/{code}/")
    assert page.status_code == 200
    body = text(page)
    assert f'data-ws-path="/ws/live/{code}/play/"' in body
    assert 'class="live-nickname">Ada<' in body
    assert "Waiting for the host to start the quiz" in body
    assert 'role="status"' in body and 'aria-live="polite"' in body
    assert "js/live-player.js" in body and "<script>" not in body and " style=" not in body

    # Joining again from the same browser keeps the same player.
    assert join(client, code, nickname="Other").status_code == 302
    assert LivePlayer.objects.filter(session=game["session"]).count() == 1


def test_a_bad_nickname_is_a_form_error_and_nobody_joins(client, game):
    response = join(client, game["code"], nickname="12345")
    assert response.status_code == 200
    assert "A nickname needs at least one letter." in text(response)
    response = join(client, game["code"], nickname="B.4.d-W0rd fuck")
    assert "Please choose another nickname." in text(response)
    response = join(client, game["code"], nickname="")
    assert "Choose a nickname to play under." in text(response)
    assert not LivePlayer.objects.exists()
    assert "live" not in client.session


def test_a_code_of_the_wrong_shape_is_refused_without_counting_as_a_guess(client, game):
    for _ in range(25):
        response = join(client, "ABC", nickname="Ada")
        assert response.status_code == 200
        assert "A game code has 6 letters and digits." in text(response)
    assert join(client, game["code"]).status_code == 302


def test_wrong_codes_are_not_found_then_rate_limited(client, game, monkeypatch):
    import time

    from apps.core import ratelimit

    # The limiter's clock in the middle of its window, never at a boundary.
    mid_window = (int(time.time()) // 600) * 600 + 300.0
    clock = type("MidWindow", (), {"time": staticmethod(lambda: mid_window),
                                   "monotonic": staticmethod(time.monotonic)})  # fmt: skip
    monkeypatch.setattr(ratelimit, "time", clock)
    wrong = "AAAAAA" if game["code"] != "AAAAAA" else "CCCCCC"
    for _ in range(20):
        response = join(client, wrong)
        assert response.status_code == 404
        assert "No live session has that code" in text(response)
    response = join(client, game["code"])  # even the right code, from this address
    assert response.status_code == 429
    assert "Too many wrong join codes" in text(response)
    assert int(response["Retry-After"]) > 0
    assert not LivePlayer.objects.exists()
    # Another address is not affected.
    assert join(Client(), game["code"], REMOTE_ADDR="10.1.2.3").status_code == 302


def test_a_signed_in_user_joins_under_their_display_name(client, game):
    user = UserFactory(username="learner-x", display_name="Grace H")
    client.force_login(user)
    page = client.get(f"/live/{game['code']}/")
    assert "You will play as <strong>Grace H</strong>" in text(page)
    response = client.post(f"/live/{game['code']}/join", {"code": game["code"], "nickname": ""})
    assert response.status_code == 302
    player = LivePlayer.objects.get(session=game["session"])
    assert (player.user, player.nickname) == (user, "Grace H")


def test_the_play_page_before_joining_is_the_join_form_for_that_code(client, game):
    for code in (game["code"], "QQQQQQ"):  # a code that does not exist looks the same
        response = client.get(f"/live/{code.lower()}/")
        assert response.status_code == 200
        body = text(response)
        assert f'action="/live/{code}/join"' in body
        assert f'value="{code}"' in body
        assert "data-ws-path" not in body


def test_join_is_post_only_and_csrf_protected(game):
    client = Client(enforce_csrf_checks=True)
    assert client.get("/live/join").status_code == 405
    assert client.get(f"/live/{game['code']}/join").status_code == 405
    assert join(client, game["code"]).status_code == 403
    assert not LivePlayer.objects.exists()


def test_a_full_session_and_an_ended_one_refuse_players(client, game, settings):
    for n in range(10):  # learners host sessions of 10
        guest(game["session"], f"Player {n}")
    response = join(client, game["code"], nickname="Eleventh")
    assert response.status_code == 409 and "This session is full" in text(response)
    act(game, "end")
    response = join(Client(), game["code"], nickname="Late")
    assert response.status_code == 404  # ended sessions no longer answer to their code


def test_a_removed_player_is_told_so(client, game):
    join(client, game["code"], nickname="Rude")
    player = LivePlayer.objects.get(session=game["session"])
    services.player_remove(session_id=game["session"].pk, user=game["host"], player_id=player.pk)
    response = client.get(f"/live/{game['code']}/")
    assert response.status_code == 403
    assert "The host removed you from this session: you cannot join it again." in text(response)
    response = join(client, game["code"], nickname="Polite")
    assert response.status_code == 403
    assert "you cannot join it again" in text(response)
    assert LivePlayer.objects.filter(session=game["session"], removed=False).count() == 0


# --------------------------------------------------------------------------- hosting


def test_the_quiz_page_offers_hosting_to_signed_in_users_only(client, game):
    url = game["quiz"].get_absolute_url()
    assert "Host this quiz live" not in text(client.get(url))
    client.force_login(game["host"])
    body = text(client.get(url))
    assert 'action="/live/new"' in body and "Host this quiz live" in body
    assert 'name="seconds_per_question"' in body and 'value="20"' in body


def test_hosting_from_the_quiz_page(client, game):
    user = UserFactory(username="teacher")
    client.force_login(user)
    response = client.post("/live/new", {"quiz": game["quiz"].slug, "seconds_per_question": "45"})
    session = LiveSession.objects.get(host=user)
    assert response.status_code == 302 and response["Location"] == f"/live/{session.code}/host/"
    assert session.seconds_per_question == 45 and session.status == "lobby"

    page = client.get(response["Location"])
    assert page.status_code == 200
    body = text(page)
    assert f'data-ws-path="/ws/live/{session.code}/host/"' in body
    assert f'data-code="{session.code}"' in body
    assert f'src="/live/{session.code}/qr.svg"' in body
    assert f"http://testserver/live/{session.code}/" in body
    labels = ("Start the quiz", "Reveal now", "Next question", "Pause", "Resume", "Skip question")
    for label in labels:
        assert f">{label}</button>" in body
    assert "End session" in body and "js/live-host.js" in body
    assert "<script>" not in body and " style=" not in body


def test_hosting_errors_come_back_as_messages_on_the_quiz_page(client, game):
    client.force_login(game["host"])
    url = game["quiz"].get_absolute_url()
    response = client.post(
        "/live/new", {"quiz": game["quiz"].slug, "seconds_per_question": "3"}, follow=True
    )
    assert response.redirect_chain[-1][0] == url
    assert "Choose between 5 and 300 seconds per question." in text(response)
    response = client.post("/live/new", {"quiz": "no-such-quiz"}, follow=True)
    assert response.redirect_chain[-1][0] == "/live/"
    assert "No such quiz." in text(response)
    for _ in range(4):  # the fixture's session is the first of five allowed at once
        client.post("/live/new", {"quiz": game["quiz"].slug})
    response = client.post("/live/new", {"quiz": game["quiz"].slug}, follow=True)
    assert response.redirect_chain[-1][0] == url
    assert "You already run 5 live sessions" in text(response)
    assert LiveSession.objects.filter(host=game["host"]).count() == 5


def test_hosting_needs_a_login_and_a_post(client, game):
    response = client.post("/live/new", {"quiz": game["quiz"].slug})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    client.force_login(game["host"])
    assert client.get("/live/new").status_code == 405


def test_host_pages_are_for_the_host_only(client, game):
    code = game["code"]
    host_pages = (f"/live/{code}/host/", f"/live/{code}/results.csv")
    for url in host_pages:
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    client.force_login(UserFactory(username="intruder"))
    for url in (*host_pages, "/live/QQQQQQ/host/"):  # existing or not: the same answer
        assert client.get(url).status_code == 403, url
    assert host_client(game).get(f"/live/{code}/host/").status_code == 200


def test_the_qr_code_is_an_svg_of_the_absolute_join_url(client, game):
    code = game["code"]
    response = client.get(f"/live/{code.lower()}/qr.svg")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert "public" in response["Cache-Control"] and "max-age=86400" in response["Cache-Control"]
    body = response.content.decode()
    assert "<svg" in body and "<path" in body and "<script" not in body
    assert response.content == qr.svg_for(f"http://testserver/live/{code}/")
    assert response.content != qr.svg_for(f"http://testserver/live/{code}/x")


# --------------------------------------------------------------------------- a whole game


def test_a_full_session_from_join_to_results(game):
    code, q = game["code"], game["q"]
    ada, bob = Client(), Client()
    join(ada, code, nickname="Ada")
    join(bob, code, nickname="Bob")
    players = {p.nickname: p for p in LivePlayer.objects.filter(session=game["session"])}
    act(game, "start")
    answer(game, players["Ada"], "key-ada-1", {"choice": q["single"][1]["Right"]})
    answer(game, players["Bob"], "key-bob-1", {"choice": q["single"][1]["Wrong"]})
    act(game, "reveal")
    act(game, "next")
    answer(game, players["Ada"], "key-ada-2", {"choices": [q["multi"][1]["A"]]})
    act(game, "end")
    assert LiveAnswer.objects.count() == 3

    # After the end the game screens lead to the results.
    assert ada.get(f"/live/{code}/")["Location"] == f"/live/{code}/results/"
    assert host_client(game).get(f"/live/{code}/host/")["Location"] == f"/live/{code}/results/"

    mine = text(ada.get(f"/live/{code}/results/"))
    ada_score = LivePlayer.objects.get(pk=players["Ada"].pk).score
    assert ada_score > 0
    assert f"You finished <strong>#1</strong> of 2 with <strong>{ada_score} points</strong>" in mine
    # Out of the two questions played, not the quiz's six.
    assert "1 of 2 right" in mine and "Podium" in mine and "Bob" in mine
    assert "Results: " not in mine and "<h1>" + game["quiz"].title + "</h1>" in mine
    assert "results.csv" not in mine  # the CSV is the host's

    hosted = text(host_client(game).get(f"/live/{code}/results/"))
    assert "Every player" in hosted and "Guest" in hosted and "results.csv" in hosted
    assert 'class="align-right">1 of 2</td>' in hosted
    exported = host_client(game).get(f"/live/{code}/results.csv").content.decode()
    rows = list(csv.reader(io.StringIO(exported)))
    assert {row[4] for row in rows[1:]} == {"2"}  # the "questions" column


def test_questions_played_leave_out_unopened_and_voided_questions(game):
    session = LiveSession.objects.get(pk=game["session"].pk)
    assert session.question_count == 6 and session.questions_played == 0  # the lobby
    session.index, session.skipped = 2, [1]
    assert session.questions_played == 2
    session.index, session.skipped = 5, []
    assert session.questions_played == 6


def test_results_show_the_host_everyone_and_a_player_the_top_ten_and_their_line(game):
    session = game["session"]
    LiveSession.objects.filter(pk=session.pk).update(max_players=50)
    for n in range(11):
        guest(session, f"Top {n:02d}")
    LivePlayer.objects.filter(session=session).update(score=500)
    last = Client()
    join(last, game["code"], nickname="Last one")  # score 0: rank 12
    removed = guest(session, "Removed one").player
    services.player_remove(session_id=session.pk, user=game["host"], player_id=removed.pk)
    url = f"/live/{game['code']}/results/"

    body = text(last.get(url))
    rows = re.findall(r"<tr(?: class=\"is-me\")?>", body)
    assert len(rows) == 1 + 11  # header, top 10 and the player's own line
    assert "Top 09" in body and "Top 10" not in body
    assert 'Last one <span class="badge">you</span>' in body and ">12<" in body
    assert "Removed one" not in body

    body = text(host_client(game).get(url))
    assert len(re.findall(r"<tr", body)) == 1 + 13
    assert "Top 10" in body and "Removed one" in body and "removed</span>" in body

    assert Client().get(url).status_code == 404  # not a player: as if it did not exist
    outsider = Client()
    outsider.force_login(UserFactory(username="outsider"))
    assert outsider.get(url).status_code == 404
    assert Client().get("/live/QQQQQQ/results/").status_code == 404


def test_the_csv_lists_every_player_and_neutralises_formulas(game):
    session = game["session"]
    dash = guest(session, "-dash").player
    LivePlayer.objects.create(
        session=session, nickname="=HYPERLINK(1)", secret_hash="x" * 64, score=900
    )
    LivePlayer.objects.create(session=session, nickname="@SUM", secret_hash="y" * 64, score=800)
    LivePlayer.objects.create(session=session, nickname="+cmd", secret_hash="z" * 64, score=700)
    LivePlayer.objects.filter(pk=dash.pk).update(score=600, correct_count=1)
    LiveSession.objects.filter(pk=session.pk).update(index=2)  # three questions played so far
    response = host_client(game).get(f"/live/{game['code']}/results.csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment; filename=")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8"))))
    assert rows[0] == [
        "rank", "nickname", "score", "correct", "questions", "player", "removed", "joined_at",
        "team",
    ]  # fmt: skip
    assert [r[1] for r in rows[1:]] == ["'=HYPERLINK(1)", "'@SUM", "'+cmd", "'-dash"]
    assert rows[4][:7] == ["4", "'-dash", "600", "1", "3", "guest", "no"]


# --------------------------------------------------------------------------- dashboard, admin


def test_the_dashboard_lists_live_sessions_in_constant_queries(
    client, game, django_assert_num_queries
):
    user = UserFactory(username="player-one")
    client.force_login(user)
    session = game["session"]
    mine = services.player_join(session_id=session.pk, user=user, nickname="P One").player
    guest(session, "Faster")
    LivePlayer.objects.filter(nickname="Faster").update(score=900)
    LivePlayer.objects.filter(pk=mine.pk).update(score=400)
    body = text(client.get("/dashboard/"))
    assert "Live sessions" in body and "Sessions you played" in body
    assert ">400<" in body and "2 of 2" in body
    assert f'href="/live/{session.code}/results/"' in body

    with CaptureQueriesContext(connection) as captured:
        client.get("/dashboard/")
    before = len(captured.captured_queries)
    for n in range(4):
        hosted = services.session_create(host=user, quiz_slug=game["quiz"].slug)
        guest(hosted, f"Guest {n}")
        played = services.session_create(host=game["host"], quiz_slug=game["quiz"].slug)
        services.player_join(session_id=played.pk, user=user, nickname=f"Me {n}")
    with django_assert_num_queries(before):
        body = text(client.get("/dashboard/"))
    assert "Sessions you hosted" in body and body.count("Demo quiz") == 4 + 5


def test_sessions_played_ranks_each_player_in_one_query(game, django_assert_num_queries):
    session = game["session"]
    user = UserFactory(username="ranked")
    me = services.player_join(session_id=session.pk, user=user, nickname="Me").player
    for n, score in enumerate((900, 300, 100)):
        guest(session, f"G{n}")
        LivePlayer.objects.filter(nickname=f"G{n}").update(score=score)
    LivePlayer.objects.filter(pk=me.pk).update(score=300)  # ties with G1, joined earlier
    with django_assert_num_queries(1):
        rows = list(selectors.sessions_played(user=user))
        assert [(r.session.quiz.title, r.rank, r.player_total) for r in rows] == [
            ("Demo quiz", 2, 4)
        ]
    assert list(selectors.sessions_played(user=AnonymousUser())) == []


def test_the_admin_shows_sessions_read_only(client, game):
    admin = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(admin)
    player = guest(game["session"], "Ada").player
    response = client.get(reverse("admin:live_livesession_changelist"))
    assert response.status_code == 200 and game["code"] in text(response)
    assert client.get(reverse("admin:live_livesession_add")).status_code == 403
    page = client.get(reverse("admin:live_livesession_change", args=[game["session"].pk]))
    assert page.status_code == 200 and "Ada" in text(page)
    assert 'name="_save"' not in text(page)
    page = client.get(reverse("admin:live_liveplayer_change", args=[player.pk]))
    assert page.status_code == 200 and player.secret_hash not in text(page)
    assert client.get(reverse("admin:live_liveanswer_changelist")).status_code == 200


def test_live_pages_have_sound_markup(client, game):
    join(client, game["code"], nickname="Ada")
    pages = [
        (client, "/live/"),
        (client, f"/live/{game['code']}/"),
        (Client(), f"/live/{game['code']}/"),
        (host_client(game), f"/live/{game['code']}/host/"),
        (host_client(game), f"/live/{game['code']}/results/"),
    ]
    for who, url in pages:
        body = who.get(url).content.decode()
        assert len(re.findall(r"<h1[ >]", body)) == 1, url
        title = re.search(r"<title>(.*?)</title>", body, re.S).group(1)
        assert "<" not in title and title.strip(), url
        assert '<main id="main"' in body and 'lang="en"' in body, url
        assert not re.search(r"<script(?![^>]*\bsrc=)", body), url  # no inline scripts
        assert not re.search(r"\sstyle=", body), url  # no inline styles (CSP)


# --------------------------------------------------------------------------- second round


def test_a_removed_guest_cannot_rejoin_from_the_same_browser_under_another_name(client, game):
    response = join(client, game["code"], nickname="Troll")
    cookie = response.cookies["live_browser"]
    assert cookie["httponly"] and cookie["path"] == "/live/" and cookie["samesite"] == "Lax"
    troll = LivePlayer.objects.get(session=game["session"])
    assert troll.browser_hash and cookie.value not in troll.browser_hash  # stored hashed
    services.player_remove(session_id=game["session"].pk, user=game["host"], player_id=troll.pk)
    client.cookies.pop("sessionid")  # a fresh Django session: only the browser id is left
    response = join(client, game["code"], nickname="Angel")
    assert response.status_code == 403
    assert "The host removed you from this session: you cannot join it again." in text(response)
    assert LivePlayer.objects.filter(session=game["session"]).count() == 1
    # A forged browser id is ignored (a new one is set), as is another browser.
    forged = Client()
    forged.cookies["live_browser"] = cookie.value.split(":")[0] + ":forged"
    response = join(forged, game["code"], nickname="Someone")
    assert response.status_code == 302 and response.cookies["live_browser"].value != cookie.value
    assert join(Client(), game["code"], nickname="Other").status_code == 302


def test_a_join_sent_again_after_its_answer_was_lost_finds_the_same_player(client, game):
    """The join form comes with this browser's id, so the join it sends carries it: when
    the join's answer (the Django session with the player's credentials) is lost — a
    worker killed mid-request — and the page sends it again, no second player appears."""
    page = client.get(f"/live/{game['code']}/")
    assert page.status_code == 200 and page.cookies["live_browser"]["httponly"]
    response = join(client, game["code"], nickname="Ada")
    assert response.status_code == 302 and "live_browser" not in response.cookies
    first = LivePlayer.objects.get(session=game["session"])
    client.cookies.pop("sessionid")  # the answer never arrived: only the browser id is left
    response = join(client, game["code"], nickname="Ada")
    assert response.status_code == 302
    assert LivePlayer.objects.filter(session=game["session"]).count() == 1
    play = client.get(f"/live/{game['code']}/")  # the same player, with new credentials
    assert play.status_code == 200 and play.context["player"].pk == first.pk
    assert join(Client(), game["code"], nickname="Bea").status_code == 302  # another browser
    assert LivePlayer.objects.filter(session=game["session"]).count() == 2


def test_a_removed_user_cannot_rejoin_by_account_or_as_a_guest_after_logging_out(client, game):
    user = UserFactory(display_name="Grace")
    client.force_login(user)
    assert join(client, game["code"], nickname="").status_code == 302
    player = LivePlayer.objects.get(session=game["session"], user=user)
    services.player_remove(session_id=game["session"].pk, user=game["host"], player_id=player.pk)
    response = join(client, game["code"], nickname="Hopper")
    assert response.status_code == 403 and "cannot join it again" in text(response)
    browser = client.cookies["live_browser"]
    client.logout()  # (the test client forgets every cookie: a browser keeps this one)
    client.cookies["live_browser"] = browser.value
    response = join(client, game["code"], nickname="Hopper")
    assert response.status_code == 403 and "cannot join it again" in text(response)
    assert LivePlayer.objects.filter(session=game["session"]).count() == 1


def test_a_guest_joins_a_running_quiz_and_plays_from_the_next_question(client, game):
    act(game, "start")
    response = join(client, game["code"], nickname="Late")
    assert response.status_code == 302
    late = LivePlayer.objects.get(session=game["session"], nickname="Late")
    assert late.first_index == 1
    assert client.get(f"/live/{game['code']}/").status_code == 200


def test_hosting_in_accuracy_only_mode_from_the_quiz_page(client, game):
    client.force_login(game["host"])
    page = text(client.get(game["quiz"].get_absolute_url()))
    assert 'name="scoring_mode" value="accuracy"' in page
    response = client.post(
        "/live/new", {"quiz": game["quiz"].slug, "scoring_mode": "accuracy"}, follow=True
    )
    session = LiveSession.objects.filter(host=game["host"]).order_by("-pk").first()
    assert session.scoring_mode == "accuracy"
    assert "Accuracy only" in text(response)


def test_results_and_the_csv_show_teams(game):
    pk, host = game["session"].pk, game["host"]
    services.team_create(session_id=pk, user=host, name="Owls")
    ada = guest(game["session"], "Ada").player
    LivePlayer.objects.filter(pk=ada.pk).update(score=700)
    response = host_client(game).get(f"/live/{game['code']}/results/")
    body = text(response)
    assert "Teams" in body and "Owls" in body and "700" in body
    rows = list(
        csv.reader(
            io.StringIO(host_client(game).get(f"/live/{game['code']}/results.csv").content.decode())
        )
    )
    assert rows[1][-1] == "Owls"


def test_staff_give_extra_time_and_shuffle_teams_from_the_admin(client, game):
    admin = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(admin)
    ada = guest(game["session"], "Ada").player
    guest(game["session"], "Bob")
    url = reverse("admin:live_liveplayer_changelist")
    response = client.post(
        url, {"action": "give_half_more_time", "_selected_action": [ada.pk]}, follow=True
    )
    assert "Done for 1." in text(response)
    assert LivePlayer.objects.get(pk=ada.pk).extra_percent == 50
    page = text(client.get(url))
    assert "+50%" in page
    response = client.post(
        reverse("admin:live_livesession_changelist"),
        {"action": "shuffle_into_two_teams", "_selected_action": [game["session"].pk]},
        follow=True,
    )
    assert "Done for 1." in text(response)
    assert game["session"].teams.count() == 2
    page = text(client.get(reverse("admin:live_livesession_change", args=[game["session"].pk])))
    assert "Red" in page and "Blue" in page
    act(game, "start")
    response = client.post(
        url, {"action": "remove_extra_time", "_selected_action": [ada.pk]}, follow=True
    )
    assert "Change extra time between questions" in text(response)
    assert LivePlayer.objects.get(pk=ada.pk).extra_percent == 50
