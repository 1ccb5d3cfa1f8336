"""What scripts write through the API goes through the pages' forms and services: a pain point
logged, a tool proposed, a filter's verdict, a trial's log entry and a heartbeat. A mistake
comes back as JSON that names the field; a rule of the domain refused, as 409."""

from datetime import timedelta

import pytest
from django.test import Client

from apps.catalog.models import Category, Tool
from apps.evaluations.services import evaluation_start
from apps.painpoints.models import PainPoint
from apps.probes import sweep
from apps.probes.models import Probe
from apps.stack.models import Lifecycle, StackEntry
from tests.api.conftest import bearer
from tests.conftest import NOW

PAIN = {"title": "Nobody knows which model is live", "evidence": "Rolled back the wrong model on 2 March",
        "category": "experiment-tracking", "team": "Platform", "severity": "high"}


def post(client, url, data=None, secret=None, headers=None):
    headers = {**(bearer(secret) if secret else {}), **(headers or {})}
    return client.post(url, data or {}, content_type="application/json", headers=headers)


def locs(response) -> list:
    return [error["loc"] for error in response.json()["detail"]]


# Pain points ------------------------------------------------------------------------------

def test_a_script_with_a_write_token_logs_a_pain_point(client, catalog, alice, write_token, viewer_client):
    response = post(client, "/api/v1/pain-points/", PAIN, write_token)
    assert response.status_code == 201
    logged = response.json()
    assert logged["title"] == PAIN["title"] and logged["status"] == "open"
    assert logged["category"] == {"key": "experiment-tracking", "name": "Experiment tracking"}
    assert logged["reported_by"]["email"] == alice.email
    assert [change["to_status"] for change in logged["status_changes"]] == ["open"]
    pain = PainPoint.objects.get()
    assert (pain.reported_by, pain.team.name, pain.severity) == (alice, "Platform", "high")
    assert PAIN["title"] in viewer_client.get("/pain-points/").content.decode()
    assert PAIN["evidence"] in viewer_client.get(f"/pain-points/{pain.pk}/").content.decode()


def test_a_pain_felt_today_needs_evidence_as_on_the_page(client, catalog, write_token):
    response = post(client, "/api/v1/pain-points/", {**PAIN, "evidence": "  "}, write_token)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "evidence"]
    assert "needs evidence" in response.json()["detail"][0]["msg"]
    assert post(client, "/api/v1/pain-points/", {**PAIN, "evidence": "", "anticipated": True}, write_token).status_code == 201


@pytest.mark.parametrize("change, field", [
    ({"category": "no-such-category"}, "category"),
    ({"team": "Nobody"}, "team"),
    ({"severity": "apocalyptic"}, "severity"),
    ({"title": ""}, "title"),
    ({"title": "x" * 201}, "title"),
    ({"title": "a\x00b"}, "title"),
    ({"anticipated": "maybe"}, "anticipated"),
])
def test_errors_name_the_field(client, catalog, write_token, change, field):
    response = post(client, "/api/v1/pain-points/", {**PAIN, **change}, write_token)
    assert response.status_code == 422
    assert locs(response) == [["body", field]]
    assert not PainPoint.objects.exists()


def test_a_missing_field_and_a_body_that_is_no_json(client, catalog, write_token):
    response = post(client, "/api/v1/pain-points/", {"evidence": "weekly"}, write_token)
    assert (response.status_code, locs(response)) == (422, [["body", "title"]])
    response = client.post("/api/v1/pain-points/", "{not json", content_type="application/json",
                           headers=bearer(write_token))
    assert (response.status_code, locs(response)) == (400, [["body"]])


def test_a_title_logged_already_is_refused(client, catalog, write_token):
    assert post(client, "/api/v1/pain-points/", PAIN, write_token).status_code == 201
    response = post(client, "/api/v1/pain-points/", PAIN, write_token)
    assert (response.status_code, locs(response)) == (422, [["body", "title"]])


def test_a_signed_in_evaluator_logs_with_the_csrf_token(catalog, bob):
    client = Client(enforce_csrf_checks=True)
    client.force_login(bob)
    response = post(client, "/api/v1/pain-points/", PAIN)
    assert (response.status_code, locs(response)) == (403, [["header", "X-CSRFToken"]])
    client.get("/pain-points/")  # any page sets the CSRF cookie
    response = post(client, "/api/v1/pain-points/", PAIN, headers={"X-CSRFToken": client.cookies["csrftoken"].value})
    assert response.status_code == 201
    assert PainPoint.objects.get().reported_by == bob


def test_a_signed_in_viewer_may_not_log(viewer_client, catalog):
    response = post(viewer_client, "/api/v1/pain-points/", PAIN)
    assert response.status_code == 403
    assert response.json()["detail"][0]["type"] == "forbidden"
    assert not PainPoint.objects.exists()


# Proposing a tool ---------------------------------------------------------------------------

def test_a_script_proposes_a_tool_once(client, catalog, alice, write_token):
    response = post(client, "/api/v1/tools/prefect/propose/", secret=write_token)
    assert response.status_code == 201
    entry = StackEntry.objects.get()
    assert response.json()["id"] == entry.pk and response.json()["lifecycle"] == "proposed"
    assert entry.transitions.get().by == alice
    again = post(client, "/api/v1/tools/prefect/propose/", secret=write_token)
    assert (again.status_code, again.json()["id"]) == (200, entry.pk)
    missing = post(client, "/api/v1/tools/no-such-tool/propose/", secret=write_token)
    assert (missing.status_code, locs(missing)) == (404, [["path", "slug"]])


