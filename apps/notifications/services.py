"""The outbox: queue an email in the caller's transaction, send it later, once."""

import logging
import time
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string

from apps.notifications.models import Notification

log = logging.getLogger(__name__)
LEASE = timedelta(minutes=5)  # a claimed email is retried when its sender died mid-way


def notify(*, key: str, to: list[str], template: str, context: dict, now) -> Notification | None:
    """Queue the email `emails/<template>` unless one with this key exists; None if nobody
    would receive it. Call it inside the transaction that records what happened."""
    to = sorted({address for address in to if address})
    if not to:
        return None
    context = {"site_url": settings.SITE_URL, **context}
    subject = render_to_string(f"emails/{template}_subject.txt", context).strip()
    notification, created = Notification.objects.get_or_create(key=key, defaults={
        "to": to,
        "subject": " ".join(subject.split()),
        "text": render_to_string(f"emails/{template}.txt", context),
        "html": render_to_string(f"emails/{template}.html", context),
        "created_at": now,
        "send_after": now,
    })
    if created:
        transaction.on_commit(_queue_sending)
    return notification if created else None


def _queue_sending():
    from apps.notifications.tasks import send_notifications

    try:
        send_notifications.apply_async(retry=False)
    except Exception:  # the broker is down: the beat schedule sends it later
        log.warning("Could not queue the outbox; it is sent on the next scheduled run.")


def send_due(*, now, limit: int = 100) -> int:
    """Send what is due at `now`; return how many were sent. Each email is claimed with a
    conditional UPDATE first, so two workers never send the same one; its lease runs from its
    claim (`now` plus the time the batch has taken so far), not from the batch's start."""
    started = time.monotonic()
    sent = 0
    due = Notification.objects.filter(sent_at__isnull=True, failed_at__isnull=True, send_after__lte=now)
    for pk, send_after in due.order_by("send_after").values_list("pk", "send_after")[:limit]:
        moment = now + timedelta(seconds=time.monotonic() - started)
        claimed = Notification.objects.filter(pk=pk, sent_at__isnull=True, send_after=send_after).update(
            send_after=moment + LEASE
        )
        if claimed:
            sent += _send(Notification.objects.get(pk=pk), moment)
    return sent


def _send(notification: Notification, now) -> int:
    message = EmailMultiAlternatives(notification.subject, notification.text, to=notification.to)
    if notification.html:
        message.attach_alternative(notification.html, "text/html")
    notification.attempts += 1
    try:
        message.send()
    except Exception as error:  # SMTP down, refused, timed out: try again later
        notification.last_error = f"{type(error).__name__}: {error}"[:2000]
        if notification.attempts >= Notification.MAX_ATTEMPTS:
            notification.failed_at = now
        notification.send_after = now + Notification.backoff(notification.attempts)
        notification.save(update_fields=["attempts", "last_error", "failed_at", "send_after"])
        log.warning("Email %s not sent (attempt %s): %s", notification.pk, notification.attempts, error)
        return 0
    notification.sent_at = now
    notification.last_error = ""
    notification.save(update_fields=["attempts", "sent_at", "last_error"])
    return 1
