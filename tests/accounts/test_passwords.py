"""Password hashing: Argon2 for new passwords, older PBKDF2 hashes upgraded at sign-in.

The suite itself hashes with MD5 (fast); these tests read the list the site really uses
from a process started with production settings.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.hashers import check_password, identify_hasher, make_password

from apps.accounts.models import User
from tests.factories import PASSWORD, UserFactory

ROOT = Path(__file__).resolve().parents[2]
ARGON2 = "django.contrib.auth.hashers.Argon2PasswordHasher"
PBKDF2 = "django.contrib.auth.hashers.PBKDF2PasswordHasher"


@pytest.fixture(scope="module")
def production_hashers() -> list[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST"))}
    env.update(
        DJANGO_ENV="production",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(64),
        DJANGO_ALLOWED_HOSTS="academy.example.com",
    )
    code = (
        "import json; from django.conf import settings;print(json.dumps(settings.PASSWORD_HASHERS))"
    )
    done = subprocess.run(
        [sys.executable, "manage.py", "shell", "--verbosity", "0", "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return list(json.loads(done.stdout.strip().splitlines()[-1]))


def test_the_site_hashes_with_argon2_and_still_reads_pbkdf2(production_hashers):
    assert production_hashers[0] == ARGON2
    assert PBKDF2 in production_hashers


def test_the_suite_keeps_a_fast_hasher(settings):
    assert settings.PASSWORD_HASHERS == ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.mark.django_db
def test_a_sign_up_stores_an_argon2_hash(client, settings, production_hashers):
    settings.PASSWORD_HASHERS = production_hashers
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
    stored = User.objects.get(username="ada").password
    assert stored.startswith("argon2$argon2id$")  # argon2-cffi is installed and used
    assert identify_hasher(stored).algorithm == "argon2"
    assert check_password(PASSWORD, stored)


@pytest.mark.django_db
def test_a_pbkdf2_hash_is_upgraded_to_argon2_at_the_next_sign_in(
    client, settings, production_hashers
):
    settings.PASSWORD_HASHERS = production_hashers
    user = UserFactory(username="legacy")
    User.objects.filter(pk=user.pk).update(password=make_password(PASSWORD, hasher="pbkdf2_sha256"))

    response = client.post("/accounts/login/", {"username": "legacy", "password": PASSWORD})

    assert response.status_code == 302
    user.refresh_from_db()
    assert user.password.startswith("argon2$")
    client.logout()
    again = client.post("/accounts/login/", {"username": "legacy", "password": PASSWORD})
    assert again.status_code == 302  # the new hash checks out


@pytest.mark.django_db
def test_a_wrong_password_leaves_the_old_hash_alone(client, settings, production_hashers):
    settings.PASSWORD_HASHERS = production_hashers
    user = UserFactory(username="legacy")
    old = make_password(PASSWORD, hasher="pbkdf2_sha256")
    User.objects.filter(pk=user.pk).update(password=old)

    response = client.post("/accounts/login/", {"username": "legacy", "password": "wrong one"})

    assert response.status_code == 400
    user.refresh_from_db()
    assert user.password == old
