from django.apps import AppConfig


class HealthConfig(AppConfig):
    name = "apps.health"
    label = "health"
    verbose_name = "Health"

    def ready(self):
        from apps.health import checks  # noqa: F401  (registers the system checks)
