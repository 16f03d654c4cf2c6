from django.apps import AppConfig


class ClassesConfig(AppConfig):
    name = "apps.classes"
    label = "classes"
    verbose_name = "Classes"
    default_auto_field = "django.db.models.BigAutoField"
    # Instructors create classes and author their assignments on their own pages; in the
    # admin they may also manage these.
    role_permissions = {
        "instructor": [
            "add_classroom",
            "change_classroom",
            "view_classroom",
            "add_assignment",
            "change_assignment",
            "delete_assignment",
            "view_assignment",
            "add_override",
            "change_override",
            "delete_override",
            "view_override",
            "view_membership",
            "change_membership",
        ],
    }
