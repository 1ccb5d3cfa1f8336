from django.apps import AppConfig


class ProbesConfig(AppConfig):
    name = "apps.probes"
    label = "probes"
    verbose_name = "Usage probes"

    def ready(self):
        from apps.probes import signals

        signals.connect()
