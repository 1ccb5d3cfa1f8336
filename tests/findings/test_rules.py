"""Each rule of the stack linter: a stack that breaks it, and one that keeps to it."""

from datetime import timedelta

import pytest

from apps.catalog.models import Tool
from apps.findings.rules import lint
from apps.findings.services import refresh
from apps.painpoints.models import PainPoint
from apps.stack.models import Lifecycle, MLModel, OrganisationProfile, StackEntry
from apps.stack.selectors import StackState
from tests.conftest import NOW

pytestmark = pytest.mark.usefixtures("clock")  # what is stored and what is linted share NOW


def entry(tool, lifecycle=Lifecycle.ADOPTED, *, owner=None, pains=()):
    created = StackEntry.objects.create(tool=Tool.objects.get(name=tool), lifecycle=lifecycle, owner=owner)
    created.pain_points.set(pains)
    return created


def pain(title, *, category="experiment-tracking", anticipated=False, **fields):
    from apps.catalog.models import Category

    return PainPoint.objects.create(
        title=title, category=Category.objects.get(key=category), anticipated=anticipated,
        evidence="" if anticipated else "It happened on Monday", **fields
    )


def findings(code):
    return [(f.subject, f.message) for f in lint(StackState.load(NOW)) if f.code == code]


@pytest.fixture
def profile(db):
    return OrganisationProfile.load()


# overlap ------------------------------------------------------------------------------

def test_two_trackers_in_use_overlap(catalog, alice):
    entry("MLflow", owner=alice)
    entry("Weights & Biases", Lifecycle.FLAGGED, owner=alice)
    found = findings("overlap")
    assert {subject for subject, _ in found} == {"MLflow", "Weights & Biases"}
    assert "one experiment tracking tool, not two (rule 3)" in found[0][1]


def test_a_crowded_category_names_five_tools_and_counts_the_rest(catalog):
    from apps.catalog.models import Category

    tracking = Category.objects.get(key="experiment-tracking")
    for n in range(7):
        tool = Tool.objects.create(name=f"Tracker {n}", slug=f"tracker-{n}", hosting="saas", complexity="low")
        tool.categories.set([tracking])
        entry(tool.name)
    found = findings("overlap")
    assert len(found) == 7
    assert "7 tools in use (Tracker 0, Tracker 1, Tracker 2, Tracker 3, Tracker 4 and 2 more)" in found[0][1]


def test_a_tracker_and_an_evaluated_candidate_do_not_overlap(catalog, alice):
    entry("MLflow", owner=alice)
    entry("Weights & Biases", Lifecycle.EVALUATING)
    entry("Prometheus")
    entry("Grafana")  # monitoring allows several tools
    assert findings("overlap") == []


# no-pain and anticipated-only ----------------------------------------------------------

def test_a_tool_in_use_without_a_pain_point_is_found(catalog):
    entry("MLflow")
    [(subject, message)] = findings("no-pain")
    assert subject == "MLflow" and "(rule 1)" in message


def test_a_tool_answering_a_named_pain_is_not(catalog):
    entry("MLflow", pains=[pain("Which model is live?")])
    entry("Prefect", Lifecycle.PROPOSED)  # not in use yet
    assert findings("no-pain") == []


def test_a_tool_answering_only_anticipated_needs_is_found(catalog):
    entry("Feast", pains=[pain("We may share features one day", category="feature-store", anticipated=True)])
    [(subject, message)] = findings("anticipated-only")
    assert subject == "Feast" and "anticipated need never justifies" in message
    assert findings("no-pain") == []


def test_one_named_pain_among_anticipated_ones_is_enough(catalog):
    entry("MLflow", pains=[pain("Maybe later", anticipated=True), pain("Which model is live?")])
    assert findings("anticipated-only") == []


# kubernetes-without-kubernetes --------------------------------------------------------

def test_a_kubernetes_native_tool_without_kubernetes_is_found(catalog, profile):
    entry("Seldon Core", Lifecycle.EVALUATING)
    [(subject, message)] = findings("kubernetes-without-kubernetes")
    assert subject == "Seldon Core" and "(rule 6)" in message


def test_a_kubernetes_native_tool_is_fine_where_kubernetes_runs(catalog, profile):
    profile.kubernetes_operated = True
    profile.save()
    entry("Seldon Core")
    entry("FastAPI")
    assert findings("kubernetes-without-kubernetes") == []


def test_a_retired_kubernetes_native_tool_is_not_found(catalog, profile):
    entry("Kubeflow Pipelines", Lifecycle.RETIRED)
    assert findings("kubernetes-without-kubernetes") == []


# discontinued -------------------------------------------------------------------------

def test_a_tool_of_a_discontinued_vendor_is_found(catalog):
    entry("Neptune", Lifecycle.FLAGGED)
    [(subject, message)] = findings("discontinued")
    assert subject == "Neptune" and "wound down in 2026" in message


def test_a_maintained_tool_is_not(catalog):
    entry("MLflow")
    entry("Neptune", Lifecycle.RETIRED)
    assert findings("discontinued") == []


