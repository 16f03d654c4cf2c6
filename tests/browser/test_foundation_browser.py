"""The site in a real browser: layout, accessibility, websockets, sign-up."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.conftest import axe_violations
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser


def test_home_page_is_accessible_and_its_websocket_connects(page, live_url):
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.goto(live_url + "/")
    assert page.locator("h1").first.inner_text().startswith("Learn Python backend engineering")
    status = page.locator("#ws-status")
    expect(status).to_have_attribute("data-state", "ok")  # polls without eval (CSP)
    assert "pong in" in status.inner_text()
    assert axe_violations(page) == []
    assert errors == []  # no CSP violations or script errors


def test_skip_link_and_keyboard_focus(page, live_url):
    page.goto(live_url + "/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert focused.strip() == "Skip to main content"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


def test_theme_toggle_switches_and_is_remembered(page, live_url):
    """One click always shows the other theme; choosing the system's own theme goes back
    to following the system."""
    page.emulate_media(color_scheme="light")
    page.goto(live_url + "/")
    html = page.locator("html")
    button = page.locator("#theme-toggle")
    assert html.get_attribute("data-theme") == "auto"
    assert button.get_attribute("aria-pressed") == "false"
    page.click("#theme-toggle")  # light on screen: one click to dark
    assert html.get_attribute("data-theme") == "dark"
    assert button.get_attribute("aria-pressed") == "true"
    assert button.get_attribute("title") == "Switch to the light theme"
    assert axe_violations(page) == []  # the dark theme keeps its contrast
    page.reload()
    assert html.get_attribute("data-theme") == "dark"
    page.click("#theme-toggle")  # back to light, the system's: follows the system again
    assert html.get_attribute("data-theme") == "auto"
    assert button.get_attribute("aria-pressed") == "false"

    page.emulate_media(color_scheme="dark")
    page.reload()
    assert button.get_attribute("aria-pressed") == "true"  # automatic, and dark on screen
    page.click("#theme-toggle")  # dark on screen: one click to light
    assert html.get_attribute("data-theme") == "light"
    bg = page.evaluate("getComputedStyle(document.body).backgroundColor")
    page.click("#theme-toggle")
    assert html.get_attribute("data-theme") == "auto"
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") != bg


def test_small_screen_layout_has_no_horizontal_scroll(browser, live_url):
    context = browser.new_context(viewport={"width": 360, "height": 740})
    page = context.new_page()
    page.goto(live_url + "/")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    context.close()
    assert overflow <= 0


def test_sign_up_log_out_log_in(page, live_url):
    page.goto(live_url + "/accounts/signup/")
    assert axe_violations(page) == []
    page.fill("#id_username", "browseruser")
    page.fill("#id_email", "browser@example.com")
    page.fill("#id_password1", PASSWORD)
    page.fill("#id_password2", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/courses/")  # no course imported: the catalog, not the profile
    assert "Welcome" in page.inner_text(".messages")
    assert axe_violations(page) == []
    page.click("#account-toggle")  # the account's pages sit under one button
    page.click("text=Log out")
    page.goto(live_url + "/accounts/login/")
    page.fill("#id_username", "browseruser")
    page.fill("#id_password", "wrong password")
    page.click("button[type=submit]")
    assert "Please enter a correct username and password" in page.inner_text("[role=alert]")
    assert axe_violations(page) == []
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/accounts/profile/")
    assert page.locator("h1").inner_text() == "Your profile"
