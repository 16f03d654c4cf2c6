"""Typed settings from environment variables."""

from collections.abc import Mapping
from dataclasses import dataclass


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
    # A first draft: it stops at the first problem and trusts everything else.
    if "DATABASE_URL" not in env:
        raise ConfigError(["DATABASE_URL is required"])
    hosts = env.get("ALLOWED_HOSTS", "")
    return Settings(
        database_url=env["DATABASE_URL"],
        secret_key=env.get("SECRET_KEY", ""),
        debug=env.get("DEBUG", "").lower() in {"1", "true", "yes", "on"},
        allowed_hosts=tuple(h.strip() for h in hosts.split(",") if h.strip()),
        port=int(env.get("PORT", 8000)),
        log_level=env.get("LOG_LEVEL", "INFO"),
    )
