import dataclasses

from solution import ConfigError, load_settings

BASE = {
    "DATABASE_URL": "postgresql://app@db:5432/app",
    "SECRET_KEY": "k" * 32,
    "ALLOWED_HOSTS": "api.example.com",
}


def problems_of(env):
    try:
        got = load_settings(env)
    except ConfigError as exc:
        return exc.problems
    raise AssertionError(f"expected ConfigError for {env!r}, got {got!r}")


def test_exactly_32_character_secret_is_enough():
    got = load_settings(BASE)
    assert got.secret_key == "k" * 32, "a 32-character SECRET_KEY should be accepted"


def test_defaults():
    got = load_settings(BASE)
    assert (got.debug, got.port, got.log_level) == (False, 8000, "INFO"), (
        f"defaults: expected (False, 8000, 'INFO'), got {(got.debug, got.port, got.log_level)!r}"
    )


def test_debug_on_falls_back_to_local_hosts():
    env = {k: v for k, v in BASE.items() if k != "ALLOWED_HOSTS"}
    got = load_settings({**env, "DEBUG": "yes"}).allowed_hosts
    assert got == ("localhost", "127.0.0.1"), f"expected ('localhost', '127.0.0.1'), got {got!r}"


def test_blank_hosts_with_debug_off_is_a_problem():
    got = problems_of({**BASE, "ALLOWED_HOSTS": " , ,"})
    assert len(got) == 1 and got[0].startswith("ALLOWED_HOSTS"), f"unexpected problems: {got!r}"


def test_whitespace_database_url_is_missing():
    got = problems_of({**BASE, "DATABASE_URL": "   "})
    assert len(got) == 1 and got[0].startswith("DATABASE_URL"), f"unexpected problems: {got!r}"


def test_port_range_and_whitespace():
    assert load_settings({**BASE, "PORT": " 8080 "}).port == 8080, "PORT ' 8080 ' should parse as 8080"
    for raw in ("0", "65536", "-1", "80.5", "eighty"):
        got = problems_of({**BASE, "PORT": raw})
        assert len(got) == 1 and got[0].startswith("PORT"), f"PORT={raw!r}: unexpected problems {got!r}"
    assert load_settings({**BASE, "PORT": "65535"}).port == 65535


def test_bad_log_level():
    got = problems_of({**BASE, "LOG_LEVEL": "verbose"})
    assert len(got) == 1 and got[0].startswith("LOG_LEVEL"), f"unexpected problems: {got!r}"
    assert load_settings({**BASE, "LOG_LEVEL": " error"}).log_level == "ERROR"


def test_invalid_debug_counts_as_off_for_hosts():
    env = {k: v for k, v in BASE.items() if k != "ALLOWED_HOSTS"}
    got = problems_of({**env, "DEBUG": "maybe"})
    names = [p.split()[0] for p in got]
    assert names == ["DEBUG", "ALLOWED_HOSTS"], f"expected DEBUG then ALLOWED_HOSTS, got {got!r}"


def test_error_string_lists_everything():
    try:
        load_settings({"SECRET_KEY": "x" * 10, "LOG_LEVEL": "loud"})
    except ConfigError as exc:
        text = str(exc)
        for name in ("DATABASE_URL", "SECRET_KEY", "ALLOWED_HOSTS", "LOG_LEVEL"):
            assert name in text, f"str(error) should mention {name}: {text!r}"
        assert "x" * 10 not in text, f"the secret leaked into str(error): {text!r}"
    else:
        raise AssertionError("expected ConfigError")


def test_settings_is_frozen():
    got = load_settings(BASE)
    try:
        got.debug = True
    except dataclasses.FrozenInstanceError:
        return
    raise AssertionError("Settings should be a frozen dataclass")
