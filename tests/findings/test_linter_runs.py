"""The findings table: a run stores what the linter finds, an edited entry's findings are redone
at once, and a change asks for a run when it commits (once for many changes), carried out by a
real worker."""

import logging
import time
from datetime import timedelta

import pytest
from django.db import transaction
from django.db.models.functions import Now

from apps.catalog.models import Tool
from apps.findings import tasks
from apps.findings.models import Finding, LinterRun
from apps.findings.services import refresh
from apps.stack.models import Lifecycle, StackEntry
from tests.conftest import NOW
from tests.workers import start_worker


def adopt(name, **fields):
    return StackEntry.objects.create(tool=Tool.objects.get(name=name), lifecycle=Lifecycle.ADOPTED, **fields)


def codes(entry):
    return sorted(Finding.objects.filter(entry=entry).values_list("code", flat=True))


def test_a_run_stores_the_findings_and_a_finding_keeps_the_time_it_was_first_found(catalog, alice):
    mlflow = adopt("MLflow")
    first = refresh(now=NOW)
    assert first.finished_at == NOW and first.findings == Finding.objects.count() > 0
    assert codes(mlflow) == ["no-owner", "no-pain", "unknown"]
    assert set(Finding.objects.values_list("found_at", flat=True)) == {NOW}

    adopt("Weights & Biases", owner=alice)
    mlflow.owner = alice
    mlflow.save()
    later = NOW + timedelta(hours=1)
    refresh(now=later)
    assert set(codes(mlflow)) == {"no-pain", "overlap", "unknown"}
    assert Finding.objects.get(entry=mlflow, code="no-pain").found_at == NOW  # still holds: first found then
    assert {f.found_at for f in Finding.objects.filter(entry=mlflow, code="overlap")} == {later}
    # In rule order: overlap is the linter's first rule.
    assert list(Finding.objects.values_list("code", flat=True))[:2] == ["overlap", "overlap"]


def test_the_findings_page_reads_the_last_run(viewer_client, catalog):
    adopt("MLflow")
    page = viewer_client.get("/findings/").content.decode()
    assert "The linter has not run yet" in page and "No findings" in page
    refresh(now=NOW)
    page = viewer_client.get("/findings/").content.decode()
    assert "Last run" in page and "MLflow has no owner" in page


def test_editing_an_entry_redoes_its_findings_at_once(lead_client, catalog, alice):
    mlflow = adopt("MLflow")
    refresh(now=NOW)
    assert "has no owner" in lead_client.get(f"/stack/{mlflow.pk}/").content.decode()
    response = lead_client.post(f"/stack/{mlflow.pk}/edit/", {
        "owner": alice.pk, "licence_per_month": "0", "ops_hours_per_month": "4", "unused_after_days": "",
    })
    assert response.status_code == 302
    assert codes(mlflow) == ["no-pain", "unknown"]
    assert "has no owner" not in lead_client.get(f"/stack/{mlflow.pk}/").content.decode()


def test_an_entry_changed_through_a_service_has_its_findings_redone_without_a_page(catalog, alice):
    from apps.stack.forms import EntryDetailsForm
    from apps.stack.services import entry_details_save, entry_move

    mlflow = adopt("MLflow")
    refresh(now=NOW)
    assert "no-owner" in codes(mlflow)
    form = EntryDetailsForm({"owner": alice.pk, "licence_per_month": "0", "ops_hours_per_month": "4"}, instance=mlflow)
    assert form.is_valid(), form.errors
    entry_details_save(form, now=NOW)
    assert codes(mlflow) == ["no-pain", "unknown"]
    entry_move(mlflow, Lifecycle.RETIRED, by=alice, now=NOW, note="replaced by W&B")
    assert codes(mlflow) == []  # a retired tool is no one's concern


def test_the_admin_lists_findings_and_lets_nobody_type_one_in(admin_client, catalog):
    mlflow = adopt("MLflow")
    refresh(now=NOW)
    page = admin_client.get("/admin/findings/finding/?code=no-owner").content.decode()
    assert "MLflow" in page and "Add finding" not in page
    finding = Finding.objects.get(entry=mlflow, code="no-owner")
    assert admin_client.post(f"/admin/findings/finding/{finding.pk}/delete/", {"post": "yes"}).status_code == 403
    assert Finding.objects.filter(pk=finding.pk).exists()


