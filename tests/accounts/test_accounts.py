from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.urls import reverse

from apps.accounts.models import User
from tests.factories import PASSWORD, CourseFactory, UserFactory

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


def test_role_groups_come_from_a_migration():
    import importlib

    from django.apps import apps

    migration = importlib.import_module("apps.accounts.migrations.0002_role_groups")
    Group.objects.all().delete()
    migration.create_groups(apps, None)
    assert set(Group.objects.values_list("name", flat=True)) == {"learner", "author", "instructor"}


def test_roles_get_the_permissions_their_apps_declare():
    from apps.accounts.roles import sync_role_permissions

    Group.objects.all().delete()
    sync_role_permissions()
    author = set(Group.objects.get(name="author").permissions.values_list("codename", flat=True))
    assert {"add_lesson", "change_lesson", "view_lesson", "change_course"} <= author
    assert "delete_course" not in author
    instructor = set(
        Group.objects.get(name="instructor").permissions.values_list("codename", flat=True)
    )
    assert "view_lesson" in instructor and "change_lesson" not in instructor
    assert not Group.objects.get(name="learner").permissions.exists()


def test_custom_user_model_is_in_use(settings):
    assert settings.AUTH_USER_MODEL == "accounts.User"
    assert User._meta.db_table == "accounts_user"


