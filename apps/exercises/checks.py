"""System checks of the exercises app (``manage.py check`` and every management command)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import checks

UNSANDBOXED_MESSAGE = (
    "EXERCISES_ALLOW_UNSANDBOXED is on: where bubblewrap cannot run, learners' code runs "
    "WITHOUT the sandbox, with this process's rights."
)


@checks.register("exercises")
def unsandboxed_warning(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    if not settings.EXERCISES_ALLOW_UNSANDBOXED:
        return []
    return [
        checks.Warning(
            UNSANDBOXED_MESSAGE,
            hint="Use it for development with trusted code only; it is refused in production.",
            id="exercises.W001",
        )
    ]
