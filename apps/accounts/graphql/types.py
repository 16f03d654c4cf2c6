"""GraphQL types for accounts."""

from __future__ import annotations

from apps.accounts.models import User
from config.graphql.types import ModelObjectType


class Viewer(ModelObjectType):
    """The signed-in user (public profile fields only)."""

    class Meta:
        model = User
        fields = ("id", "username", "display_name")
