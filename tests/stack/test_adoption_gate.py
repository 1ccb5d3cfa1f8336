import pytest

from apps.catalog.models import Tool
from apps.painpoints.models import PainPoint
from apps.stack.models import Lifecycle, StackEntry
from apps.stack.services import filter_record
from tests.conftest import NOW


@pytest.fixture
def entry(catalog, alice):
    created = StackEntry.objects.create(tool=Tool.objects.get(name="MLflow"), lifecycle=Lifecycle.EVALUATING)
    created.transitions.create(to_lifecycle="evaluating", by=alice)
    return created


def post_filter(client, entry, name, verdict, rationale="", htmx=True):
    headers = {"HX-Request": "true"} if htmx else {}
    return client.post(f"/stack/{entry.pk}/filters/{name}/", {"verdict": verdict, "rationale": rationale}, headers=headers)


def test_a_lead_passes_a_filter_inline(lead_client, entry):
    response = post_filter(lead_client, entry, "capability", "pass", "answers which model runs where")
    page = response.content.decode()
    assert page.lstrip().startswith('<section class="card gate" id="adoption-gate"')
    assert 'id="entry-timeline" hx-swap-oob="true"' in page
    entry.refresh_from_db()
    assert (entry.capability, entry.capability_rationale) == ("pass", "answers which model runs where")


def test_a_verdict_needs_a_rationale(lead_client, entry):
    page = post_filter(lead_client, entry, "integration", "pass", "  ").content.decode()
    assert "every verdict carries a rationale" in page
    entry.refresh_from_db()
    assert entry.integration == "pending"


def test_a_failed_filter_rejects_the_entry_and_keeps_why(lead_client, entry, alice):
    page = post_filter(lead_client, entry, "operational_cost", "fail", "needs a dedicated admin").content.decode()
    entry.refresh_from_db()
    assert entry.lifecycle == Lifecycle.REJECTED
    assert entry.operational_cost_rationale == "needs a dedicated admin"
    step = entry.transitions.last()
    assert (step.to_lifecycle, step.by, step.note) == (
        "rejected", alice, "Failed the operational cost filter: needs a dedicated admin")
    assert "Failed the operational cost filter: needs a dedicated admin" in page
    assert "Rejected" in page


def test_failing_a_filter_of_a_tool_in_use_flags_it_for_removal(entry, alice):
    StackEntry.objects.filter(pk=entry.pk).update(lifecycle=Lifecycle.ADOPTED)
    filter_record(entry=entry, name="integration", verdict="fail", rationale="needs glue code now", by=alice, now=NOW)
    entry.refresh_from_db()
    assert entry.lifecycle == Lifecycle.FLAGGED


def test_adopting_through_the_gate(lead_client, entry, alice):
    for name in ("capability", "integration", "operational_cost"):
        post_filter(lead_client, entry, name, "pass", f"{name} is fine")
    page = lead_client.get(f"/stack/{entry.pk}/").content.decode()
    assert "Not ready to adopt" in page and "It has no owner." in page

    pain = PainPoint.objects.create(title="Which model is live?", evidence="rolled back the wrong one")
    response = lead_client.post(f"/stack/{entry.pk}/edit/", {
        "owner": alice.pk, "pain_points": [pain.pk], "licence_per_month": "0", "ops_hours_per_month": "4",
        "team": "", "notes": "",
    }, headers={"HX-Request": "true"})
    assert 'id="entry-details"' in response.content.decode()
    page = lead_client.get(f"/stack/{entry.pk}/").content.decode()
    assert "Adopt MLflow" in page

    lead_client.post(f"/stack/{entry.pk}/move/", {"lifecycle": "adopted"}, headers={"HX-Request": "true"})
    entry.refresh_from_db()
    assert entry.lifecycle == Lifecycle.ADOPTED
    pain.refresh_from_db()
    assert pain.status == PainPoint.Status.ADDRESSED


def test_an_unknown_filter_is_not_found(lead_client, entry):
    assert post_filter(lead_client, entry, "beauty", "pass", "pretty").status_code == 404


def test_evaluators_and_viewers_read_the_gate_without_forms(viewer_client, entry):
    entry.capability, entry.capability_rationale = "pass", "answers which model runs where"
    entry.save()
    page = viewer_client.get(f"/stack/{entry.pk}/").content.decode()
    assert "answers which model runs where" in page
    assert "filter-form" not in page and "Adopt MLflow" not in page
    assert post_filter(viewer_client, entry, "capability", "fail", "no").status_code == 403


def test_a_legacy_entry_stays_adopted_and_shows_as_unassessed(viewer_client, catalog):
    legacy = StackEntry.objects.create(tool=Tool.objects.get(name="Weights & Biases"), lifecycle=Lifecycle.ADOPTED)
    page = viewer_client.get(f"/stack/{legacy.pk}/").content.decode()
    assert "unassessed" in page and "Adopted before anyone assessed it" in page


def test_move_to_preselects_nothing(lead_client, catalog, alice):
    for name, lifecycle in [("Prefect", Lifecycle.PROPOSED), ("Airflow", Lifecycle.ADOPTED)]:
        entry = StackEntry.objects.create(tool=Tool.objects.get(name=name), lifecycle=lifecycle, owner=alice)
        page = lead_client.get(f"/stack/{entry.pk}/").content.decode()
        select = page.split('<select name="lifecycle" id="id_lifecycle"')[1].split("</select>")[0]
        assert select.startswith(' required><option value="" selected>Choose…</option>'), name
        assert select.count("selected") == 1
        assert lead_client.post(f"/stack/{entry.pk}/move/", {"lifecycle": ""}).status_code == 302
        entry.refresh_from_db()
        assert entry.lifecycle == lifecycle  # an empty choice moves nothing


def test_adopting_one_tracker_too_many_is_warned_before_the_click(lead_client, entry, alice):
    StackEntry.objects.create(tool=Tool.objects.get(name="Weights & Biases"), lifecycle=Lifecycle.ADOPTED, owner=alice)
    for name in ("capability", "integration", "operational_cost"):
        filter_record(entry=entry, name=name, verdict="pass", rationale="fine", by=alice, now=NOW)
    StackEntry.objects.filter(pk=entry.pk).update(owner=alice)
    entry.pain_points.add(PainPoint.objects.create(title="Which model is live?", evidence="rolled back"))
    page = lead_client.get(f"/stack/{entry.pk}/").content.decode()
    assert "Adopt MLflow" in page
    assert ("Experiment tracking allows one tool and already runs Weights &amp; Biases: adopting MLflow "
            "makes 2, an overlap.") in page
