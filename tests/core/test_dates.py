"""One date format everywhere, in the learner's time zone (apps/core/dates.py and the
``{% show_* %}`` tags; static/js/dates.js draws the same shapes in the browser)."""

from __future__ import annotations

import zoneinfo
from datetime import UTC, date, datetime

import pytest
from django.template import Context, Template
from django.test import RequestFactory

from apps.accounts import services
from apps.accounts.models import User
from apps.core import dates
from apps.core.errors import ApplicationError
from tests.factories import UserFactory

MOMENT = datetime(2026, 12, 7, 23, 10, 48, tzinfo=UTC)
PARIS = zoneinfo.ZoneInfo("Europe/Paris")


def test_the_three_shapes():
    assert dates.format_local(MOMENT, "datetime", PARIS) == "8 Dec 2026, 00:10"
    assert dates.format_local(MOMENT, "date", PARIS) == "8 Dec 2026"
    assert dates.format_local(MOMENT, "time", PARIS) == "00:10"
    assert dates.format_local(MOMENT, "datetime", zoneinfo.ZoneInfo("UTC")) == "7 Dec 2026, 23:10"
    # A plain date has no clock and no zone to move into.
    assert dates.format_local(date(2026, 1, 5), "datetime", PARIS) == "5 Jan 2026"
    assert dates.iso(MOMENT) == "2026-12-07T23:10:48Z"


def _render(request, value, tag="show_datetime"):
    template = Template("{% load dates %}{% " + tag + " value %}")
    return template.render(Context({"request": request, "value": value}))


def _request(user=None, cookie=""):
    request = RequestFactory().get("/")
    if cookie:
        request.COOKIES["tz"] = cookie
    if user is not None:
        request.user = user
    return request


@pytest.mark.django_db
def test_tag_renders_a_time_element_in_the_chosen_zone():
    user = UserFactory(time_zone="Asia/Tokyo")
    html = _render(_request(user, cookie="Europe/Paris"), MOMENT)
    # The profile's zone wins over the browser's cookie.
    assert html == (
        '<time datetime="2026-12-07T23:10:48Z" data-when="datetime">8 Dec 2026, 08:10</time>'
    )


@pytest.mark.django_db
def test_without_a_chosen_zone_the_browser_cookie_is_used_and_bad_cookies_are_ignored():
    user = UserFactory(time_zone="")
    assert ">8 Dec 2026<" in _render(_request(user, cookie="Europe/Paris"), MOMENT, "show_date")
    assert ">7 Dec 2026<" in _render(_request(cookie="Not/AZone"), MOMENT, "show_date")
    assert ">7 Dec 2026, 23:10<" in _render(_request(cookie="../../etc/passwd"), MOMENT)
    assert _render(_request(), None) == "–"


@pytest.mark.django_db
def test_profile_saves_and_validates_the_time_zone(client):
    user = UserFactory(username="tz")
    client.force_login(user)
    page = client.get("/accounts/profile/").content.decode()
    assert 'name="time_zone"' in page and '<option value="Europe/Paris">' in page
    # Member since: the shared format, as a <time>.
    assert 'data-when="date"' in page
    response = client.post(
        "/accounts/profile/",
        {"display_name": "", "email": "tz@example.com", "time_zone": "Europe/Paris"},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.time_zone == "Europe/Paris"
    page = client.get("/accounts/profile/").content.decode()
    assert 'data-tz="Europe/Paris" data-tz-chosen' in page
    response = client.post(
        "/accounts/profile/",
        {"display_name": "", "email": "tz@example.com", "time_zone": "Mars/Olympus"},
    )
    assert response.status_code == 400
    user.refresh_from_db()
    assert user.time_zone == "Europe/Paris"


@pytest.mark.django_db
def test_service_refuses_an_unknown_zone_and_keeps_it_when_not_given():
    user = UserFactory(time_zone="Asia/Tokyo")
    with pytest.raises(ApplicationError):
        services.user_update_profile(
            user=user, display_name="", email="a@example.com", time_zone="Nowhere/Here"
        )
    services.user_update_profile(user=user, display_name="A", email="a@example.com")
    assert User.objects.get(pk=user.pk).time_zone == "Asia/Tokyo"


@pytest.mark.django_db
def test_anonymous_pages_carry_the_cookie_zone(client):
    client.cookies["tz"] = "America/New_York"
    page = client.get("/").content.decode()
    assert 'data-tz="America/New_York"' in page and "data-tz-chosen" not in page
