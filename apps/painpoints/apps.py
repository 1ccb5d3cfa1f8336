from django.apps import AppConfig


class PainPointsConfig(AppConfig):
    name = "apps.painpoints"
    label = "painpoints"
    verbose_name = "Pain points"
