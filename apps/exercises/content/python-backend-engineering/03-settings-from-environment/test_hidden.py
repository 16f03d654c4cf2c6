import dataclasses

from solution import ConfigError, load_settings

BASE = {
    "DATABASE_URL": "postgresql://app@db:5432/app",
    "SECRET_KEY": "k" * 32,
    "ALLOWED_HOSTS": "api.example.com",
}
VARIABLES = ("DATABASE_URL", "SECRET_KEY", "DEBUG", "ALLOWED_HOSTS", "PORT", "LOG_LEVEL")


def problems_of(env):
    try:
        settings = load_settings(env)
    except ConfigError as exc:
        return exc.problems
    return f"no ConfigError (returned {type(settings).__name__})"


def variables_of(problems):
    """The variable each problem starts with (the problem itself if none)."""
    if not isinstance(problems, list):
        return problems
    return [next((name for name in VARIABLES if p.startswith(name)), p) for p in problems]


def test_exactly_32_character_secret_is_enough(check):
    got = load_settings(BASE)
    check("settings.secret_key with a 32-character SECRET_KEY", got.secret_key)


def test_defaults(check):
    got = load_settings(BASE)
    check("(settings.debug, settings.port, settings.log_level)", (got.debug, got.port, got.log_level))


def test_debug_on_falls_back_to_local_hosts(check):
    env = {k: v for k, v in BASE.items() if k != "ALLOWED_HOSTS"}
    check("DEBUG=yes without ALLOWED_HOSTS: allowed_hosts", load_settings({**env, "DEBUG": "yes"}).allowed_hosts)


def test_blank_hosts_with_debug_off_is_a_problem(check):
    check("ALLOWED_HOSTS=' , ,': problems", variables_of(problems_of({**BASE, "ALLOWED_HOSTS": " , ,"})))


def test_whitespace_database_url_is_missing(check):
    check("DATABASE_URL='   ': problems", variables_of(problems_of({**BASE, "DATABASE_URL": "   "})))


def test_port_range_and_whitespace(check):
    check("PORT=' 8080 ': settings.port", load_settings({**BASE, "PORT": " 8080 "}).port)
    for raw in ("0", "65536", "-1", "80.5", "eighty"):
        check(f"PORT={raw!r}: problems", variables_of(problems_of({**BASE, "PORT": raw})))
    check("PORT='65535': settings.port", load_settings({**BASE, "PORT": "65535"}).port)


def test_bad_log_level(check):
    check("LOG_LEVEL='verbose': problems", variables_of(problems_of({**BASE, "LOG_LEVEL": "verbose"})))
    check("LOG_LEVEL=' error': settings.log_level", load_settings({**BASE, "LOG_LEVEL": " error"}).log_level)


def test_invalid_debug_counts_as_off_for_hosts(check):
    env = {k: v for k, v in BASE.items() if k != "ALLOWED_HOSTS"}
    problems = problems_of({**env, "DEBUG": "maybe"})
    first_words = [p.split()[0] for p in problems] if isinstance(problems, list) else problems
    check("DEBUG='maybe' without ALLOWED_HOSTS: first word of each problem", first_words)


def test_error_string_lists_everything(check):
    try:
        load_settings({"SECRET_KEY": "x" * 10, "LOG_LEVEL": "loud"})
        text = ""
    except ConfigError as exc:
        text = str(exc)
    names = ("DATABASE_URL", "SECRET_KEY", "ALLOWED_HOSTS", "LOG_LEVEL")
    check("variables named in str(error)", [name for name in names if name in text])
    check("the secret appears in str(error)", "x" * 10 in text)


def test_settings_is_frozen(check):
    got = load_settings(BASE)
    check.raises("settings.debug = True", dataclasses.FrozenInstanceError, setattr, got, "debug", True)
    check("settings.debug afterwards", got.debug)
    check("settings.allowed_hosts", got.allowed_hosts)
