"""The outbox delivers through real Apprise to a webhook on loopback and by real SMTP: one
email and one post per alert, retries while a channel is down, and no second post after a
worker dies mid-send."""

import os
import signal
import time
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from apps.notifications.models import Notification
from apps.notifications.services import INTERRUPTED, LEASE, add_channel, notify, send_due
from apps.probes.drivers import Reading
from apps.probes.models import Probe
from apps.probes.sweep import record
from tests.conftest import NOW
from tests.notifications.receiver import webhook_receiver
from tests.probes.test_outbox_smtp import smtp_server, smtp_settings  # noqa: F401 (a fixture)
from tests.workers import start_worker

pytestmark = pytest.mark.slow


def go_unused(entry):
    probe = Probe.objects.create(entry=entry, kind="http_json", url="http://127.0.0.1:9/", unused_after_days=90,
                                 next_run_at=NOW)
    record(probe, run_key="r1", now=NOW, reading=Reading(NOW - timedelta(days=120), 0))


def test_an_unused_tool_is_one_email_to_its_owner_and_one_post_to_its_team(smtp_settings, entry, bob):  # noqa: F811
    with smtp_server(smtp_settings) as inbox, webhook_receiver() as hook:
        add_channel(entry.team, hook.url, now=NOW)
        go_unused(entry)
        assert send_due(now=NOW) == 2
        assert send_due(now=NOW + timedelta(hours=2)) == 0
    assert [message.rcpt_tos for message in inbox.messages] == [sorted(["alice@example.com", bob.email])]
    assert len(hook.posts) == 1
    post = hook.posts[0]
    subject = Notification.objects.get(channel__isnull=True).subject
    assert post["title"] == subject and "MLflow" in subject
    assert "MLflow" in post["message"] and post["type"] == "info"


def test_a_channel_that_is_down_is_retried_with_backoff_and_gets_the_post_once(smtp_settings, entry):  # noqa: F811
    with smtp_server(smtp_settings) as inbox, webhook_receiver() as hook:
        channel = add_channel(entry.team, hook.url, now=NOW)
        go_unused(entry)
        hook.down = True
        assert send_due(now=NOW) == 1  # the email goes; the channel answers 500
        post = Notification.objects.get(channel=channel)
        assert post.attempts == 1 and post.sent_at is None
        assert post.last_error == "NotDelivered: Failed to send JSON POST notification: Internal server error., error=500."
        assert send_due(now=NOW + timedelta(seconds=30)) == 0 and hook.requests == 1  # waits a minute
        assert send_due(now=NOW + timedelta(minutes=1, seconds=1)) == 0 and hook.requests == 2
        assert send_due(now=NOW + timedelta(minutes=2)) == 0 and hook.requests == 2  # now two minutes
        hook.down = False
        assert send_due(now=NOW + timedelta(minutes=3, seconds=2)) == 1
        assert send_due(now=NOW + timedelta(hours=1)) == 0
    assert len(hook.posts) == 1 and hook.requests == 3
    assert len(inbox.messages) == 1
    post.refresh_from_db()
    assert post.sent_at is not None and post.attempts == 3 and post.last_error == ""


def test_a_worker_killed_mid_send_does_not_post_twice(transactional_db, entry, monkeypatch):
    monkeypatch.setenv("NOTIFY_ALLOWED_NETWORKS", "127.0.0.0/8")  # for the worker, too
    queue = f"test-{uuid.uuid4().hex[:8]}"
    with webhook_receiver() as hook:
        channel = add_channel(entry.team, hook.url, now=timezone.now())
        notify(key="flagged:killed", to=[], template="flagged", context={"entry": entry, "note": "Unused"},
               now=timezone.now(), teams=[entry.team])
        hook.hold.set()  # the channel takes the post and does not answer yet
        with start_worker(queue) as worker:
            from apps.notifications.tasks import send_notifications

            send_notifications.apply_async(queue=queue)
            deadline = time.monotonic() + 60
            while hook.requests == 0 and time.monotonic() < deadline:
                time.sleep(0.1)
            assert hook.requests == 1, "the worker never posted"
            os.kill(worker.process.pid, signal.SIGKILL)  # mid-send: the post is in the channel's hands
            worker.process.wait(timeout=10)
        hook.hold.clear()
        hook.release()

        post = Notification.objects.get(channel=channel)
        assert post.sending_since is not None and post.sent_at is None
        assert send_due(now=timezone.now()) == 0  # its lease still runs
        assert send_due(now=timezone.now() + LEASE + timedelta(seconds=5)) == 0
        assert send_due(now=timezone.now() + LEASE + timedelta(hours=1)) == 0
    assert hook.requests == 1
    post.refresh_from_db()
    assert post.failed_at is not None and post.sending_since is None and post.last_error == INTERRUPTED
