from django.apps import AppConfig


class LabsConfig(AppConfig):
    name = "apps.labs"
    label = "labs"
    verbose_name = "Code labs"
    role_permissions = {
        "instructor": ["view_lab", "view_lablearner"],
        "author": ["view_lab"],
    }

    def ready(self) -> None:
        from apps.exercises import signals
        from apps.labs import receivers

        signals.run_started.connect(receivers.on_run_started, dispatch_uid="labs.run_started")
        signals.run_finished.connect(receivers.on_run_finished, dispatch_uid="labs.run_finished")
