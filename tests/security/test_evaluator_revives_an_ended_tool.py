"""An evaluator shortlists a rejected or a retired tool to bring it back under evaluation.

Shortlisting such a tool proposes it again, undoing the decision that ended it: that is a
lead's move. The start page, a draft's shortlist (what a review's "replace" leaves) and the
services themselves refuse it for an evaluator, name the tools and write nothing; a lead may.
"""

import re

import pytest

from apps.catalog.models import Category, Tool
from apps.evaluations.models import Evaluation, Trial
from apps.evaluations.services import EvaluationError, evaluation_start, shortlist
from apps.painpoints.models import PainPoint
from apps.stack.models import Lifecycle, LifecycleTransition, StackEntry
from tests.conftest import NOW

REFUSED = "Rejected or retired: Kubeflow Pipelines (rejected), Metaflow (retired)."


@pytest.fixture
def orchestration(catalog):
    return Category.objects.get(key="pipeline-orchestration")


@pytest.fixture
def pain(orchestration):
    return PainPoint.objects.create(title="Retraining by hand", evidence="a day a month", category=orchestration)


@pytest.fixture
def retired(catalog, alice):
    return StackEntry.objects.create(tool=Tool.objects.get(name="Metaflow"), lifecycle=Lifecycle.RETIRED, owner=alice)


@pytest.fixture
def rejected(catalog, alice):
    return StackEntry.objects.create(tool=Tool.objects.get(name="Kubeflow Pipelines"), lifecycle=Lifecycle.REJECTED,
                                     owner=alice)


@pytest.fixture
def draft(orchestration, pain, alice):
    """A draft evaluation without a shortlist, as a review's "replace" decision leaves one."""
    evaluation = Evaluation.objects.create(title="Replace Metaflow", category=orchestration, use_case="Retrain churn",
                                           created_by=alice, created_at=NOW)
    evaluation.pain_points.set([pain])
    return evaluation


def snapshot():
    """What an accepted shortlist would change."""
    return (
        sorted(StackEntry.objects.values_list("tool__name", "lifecycle")),
        LifecycleTransition.objects.count(),
        sorted(StackEntry.objects.filter(pain_points__isnull=False).values_list("tool__name", flat=True)),
        sorted(PainPoint.objects.values_list("title", "status")),
        Trial.objects.count(),
    )


def start_data(pain, *entries):
    return {"title": "Orchestrator", "category": pain.category_id, "pain_points": [pain.pk],
            "use_case": "Retrain churn weekly", "tools": [e.tool_id for e in entries], "time_box_days": 7}


def checkbox(page: str, tool: Tool) -> str:
    (tag,) = re.findall(rf'<input type="checkbox" name="tools" value="{tool.pk}"[^>]*>', page)
    return tag


def test_an_evaluator_posting_a_retired_and_a_rejected_tool_to_the_start_page_is_refused(
        evaluator_client, pain, retired, rejected):
    before = snapshot()
    response = evaluator_client.post("/evaluations/new/", start_data(pain, retired, rejected))
    assert response.status_code == 200
    assert REFUSED in response.content.decode()
    assert snapshot() == before
    assert not Evaluation.objects.exists()


def test_an_evaluator_calling_the_service_with_a_retired_and_a_rejected_tool_is_refused(bob, pain, retired, rejected):
    before = snapshot()
    with pytest.raises(EvaluationError, match=re.escape(REFUSED)):
        evaluation_start(title="Orchestrator", category=pain.category, use_case="Retrain churn", pain_points=[pain],
                         tools=[retired.tool, rejected.tool], by=bob, now=NOW)
    assert snapshot() == before
    assert not Evaluation.objects.exists()


def test_an_evaluator_cannot_revive_the_replaced_tool_through_a_drafts_shortlist(
        evaluator_client, bob, draft, retired, rejected):
    airflow = Tool.objects.get(name="Airflow")
    before = snapshot()
    page = evaluator_client.post(f"/evaluations/{draft.pk}/shortlist/", {
        "tools": [retired.tool_id, airflow.pk], "time_box_days": 7}, follow=True).content.decode()
    assert "Rejected or retired: Metaflow (retired)." in page
    with pytest.raises(EvaluationError, match=re.escape(REFUSED)):
        shortlist(draft, tools=[retired.tool, rejected.tool], by=bob, now=NOW)
    assert snapshot() == before
    assert not draft.trials.exists()
    assert not StackEntry.objects.filter(tool=airflow).exists()


def test_the_forms_show_an_evaluator_an_ended_tool_but_do_not_let_it_be_ticked(
        evaluator_client, pain, draft, retired, rejected):
    airflow = Tool.objects.get(name="Airflow")
    pages = [evaluator_client.get(f"/evaluations/new/?category={pain.category_id}").content.decode(),
             evaluator_client.get(f"/evaluations/{draft.pk}/").content.decode()]
    for page in pages:
        assert "disabled" in checkbox(page, retired.tool) and "disabled" in checkbox(page, rejected.tool)
        assert "disabled" not in checkbox(page, airflow)
        assert "Metaflow (retired: only a platform lead shortlists it again)" in page
        assert "Kubeflow Pipelines (rejected: only a platform lead shortlists it again)" in page


def test_a_lead_may_shortlist_a_retired_and_a_rejected_tool_again(lead_client, pain, retired, rejected):
    page = lead_client.get(f"/evaluations/new/?category={pain.category_id}").content.decode()
    assert "disabled" not in checkbox(page, retired.tool)
    assert "Metaflow (retired: shortlisting proposes it again)" in page
    response = lead_client.post("/evaluations/new/", start_data(pain, retired, rejected))
    assert response.status_code == 302
    assert Evaluation.objects.get().trials.count() == 2
    for entry, ended in [(retired, Lifecycle.RETIRED), (rejected, Lifecycle.REJECTED)]:
        entry.refresh_from_db()
        assert entry.lifecycle == Lifecycle.EVALUATING
        assert sorted(entry.transitions.values_list("from_lifecycle", "to_lifecycle")) == sorted(
            [(ended, Lifecycle.PROPOSED), (Lifecycle.PROPOSED, Lifecycle.EVALUATING)])


def test_a_lead_may_give_a_draft_a_shortlist_with_the_replaced_tool(alice, draft, retired):
    trials = shortlist(draft, tools=[retired.tool, Tool.objects.get(name="Airflow")], by=alice, now=NOW)
    assert len(trials) == 2
    retired.refresh_from_db()
    assert retired.lifecycle == Lifecycle.EVALUATING
