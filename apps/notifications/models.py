from datetime import timedelta

from django.db import models
from django.utils import timezone


class Notification(models.Model):
    """An email in the outbox: written in the same transaction as what caused it, with a
    unique key so the same news is never queued twice, then sent by a worker that claims it.
    """

    MAX_ATTEMPTS = 60  # with backoff capped at an hour: an SMTP outage of about two days

    key = models.CharField(max_length=200, unique=True)
    to = models.JSONField(help_text="Addresses.")
    subject = models.CharField(max_length=300)
    text = models.TextField()
    html = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    send_after = models.DateTimeField(default=timezone.now, db_index=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    sent_at = models.DateTimeField(null=True, blank=True, db_index=True)
    failed_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return self.subject

    @staticmethod
    def backoff(attempts: int) -> timedelta:
        """1, 2, 4, … minutes, at most an hour, between attempts."""
        return timedelta(minutes=min(2 ** max(attempts - 1, 0), 60))
