from django.apps import AppConfig


class ChecksConfig(AppConfig):
    name = "apps.checks"
    label = "checks"
    verbose_name = "Checks inside lessons"
    role_permissions = {
        "author": [
            f"{a}_{m}"
            for m in ("lessoncheck", "lessoncheckchoice")
            for a in ("add", "change", "view")
        ],
        "instructor": ["view_lessoncheck", "view_lessoncheckchoice"],
    }
