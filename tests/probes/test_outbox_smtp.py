"""The outbox against a real SMTP server on loopback (aiosmtpd)."""

from contextlib import contextmanager
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller

from apps.notifications.models import Notification
from apps.notifications.services import send_due
from apps.probes.drivers import Reading
from apps.probes.sweep import record
from tests.probes.conftest import NOW
from tests.probes.servers import free_port

pytestmark = pytest.mark.slow


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        return "250 OK"


@contextmanager
def smtp_server(port):
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox
    finally:
        controller.stop()


@pytest.fixture
def smtp_settings(settings):
    port = free_port()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS = "127.0.0.1", port, False
    settings.EMAIL_TIMEOUT = 5
    return port


@pytest.fixture
def http_probe(probe):
    probe.kind, probe.url = "http_json", "http://127.0.0.1:9/"
    probe.save()
    return probe


def test_one_email_per_state_change_and_none_on_the_next_sweep(smtp_settings, http_probe):
    with smtp_server(smtp_settings) as inbox:
        record(http_probe, run_key="1", now=NOW, reading=Reading(NOW - timedelta(days=120), 0))
        assert send_due(now=NOW) == 1
        record(http_probe, run_key="2", now=NOW + timedelta(hours=1), reading=Reading(NOW - timedelta(days=120), 0))
        assert send_due(now=NOW + timedelta(hours=1)) == 0
        assert len(inbox.messages) == 1
        message = inbox.messages[0]
        assert set(message.rcpt_tos) == {"alice@example.com", "bob@example.com"}
        assert b"MLflow looks unused" in message.content


def test_a_failing_probe_sends_nothing(smtp_settings, http_probe):
    with smtp_server(smtp_settings) as inbox:
        record(http_probe, run_key="ok", now=NOW, reading=Reading(NOW, 1))
        for n in range(5):
            record(http_probe, run_key=f"bad{n}", now=NOW + timedelta(days=100, hours=n), error="connection refused")
        send_due(now=NOW + timedelta(days=101))
        assert inbox.messages == []


def test_smtp_down_then_back_sends_every_pending_email_once(smtp_settings, http_probe):
    record(http_probe, run_key="1", now=NOW, reading=Reading(NOW - timedelta(days=120), 0))
    assert send_due(now=NOW) == 0  # nothing listens yet
    pending = Notification.objects.get()
    assert pending.attempts == 1 and pending.sent_at is None and "Connection refused" in pending.last_error
    with smtp_server(smtp_settings) as inbox:
        assert send_due(now=NOW + timedelta(seconds=10)) == 0  # backing off
        assert send_due(now=NOW + timedelta(minutes=2)) == 1
        assert send_due(now=NOW + timedelta(minutes=30)) == 0
        assert len(inbox.messages) == 1
