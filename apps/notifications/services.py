"""The outbox: queue news in the caller's transaction, send it later, once per recipient.

One event makes one email (to the owner and whoever else should hear) and one post to each
channel of the teams it concerns. Each is its own row with its own retries, so a Slack outage
delays neither the email nor the other channels, and a channel that recovers gets the post once.
"""

import logging
import time
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string

from apps.lib import crypto
from apps.notifications import channels
from apps.notifications.models import Channel, Notification

log = logging.getLogger(__name__)
LEASE = timedelta(minutes=5)  # longer than any send may take (SMTP and Apprise time out sooner)
INTERRUPTED = ("the worker stopped while sending it, so it may have arrived; it is not sent again, "
               "so that nobody gets it twice")


def notify(*, key: str, to: list[str], template: str, context: dict, now, teams=()) -> Notification | None:
    """Queue the email `emails/<template>` to `to`, and a post of its text to every channel of
    `teams`, each unless already queued under this key; None if nothing new was queued.
    Call it inside the transaction that records what happened."""
    to = sorted({address for address in to if address})
    team_ids = {getattr(team, "pk", team) for team in teams if team}
    targets = list(Channel.objects.filter(team__in=team_ids)) if team_ids else []
    if not to and not targets:
        return None
    context = {"site_url": settings.SITE_URL, **context}
    subject = " ".join(render_to_string(f"emails/{template}_subject.txt", context).split())
    text = render_to_string(f"emails/{template}.txt", context)
    queued = []
    if to:
        email, created = Notification.objects.get_or_create(key=key, defaults={
            "to": to, "subject": subject, "text": text,
            "html": render_to_string(f"emails/{template}.html", context),
            "created_at": now, "send_after": now,
        })
        queued += [email] if created else []
    for channel in targets:
        post, created = Notification.objects.get_or_create(key=f"{key}:channel:{channel.pk}", defaults={
            "channel": channel, "to": [], "subject": subject, "text": text, "created_at": now, "send_after": now,
        })
        queued += [post] if created else []
    if queued:
        transaction.on_commit(_queue_sending)
    return queued[0] if queued else None


def _queue_sending():
    from apps.notifications.tasks import send_notifications

    try:
        send_notifications.apply_async(retry=False)
    except Exception:  # the broker is down: the beat schedule sends it later
        log.warning("Could not queue the outbox; it is sent on the next scheduled run.")


def send_due(*, now, limit: int = 100) -> int:
    """Send what is due at `now`; return how many were sent.

    Each message is claimed with a conditional UPDATE that also counts the attempt and marks it
    as being sent, so two workers never send the same one. Its lease runs from its claim (`now`
    plus the time the batch has taken so far). A message whose lease ran out while still marked
    as being sent lost its worker mid-send: it may have arrived, so it is closed, not sent again.
    """
    started = time.monotonic()
    sent = 0
    due = Notification.objects.filter(sent_at__isnull=True, failed_at__isnull=True, send_after__lte=now)
    due.filter(sending_since__isnull=False).update(failed_at=now, sending_since=None, last_error=INTERRUPTED)
    for pk, send_after in due.order_by("send_after", "pk").values_list("pk", "send_after")[:limit]:
        moment = now + timedelta(seconds=time.monotonic() - started)
        claimed = Notification.objects.filter(
            pk=pk, sent_at__isnull=True, sending_since__isnull=True, send_after=send_after,
        ).update(send_after=moment + LEASE, sending_since=moment, attempts=F("attempts") + 1)
        notification = Notification.objects.select_related("channel").filter(pk=pk).first()
        if claimed and notification is not None:  # its channel may have been removed meanwhile
            sent += _send(notification, moment)
    return sent


def _send(notification: Notification, now) -> int:
    outcome = {"sending_since": None}
    try:
        _deliver(notification)
    except channels.Unfinished as error:  # it may have arrived: closed, like an interrupted send
        outcome.update(failed_at=now, last_error=str(error))
    except Exception as error:  # down, refused, timed out: try again later
        outcome.update(last_error=f"{type(error).__name__}: {error}"[:2000],
                       send_after=now + Notification.backoff(notification.attempts))
        if notification.attempts >= Notification.MAX_ATTEMPTS:
            outcome["failed_at"] = now
        log.warning("Notification %s not sent (attempt %s): %s", notification.pk, notification.attempts, error)
    else:
        outcome.update(sent_at=now, last_error="")
    # An update, not a save: a post whose channel was removed meanwhile is gone, and that is all.
    Notification.objects.filter(pk=notification.pk).update(**outcome)
    return 1 if "sent_at" in outcome else 0


def _deliver(notification: Notification) -> None:
    if notification.channel_id is not None:
        channels.post(notification.channel.url(), title=notification.subject, body=notification.text)
        return
    message = EmailMultiAlternatives(notification.subject, notification.text, to=notification.to)
    if notification.html:
        message.attach_alternative(notification.html, "text/html")
    message.send()


# Team channels ----------------------------------------------------------------------------

def add_channel(team, url: str, *, now) -> Channel:
    """A new channel for the team; channels.BadChannel says what is wrong with the URL."""
    channel = new_channel(team, url, now=now, url_env="", taken=env_names_taken())
    if any(same_url(other, channel.url()) for other in team.channels.all()):
        raise channels.BadChannel(f"{team} already has the channel {channel.label}")
    channel.save()
    return channel


def env_names_taken() -> set[str]:
    """The environment variables that name a channel already, of any team."""
    return set(Channel.objects.exclude(url_env="").values_list("url_env", flat=True))


def new_channel(team, url: str, *, now, url_env: str, taken: set[str]) -> Channel:
    """An unsaved channel for the URL (channels.BadChannel if Apprise cannot use it). A URL that
    carries a secret is named in the stack file by an environment variable: `url_env` (whose
    value no message quotes), or a free name made for it."""
    parsed = channels.parse(url, shown=not url_env)
    channel = Channel(team=team, url_env=url_env, created_at=now)
    channel.set_url(parsed.url, label=parsed.label)
    if parsed.carries_secret and not channel.url_env:
        channel.url_env = env_name(team, parsed.url, taken=taken)
    return channel


def same_url(channel: Channel, url: str) -> bool:
    """Whether the channel posts to this URL, however either is spelled."""
    try:
        return channels.normal(channel.url()) == channels.normal(url)
    except crypto.WrongKey:
        return False


def env_name(team, url: str, *, taken: set[str]) -> str:
    """The environment variable a stack file names for a channel URL that carries a secret,
    e.g. NOTIFY_DATA_PLATFORM_SLACK."""
    words = "".join(c if c.isascii() and c.isalnum() else "_" for c in f"{team.name}_{url.split('://', 1)[0]}".upper())
    base = "NOTIFY_" + "_".join(part for part in words.split("_") if part)
    base = base[:90] if base[:1].isalpha() else "NOTIFY"
    name, n = base, 2
    while name in taken:
        name, n = f"{base}_{n}", n + 1
    return name


def send_test(channel: Channel, *, by) -> None:
    """Post a test message now; channels.NotDelivered (or crypto.WrongKey) says why not."""
    channels.post(
        channel.url(), title=f"Stackledger: a test for {channel.team}",
        body=f"{by} sent this test from Stackledger ({settings.SITE_URL}). Alerts about {channel.team}'s "
             "tools arrive here: unused and flagged tools, reminders, failing probes, overdue trials and reviews.",
    )
