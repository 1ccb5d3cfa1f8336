from datetime import timedelta

from django.db import models


class Heartbeat(models.Model):
    """The last time a background process proved it was alive.

    Beat queues the heartbeat task every minute and a worker runs it, so a recent row means
    both are running: the overview warns when it goes stale.
    """

    name = models.CharField(max_length=50, unique=True)
    seen_at = models.DateTimeField()

    STALE_AFTER = timedelta(minutes=3)

    def __str__(self):
        return f"{self.name} at {self.seen_at:%Y-%m-%d %H:%M:%S}"

    @classmethod
    def beat(cls, name: str, now) -> "Heartbeat":
        heartbeat, _ = cls.objects.update_or_create(
            name=name, defaults={"seen_at": now}
        )
        return heartbeat

    def is_stale(self, now) -> bool:
        return now - self.seen_at > self.STALE_AFTER
