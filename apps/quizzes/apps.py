from django.apps import AppConfig


class QuizzesConfig(AppConfig):
    name = "apps.quizzes"
    label = "quizzes"
    verbose_name = "Quizzes"
    role_permissions = {
        "author": [
            f"{a}_{m}" for m in ("quiz", "question", "choice") for a in ("add", "change", "view")
        ],
        "instructor": ["view_quiz", "view_question", "view_choice", "view_attempt"],
    }
