import logging

from django.apps import AppConfig
from django.conf import settings

logger = logging.getLogger(__name__)


class ExercisesConfig(AppConfig):
    name = "apps.exercises"
    label = "exercises"
    verbose_name = "Code exercises"
    role_permissions = {
        "author": ["add_exercise", "change_exercise", "view_exercise", "view_run"],
        "instructor": ["view_exercise", "view_run"],
    }

    def ready(self) -> None:
        from apps.exercises import checks  # registers the system checks

        if settings.EXERCISES_ALLOW_UNSANDBOXED:  # said at every start, servers included
            logger.warning(checks.UNSANDBOXED_MESSAGE)
