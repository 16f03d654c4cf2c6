"""The site header: one line on a laptop with the account's pages under one button, a
"Menu" button on a phone; both keyboard-operable (aria-expanded, Escape, focus)."""

from __future__ import annotations

import re

import pytest

from tests.conftest import axe_violations
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.browser

ROWS = """() => {
  const header = document.querySelector('.site-header');
  const visible = [...header.querySelectorAll('a, button')]
    .filter(e => e.offsetParent !== null);
  const mids = visible.map(e => {
    const r = e.getBoundingClientRect();
    return r.top + r.height / 2;
  });
  return {
    height: header.offsetHeight,
    spread: Math.max(...mids) - Math.min(...mids),
    count: visible.length,
  };
}"""


def _sign_in(browser, live_url, width, height, **options):  # type: ignore[no-untyped-def]
    UserFactory(username="header")
    context = browser.new_context(viewport={"width": width, "height": height}, **options)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_url}/accounts/login/?next=/matrix/")
    page.fill("#id_username", "header")
    page.fill("#id_password", PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"^[^?]*/matrix/$"))
    return context, page


def test_signed_in_header_is_one_line_at_1280_with_an_account_menu(browser, live_url):
    context, page = _sign_in(browser, live_url, 1280, 900)
    try:
        rows = page.evaluate(ROWS)
        # Brand, eight links, the theme button and the account button, side by side.
        assert rows["count"] == 11, rows
        assert rows["spread"] <= 6, rows
        assert rows["height"] <= 64, rows
        assert not page.locator("#menu-toggle").is_visible()
        toggle = page.locator("#account-toggle")
        profile = page.locator("#account-panel").get_by_role("link", name="Profile")
        assert toggle.get_attribute("aria-expanded") == "false"
        assert not profile.is_visible()
        toggle.focus()
        page.keyboard.press("Enter")
        assert toggle.get_attribute("aria-expanded") == "true"
        assert profile.is_visible()
        assert axe_violations(page) == []
        page.keyboard.press("Tab")  # into the panel
        assert page.evaluate("document.activeElement.closest('#account-panel') !== null")
        page.keyboard.press("Escape")
        assert toggle.get_attribute("aria-expanded") == "false"
        assert not profile.is_visible()
        assert page.evaluate("document.activeElement.id") == "account-toggle"
        toggle.click()
        page.locator("h1").click()  # a click elsewhere closes it
        assert toggle.get_attribute("aria-expanded") == "false"
        toggle.click()
        profile.click()
        page.wait_for_url(re.compile(r".*/accounts/profile/$"))
    finally:
        context.close()


def test_header_collapses_into_a_menu_button_on_a_phone(browser, live_url):
    context, page = _sign_in(browser, live_url, 390, 844)
    try:
        header = page.evaluate(ROWS)
        assert header["height"] <= 64, header  # was three rows of links, ~20% of the screen
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        button = page.locator("#menu-toggle")
        nav_link = page.get_by_role("navigation", name="Main").get_by_role("link", name="Exercises")
        assert button.is_visible()
        assert button.get_attribute("aria-expanded") == "false"
        assert button.get_attribute("aria-controls") == "site-menu"
        assert not nav_link.is_visible()
        assert axe_violations(page) == []
        button.focus()
        page.keyboard.press("Enter")
        assert button.get_attribute("aria-expanded") == "true"
        assert nav_link.is_visible()
        # The account's pages are listed in the open menu, not behind a second button.
        assert not page.locator("#account-toggle").is_visible()
        assert page.locator("#account-panel").get_by_role("link", name="Profile").is_visible()
        assert page.get_by_role("button", name="Log out").is_visible()
        assert axe_violations(page) == []
        page.keyboard.press("Tab")  # the first link follows the button
        assert page.evaluate("document.activeElement.textContent") == "Home"
        page.keyboard.press("Escape")
        assert button.get_attribute("aria-expanded") == "false"
        assert not nav_link.is_visible()
        assert page.evaluate("document.activeElement.id") == "menu-toggle"
        button.click()
        nav_link.click()
        page.wait_for_url(re.compile(r".*/exercises/$"))
        assert page.locator("#menu-toggle").get_attribute("aria-expanded") == "false"
    finally:
        context.close()


def test_without_javascript_the_menu_stays_open(browser, live_url):
    context, page = _sign_in(browser, live_url, 390, 844, java_script_enabled=False)
    try:
        assert not page.locator("#menu-toggle").is_visible()
        nav = page.get_by_role("navigation", name="Main")
        assert nav.get_by_role("link", name="Exercises").is_visible()
        assert page.get_by_role("link", name="Profile").is_visible()
        assert page.get_by_role("button", name="Log out").is_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
    finally:
        context.close()