# no-owner and inactive-owner ----------------------------------------------------------

def test_a_tool_in_use_without_an_owner_is_found(catalog):
    entry("MLflow")
    entry("Prefect", Lifecycle.EVALUATING)  # candidates need no owner yet
    assert [subject for subject, _ in findings("no-owner")] == ["MLflow"]


def test_an_owned_tool_is_not(catalog, alice):
    entry("MLflow", owner=alice)
    assert findings("no-owner") == []


def test_an_owner_who_left_is_found(catalog, alice):
    alice.is_active = False
    alice.save()
    entry("MLflow", owner=alice)
    [(subject, message)] = findings("inactive-owner")
    assert subject == "MLflow" and "no longer active" in message


def test_an_active_owner_is_fine(catalog, alice):
    entry("MLflow", owner=alice)
    assert findings("inactive-owner") == []


# no-trigger ---------------------------------------------------------------------------

def test_a_feature_store_without_its_trigger_is_found(catalog):
    entry("Feast", pains=[pain("Feature drift worries", category="feature-store", anticipated=True)])
    [(subject, message)] = findings("no-trigger")
    assert subject == "Feast" and "(rule 4)" in message and "incident" in message


def test_a_feature_store_after_its_incident_is_fine(catalog):
    entry("Feast", pains=[pain("Train/serve skew broke churn scores", category="feature-store")])
    entry("MLflow")  # in the minimum stack: no trigger needed
    assert findings("no-trigger") == []


# minimum-gap --------------------------------------------------------------------------

def test_models_in_production_without_serving_is_a_gap(catalog):
    MLModel.objects.create(name="churn", stage="production")
    entry("MLflow")
    gaps = {subject for subject, _ in findings("minimum-gap")}
    assert gaps == {"Pipeline orchestration", "Model serving", "Monitoring"}


def test_no_gap_is_found_before_a_model_is_in_production(catalog):
    MLModel.objects.create(name="churn", stage="development")
    assert findings("minimum-gap") == []


def test_a_complete_minimum_stack_has_no_gap(catalog):
    MLModel.objects.create(name="churn", stage="production")
    for tool in ["MLflow", "Airflow", "FastAPI", "Prometheus"]:
        entry(tool)
    assert findings("minimum-gap") == []


# parallel-orchestrator ----------------------------------------------------------------

def test_a_second_orchestrator_beside_the_data_teams_is_found(catalog, profile):
    profile.data_orchestrator = Tool.objects.get(name="Airflow")
    profile.save()
    entry("Airflow")
    entry("Prefect", Lifecycle.EVALUATING)
    [(subject, message)] = findings("parallel-orchestrator")
    assert subject == "Prefect" and "Airflow" in message and "(rule 6)" in message


def test_using_the_data_teams_orchestrator_is_fine(catalog, profile):
    profile.data_orchestrator = Tool.objects.get(name="Airflow")
    profile.save()
    entry("Airflow")
    assert findings("parallel-orchestrator") == []


def test_without_an_orchestrator_next_door_any_one_is_fine(catalog, profile):
    entry("Prefect")
    assert findings("parallel-orchestrator") == []


# stale-pain ---------------------------------------------------------------------------

def test_a_pain_open_for_90_days_with_no_evaluation_is_found(catalog):
    old = pain("Retraining by hand")
    PainPoint.objects.filter(pk=old.pk).update(created_at=NOW - timedelta(days=91))
    [(subject, message)] = findings("stale-pain")
    assert subject == "Retraining by hand" and "open for 91 days" in message


def test_a_recent_or_evaluated_or_dismissed_pain_is_not(catalog):
    recent = pain("Recent")
    evaluated = pain("Evaluated")
    dismissed = pain("Dismissed", status=PainPoint.Status.DISMISSED)
    long_ago = NOW - timedelta(days=200)
    PainPoint.objects.filter(pk__in=[evaluated.pk, dismissed.pk]).update(created_at=long_ago)
    entry("Prefect", Lifecycle.EVALUATING, pains=[evaluated])
    assert recent and findings("stale-pain") == []


# the page -----------------------------------------------------------------------------

def test_the_findings_page_lists_and_filters_by_rule(viewer_client, catalog):
    entry("MLflow")
    entry("Seldon Core")
    refresh(now=NOW)
    page = viewer_client.get("/findings/?rule=no-owner").content.decode()
    assert "MLflow" in page and "Seldon Core" in page and "kubernetes-without-kubernetes" not in page.split("<ul class=\"findings\">")[1]


def test_findings_show_as_badges_on_the_entry_and_the_overview(viewer_client, catalog):
    seldon = entry("Seldon Core")
    refresh(now=NOW)
    page = viewer_client.get(f"/stack/{seldon.pk}/").content.decode()
    assert "kubernetes-without-kubernetes" in page and "finding" in page
    overview = viewer_client.get("/").content.decode()
    assert f'href="/stack/{seldon.pk}/#findings"' in overview