def test_signup_creates_a_learner_and_logs_in(client):
    response = client.post(
        "/accounts/signup/",
        {
            "username": "ada",
            "email": "ada@example.com",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("courses:catalog")  # no course yet: the catalog
    user = User.objects.get(username="ada")
    assert list(user.groups.values_list("name", flat=True)) == ["learner"]
    assert client.get("/accounts/profile/").status_code == 200


def test_signup_errors_are_shown_and_nothing_is_written(client):
    response = client.post(
        "/accounts/signup/",
        {
            "username": "bob",
            "email": "not-an-email",
            "password1": PASSWORD,
            "password2": "different",
        },
    )
    assert response.status_code == 400
    assert b"Enter a valid email address" in response.content
    assert not User.objects.filter(username="bob").exists()


def test_signup_ignores_an_offsite_next(client):
    response = client.post(
        "/accounts/signup/?next=https://evil.example/",
        {"username": "cy", "email": "cy@example.com", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert response["Location"] == reverse("courses:catalog")


def test_signup_lands_on_the_course_or_the_page_the_learner_came_from(client):
    course = CourseFactory(status="published")
    form = {"password1": PASSWORD, "password2": PASSWORD}
    response = client.post(
        "/accounts/signup/", {**form, "username": "eve", "email": "eve@example.com"}
    )
    assert response["Location"] == course.get_absolute_url()
    client.post("/accounts/logout/")

    lesson_path = "/courses/python/some-module/some-lesson/"
    response = client.post(
        f"/accounts/signup/?next={lesson_path}",
        {**form, "username": "fay", "email": "fay@example.com"},
    )
    assert response["Location"] == lesson_path


def test_login_and_logout(client):
    UserFactory(username="dora")
    response = client.post(LOGIN, {"username": "dora", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/accounts/profile/").status_code == 200
    assert client.get("/accounts/logout/").status_code == 405  # logout is POST only
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/accounts/profile/").status_code == 302


def _fail(client, username, address="10.0.0.1"):
    return client.post(LOGIN, {"username": username, "password": "wrong"}, REMOTE_ADDR=address)


def test_wrong_password_and_unknown_user_look_identical(client):
    UserFactory(username="zq-real-user")
    real = _fail(client, "zq-real-user")
    fake = _fail(client, "zq-made-up")
    assert real.status_code == fake.status_code == 400

    def normalise(body: bytes, name: bytes) -> bytes:
        body = re.sub(rb'name="csrfmiddlewaretoken" value="[^"]+"', b"", body)
        return body.replace(name, b"NAME")

    assert normalise(real.content, b"zq-real-user") == normalise(fake.content, b"zq-made-up")


def test_account_is_throttled_after_repeated_failures_even_with_the_right_password(
    client, settings
):
    UserFactory(username="fay")
    for i in range(settings.LOGIN_FAILURE_LIMIT):
        assert _fail(client, "fay", address=f"10.0.1.{i}").status_code == 400
    response = client.post(LOGIN, {"username": "fay", "password": PASSWORD}, REMOTE_ADDR="10.0.2.1")
    assert response.status_code == 429
    assert b"Too many failed sign-in attempts" in response.content
    assert "_auth_user_id" not in client.session


def test_throttle_is_the_same_for_accounts_that_do_not_exist(client, settings):
    UserFactory(username="gus")
    real = [
        _fail(client, "gus", f"10.1.0.{i}").status_code
        for i in range(settings.LOGIN_FAILURE_LIMIT + 1)
    ]
    fake = [
        _fail(client, "ghost", f"10.2.0.{i}").status_code
        for i in range(settings.LOGIN_FAILURE_LIMIT + 1)
    ]
    assert real == fake == [400] * settings.LOGIN_FAILURE_LIMIT + [429]


def test_address_is_throttled_across_accounts(client, settings):
    settings.LOGIN_FAILURE_ADDRESS_LIMIT = 3
    for i in range(3):
        assert _fail(client, f"user{i}", address="192.0.2.9").status_code == 400
    assert _fail(client, "someone-else", address="192.0.2.9").status_code == 429
    assert _fail(client, "someone-else", address="192.0.2.10").status_code == 400


def test_successful_login_clears_the_account_counter(client, settings):
    UserFactory(username="hal")
    for _ in range(settings.LOGIN_FAILURE_LIMIT - 1):
        _fail(client, "hal")
    assert client.post(LOGIN, {"username": "hal", "password": PASSWORD}).status_code == 302
    client.post("/accounts/logout/")
    for _ in range(settings.LOGIN_FAILURE_LIMIT - 1):
        assert _fail(client, "hal", address="10.9.9.9").status_code == 400


def test_forwarded_for_is_ignored_without_trusted_proxies(client, settings):
    settings.LOGIN_FAILURE_ADDRESS_LIMIT = 2
    for i in range(2):
        client.post(
            LOGIN, {"username": f"u{i}", "password": "x"}, HTTP_X_FORWARDED_FOR=f"203.0.113.{i}"
        )
    assert _fail(client, "u9", address="127.0.0.1").status_code == 429


def test_password_change(client):
    user = UserFactory(username="ivy")
    client.force_login(user)
    new = "another long passphrase 77"
    response = client.post(
        "/accounts/password/change/",
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(new)


def test_password_reset_sends_a_working_link(client):
    UserFactory(username="jo", email="jo@example.com")
    response = client.post("/accounts/password/reset/", {"email": "jo@example.com"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    link = re.search(
        r"http://testserver(/accounts/password/reset/\S+/)", mail.outbox[0].body
    ).group(1)
    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200
    new = "brand new passphrase 99"
    done = client.post(
        form_page.redirect_chain[-1][0], {"new_password1": new, "new_password2": new}
    )
    assert done.status_code == 302
    assert User.objects.get(username="jo").check_password(new)


def test_password_reset_does_not_reveal_unknown_addresses(client):
    response = client.post("/accounts/password/reset/", {"email": "unknown@example.com"})
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:password_reset_done")
    assert mail.outbox == []


def test_password_reset_is_rate_limited_per_address(client):
    codes = [
        client.post("/accounts/password/reset/", {"email": f"x{i}@example.com"}).status_code
        for i in range(6)
    ]
    assert codes == [302] * 5 + [429]


def test_profile_requires_login_and_saves_changes(client):
    assert client.get("/accounts/profile/").status_code == 302
    user = UserFactory(username="kim")
    client.force_login(user)
    page = client.get("/accounts/profile/")
    assert b"learner" in page.content
    response = client.post(
        "/accounts/profile/", {"display_name": "Kim K", "email": "kim@new.example"}
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.display_name, user.email) == ("Kim K", "kim@new.example")


def test_profile_rejects_bad_email(client):
    user = UserFactory(username="lee")
    client.force_login(user)
    response = client.post("/accounts/profile/", {"display_name": "L", "email": "nope"})
    assert response.status_code == 400
    user.refresh_from_db()
    assert user.email == "lee@example.com"


def test_login_requires_csrf(django_user_model):
    from django.test import Client

    UserFactory(username="max")
    strict = Client(enforce_csrf_checks=True)
    response = strict.post(LOGIN, {"username": "max", "password": PASSWORD})
    assert response.status_code == 403


def test_profile_page_title_is_plain_text(client):
    client.force_login(UserFactory(username="titlecheck"))
    body = client.get("/accounts/profile/").content.decode()
    title = body.split("<title>", 1)[1].split("</title>", 1)[0]
    assert title == "Your profile · Backend Academy"
    assert body.count('id="tokens-title"') == 1
