"""A live quiz in real browsers: a host on a projector-sized screen and two players on
phones, each in its own browser context, over the real websocket server."""

from __future__ import annotations

import json
import re
import time

import pytest
from playwright.sync_api import expect

from apps.live.models import LiveAnswer
from tests.conftest import axe_violations
from tests.factories import PASSWORD, UserFactory
from tests.quizzes.conftest import build_quiz

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
PROJECTOR = {"width": 1280, "height": 900}


def two_question_quiz():
    quiz = build_quiz()
    quiz.questions.exclude(key__in=["single", "tf"]).update(retired=True)
    return quiz


def open_page(browser, viewport, errors):
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return context, page


def log_in(page, live_url, username, next_path):
    page.goto(f"{live_url}/accounts/login/?next={next_path}")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(rf"^{live_url}{re.escape(next_path)}$"))


def host_a_session(browser, live_url, quiz, errors):
    UserFactory(username="quizhost", display_name="Quiz Host")
    context, host = open_page(browser, PROJECTOR, errors)
    log_in(host, live_url, "quizhost", quiz.get_absolute_url())
    host.get_by_role("button", name="Host this quiz live").click()
    host.wait_for_url(re.compile(r".*/live/[A-Z0-9]{6}/host/$"))
    code = host.locator("#join-code").get_attribute("data-code")
    expect(host.locator("#live-connection")).to_have_text("Connected")
    return context, host, code


class Wire:
    """Stands between a page and the websocket server: records what the page sends,
    can drop frames either way and cut the connection (as a flaky network would)."""

    def __init__(self) -> None:
        self.routes: list = []
        self.sent: list[dict] = []
        self.drop_up = None
        self.drop_down = None

    def route(self, ws) -> None:
        server = ws.connect_to_server()
        self.routes.append(ws)

        def up(message) -> None:
            self.sent.append(json.loads(message))
            if not (self.drop_up and self.drop_up(json.loads(message))):
                server.send(message)

        def down(message) -> None:
            if not (self.drop_down and self.drop_down(json.loads(message))):
                ws.send(message)

        ws.on_message(up)
        server.on_message(down)

    def cut(self) -> None:
        self.routes[-1].close()


def join_as(browser, live_url, code, nickname, errors, check_page=False, wire=None):
    context, page = open_page(browser, PHONE, errors)
    if wire is not None:
        page.route_web_socket(re.compile(r".*/ws/live/.*"), wire.route)
    page.goto(live_url + "/live/")
    if check_page:
        assert axe_violations(page) == []
    page.get_by_label("Game code").fill(f"{code[:3].lower()} {code[3:].lower()}")
    page.get_by_label("Nickname").fill(nickname)
    page.get_by_role("button", name="Join the game").click()
    page.wait_for_url(f"{live_url}/live/{code}/")
    expect(page.locator("#live-connection")).to_have_text("Connected")
    expect(page.locator("#phase-lobby")).to_be_visible()
    return context, page


def choice(page, name):
    label = re.compile(rf"^\s*\S\s*{name}\s*$")  # the letter, then the text
    return page.locator("#answer-controls .live-choice", has_text=label)


