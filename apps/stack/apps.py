from django.apps import AppConfig


class StackConfig(AppConfig):
    name = "apps.stack"
    label = "stack"
    verbose_name = "Stack"
