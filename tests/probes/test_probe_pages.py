from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.management import call_command

from apps.probes.models import Probe, ProbeDay, ProbeResult
from apps.probes.sweep import rollup
from apps.stack.models import UsageState
from tests.conftest import NOW

JUST_AFTER_MIDNIGHT = datetime(2026, 11, 2, 0, 0, 30, tzinfo=UTC)


def test_the_heartbeat_url_records_a_ping(client, probe):
    assert client.post(f"/hb/{probe.heartbeat_token}/").status_code == 200
    probe.refresh_from_db()
    assert probe.last_ping_at is not None
    assert client.get("/hb/not-a-token/").status_code == 404


def test_the_probe_command_prints_one_line_per_probe(probe, capsys, clock):
    Probe.objects.filter(pk=probe.pk).update(last_ping_at=NOW - timedelta(hours=1))
    call_command("probe", "--all")
    line = capsys.readouterr().out.strip()
    assert line.startswith("MLflow heartbeat ok last_activity=")
    assert line.endswith("count=none state=active")
    assert "Z count" in line  # ISO 8601 in UTC


def test_the_command_names_a_tool_without_a_probe(db):
    import pytest
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="No enabled probe"):
        call_command("probe", "--entry", "Nonesuch")


def test_the_owner_attests_a_manual_probe(client, probe, entry, bob):
    probe.kind = "manual"
    probe.save()
    client.force_login(bob)
    client.post(f"/stack/{entry.pk}/attest/")
    probe.refresh_from_db()
    assert probe.attested_by == bob
    entry.refresh_from_db()
    assert entry.usage_state == UsageState.ACTIVE


def test_someone_else_cannot_attest(viewer_client, probe, entry):
    probe.kind = "manual"
    probe.save()
    assert viewer_client.post(f"/stack/{entry.pk}/attest/").status_code == 403


@pytest.fixture
def broker_down(monkeypatch):
    """Queueing fails the way kombu fails when the broker is unreachable (patched at the
    seam where tasks are queued)."""
    from kombu.exceptions import OperationalError

    from apps.probes.tasks import probe_now

    def refuse(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(probe_now, "apply_async", refuse)


def test_probe_now_says_when_the_broker_is_down(lead_client, probe, entry, broker_down):
    response = lead_client.post(f"/stack/{entry.pk}/probe-now/", follow=True)
    assert "The background queue is not reachable" in response.content.decode()


def test_the_heartbeat_url_is_for_the_owner_and_leads_only(client, viewer_client, probe, entry, bob):
    assert probe.heartbeat_token not in viewer_client.get(f"/stack/{entry.pk}/").content.decode()
    client.force_login(bob)
    assert probe.heartbeat_token in client.get(f"/stack/{entry.pk}/").content.decode()


def test_the_entry_page_shows_usage_and_the_trend(client, viewer_client, probe, entry, bob, clock):
    now = NOW
    for day in range(5):
        ProbeResult.objects.create(probe=probe, run_key=str(day), at=now - timedelta(days=day), ok=True,
                                   activity_count=day + 1, last_activity_at=now)
    ProbeResult.objects.create(probe=probe, run_key="x", at=now, ok=False, error="boom: refused")
    page = viewer_client.get(f"/stack/{entry.pk}/").content.decode()
    assert '<svg class="sparkline"' in page and "<polyline" in page
    assert "boom: refused" not in page  # errors are for the owner and leads
    client.force_login(bob)
    assert "boom: refused" in client.get(f"/stack/{entry.pk}/").content.decode()


@time_machine.travel(JUST_AFTER_MIDNIGHT, tick=False)
def test_a_heartbeat_a_minute_ago_draws_todays_activity(viewer_client, probe, entry):
    from apps.lib.charts import sparkline
    from apps.probes.selectors import activity_trend

    now = JUST_AFTER_MIDNIGHT  # the ping was yesterday, the run today
    ProbeResult.objects.create(probe=probe, run_key="hb", at=now, ok=True, last_activity_at=now - timedelta(minutes=1))
    trend = activity_trend(probe, now=now)
    assert trend[-2:] == [1, 0] and trend[:-2] == [None] * 88
    assert "Activity on 1 of 90 days" in sparkline(trend)
    page = viewer_client.get(f"/stack/{entry.pk}/").content.decode()
    assert "No activity recorded" not in page and "Activity on 1 of 90 days" in page


def test_the_trend_says_so_when_the_probe_never_ran(viewer_client, probe, entry):
    page = viewer_client.get(f"/stack/{entry.pk}/").content.decode()
    assert "No successful probe run in 90 days yet." in page


def test_old_results_are_rolled_up_per_day(probe):
    now = datetime(2026, 11, 2, 23, 30, tzinfo=UTC)  # late in the day: the three runs stay on one date
    old = now - timedelta(days=40) - timedelta(hours=3)
    for n in range(3):
        ProbeResult.objects.create(probe=probe, run_key=f"o{n}", at=old + timedelta(hours=n), ok=n != 2,
                                   activity_count=4, last_activity_at=old)
    ProbeResult.objects.create(probe=probe, run_key="new", at=now, ok=True, activity_count=1)
    assert rollup(now=now) == 3
    day = ProbeDay.objects.get()
    assert (day.runs, day.failures, day.activity_count) == (3, 1, 12)
    assert ProbeResult.objects.count() == 1


def test_rotate_keys_re_encrypts_with_the_newest_key(probe, settings, capsys):
    from cryptography.fernet import Fernet

    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [old]
    probe.set_credential("s3cret")
    probe.save()
    settings.FIELD_ENCRYPTION_KEYS = [new, old]
    call_command("rotate_keys")
    assert "Re-encrypted 1 credential" in capsys.readouterr().out
    settings.FIELD_ENCRYPTION_KEYS = [new]
    probe.refresh_from_db()
    assert probe.credential() == "s3cret"


def test_usage_findings(viewer_client, probe, entry):
    from apps.findings.services import refresh
    from apps.stack.models import StackEntry

    StackEntry.objects.filter(pk=entry.pk).update(usage_state=UsageState.UNUSED)
    Probe.objects.filter(pk=probe.pk).update(consecutive_failures=4, last_error="timed out")
    refresh(now=NOW)
    page = viewer_client.get("/findings/").content.decode()
    assert '<code class="rule-code">unused</code>' in page
    assert '<code class="rule-code">probe-failing</code>' in page and "4 times in a row" in page
    assert "timed out" not in page  # the error text is for the owner and leads, on the entry page


def test_the_entry_page_shows_the_unused_threshold_in_force_and_where_it_is_set(viewer_client, probe, entry):
    from apps.catalog.models import Category

    page = viewer_client.get(f"/stack/{entry.pk}/").content.decode()
    assert "unused after 90 days" in page and "(set on its probe)" in page
    Category.objects.filter(key="model-registry").update(unused_after_days=120)
    page = viewer_client.get(f"/stack/{entry.pk}/").content.decode()
    assert "unused after 120 days" in page and "(set on the Model registry category)" in page
    entry.unused_after_days = 30
    entry.save()
    page = viewer_client.get(f"/stack/{entry.pk}/").content.decode()
    assert "unused after 30 days" in page and "(set on this entry)" in page
