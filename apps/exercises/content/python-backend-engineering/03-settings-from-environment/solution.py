"""Typed settings from environment variables."""

from collections.abc import Mapping
from dataclasses import dataclass

TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off", ""}
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
DEV_HOSTS = ("localhost", "127.0.0.1")


@dataclass(frozen=True)
class Settings:
    database_url: str
    secret_key: str
    debug: bool
    allowed_hosts: tuple[str, ...]
    port: int
    log_level: str


class ConfigError(Exception):
    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


def load_settings(env: Mapping[str, str]) -> Settings:
    """Build Settings from `env`, or raise ConfigError listing every problem."""
    problems: list[str] = []

    database_url = env.get("DATABASE_URL", "").strip()
    if not database_url:
        problems.append("DATABASE_URL is required")

    secret_key = env.get("SECRET_KEY", "")
    if not secret_key:
        problems.append("SECRET_KEY is required")
    elif len(secret_key) < 32:
        problems.append("SECRET_KEY must be at least 32 characters")  # never the value

    raw_debug = env.get("DEBUG", "").strip().lower()
    debug = False
    if raw_debug in TRUE_WORDS:
        debug = True
    elif raw_debug not in FALSE_WORDS:
        problems.append(f"DEBUG must be one of 1/true/yes/on or 0/false/no/off, got {env['DEBUG']!r}")

    hosts = tuple(h.strip() for h in env.get("ALLOWED_HOSTS", "").split(",") if h.strip())
    if not hosts:
        if debug:
            hosts = DEV_HOSTS
        else:
            problems.append("ALLOWED_HOSTS must be set when DEBUG is off")

    port = 8000
    raw_port = env.get("PORT")
    if raw_port is not None:
        try:
            port = int(raw_port.strip())
        except ValueError:
            port = 0
        if not 1 <= port <= 65535:
            problems.append(f"PORT must be an integer from 1 to 65535, got {raw_port!r}")

    log_level = env.get("LOG_LEVEL", "INFO").strip().upper()
    if log_level not in LOG_LEVELS:
        problems.append(f"LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}, got {env['LOG_LEVEL']!r}")

    if problems:
        raise ConfigError(problems)
    return Settings(
        database_url=database_url,
        secret_key=secret_key,
        debug=debug,
        allowed_hosts=hosts,
        port=port,
        log_level=log_level,
    )