def test_a_two_question_game_from_the_quiz_page_to_the_podium(browser, live_url):
    quiz = two_question_quiz()
    errors: list[str] = []
    host_context, host, code = host_a_session(browser, live_url, quiz, errors)
    expect(host.locator(".live-code")).to_contain_text(code)
    qr = host.request.get(f"{live_url}/live/{code}/qr.svg")
    assert qr.ok and qr.headers["content-type"] == "image/svg+xml"
    expect(host.locator("#players-empty")).to_be_visible()
    expect(host.get_by_role("button", name="Start the quiz")).to_be_enabled()
    expect(host.get_by_role("button", name="Reveal now")).to_be_disabled()
    assert axe_violations(host) == []

    ada_context, ada = join_as(browser, live_url, code, "Ada", errors, check_page=True)
    bob_context, bob = join_as(browser, live_url, code, "Bob", errors)
    assert axe_violations(ada) == []
    players = host.locator("#player-list .live-player-name")
    expect(players).to_have_text(["Ada", "Bob"])  # the lobby fills live
    expect(host.locator("#player-count")).to_have_text("2")

    # Question 1: single choice. Ada is right, Bob is not.
    host.get_by_role("button", name="Start the quiz").click()
    for player in (ada, bob):
        expect(player.locator("#phase-question")).to_be_visible()
        expect(player.locator("#q-number")).to_have_text("1")
        expect(player.locator("#q-total")).to_have_text("2")
        expect(player.locator("#q-prompt")).to_contain_text("Prompt for single")
    seconds = int(ada.locator("#q-seconds").inner_text())
    assert 0 < seconds <= 20  # counted from the server's deadline
    expect(host.locator("#question-title")).to_contain_text("Question 1 of 2")
    expect(host.get_by_role("button", name="Start the quiz")).to_be_disabled()
    assert axe_violations(ada) == []
    assert axe_violations(host) == []
    ada.emulate_media(color_scheme="dark")  # the dark theme keeps its contrast too
    assert axe_violations(ada) == []

    choice(ada, "Right").click()
    expect(ada.locator("#answer-status")).to_have_text("Answer received. Wait for the reveal.")
    expect(choice(ada, "Wrong")).to_be_disabled()
    choice(bob, "Wrong").click()
    expect(bob.locator("#answer-status")).to_have_text("Answer received. Wait for the reveal.")
    expect(host.locator("#q-answered")).to_have_text("2 of 2 players answered")
    # Before the reveal the page holds no key and the score does not move.
    assert "Because single" not in ada.content()
    expect(ada.locator("#live-score")).to_have_text("0")

    host.get_by_role("button", name="Reveal now").click()
    expect(ada.locator("#review-title")).to_have_text("Correct!")
    expect(ada.locator("#review-points")).to_contain_text(re.compile(r"\+\d+ points"))
    expect(ada.locator("#live-score")).not_to_have_text("0")
    expect(ada.locator("#review-explanation")).to_contain_text("Because single.")
    expect(bob.locator("#review-title")).to_have_text("Not quite")
    expect(bob.locator("#live-score")).to_have_text("0")
    expect(host.locator("#review-bars .is-correct")).to_contain_text("Right")
    expect(host.locator("#review-bars .is-correct")).to_contain_text("✓ Correct")
    expect(host.locator("#review-leaderboard .live-rank-name")).to_have_text(["Ada", "Bob"])
    expect(host.get_by_role("button", name="Next question")).to_be_enabled()
    assert axe_violations(host) == []
    assert axe_violations(bob) == []
    host.emulate_media(color_scheme="dark")
    assert axe_violations(host) == []
    assert axe_violations(ada) == []  # (still dark)

    # Question 2: true/false. A reload keeps everything (the state snapshot).
    host.get_by_role("button", name="Next question").click()
    expect(ada.locator("#q-number")).to_have_text("2")
    bob.reload()
    expect(bob.locator("#live-connection")).to_have_text("Connected")
    expect(bob.locator("#q-number")).to_have_text("2")
    expect(choice(bob, "True")).to_be_enabled()
    choice(ada, "False").click()
    expect(ada.locator("#answer-status")).to_have_text("Answer received. Wait for the reveal.")
    ada.reload()
    expect(ada.locator("#answer-status")).to_have_text("Answer received. Wait for the reveal.")
    expect(choice(ada, "False")).to_have_attribute("aria-pressed", "true")
    expect(choice(ada, "True")).to_be_disabled()
    choice(bob, "True").click()
    expect(host.locator("#q-answered")).to_have_text("2 of 2 players answered")

    host.get_by_role("button", name="Reveal now").click()
    expect(ada.locator("#review-title")).to_have_text("Correct!")
    expect(ada.locator("#review-points")).to_contain_text("2 right in a row!")
    expect(bob.locator("#review-title")).to_have_text("Not quite")
    finish = host.get_by_role("button", name="Show final results")
    expect(finish).to_be_enabled()
    finish.click()

    # The podium, on every screen.
    expect(host.locator("#phase-final")).to_be_visible()
    expect(host.locator("#final-podium .podium-name")).to_have_text(["Ada", "Bob"])
    expect(host.get_by_role("link", name="Full results")).to_have_attribute(
        "href", f"/live/{code}/results/"
    )
    expect(host.get_by_role("link", name="Download the results (CSV)")).to_be_visible()
    expect(ada.locator("#final-rank")).to_contain_text("You finished #1 of 2")
    expect(ada.locator("#final-rank")).to_contain_text("2 correct answers")
    expect(bob.locator("#final-rank")).to_contain_text("You finished #2 of 2")
    assert axe_violations(host) == []
    assert axe_violations(ada) == []

    ada.get_by_role("link", name="See the results").click()
    ada.wait_for_url(f"{live_url}/live/{code}/results/")
    expect(ada.locator(".live-final-rank")).to_contain_text("#1")
    assert axe_violations(ada) == []
    assert errors == []  # no CSP violations or script errors anywhere
    for context in (host_context, ada_context, bob_context):
        context.close()


