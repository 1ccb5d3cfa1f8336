from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    name = "apps.reviews"
    label = "reviews"
    verbose_name = "Annual reviews"

    def ready(self):
        from apps.reviews import signals

        signals.connect()
