from django.apps import AppConfig


class CoursesConfig(AppConfig):
    name = "apps.courses"
    label = "courses"
    verbose_name = "Courses"
    role_permissions = {
        "author": [
            f"{a}_{m}" for m in ("course", "module", "lesson") for a in ("add", "change", "view")
        ],
        "instructor": ["view_course", "view_module", "view_lesson"],
    }