def test_the_host_removes_a_player_who_is_told_so(browser, live_url):
    quiz = two_question_quiz()
    errors: list[str] = []
    host_context, host, code = host_a_session(browser, live_url, quiz, errors)
    troll_context, troll = join_as(browser, live_url, code, "Troll", errors)
    expect(host.locator("#player-list .live-player-name")).to_have_text(["Troll"])
    host.get_by_role("button", name="Remove Troll").click()
    expect(troll.locator("#phase-gone")).to_be_visible()
    expect(troll.locator("#gone-title")).to_have_text("You were removed")
    expect(troll.locator("#live-connection")).to_have_text("Disconnected")
    expect(host.locator("#player-list .live-player-name")).to_have_count(0)
    expect(host.locator("#players-empty")).to_be_visible()
    assert errors == []
    troll.reload()  # (a 403 page)
    expect(troll.locator("h1")).to_have_text("You were removed")
    host_context.close()
    troll_context.close()


def test_a_lost_answer_is_resent_with_its_key_and_a_missed_event_resynced(browser, live_url):
    quiz = two_question_quiz()
    errors: list[str] = []
    host_context, host, code = host_a_session(browser, live_url, quiz, errors)
    wire = Wire()
    ada_context, ada = join_as(browser, live_url, code, "Ada", errors, wire=wire)
    host.get_by_role("button", name="Start the quiz").click()
    expect(ada.locator("#q-number")).to_have_text("1")

    # The answer never reaches the server: no ack, so no "received".
    wire.drop_up = lambda message: message["type"] == "answer"
    choice(ada, "Right").click()
    expect(ada.locator("#answer-status")).to_have_text("Sending your answer…")
    key = next(m["key"] for m in wire.sent if m["type"] == "answer")
    assert not LiveAnswer.objects.exists()
    # The connection drops; the page reconnects, gets the state and sends the same key.
    wire.drop_up = None
    wire.cut()
    expect(ada.locator("#answer-status")).to_have_text("Answer received. Wait for the reveal.")
    expect(ada.locator("#live-connection")).to_have_text("Connected")
    keys = [m["key"] for m in wire.sent if m["type"] == "answer"]
    assert len(keys) >= 2 and set(keys) == {key}
    assert list(LiveAnswer.objects.values_list("key", flat=True)) == [key]
    expect(host.locator("#q-answered")).to_have_text("1 of 1 player answered")

    host.get_by_role("button", name="Reveal now").click()
    expect(ada.locator("#review-title")).to_have_text("Correct!")

    # The next question's broadcast is lost on the way to Ada: the following event
    # shows a gap in seq, and the page asks for the whole state.
    wire.drop_down = lambda message: message.get("event") == "question"
    host.get_by_role("button", name="Next question").click()
    expect(host.locator("#question-title")).to_contain_text("Question 2 of 2")
    expect(ada.locator("#phase-review")).to_be_visible()
    assert {"type": "sync"} not in wire.sent
    wire.drop_down = None
    host.get_by_role("button", name="Pause").click()
    expect(ada.locator("#q-number")).to_have_text("2")
    expect(ada.locator("#q-paused")).to_be_visible()
    expect(choice(ada, "True")).to_be_enabled()
    assert {"type": "sync"} in wire.sent
    assert errors == []
    host_context.close()
    ada_context.close()


