from datetime import timedelta

import pytest
from django.core import mail

from apps.notifications.models import Notification
from apps.notifications.services import send_due
from apps.probes.drivers import Reading
from apps.probes.models import ProbeResult
from apps.probes.sweep import claim_due, record
from apps.stack.models import StackEntry, UsageState
from tests.probes.conftest import NOW


def run(probe, *, at, last=None, error="", key=None):
    reading = None if error else Reading(last_activity_at=last, activity_count=1 if last else 0)
    return record(probe, run_key=key or at.isoformat(), now=at, reading=reading, error=error)


def state(entry):
    return StackEntry.objects.get(pk=entry.pk).usage_state


@pytest.fixture
def http_probe(probe):
    probe.kind, probe.url = "http_json", "http://127.0.0.1:9/"
    probe.save()
    return probe


def test_recent_activity_is_active(http_probe, entry):
    run(http_probe, at=NOW, last=NOW - timedelta(days=3))
    assert state(entry) == UsageState.ACTIVE
    assert entry.usage_changes.get().reason.startswith("Last activity")


def test_half_the_threshold_without_activity_is_idle(http_probe, entry):
    run(http_probe, at=NOW, last=NOW - timedelta(days=50))
    assert state(entry) == UsageState.IDLE


def test_the_threshold_without_activity_is_unused_and_the_owner_is_asked_once(http_probe, entry, alice, bob):
    run(http_probe, at=NOW, last=NOW - timedelta(days=120))
    assert state(entry) == UsageState.UNUSED
    [email] = Notification.objects.all()
    assert email.to == [alice.email, bob.email]
    assert "MLflow looks unused" in email.subject
    assert "/usage/answer/" in email.text
    run(http_probe, at=NOW + timedelta(hours=1), last=NOW - timedelta(days=120))
    assert Notification.objects.count() == 1


def test_the_entrys_own_threshold_wins(http_probe, entry):
    StackEntry.objects.filter(pk=entry.pk).update(unused_after_days=10)
    run(http_probe, at=NOW, last=NOW - timedelta(days=12))
    assert state(entry) == UsageState.UNUSED


def test_a_failing_probe_makes_the_state_unknown_never_unused(http_probe, entry):
    run(http_probe, at=NOW, last=NOW - timedelta(days=3))
    for hour in range(1, 4):
        run(http_probe, at=NOW + timedelta(days=200, hours=hour), error="connection refused")
    assert state(entry) == UsageState.UNKNOWN
    reason = entry.usage_changes.last().reason
    assert "The last 3 probe runs failed" in reason and "connection refused" not in reason  # every role reads it
    assert not Notification.objects.exists()


def test_two_failures_keep_the_last_state(http_probe, entry):
    run(http_probe, at=NOW, last=NOW - timedelta(days=3))
    run(http_probe, at=NOW + timedelta(hours=1), error="timeout")
    run(http_probe, at=NOW + timedelta(hours=2), error="timeout")
    assert state(entry) == UsageState.ACTIVE


def test_a_redelivered_run_adds_no_second_result_and_no_second_email(http_probe, entry):
    run(http_probe, at=NOW, last=NOW - timedelta(days=120), key="run-1")
    run(http_probe, at=NOW, last=NOW - timedelta(days=120), key="run-1")
    assert ProbeResult.objects.count() == 1
    assert Notification.objects.count() == 1


def test_overlapping_sweeps_claim_a_probe_once(probe):
    first = claim_due(now=NOW)
    second = claim_due(now=NOW)
    assert [pk for pk, _ in first] == [probe.pk]
    assert second == []
    probe.refresh_from_db()
    assert probe.next_run_at == NOW + timedelta(minutes=probe.interval_minutes)


def test_a_stale_claim_loses(probe):
    from apps.probes.models import Probe

    Probe.objects.filter(pk=probe.pk).update(next_run_at=NOW + timedelta(minutes=5))  # another worker moved it
    assert claim_due(now=NOW) == []


def test_a_heartbeat_is_read_from_its_last_ping(probe, entry):
    from apps.probes.models import Probe

    Probe.objects.filter(pk=probe.pk).update(last_ping_at=NOW - timedelta(hours=2))
    probe.refresh_from_db()
    result = record(probe, run_key="a", now=NOW, reading=Reading(None, None))
    assert result.last_activity_at == NOW - timedelta(hours=2)
    assert state(entry) == UsageState.ACTIVE


def test_no_probe_is_unknown(entry):
    from apps.probes.sweep import usage_update

    StackEntry.objects.filter(pk=entry.pk).update(usage_state=UsageState.ACTIVE)
    entry.refresh_from_db()
    usage_update(entry, None, NOW)
    assert state(entry) == UsageState.UNKNOWN


def test_queued_emails_are_sent_once(http_probe, entry):
    run(http_probe, at=NOW, last=NOW - timedelta(days=120))
    assert send_due(now=NOW) == 1
    assert send_due(now=NOW + timedelta(minutes=10)) == 0
    assert len(mail.outbox) == 1
    assert mail.outbox[0].alternatives[0][1] == "text/html"


def test_how_many_failures_make_the_state_unknown_is_set_per_probe(http_probe, entry):
    http_probe.failures_before_unknown = 1
    http_probe.save()
    run(http_probe, at=NOW, last=NOW - timedelta(days=3))
    run(http_probe, at=NOW + timedelta(hours=1), error="connection refused")
    assert state(entry) == UsageState.UNKNOWN
