"""EXERCISES_ALLOW_UNSANDBOXED: off by default, warned about when on, refused in production."""

from __future__ import annotations

import secrets

from tests.core.test_settings import PRODUCTION, _run


def test_running_unsandboxed_is_announced_and_refused_in_production():
    quiet = _run({}, "check")
    assert quiet.returncode == 0 and "exercises.W001" not in quiet.stdout + quiet.stderr
    warned = _run({"EXERCISES_ALLOW_UNSANDBOXED": "1"}, "check")
    output = warned.stdout + warned.stderr
    assert warned.returncode == 0 and "exercises.W001" in output
    assert "WITHOUT the sandbox" in output  # the log line at start, and the check
    refused = _run(
        {**PRODUCTION, "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
         "EXERCISES_ALLOW_UNSANDBOXED": "1"},
        "check",
    )  # fmt: skip
    assert refused.returncode != 0
    assert "EXERCISES_ALLOW_UNSANDBOXED must be off" in refused.stdout + refused.stderr