def test_a_silent_connection_is_given_up_and_replaced(browser, live_url):
    """A connection that stops delivering anything (a frozen server, a cut network that
    never closed the socket) is noticed by its pings going unanswered: the page lets it go
    and reconnects, without waiting for a close that may never come. A server closing with
    1012 (restarting) is replaced at once, without backoff."""
    quiz = two_question_quiz()
    errors: list[str] = []
    host_context, host, code = host_a_session(browser, live_url, quiz, errors)
    wire = Wire()
    ada_context, ada = open_page(browser, PHONE, errors)
    ada.clock.install()
    ada.route_web_socket(re.compile(r".*/ws/live/.*"), wire.route)
    ada.goto(live_url + "/live/")
    ada.get_by_label("Game code").fill(code)
    ada.get_by_label("Nickname").fill("Ada")
    ada.get_by_role("button", name="Join the game").click()
    ada.wait_for_url(f"{live_url}/live/{code}/")
    expect(ada.locator("#live-connection")).to_have_text("Connected")
    assert len(wire.routes) == 1
    wire.drop_down = lambda message: True  # the server goes silent; the socket stays open
    ada.clock.fast_forward(70_000)  # pings go out, nothing answers them
    wire.drop_down = None
    ada.clock.fast_forward(5_000)  # the reconnection's wait
    expect(ada.locator("#live-connection")).to_have_text("Connected")
    assert len(wire.routes) >= 2

    # The server stops (SIGTERM: apps/core/ws.py closes with 1012): the page reconnects
    # within 250 ms of jitter, before even the shortest backoff (250-500 ms) would.
    before = len(wire.routes)
    ada.clock.pause_at(ada.evaluate("Date.now()") / 1000 + 1)  # seconds: timers wait for us
    wire.routes[-1].close(code=1012, reason="service restart")
    expect(ada.locator("#live-connection")).to_have_text("Connection lost. Reconnecting…")
    ada.wait_for_timeout(300)
    assert len(wire.routes) == before  # the clock is paused: no timer has run
    ada.clock.run_for(250)
    deadline = time.monotonic() + 10
    while len(wire.routes) == before and time.monotonic() < deadline:
        ada.wait_for_timeout(20)
    assert len(wire.routes) == before + 1
    expect(ada.locator("#live-connection")).to_have_text("Connected")
    ada.clock.resume()
    host.get_by_role("button", name="Start the quiz").click()
    expect(ada.locator("#q-number")).to_have_text("1")  # the new connection carries events
    assert errors == []
    host_context.close()
    ada_context.close()