def test_an_evaluator_proposes_too_and_a_viewer_does_not(evaluator_client, catalog, carol):
    assert post(evaluator_client, "/api/v1/tools/prefect/propose/").status_code == 201
    viewer = Client()
    viewer.force_login(carol)
    assert post(viewer, "/api/v1/tools/mlflow/propose/").status_code == 403
    assert list(StackEntry.objects.values_list("tool__name", flat=True)) == ["Prefect"]


# Adoption filters ------------------------------------------------------------------------

@pytest.fixture
def entry(catalog, alice):
    return StackEntry.objects.create(tool=Tool.objects.get(name="Prefect"), owner=alice)


def test_a_verdict_needs_its_rationale(client, entry, write_token):
    url = f"/api/v1/stack/{entry.pk}/filters/capability/"
    response = post(client, url, {"verdict": "pass"}, write_token)
    assert (response.status_code, locs(response)) == (422, [["body", "rationale"]])
    response = post(client, url, {"verdict": "pass", "rationale": "runs our nightly retraining"}, write_token)
    assert response.status_code == 200
    assert response.json()["filters"][0] == {"filter": "capability", "verdict": "pass",
                                             "rationale": "runs our nightly retraining"}


def test_a_failed_filter_rejects_the_candidate(client, entry, write_token):
    response = post(client, f"/api/v1/stack/{entry.pk}/filters/integration/",
                    {"verdict": "fail", "rationale": "needs its own database"}, write_token)
    assert response.json()["lifecycle"] == "rejected"
    entry.refresh_from_db()
    assert entry.lifecycle == Lifecycle.REJECTED
    assert "needs its own database" in entry.transitions.last().note


def test_a_filter_that_does_not_exist(client, entry, write_token):
    response = post(client, f"/api/v1/stack/{entry.pk}/filters/popularity/", {"verdict": "pass", "rationale": "x"}, write_token)
    assert (response.status_code, locs(response)) == (422, [["path", "name"]])


def test_only_leads_record_verdicts(evaluator_client, entry):
    response = post(evaluator_client, f"/api/v1/stack/{entry.pk}/filters/capability/", {"verdict": "pass", "rationale": "x"})
    assert response.status_code == 403


# Heartbeats ------------------------------------------------------------------------------

@pytest.fixture
def heartbeat(catalog, bob):
    entry = StackEntry.objects.create(tool=Tool.objects.get(name="MLflow"), lifecycle=Lifecycle.ADOPTED, owner=bob)
    return Probe.objects.create(entry=entry, kind="heartbeat")


def test_a_heartbeat_through_the_api_is_the_heartbeat_urls(client, heartbeat, write_token, monkeypatch):
    calls = []
    record = sweep.heartbeat
    monkeypatch.setattr(sweep, "heartbeat", lambda token, *, now: calls.append(token) or record(token, now=now))
    response = post(client, f"/api/v1/stack/{heartbeat.entry_id}/heartbeat/", secret=write_token)
    assert response.status_code == 200
    heartbeat.refresh_from_db()
    assert heartbeat.last_ping_at is not None
    assert response.json()["entry"] == heartbeat.entry_id
    assert Client().post(f"/hb/{heartbeat.heartbeat_token}/").status_code == 200
    assert calls == [heartbeat.heartbeat_token] * 2  # the API, then the URL: one function


def test_the_owner_records_a_heartbeat_and_others_may_not(heartbeat, bob, carol):
    for user, status in ((carol, 403), (bob, 200)):
        client = Client()
        client.force_login(user)
        assert post(client, f"/api/v1/stack/{heartbeat.entry_id}/heartbeat/").status_code == status


def test_an_entry_without_a_heartbeat_probe(client, entry, write_token):
    response = post(client, f"/api/v1/stack/{entry.pk}/heartbeat/", secret=write_token)
    assert (response.status_code, locs(response)) == (409, [["path", "pk"]])
    assert response.json()["detail"][0]["msg"] == "Prefect has no heartbeat probe."


# Trial logs ------------------------------------------------------------------------------

@pytest.fixture
def trial(catalog, alice):
    category = Category.objects.get(key="pipeline-orchestration")
    pain = PainPoint.objects.create(title="Retraining by hand", evidence="a day a month", category=category)
    evaluation = evaluation_start(
        title="An orchestrator", category=category, use_case="Retrain churn weekly", pain_points=[pain],
        tools=[Tool.objects.get(name="Airflow"), Tool.objects.get(name="Prefect")], by=alice, now=NOW,
    )
    return evaluation.trials.first()


def test_a_script_adds_to_a_trials_log(client, trial, alice, write_token, viewer_client):
    response = post(client, f"/api/v1/trials/{trial.pk}/log/", {"text": "The DAG ran end to end on day two."}, write_token)
    assert response.status_code == 201
    note = trial.log.get()
    assert (note.author, note.text) == (alice, "The DAG ran end to end on day two.")
    assert note.day == note.created_at.date()  # today, as the request saw it
    assert response.json()["day"] == note.day.isoformat()
    assert "The DAG ran end to end on day two." in viewer_client.get(f"/trials/{trial.pk}/").content.decode()
    yesterday = note.day - timedelta(days=1)
    post(client, f"/api/v1/trials/{trial.pk}/log/", {"text": "Docs thin.", "day": yesterday.isoformat()}, write_token)
    listed = client.get(f"/api/v1/trials/{trial.pk}/log/", headers=bearer(write_token)).json()
    assert [item["text"] for item in listed["items"]] == ["Docs thin.", "The DAG ran end to end on day two."]


def test_a_log_entry_needs_its_text(client, trial, write_token):
    for body in ({"text": ""}, {"text": " "}, {}):
        response = post(client, f"/api/v1/trials/{trial.pk}/log/", body, write_token)
        assert (response.status_code, locs(response)) == (422, [["body", "text"]]), body
    assert not trial.log.exists()
