from django.apps import AppConfig


class LiveConfig(AppConfig):
    name = "apps.live"
    label = "live"
    verbose_name = "Live sessions"
    role_permissions = {
        "instructor": ["host_large_session", "view_livesession", "view_liveplayer"],
        "author": ["host_large_session", "view_livesession"],
    }
