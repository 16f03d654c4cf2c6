from __future__ import annotations

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

    class Meta:
        verbose_name = "user"
        verbose_name_plural = "users"
        swappable = "AUTH_USER_MODEL"

    def __str__(self) -> str:
        return self.display_name or self.get_username()

    @property
    def public_name(self) -> str:
        return self.display_name or self.get_username()
