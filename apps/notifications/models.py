from datetime import timedelta

from django.db import models
from django.utils import timezone

from apps.accounts.models import Team
from apps.lib import crypto


class Channel(models.Model):
    """Where a team hears of its tools besides its owners' email: an Apprise URL (Slack,
    Microsoft Teams, Mattermost, Discord, a JSON webhook, ...).

    The URL is stored encrypted, whatever it is: many carry a token in their path. Only its
    `label`, the URL as Apprise prints it with the secrets masked, is ever shown.
    """

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="channels")
    url_token = models.TextField(editable=False)
    url_env = models.CharField(
        max_length=100, blank=True,
        help_text="The environment variable the URL came from, or that the stack file names for it.",
    )
    label = models.CharField(max_length=300, editable=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["team", "pk"]

    def __str__(self):
        return self.label

    def url(self) -> str:
        """The URL itself. Raises crypto.WrongKey when no configured key opens it."""
        return crypto.decrypt(self.url_token)

    def set_url(self, url: str, *, label: str) -> None:
        self.url_token = crypto.encrypt(url)
        self.label = label[:300]


class Notification(models.Model):
    """A message in the outbox: an email to some addresses, or one post to one team channel.

    It is written in the same transaction as what caused it, with a unique key so the same
    news is never queued twice for the same recipient, then sent by a worker that claims it.
    """

    MAX_ATTEMPTS = 60  # with backoff capped at an hour: an outage of about two days

    key = models.CharField(max_length=200, unique=True)
    channel = models.ForeignKey(
        Channel, null=True, blank=True, on_delete=models.CASCADE, related_name="notifications",
        help_text="The team channel it is posted to; empty for an email.",
    )
    to = models.JSONField(help_text="Addresses.")
    subject = models.CharField(max_length=300)
    text = models.TextField()
    html = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    send_after = models.DateTimeField(default=timezone.now, db_index=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    sending_since = models.DateTimeField(
        null=True, blank=True, help_text="Set while a worker sends it; left set if the worker died mid-send.",
    )
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
