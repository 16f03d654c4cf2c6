from __future__ import annotations

import hashlib

from django.contrib.auth.models import AbstractUser
from django.db import models

LEARNER_GROUP = "learner"
AUTHOR_GROUP = "author"
INSTRUCTOR_GROUP = "instructor"
ROLE_GROUPS = (LEARNER_GROUP, AUTHOR_GROUP, INSTRUCTOR_GROUP)


class User(AbstractUser):
    """The platform's user. Roles are the groups learner, author and instructor."""

    display_name = models.CharField(
        max_length=60,
        blank=True,
        help_text="Shown on leaderboards and comments instead of the username.",
    )
    time_zone = models.CharField(
        max_length=64,
        blank=True,
        help_text="Dates and times are shown in this zone; empty: the browser's own.",
    )

    class Meta:
        verbose_name = "user"
        verbose_name_plural = "users"
        swappable = "AUTH_USER_MODEL"

    def __str__(self) -> str:
        return self.display_name or self.get_username()

    @property
    def public_name(self) -> str:
        return self.display_name or self.get_username()


TOKEN_PREFIX = "ba_"  # every API token key starts with it


def token_key_hash(key: str) -> str:
    """What is stored of a token's key: its SHA-256, in hex."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


class ApiToken(models.Model):
    """A personal API token. Only a SHA-256 of the key is stored; the key is shown once."""

    user = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=60)
    prefix = models.CharField(
        max_length=12, help_text="The key's first characters, to recognise it."
    )
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def active(self) -> bool:
        return self.revoked_at is None
