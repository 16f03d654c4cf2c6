"""Visible tests: each one calls your code and checks what it gives.

A check is `check(label, value)`: the grader compares `value` with what the reference
solution gives for the same label. Problems are compared by the word they start with,
so the wording after the variable's name is yours.
"""

from solution import ConfigError, load_settings

BASE = {
    "DATABASE_URL": "postgresql://app@db:5432/app",
    "SECRET_KEY": "k" * 40,
    "ALLOWED_HOSTS": "api.example.com",
}
FIELDS = ("database_url", "secret_key", "debug", "allowed_hosts", "port", "log_level")


def fields_of(settings):
    return {name: getattr(settings, name, "(missing)") for name in FIELDS}


def problems_of(env):
    """The ConfigError's problems, or what load_settings did instead."""
    try:
        settings = load_settings(env)
    except ConfigError as exc:
        return exc.problems
    return f"no ConfigError (returned {type(settings).__name__})"


def test_valid_environment(check):
    env = {**BASE, "ALLOWED_HOSTS": " api.example.com, ,www.example.com ", "LOG_LEVEL": "warning"}
    got = fields_of(load_settings(env))
    for name in FIELDS:
        check(f"settings.{name}", got[name])


def test_debug_words(check):
    for raw in ("1", " TRUE ", "on", "0", "No", ""):
        check(f"DEBUG={raw!r}: settings.debug", load_settings({**BASE, "DEBUG": raw}).debug)
    check("DEBUG='on': settings.allowed_hosts", load_settings({**BASE, "DEBUG": "on"}).allowed_hosts)


def test_every_problem_reported_in_order(check):
    problems = problems_of({"SECRET_KEY": "short", "DEBUG": "ture", "PORT": "http"})
    first_words = [p.split()[0] for p in problems] if isinstance(problems, list) else problems
    check("first word of each problem", first_words)


def test_secret_value_never_in_messages(check):
    secret = "hunter2-but-too-short"
    try:
        load_settings({**BASE, "SECRET_KEY": secret})
        problems, text = "no ConfigError", ""
    except ConfigError as exc:
        problems, text = exc.problems, " ".join(exc.problems) + str(exc)
    check("the secret appears in the error", secret in text)
    first = (problems or ["(none)"])[0] if isinstance(problems, list) else problems
    check("the first problem starts with", "SECRET_KEY" if str(first).startswith("SECRET_KEY") else first)
