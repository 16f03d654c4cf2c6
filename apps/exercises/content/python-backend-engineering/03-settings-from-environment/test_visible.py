from solution import ConfigError, Settings, load_settings

BASE = {
    "DATABASE_URL": "postgresql://app@db:5432/app",
    "SECRET_KEY": "k" * 40,
    "ALLOWED_HOSTS": "api.example.com",
}


def problems_of(env):
    try:
        got = load_settings(env)
    except ConfigError as exc:
        return exc.problems
    raise AssertionError(f"expected ConfigError for {env!r}, got {got!r}")


def test_valid_environment():
    env = {**BASE, "ALLOWED_HOSTS": " api.example.com, ,www.example.com ", "LOG_LEVEL": "warning"}
    got = load_settings(env)
    want = Settings(
        database_url="postgresql://app@db:5432/app",
        secret_key="k" * 40,
        debug=False,
        allowed_hosts=("api.example.com", "www.example.com"),
        port=8000,
        log_level="WARNING",
    )
    assert got == want, f"expected {want!r}, got {got!r}"


def test_debug_words():
    for raw, want in [("1", True), (" TRUE ", True), ("on", True), ("0", False), ("No", False), ("", False)]:
        got = load_settings({**BASE, "DEBUG": raw}).debug
        assert got is want, f"DEBUG={raw!r}: expected {want!r}, got {got!r}"


def test_every_problem_reported_in_order():
    got = problems_of({"SECRET_KEY": "short", "DEBUG": "ture", "PORT": "http"})
    names = [p.split()[0] for p in got]
    want = ["DATABASE_URL", "SECRET_KEY", "DEBUG", "ALLOWED_HOSTS", "PORT"]
    assert names == want, f"expected one problem per variable in the order {want}, got {got!r}"


def test_secret_value_never_in_messages():
    secret = "hunter2-but-too-short"
    try:
        load_settings({**BASE, "SECRET_KEY": secret})
    except ConfigError as exc:
        text = " ".join(exc.problems) + str(exc)
        assert secret not in text, f"the secret leaked into the error: {text!r}"
        assert exc.problems and exc.problems[0].startswith("SECRET_KEY"), f"unexpected problems: {exc.problems!r}"
    else:
        raise AssertionError("a 21-character SECRET_KEY should be rejected")
