"""Every main page: a plain-text <title>, exactly one <h1>, landmarks and a skip link."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PAGES = [
    "/", "/courses/", "/courses/python-backend-engineering/",
    "/courses/python-backend-engineering/concurrency/the-gil-explained/",
    "/search/?q=cache", "/matrix/", "/matrix/web-frameworks/", "/matrix/web-frameworks/fit/",
    "/quizzes/concurrency-quiz/", "/dashboard/", "/accounts/profile/", "/accounts/login/",
    "/accounts/signup/", "/accounts/password/reset/",
]  # fmt: skip


def test_main_pages_have_sound_markup(client):
    call_command("import_content", verbosity=0)
    user = UserFactory(username="markup")
    for signed_in in (False, True):
        if signed_in:
            client.force_login(user)
        for url in PAGES:
            response = client.get(url, follow=True)
            assert response.status_code == 200, url
            body = response.content.decode()
            title = re.search(r"<title>(.*?)</title>", body, re.S).group(1)
            assert "<" not in title and title.strip(), (url, title)
            assert len(re.findall(r"<h1[ >]", body)) == 1, url
            assert '<main id="main"' in body and 'class="skip-link"' in body, url
            assert 'lang="en"' in body, url
