"""Production hardening: check --deploy, DEBUG off, required secrets, CSP."""

from __future__ import annotations

import json
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


# --------------------------------------------------------------------------- Redis

REDIS_SETTINGS = """
import json
from django.conf import settings as s
from config.celery import app
layer = s.CHANNEL_LAYERS["default"]
print(json.dumps({
    "cache": [s.CACHES["default"].get("LOCATION"), s.CACHES["default"].get("KEY_PREFIX")],
    "channels": [
        layer.get("CONFIG", {}).get("hosts", [{}])[0].get("address"),
        layer.get("CONFIG", {}).get("prefix"),
    ],
    "broker": [app.conf.broker_url, app.conf.broker_transport_options.get("global_keyprefix")],
    "results": [
        app.conf.result_backend,
        app.conf.result_backend_transport_options.get("global_keyprefix"),
    ],
    "visibility_timeout": app.conf.broker_transport_options.get("visibility_timeout"),
}))
"""


def _redis_settings(env: dict[str, str]) -> dict[str, list[str]]:
    cleared = dict.fromkeys(
        ["DATABASE_URL", "REDIS_CACHE_URL", "CHANNEL_LAYER_URL", "REDIS_KEY_PREFIX"], ""
    )
    cleared |= dict.fromkeys(["CELERY_BROKER_URL", "CELERY_RESULT_BACKEND"], "")
    result = _run({**cleared, **env}, "shell", "--verbosity", "0", "-c", REDIS_SETTINGS)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_every_redis_role_uses_the_database_redis_url_names_under_its_own_prefix():
    got = _redis_settings({**PRODUCTION, "REDIS_URL": "redis://:pw@h:6379/5"})
    url = "redis://:pw@h:6379/5"
    assert got["cache"] == [url, "ba:cache"]
    assert got["channels"] == [url, "ba:channels:"]
    assert got["broker"] == [url, "ba:celery:"]
    assert got["results"] == [url, "ba:celery:"]
    assert got["visibility_timeout"] == 3600  # config/celery.py does not override it


def test_each_redis_role_can_have_its_own_url_and_the_prefix_is_configurable():
    got = _redis_settings(
        {
            **PRODUCTION,
            "REDIS_URL": "redis://main:6379/1",
            "REDIS_CACHE_URL": "redis://cache:6379/0",
            "CHANNEL_LAYER_URL": "rediss://layer:6380/3",
            "CELERY_BROKER_URL": "redis://broker:6379/4",
            "CELERY_RESULT_BACKEND": "redis://results:6379/6",
            "REDIS_KEY_PREFIX": "academy-eu",
        }
    )
    assert got["cache"] == ["redis://cache:6379/0", "academy-eu:cache"]
    assert got["channels"] == ["rediss://layer:6380/3", "academy-eu:channels:"]
    assert got["broker"] == ["redis://broker:6379/4", "academy-eu:celery:"]
    assert got["results"] == ["redis://results:6379/6", "academy-eu:celery:"]


def test_a_channel_layer_url_alone_gives_a_redis_layer():
    got = _redis_settings({**PRODUCTION, "REDIS_URL": "", "CHANNEL_LAYER_URL": "redis://l/2"})
    assert got["channels"] == ["redis://l/2", "ba:channels:"]
    assert got["cache"] == ["backend-academy", None]  # in-process
    assert got["broker"][0] == "memory://"


def test_several_channel_layer_urls_shard_the_layer_over_as_many_instances():
    script = (
        "import json; from django.conf import settings as s; "
        "print(json.dumps([h['address'] for h in s.CHANNEL_LAYERS['default']['CONFIG']['hosts']]))"
    )
    urls = "redis://layer-a:6379/0, rediss://layer-b:6380/2"
    env = {**PRODUCTION, "REDIS_URL": "redis://main/1", "CHANNEL_LAYER_URL": urls}
    result = _run(env, "shell", "--verbosity", "0", "-c", script)
    assert result.returncode == 0, result.stderr
    hosts = json.loads(result.stdout.strip().splitlines()[-1])
    assert hosts == ["redis://layer-a:6379/0", "rediss://layer-b:6380/2"]
    for bad in ("redis://a/0,redis://b/x", "redis://a/0,redis://a/0"):
        refused = _run({**PRODUCTION, "CHANNEL_LAYER_URL": bad}, "check")
        assert refused.returncode != 0
        assert "CHANNEL_LAYER_URL" in refused.stderr


def test_the_test_suite_keeps_the_database_number_and_prefixes_its_keys_apart():
    got = _redis_settings({"DJANGO_ENV": "test", "REDIS_URL": "redis://h:6379/7"})
    assert got["cache"] == ["redis://h:6379/7", "ba-test:cache"]
    assert got["channels"] == ["redis://h:6379/7", "ba-test:channels:"]
    assert got["broker"] == ["redis://h:6379/7", "ba-test:celery:"]
    # Even with a site's own prefix in the environment.
    env = {"DJANGO_ENV": "test", "REDIS_URL": "redis://h/0", "REDIS_KEY_PREFIX": "eu"}
    got = _redis_settings(env)
    assert got["cache"] == ["redis://h/0", "eu-test:cache"]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"REDIS_URL": "redis://h:6379/two"}, "REDIS_URL is not a usable Redis URL"),
        ({"REDIS_URL": "http://h:6379/0"}, "REDIS_URL is not a usable Redis URL"),
        ({"REDIS_CACHE_URL": "redis://h/1?db=x"}, "REDIS_CACHE_URL"),
        ({"CHANNEL_LAYER_URL": "redis://h/0/1"}, "CHANNEL_LAYER_URL"),
        ({"CELERY_BROKER_URL": "redis://h/x"}, "CELERY_BROKER_URL"),
        ({"REDIS_KEY_PREFIX": "ba:eu"}, "REDIS_KEY_PREFIX"),
        ({"REDIS_KEY_PREFIX": "ba*"}, "REDIS_KEY_PREFIX"),
    ],
)
def test_a_redis_setting_the_platform_cannot_use_is_refused(overrides, message):
    result = _run({**PRODUCTION, **overrides}, "check")
    assert result.returncode != 0
    assert message in result.stderr


@pytest.mark.parametrize(
    ("url", "db"),
    [
        ("redis://h:6379/5", 5),
        ("redis://h:6379/5/", 5),
        ("redis://:pw@h:6379", 0),
        ("redis://h:6379/", 0),
        ("rediss://h:6380/11", 11),
        ("redis://h:6379/2?db=9", 9),  # redis-py: the query wins
        ("unix:///run/redis.sock?db=4", 4),
        ("unix:///run/redis.sock", 0),
    ],
)
def test_redis_db_reads_the_number_as_redis_py_does(url, db):
    from redis.connection import parse_url

    from config.env import redis_db

    assert redis_db(url) == db
    assert parse_url(url).get("db", 0) == db


def test_every_variable_the_settings_read_is_in_the_readme():
    import re

    settings_py = (ROOT / "config" / "settings.py").read_text(encoding="utf-8")
    names = set(re.findall(r'env_[a-z_]+\(\s*"([A-Z][A-Z0-9_]+)"', settings_py))
    assert {"REDIS_URL", "REDIS_KEY_PREFIX", "CHANNEL_LAYER_URL", "REDIS_CACHE_URL"} <= names
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme[readme.index("## Configuration") : readme.index("## Architecture")]
    assert sorted(n for n in names if f"`{n}`" not in table) == []
