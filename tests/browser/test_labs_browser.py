"""A code lab in real browsers: an instructor starts it from the form and watches the
board while two learners join; one passes everything, the other keeps failing the same
test and shows up as stuck, with the error cluster; a hint reaches that learner only,
the reference solution appears once unlocked, pause locks the editor. Axe clean, no
script error."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from apps.exercises import grading
from apps.labs.models import Lab
from tests.conftest import axe_violations
from tests.exercises.conftest import SOLUTION, FakeSandbox, make_exercise
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def quick_sandbox(monkeypatch, settings):
    """The stand-in sandbox in this process (runs execute here, the embedded path)."""
    settings.CELERY_TASK_ALWAYS_EAGER = True
    fake = FakeSandbox()
    monkeypatch.setattr(grading, "phase_runner", fake)
    return fake


def log_in(page, live_url, username, next_url):
    page.goto(f"{live_url}/accounts/login/?next={next_url}")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(rf"^{live_url}{re.escape(next_url)}$"))


def watch_errors(page, problems):
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))


def replace_code(page, code):
    editor = page.locator(".cm-content")
    expect(editor).to_be_visible(timeout=15_000)
    editor.click()
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    page.keyboard.insert_text(code)


def test_an_instructor_and_two_learners(browser, live_url, quick_sandbox):
    exercise = make_exercise()
    UserFactory(username="teacher", display_name="Teacher")
    UserFactory(username="alice", display_name="Alice")
    UserFactory(username="bob", display_name="Bob")
    problems: list[str] = []
    contexts = [browser.new_context(viewport={"width": 1280, "height": 900}) for _ in range(3)]
    host, alice, bob = (context.new_page() for context in contexts)
    for page in (host, alice, bob):
        page.set_default_timeout(15_000)
        watch_errors(page, problems)
    host.on("dialog", lambda dialog: dialog.accept())
    try:
        # The instructor starts a lab of one exercise; stuck after 2 failing runs in a row.
        log_in(host, live_url, "teacher", "/labs/")
        assert axe_violations(host) == []
        host.fill("#id_exercises", exercise.slug)
        host.fill("#id_stuck_failures", "2")
        host.get_by_role("button", name="Start the lab").click()
        host.wait_for_url(re.compile(r".*/labs/[A-Z0-9]{6}/host/$"))
        code = Lab.objects.get().code
        expect(host.locator("#lab-connection")).to_have_text("Live")
        expect(host.locator("#join-code")).to_contain_text(code)
        expect(host.locator("#learners-none")).to_be_visible()

        # Two learners join with the code's link, signed in.
        for page, name in ((alice, "alice"), (bob, "bob")):
            log_in(page, live_url, name, f"/labs/{code}/")
            page.get_by_role("button", name="Join the lab").click()
            page.wait_for_url(re.compile(rf".*/labs/{code}/$"))
            expect(page.locator("#lab-status")).to_have_text("Running")
            expect(page.locator(".cm-content")).to_be_visible(timeout=15_000)
            assert "REFERENCE-SOLUTION" not in page.content()
        expect(host.locator("#learners-table tbody tr")).to_have_count(2)
        assert axe_violations(alice) == []

        # Alice submits a solution that passes; Bob runs the starter twice.
        replace_code(alice, SOLUTION)
        alice.click("#submit-button")
        expect(alice.locator("#run-summary")).to_contain_text("Passed — 5 of 5", timeout=20_000)
        for _ in range(2):
            expect(bob.locator("#run-button")).to_be_enabled()
            bob.click("#run-button")
            expect(bob.locator("#run-summary")).to_contain_text("Failed", timeout=20_000)

        # The board: one passes everything, Bob is stuck, the error is clustered.
        stats = host.locator("#lab-stats")
        expect(stats).to_contain_text("Pass everything1")
        expect(stats).to_contain_text("Ran at least once2")
        expect(host.locator("#stuck-list")).to_contain_text("Bob")
        expect(host.locator("#stuck-list")).to_contain_text("failed 2 runs in a row")
        expect(host.locator("#stuck-list")).not_to_contain_text("Alice")
        expect(host.locator("#clusters-table tbody")).to_contain_text("NotImplementedError")
        expect(host.locator("#tests-table tbody tr").first).to_contain_text("1 of 2")
        bob_row = host.locator("#learners-table tbody tr", has_text="Bob")
        expect(bob_row).to_contain_text("0/3")
        expect(host.locator("#learners-table tbody tr", has_text="Alice")).to_contain_text("3/3")

        # Read Bob's code; sort by tests passed (most first).
        bob_row.get_by_role("button", name="Code of Bob").click()
        expect(host.locator("#code-text")).to_contain_text("raise NotImplementedError")
        host.get_by_role("button", name="Tests passed").click()
        expect(host.locator("#learners-table tbody tr").first).to_contain_text("Alice")
        assert axe_violations(host) == []

        # On a phone too, nothing wider than the screen.
        for page in (host, bob):
            page.set_viewport_size({"width": 360, "height": 740})
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, (page.url, overflow)
            page.set_viewport_size({"width": 1280, "height": 900})

        # A hint for Bob only.
        host.select_option("#hint-to", label="Bob")
        host.fill("#hint-text", "Replace the raise with a return")
        host.get_by_role("button", name="Send the hint").click()
        expect(bob.locator("#lab-hints")).to_contain_text("Replace the raise with a return")
        expect(host.locator("#hint-list")).to_contain_text("To Bob")
        host.fill("#hint-text", "Five minutes left")
        host.select_option("#hint-to", label="Everyone")
        host.get_by_role("button", name="Send the hint").click()
        expect(alice.locator("#lab-hints")).to_contain_text("Five minutes left")
        expect(alice.locator("#lab-hints")).not_to_contain_text("Replace the raise")

        # Pause locks the editor and the buttons, with the message; resume unlocks.
        host.fill("#pause-message", "Eyes on the projector")
        host.get_by_role("button", name="Pause").click()
        expect(bob.locator("#lab-message")).to_have_text("Eyes on the projector")
        expect(bob.locator("#run-button")).to_be_disabled()
        assert bob.eval_on_selector(".cm-content", "e => e.contentEditable") == "false"
        host.get_by_role("button", name="Resume").click()
        expect(bob.locator("#run-button")).to_be_enabled()
        expect(bob.locator("#lab-message")).to_be_hidden()

        # The reference solution, once unlocked; a reload restores everything.
        host.get_by_role("button", name="Unlock the reference solution").click()
        expect(bob.locator("#lab-solution")).to_contain_text("REFERENCE-SOLUTION")
        bob.reload()
        expect(bob.locator("#lab-solution")).to_contain_text("REFERENCE-SOLUTION")
        expect(bob.locator("#lab-hints li")).to_have_count(2)
        assert axe_violations(bob) == []

        # Ending the lab sends the host to the results.
        host.get_by_role("button", name="End the lab").click()
        host.wait_for_url(re.compile(rf".*/labs/{code}/results/$"))
        expect(host.locator("#results-table tbody tr")).to_have_count(2)
        expect(bob.locator("#lab-status")).to_have_text("Ended")
        expect(bob.locator("#run-button")).to_be_disabled()
        assert axe_violations(host) == []
        assert problems == [], problems
    finally:
        for context in contexts:
            context.close()
