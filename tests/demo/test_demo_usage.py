"""The demo is alive: `seed_demo` writes months of what the demo probes saw, and the product's
own rules read it, so that the pages show tools in every usage state, activity sparklines, a
tool on its way out, and no probe failing for want of a server."""

import re
from datetime import timedelta

import pytest

from apps.accounts.models import User
from apps.findings.models import Finding
from apps.notifications.models import Notification
from apps.probes.models import Probe, ProbeDay, ProbeResult
from apps.stack.models import IN_USE, Lifecycle, StackEntry, UsageState
from tests.conftest import NOW

pytestmark = pytest.mark.usefixtures("clock")


def entry(tool: str) -> StackEntry:
    return StackEntry.objects.select_related("probe").get(tool__name=tool)


def test_the_stack_shows_every_usage_state(demo, demo_viewer_client):
    in_use = StackEntry.objects.filter(lifecycle__in=IN_USE)
    assert set(in_use.values_list("usage_state", flat=True)) == set(UsageState.values)
    page = demo_viewer_client.get("/").content.decode()
    for state in UsageState.values:
        assert f'class="radar-dot usage-{state}"' in page, state
    assert entry("MLflow").usage_state == UsageState.ACTIVE
    assert entry("Grafana").usage_state == UsageState.IDLE  # last attested 100 days ago, unused after 180
    assert entry("FastAPI").usage_state == UsageState.UNKNOWN  # no probe reads it


def test_the_states_are_the_rules_reading_of_the_history(demo):
    wandb = entry("Weights & Biases")
    changes = [(c.at, c.from_state, c.to_state, c.reason) for c in wandb.usage_changes.order_by("at")]
    assert [(before, after) for _, before, after, _ in changes] == [
        ("unknown", "active"), ("active", "idle"), ("idle", "unused")]
    quiet_since = wandb.last_activity_at
    assert changes[1][0] - quiet_since >= timedelta(days=45)  # idle after half of its 90 days
    assert changes[2][0] - quiet_since >= timedelta(days=90)
    assert re.fullmatch(r"No activity for 9\d days \(unused after 90\)\.", changes[2][3])
    latest = ProbeResult.objects.filter(probe=wandb.probe).order_by("-at").first()
    assert abs(latest.at - NOW) < timedelta(minutes=1) and latest.ok and latest.activity_count == 0
    assert latest.last_activity_at == quiet_since


def test_an_entry_page_draws_months_of_activity(demo, demo_viewer_client):
    mlflow = entry("MLflow")
    page = demo_viewer_client.get(f"/stack/{mlflow.pk}/").content.decode()
    points = re.search(r'<svg class="sparkline"[^>]*aria-label="Activity on (\d+) of 90 days[^"]*">.*?points="([^"]+)"',
                       page, re.S)
    assert points and int(points[1]) == 90
    assert len(points[2].split()) == 90  # a point a day, no gap
    assert "No successful probe run" not in page
    probe = mlflow.probe
    raw = ProbeResult.objects.filter(probe=probe)
    assert len({result.at.date() for result in raw}) == 30  # a run a day for 30 days
    assert not raw.filter(at__lt=NOW - timedelta(days=30)).exists()  # older ones are rolled up
    assert ProbeDay.objects.filter(probe=probe).count() > 300  # over a year of them


def test_one_tool_is_flagged_for_removal_because_it_is_unused_and_its_owner_was_asked(demo, demo_viewer_client):
    wandb = entry("Weights & Biases")
    assert wandb.lifecycle == Lifecycle.FLAGGED and wandb.usage_state == UsageState.UNUSED
    flagged = wandb.transitions.order_by("at").last()
    assert flagged.to_lifecycle == Lifecycle.FLAGGED and flagged.note == "Unused, and no answer within 30 days."
    assert wandb.removal_planned_on == (flagged.at + timedelta(days=30)).date() > NOW.date()
    asked = Notification.objects.get(key__startswith=f"unused:{wandb.pk}:")
    assert "eva@example.com" in asked.to and asked.created_at == wandb.removal_asked_at
    assert flagged.at - asked.created_at >= timedelta(days=30)
    assert Notification.objects.filter(key__startswith=f"flagged:{wandb.pk}:", to__contains="eva@example.com").exists()
    assert not Notification.objects.filter(sent_at__isnull=True, created_at__lt=NOW).exists()  # the past was sent then
    page = demo_viewer_client.get(f"/stack/{wandb.pk}/").content.decode()
    assert "Removal planned" in page and "Flagged for removal" in page


def test_no_probe_fails_for_want_of_a_server(demo, demo_viewer_client):
    assert not Finding.objects.filter(code="probe-failing").exists()
    assert "Probe failing" not in demo_viewer_client.get("/findings/").content.decode()
    demo_probes = Probe.objects.filter(demo=True)
    assert sorted(demo_probes.values_list("entry__tool__name", flat=True)) == [
        "Airflow", "MLflow", "Prometheus", "Weights & Biases"]
    assert not Probe.objects.filter(consecutive_failures__gt=0).exists()
    page = demo_viewer_client.get(f"/stack/{entry('MLflow').pk}/").content.decode()
    assert "demo data" in page and "failing" not in page
    assert "demo data" not in demo_viewer_client.get(f"/stack/{entry('Grafana').pk}/").content.decode()


def test_the_demo_flag_round_trips_through_the_stack_file(demo):
    from apps.stackfile.exporter import export_stack
    from apps.stackfile.importer import import_stack

    text = export_stack()
    assert text.count("demo: true") == 4
    Probe.objects.all().delete()
    assert import_stack(text, commit=True, now=NOW).applied
    assert Probe.objects.filter(demo=True).count() == 4
    assert not Probe.objects.get(entry__tool__name="Grafana").demo


def test_the_seed_writes_its_history_up_to_the_moment_it_is_given(catalog):
    from apps.demo.seed import seed

    later = NOW + timedelta(days=500)
    seed(later)
    assert Probe.objects.get(entry__tool__name="MLflow").last_run_at == later
    assert entry("MLflow").usage_state == UsageState.ACTIVE
    assert entry("Weights & Biases").lifecycle == Lifecycle.FLAGGED
    assert entry("Weights & Biases").removal_planned_on > later.date()
    assert not ProbeResult.objects.filter(at__gt=later).exists()


def test_a_lead_who_points_a_demo_probe_at_a_real_server_makes_it_real(demo, client):
    client.force_login(User.objects.get(email="lead@example.com"))
    mlflow = entry("MLflow")
    form = {"kind": "mlflow", "url": "http://127.0.0.1:5000", "interval_minutes": "60", "unused_after_days": "60",
            "failures_before_unknown": "3", "enabled": "on", "credential": ""}
    assert "This probe is demo data" in client.get(f"/stack/{mlflow.pk}/probe/").content.decode()
    client.post(f"/stack/{mlflow.pk}/probe/", {**form, "interval_minutes": "30"})
    assert Probe.objects.get(pk=mlflow.probe.pk).demo  # the same absent server, read more often
    client.post(f"/stack/{mlflow.pk}/probe/", {**form, "url": "http://mlflow.internal:5000"})
    probe = Probe.objects.get(pk=mlflow.probe.pk)
    assert not probe.demo and probe.url == "http://mlflow.internal:5000"
    assert "demo data" not in client.get(f"/stack/{mlflow.pk}/").content.decode()
