"""Production hardening: check --deploy, DEBUG off, required secrets, CSP."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _run(env_overrides: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST"))}
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


PRODUCTION = {
    "DJANGO_ENV": "production",
    "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
    "DJANGO_ALLOWED_HOSTS": "academy.example.com",
}


def test_check_deploy_passes_in_production():
    result = _run(PRODUCTION, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_settings_are_hardened():
    code = (
        "from django.conf import settings as s;"
        "print(s.DEBUG, s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, s.SESSION_COOKIE_SECURE,"
        " s.CSRF_COOKIE_SECURE, s.SECURE_REFERRER_POLICY, s.SECURE_CROSS_ORIGIN_OPENER_POLICY,"
        " s.LOG_FORMAT)"
    )
    result = _run(PRODUCTION, "shell", "--verbosity", "0", "-c", code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "False",
        "True",
        "31536000",
        "True",
        "True",
        "strict-origin-when-cross-origin",
        "same-origin",
        "json",
    ]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"DJANGO_SECRET_KEY": ""}, "DJANGO_SECRET_KEY"),
        ({"DJANGO_SECRET_KEY": "short"}, "DJANGO_SECRET_KEY"),
        ({"DJANGO_ALLOWED_HOSTS": ""}, "DJANGO_ALLOWED_HOSTS"),
        ({"DJANGO_DEBUG": "1"}, "DJANGO_DEBUG"),
        ({"DJANGO_ENV": "staging"}, "DJANGO_ENV"),
        ({"DATABASE_URL": "mysql://u@h/db"}, "DATABASE_URL"),
    ],
)
def test_bad_production_configuration_is_refused_with_a_clear_message(overrides, message):
    result = _run({**PRODUCTION, **overrides}, "check")
    assert result.returncode != 0
    assert message in result.stderr


@pytest.mark.django_db
def test_every_page_gets_security_headers(client):
    response = client.get("/")
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "object-src 'none'" in csp
    assert "'unsafe-inline'" not in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"]


@pytest.mark.django_db
def test_csp_nonce_differs_per_request(client):
    first = client.get("/")["Content-Security-Policy"]
    second = client.get("/")["Content-Security-Policy"]
    assert "'nonce-" in first
    assert first != second


def test_redis_roles_use_separate_databases():
    from config.env import redis_url_with_db

    assert redis_url_with_db("redis://h:6379/5", 2) == "redis://h:6379/2"
    assert redis_url_with_db("redis://:pw@h:6379", 1) == "redis://:pw@h:6379/1"
