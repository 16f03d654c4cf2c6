from django.apps import AppConfig


class MatrixConfig(AppConfig):
    name = "apps.matrix"
    label = "matrix"
    verbose_name = "Technology matrix"
    role_permissions = {
        "author": [
            f"{a}_{m}"
            for m in ("category", "criterion", "option", "cell")
            for a in ("add", "change", "view")
        ],
        "instructor": ["view_category", "view_criterion", "view_option", "view_cell"],
    }
