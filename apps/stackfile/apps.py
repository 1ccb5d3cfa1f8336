from django.apps import AppConfig


class StackFileConfig(AppConfig):
    name = "apps.stackfile"
    label = "stackfile"
    verbose_name = "Stack file"