def test_teams_and_a_late_joiner(browser, live_url):
    quiz = two_question_quiz()
    errors: list[str] = []
    host_context, host, code = host_a_session(browser, live_url, quiz, errors)
    expect(host.get_by_role("heading", name="Before you start")).to_be_visible()
    ada_context, ada = join_as(browser, live_url, code, "Ada", errors)
    bob_context, bob = join_as(browser, live_url, code, "Bob", errors)
    expect(host.locator("#player-list .live-player-name")).to_have_text(["Ada", "Bob"])

    # Accuracy only, and two teams dealt at random.
    host.get_by_label("Accuracy only").check()
    expect(host.locator("#scoring-label")).to_have_text("Accuracy only")
    expect(ada.locator("#live-mode")).to_contain_text("Accuracy only")
    host.get_by_label("Number of teams").fill("2")
    host.get_by_role("button", name="Shuffle players into teams").click()
    expect(host.locator("#team-list .live-team-name")).to_have_text(["Red", "Blue"])
    for player in (ada, bob):
        expect(player.locator("#live-team-item")).to_be_visible()
    teams = {ada.locator("#live-team").inner_text(), bob.locator("#live-team").inner_text()}
    assert teams == {"Red", "Blue"}  # one each: balanced
    # By hand: Bob joins Ada's team, then goes back.
    ada_team = ada.locator("#live-team").inner_text()
    host.get_by_label("Team of Bob").select_option(label=ada_team)
    expect(bob.locator("#live-team")).to_have_text(ada_team)
    other = ({"Red", "Blue"} - {ada_team}).pop()
    host.get_by_label("Team of Bob").select_option(label=other)
    expect(bob.locator("#live-team")).to_have_text(other)
    host.get_by_label("Extra time for Ada").select_option(label="+50% time")
    expect(ada.locator("#live-extra")).to_have_text("You have extra time on every question: +50%.")
    assert axe_violations(host) == []
    assert axe_violations(ada) == []

    host.get_by_role("button", name="Start the quiz").click()
    expect(ada.locator("#q-number")).to_have_text("1")
    expect(host.locator("#lobby-setup")).to_be_hidden()
    expect(host.locator("#q-extra")).to_contain_text("up to 10 seconds after the others")
    ada_seconds = int(ada.locator("#q-seconds").inner_text())
    assert 20 < ada_seconds <= 30  # her own deadline
    assert int(bob.locator("#q-seconds").inner_text()) <= 20

    # Cy joins mid-question: told to wait, and put in the smaller team.
    cy_context, cy = open_page(browser, PHONE, errors)
    cy.goto(f"{live_url}/live/{code}/")
    cy.get_by_label("Nickname").fill("Cy")
    cy.get_by_role("button", name="Join the game").click()
    cy.wait_for_url(f"{live_url}/live/{code}/")
    expect(cy.locator("#q-late")).to_have_text(
        "You joined mid-question: you'll play from the next one."
    )
    expect(choice(cy, "Right")).to_be_disabled()
    expect(cy.locator("#live-team-item")).to_be_visible()
    assert axe_violations(cy) == []

    choice(ada, "Right").click()
    choice(bob, "Wrong").click()
    expect(host.locator("#q-answered")).to_have_text("2 of 3 players answered")
    host.get_by_role("button", name="Reveal now").click()
    expect(ada.locator("#review-title")).to_have_text("Correct!")
    expect(ada.locator("#review-points")).to_contain_text("+1000 points")  # accuracy only
    expect(cy.locator("#review-title")).to_have_text("You joined mid-question")
    expect(host.locator("#review-teams .live-rank-name")).to_have_count(2)
    expect(host.locator("#review-teams .live-rank-name").first).to_have_text(ada_team)
    expect(ada.locator("#review-teams .is-me")).to_contain_text("(your team)")
    assert axe_violations(host) == []

    host.get_by_role("button", name="Next question").click()
    expect(cy.locator("#q-late")).to_be_hidden()
    choice(cy, "False").click()
    expect(cy.locator("#answer-status")).to_have_text("Answer received. Wait for the reveal.")
    host.get_by_role("button", name="Reveal now").click()
    expect(cy.locator("#review-title")).to_have_text("Correct!")
    host.get_by_role("button", name="Show final results").click()
    expect(host.locator("#final-teams .live-rank-name")).to_have_count(2)
    expect(cy.locator("#final-team")).to_contain_text("Your team, ")
    assert axe_violations(host) == []
    assert axe_violations(cy) == []
    assert errors == []
    for context in (host_context, ada_context, bob_context, cy_context):
        context.close()
