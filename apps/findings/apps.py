from django.apps import AppConfig


class FindingsConfig(AppConfig):
    name = "apps.findings"
    label = "findings"
    verbose_name = "Stack linter"

    def ready(self):
        from apps.findings import signals

        signals.connect()
