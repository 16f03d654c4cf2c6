from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "apps.core"
    label = "core"
    verbose_name = "Platform core"

    def ready(self) -> None:
        # Registers the OpenAPI extension for the API token authentication.
        from apps.core import tracing
        from apps.core.api import schema  # noqa: F401

        tracing.setup()  # OpenTelemetry, when OTEL_ENABLED