@pytest.fixture
def queued(monkeypatch):
    """The runs asked of the broker."""
    sent = []
    monkeypatch.setattr(tasks.refresh, "apply_async", lambda **options: sent.append(options))
    return sent


def test_changes_in_a_row_ask_for_one_run_and_a_started_run_takes_new_requests(
    catalog, alice, queued, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        mlflow = adopt("MLflow")
        mlflow.owner = alice
        mlflow.save()
        mlflow.pain_points.set([])
    assert len(queued) == 1 and LinterRun.load().requested_at is not None
    with django_capture_on_commit_callbacks(execute=True):
        adopt("Prometheus")
    assert len(queued) == 1  # the queued run will see it

    refresh(now=NOW)
    assert LinterRun.load().requested_at is None
    with django_capture_on_commit_callbacks(execute=True):
        alice.is_active = False
        alice.save()  # an owner who left: the inactive-owner rule reads it
    assert len(queued) == 2


def test_a_log_in_asks_for_no_run(client, alice, queued, django_capture_on_commit_callbacks):
    from tests.conftest import PASSWORD

    with django_capture_on_commit_callbacks(execute=True):
        client.post("/accounts/login/", {"username": alice.email, "password": PASSWORD})
    assert client.get("/").status_code == 200
    assert queued == []


def test_a_run_asked_for_long_ago_and_never_started_is_asked_for_again(catalog, queued, django_capture_on_commit_callbacks):
    LinterRun.objects.create(pk=1, requested_at=Now() - timedelta(minutes=6))  # the queue runs on the database's clock
    with django_capture_on_commit_callbacks(execute=True):
        adopt("MLflow")
    assert len(queued) == 1


def test_a_broker_that_is_down_is_asked_once_and_the_run_left_to_the_schedule(
    catalog, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    attempts = []

    def down(**options):
        attempts.append(options)
        raise ConnectionError("Error 111 connecting to 127.0.0.1:6390. Connection refused.")

    monkeypatch.setattr(tasks.refresh, "apply_async", down)
    with caplog.at_level(logging.WARNING), django_capture_on_commit_callbacks(execute=True):
        mlflow = adopt("MLflow")
        adopt("Prometheus")  # a second change does not wait on the broker again
    assert StackEntry.objects.filter(pk=mlflow.pk).exists()  # the changes themselves stand
    assert len(attempts) == 1 and "next scheduled run" in caplog.text
    refresh(now=NOW)  # the scheduled run
    assert LinterRun.load().requested_at is None and Finding.objects.filter(entry=mlflow).exists()


def test_a_sweep_tells_its_changes_once(catalog, alice, queued, django_capture_on_commit_callbacks):
    from apps.probes.models import Probe
    from apps.probes.sweep import sweep
    from apps.stack.models import StackVersion

    now = NOW
    for name in ("MLflow", "Prometheus", "Grafana"):
        Probe.objects.create(entry=adopt(name, owner=alice), kind="heartbeat", next_run_at=now, unused_after_days=30,
                             last_ping_at=now - timedelta(hours=1))
    refresh(now=NOW)  # the run that follows the setup
    version = StackVersion.current()
    with django_capture_on_commit_callbacks(execute=True):
        runs = sweep(now=now)
    assert len(runs) == 3 and {run.state for run in runs} == {"active"}  # three entries changed
    assert len(queued) == 1 and StackVersion.current() == version + 1  # told once

    queued.clear()
    with django_capture_on_commit_callbacks(execute=True):
        sweep(now=now, force=True)  # nothing changes state: the overview's version stays
    assert StackVersion.current() == version + 1


@pytest.mark.slow
def test_a_worker_runs_the_linter_after_a_change(transactional_db, catalog, alice):
    with start_worker("celery", purge=True) as worker:
        LinterRun.objects.update(requested_at=None)  # the run the catalogue asked for went with the purge
        mlflow = adopt("MLflow")  # committed at once: no transaction around it
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and "no-owner" not in codes(mlflow):
            time.sleep(0.25)
        assert "no-owner" in codes(mlflow), f"no run after the change; the worker said:\n{worker.output()}"

        with transaction.atomic():
            mlflow.owner = alice
            mlflow.save()
        while time.monotonic() < deadline and "no-owner" in codes(mlflow):
            time.sleep(0.25)
        assert codes(mlflow) == ["no-pain", "unknown"], f"no run after the second change; the worker said:\n{worker.output()}"
