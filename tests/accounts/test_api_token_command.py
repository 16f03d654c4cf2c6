"""manage.py api_token: create, list and revoke personal API tokens from the command line."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from apps.accounts import services
from apps.accounts.models import ApiToken
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
PRIVATE = "/api/v1/attempts/"  # answers only a signed-in user


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("api_token", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def bearer(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


def test_create_prints_the_key_once_and_it_authenticates_a_rest_request():
    alice = UserFactory(username="alice")
    out, err = run("create", "--user", "alice", "--name", "ci script")

    key = out.strip()
    assert out == key + "\n"  # the key alone on stdout: TOKEN=$(manage.py api_token create …)
    assert key.startswith("ba_")
    token = ApiToken.objects.get(user=alice)
    assert token.name == "ci script"
    assert f"Created token {token.pk}" in err and "only this once" in err
    assert key not in err

    assert APIClient().get(PRIVATE).status_code in {401, 403}
    response = bearer(key).get(PRIVATE)
    assert response.status_code == 200, response.content
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_create_calls_the_profile_pages_service(monkeypatch):
    UserFactory(username="alice")
    calls = []
    real = services.api_token_create

    def spy(**kwargs):  # type: ignore[no-untyped-def]
        calls.append(kwargs)
        return real(**kwargs)

    monkeypatch.setattr(services, "api_token_create", spy)
    run("create", "--user", "alice", "--name", "deploy")
    assert [c["name"] for c in calls] == ["deploy"]


def test_list_shows_name_prefix_created_last_used_and_revoked():
    alice = UserFactory(username="alice")
    bob = UserFactory(username="bob")
    old, _ = services.api_token_create(user=alice, name="old script")
    services.api_token_revoke(user=alice, token_id=old.pk)
    used, used_key = services.api_token_create(user=alice, name="nightly export")
    services.api_token_authenticate(key=used_key)
    services.api_token_create(user=bob, name="bob's laptop")

    out, _ = run("list")
    lines = out.splitlines()
    assert lines[0].split() == [
        "ID",
        "USER",
        "NAME",
        "PREFIX",
        "CREATED",
        "LAST",
        "USED",
        "REVOKED",
    ]
    assert len(lines) == 4
    row = next(line for line in lines if "nightly export" in line)
    assert used.prefix in row and "alice" in row and "never" not in row
    assert row.rstrip().endswith("-")  # not revoked
    old_row = next(line for line in lines if "old script" in line)
    assert "never" in old_row and old_row.rstrip().endswith("UTC")  # revoked at …

    out, _ = run("list", "--user", "bob")
    assert len(out.splitlines()) == 2 and "bob's laptop" in out


def test_list_says_so_when_there_are_none():
    UserFactory(username="alice")
    out, err = run("list", "--user", "alice")
    assert out == "" and "No tokens." in err


@pytest.mark.parametrize("by", ["id", "prefix", "key"])
def test_revoke_by_id_prefix_or_key_stops_the_token_working(by):
    alice = UserFactory(username="alice")
    token, key = services.api_token_create(user=alice, name="ci")
    assert bearer(key).get(PRIVATE).status_code == 200
    reference = {"id": str(token.pk), "prefix": token.prefix, "key": key}[by]

    out, _ = run("revoke", reference)

    assert f"Revoked token {token.pk}" in out
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert bearer(key).get(PRIVATE).status_code == 401
    _, err = run("revoke", reference)  # again: nothing changes, and it says so
    assert "already revoked" in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("create", "--user", "nobody", "--name", "x"), "No user named 'nobody'"),
        (("create", "--user", "carol", "--name", "x"), "inactive"),
        (("create", "--user", "alice", "--name", "  "), "name of 1 to 60 characters"),
        (("list", "--user", "nobody"), "No user named 'nobody'"),
        (("revoke", "999999"), "No token with the id or prefix '999999'"),
        (("revoke", "ba_unknown"), "No token"),
        (("revoke", "alice"), "No token"),
    ],
)
def test_errors_are_clear_and_exit_non_zero(args, message):
    UserFactory(username="alice")
    UserFactory(username="carol", is_active=False)
    with pytest.raises(CommandError, match=message) as raised:
        run(*args)
    assert raised.value.returncode == 1
    assert not ApiToken.objects.exists()


def test_an_inactive_account_gets_no_token_from_the_service_either():
    from apps.core.errors import ApplicationError

    carol = UserFactory(username="carol", is_active=False)
    with pytest.raises(ApplicationError, match="inactive"):
        services.api_token_create(user=carol, name="x")


def test_a_prefix_shared_by_two_tokens_asks_for_the_id():
    alice = UserFactory(username="alice")
    first, _ = services.api_token_create(user=alice, name="one")
    second, _ = services.api_token_create(user=alice, name="two")
    ApiToken.objects.filter(pk=second.pk).update(prefix=first.prefix)
    with pytest.raises(CommandError, match="give the token's id"):
        run("revoke", first.prefix)
    assert not ApiToken.objects.filter(revoked_at__isnull=False).exists()


@pytest.mark.django_db(transaction=True)
def test_from_the_shell_an_error_is_a_message_on_stderr_and_exit_status_1(settings):
    db = settings.DATABASES["default"]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST"))}
    env["DJANGO_ENV"] = "test"
    if db["ENGINE"].endswith("sqlite3"):
        env["SQLITE_PATH"] = str(db["NAME"])
    else:
        host = f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
        env["DATABASE_URL"] = f"postgres://{db['USER']}:{db['PASSWORD']}@{host}/{db['NAME']}"
    done = subprocess.run(
        [sys.executable, "manage.py", "api_token", "revoke", "ba_nosuchtoken"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1
    assert "No token with the id or prefix 'ba_nosuchtoken'" in done.stderr
    assert done.stdout == ""
