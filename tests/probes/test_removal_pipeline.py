from datetime import UTC, datetime, timedelta

from django.core import signing

from apps.notifications.models import Notification
from apps.probes.drivers import Reading
from apps.probes.removal import GRACE, answer_url, removal_pipeline
from apps.probes.sweep import record
from apps.stack.models import Lifecycle, StackEntry
from tests.probes.conftest import NOW


def go_unused(probe):
    probe.kind, probe.url = "http_json", "http://127.0.0.1:9/"
    probe.save()
    record(probe, run_key="r1", now=NOW, reading=Reading(NOW - timedelta(days=120), 0))
    probe.entry.refresh_from_db()


def token(url):
    return url.rstrip("/").split("/")[-1]


def test_without_an_answer_it_is_flagged_after_the_grace_period(probe, entry):
    go_unused(probe)
    removal_pipeline(now=NOW + GRACE - timedelta(days=1))
    assert StackEntry.objects.get(pk=entry.pk).lifecycle == Lifecycle.ADOPTED
    removal_pipeline(now=NOW + GRACE + timedelta(hours=1))
    entry.refresh_from_db()
    assert entry.lifecycle == Lifecycle.FLAGGED
    assert entry.removal_planned_on == (NOW + GRACE + timedelta(hours=1, days=30)).date()
    assert entry.transitions.last().note == "Unused, and no answer within 30 days."
    assert Notification.objects.filter(key__startswith="flagged:").count() == 1


def test_flagged_tools_get_one_reminder_a_week_after_the_flag(probe, entry):
    go_unused(probe)
    flagged_at = NOW + GRACE + timedelta(hours=1)  # a Wednesday
    removal_pipeline(now=flagged_at)
    assert not Notification.objects.filter(key__startswith="reminder:").exists()  # the flag email is the news
    for day in range(1, 5):  # the rest of that week
        removal_pipeline(now=flagged_at + timedelta(days=day))
    assert Notification.objects.filter(key__startswith="reminder:").count() == 1
    removal_pipeline(now=flagged_at + timedelta(days=7))
    assert Notification.objects.filter(key__startswith="reminder:").count() == 2


def test_the_owner_keeps_it_with_the_signed_link_without_logging_in(clock, client, probe, entry):
    go_unused(probe)
    entry.refresh_from_db()
    url = answer_url(entry, "keep").removeprefix("http://127.0.0.1:8000")
    page = client.get(url).content.decode()
    assert "is still needed?" in page
    assert StackEntry.objects.get(pk=entry.pk).snoozed_until is None  # a GET changes nothing
    page = client.post(url).content.decode()
    assert "MLflow stays" in page
    entry.refresh_from_db()
    assert entry.snoozed_until == (NOW + timedelta(days=90)).date()  # the page's clock, pinned at NOW
    assert entry.removal_asked_at is None
    removal_pipeline(now=NOW + GRACE + timedelta(days=1))
    assert StackEntry.objects.get(pk=entry.pk).lifecycle == Lifecycle.ADOPTED
    assert "answered already" in client.post(url).content.decode()  # the link answers once


def test_the_owner_is_asked_again_when_the_snooze_ends(client, probe, entry):
    go_unused(probe)
    entry.refresh_from_db()
    client.post(answer_url(entry, "keep").removeprefix("http://127.0.0.1:8000"))
    entry.refresh_from_db()
    removal_pipeline(now=NOW + timedelta(days=10))
    assert Notification.objects.filter(key__startswith=f"unused:{entry.pk}:").count() == 1
    after = datetime.combine(entry.snoozed_until + timedelta(days=1), datetime.min.time(), tzinfo=UTC)
    removal_pipeline(now=after)
    assert Notification.objects.filter(key__startswith=f"unused:{entry.pk}:").count() == 2


def test_a_lead_keeping_a_flagged_tool_stops_the_pipeline(probe, entry, alice):
    go_unused(probe)
    removal_pipeline(now=NOW + GRACE + timedelta(hours=1))
    entry.refresh_from_db()
    entry.move_to(Lifecycle.ADOPTED, by=alice, now=NOW + GRACE + timedelta(days=2), note="still the registry")
    removal_pipeline(now=NOW + GRACE + timedelta(days=3))
    entry.refresh_from_db()
    assert entry.lifecycle == Lifecycle.ADOPTED and entry.removal_planned_on is None
    assert Notification.objects.filter(key__startswith="flagged:").count() == 1


def test_the_owner_accepts_removal_with_the_signed_link(client, probe, entry):
    go_unused(probe)
    entry.refresh_from_db()
    client.post(answer_url(entry, "remove").removeprefix("http://127.0.0.1:8000"))
    entry.refresh_from_db()
    assert entry.lifecycle == Lifecycle.FLAGGED
    assert "accepted its removal" in entry.transitions.last().note


def test_a_forged_or_altered_link_is_refused(client, probe, entry):
    good = token(answer_url(entry, "keep"))
    forged = signing.TimestampSigner(salt="someone-else").sign(f"{entry.pk}:remove")
    for bad in [forged, good.replace("keep", "remove"), "nonsense"]:
        response = client.post(f"/usage/answer/{bad}/")
        assert response.status_code == 400, bad
    assert StackEntry.objects.get(pk=entry.pk).lifecycle == Lifecycle.ADOPTED


def test_a_failing_probe_emails_its_owner_after_two_days(probe, entry, bob):
    probe.kind, probe.url = "http_json", "http://127.0.0.1:9/"
    probe.save()
    record(probe, run_key="ok", now=NOW, reading=Reading(NOW, 1))
    record(probe, run_key="bad", now=NOW + timedelta(hours=1), error="connection refused")
    removal_pipeline(now=NOW + timedelta(days=1))
    assert not Notification.objects.filter(key__startswith="probe-failing:").exists()
    removal_pipeline(now=NOW + timedelta(days=3))
    removal_pipeline(now=NOW + timedelta(days=4))
    [email] = Notification.objects.filter(key__startswith="probe-failing:")
    assert email.to == [bob.email] and "connection refused" in email.text


def test_the_weekly_digest_lists_what_needs_action_most_urgent_first(probe, entry, catalog, alice):
    from apps.catalog.models import Tool
    from apps.probes.removal import weekly_digest
    from apps.stack.models import UsageState

    StackEntry.objects.filter(pk=entry.pk).update(usage_state=UsageState.IDLE, last_activity_at=NOW - timedelta(days=50))
    StackEntry.objects.create(tool=Tool.objects.get(name="Neptune"), lifecycle=Lifecycle.ADOPTED, usage_state=UsageState.UNUSED)
    StackEntry.objects.create(tool=Tool.objects.get(name="FastAPI"), lifecycle=Lifecycle.ADOPTED,
                              usage_state=UsageState.ACTIVE, owner=alice)
    weekly_digest(now=NOW)
    weekly_digest(now=NOW + timedelta(days=1))
    [digest] = Notification.objects.filter(key__startswith="digest:")
    assert digest.to == [alice.email]
    text = digest.text
    assert text.index("Neptune: unused, no owner") < text.index("MLflow: idle")
    assert "FastAPI" not in text
