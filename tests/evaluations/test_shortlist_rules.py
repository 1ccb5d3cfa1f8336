"""A shortlist stays inside its evaluation: its category's tools, never a tool in use, only
pain points named today; an evaluation can be called off with a reason."""

from datetime import UTC, datetime

import pytest

from apps.catalog.models import Category, Tool
from apps.evaluations.forms import DecisionForm, EvaluationForm
from apps.evaluations.models import Evaluation
from apps.evaluations.services import (
    EvaluationError,
    evaluation_cancel,
    evaluation_start,
    shortlist,
)
from apps.painpoints.models import PainPoint
from apps.stack.models import Lifecycle, StackEntry, Verdict
from apps.stack.services import filter_record

MONDAY = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def vectors(catalog):
    return Category.objects.get(key="vector-database")


@pytest.fixture
def pain(vectors):
    return PainPoint.objects.create(title="Retrieval over 3 million embeddings is slow", evidence="p95 4 s",
                                    category=vectors)


@pytest.fixture
def mlflow(catalog, alice):
    return StackEntry.objects.create(tool=Tool.objects.get(name="MLflow"), lifecycle=Lifecycle.ADOPTED, owner=alice)


def start(alice, pain, names, **kwargs):
    return evaluation_start(title="A vector database", category=pain.category, use_case="Top-10 search",
                            pain_points=[pain], tools=[Tool.objects.get(name=n) for n in names], by=alice,
                            now=MONDAY, **kwargs)


def vector_tools():
    return sorted(Tool.objects.filter(categories__key="vector-database").values_list("name", flat=True))


def test_a_shortlist_refuses_a_tool_of_another_category_and_touches_nothing(alice, pain, mlflow):
    candidate = vector_tools()[0]
    with pytest.raises(EvaluationError, match="Not vector database tools: MLflow"):
        start(alice, pain, [candidate, "MLflow"])
    mlflow.refresh_from_db()
    assert list(mlflow.pain_points.all()) == []
    assert mlflow.lifecycle == Lifecycle.ADOPTED and not mlflow.trials.exists()
    assert not Evaluation.objects.exists()


def test_a_tool_in_use_is_never_shortlisted(catalog, alice):
    pain = PainPoint.objects.create(title="Runs are lost", evidence="weekly",
                                    category=Category.objects.get(key="experiment-tracking"))
    mlflow = StackEntry.objects.create(tool=Tool.objects.get(name="MLflow"), lifecycle=Lifecycle.ADOPTED, owner=alice)
    with pytest.raises(EvaluationError, match="Already in the stack: MLflow"):
        start(alice, pain, ["MLflow", "Weights & Biases"])
    assert list(mlflow.pain_points.all()) == [] and not mlflow.trials.exists()


def test_the_form_offers_only_candidates_of_the_category_and_pain_named_today(alice, pain, mlflow, vectors):
    PainPoint.objects.create(title="We may need semantic search one day", anticipated=True, category=vectors)
    PainPoint.objects.create(title="Runs are lost", category=Category.objects.get(key="experiment-tracking"))
    form = EvaluationForm(initial={"category": vectors.pk})
    assert sorted(t.name for t in form.fields["tools"].queryset) == vector_tools()
    assert [p.title for p in form.fields["pain_points"].queryset] == [pain.title]
    assert not EvaluationForm().fields["tools"].queryset.exists()  # no category yet: nothing to pick


def test_an_anticipated_pain_point_cannot_start_an_evaluation(alice, vectors):
    someday = PainPoint.objects.create(title="We may need semantic search", anticipated=True, category=vectors)
    with pytest.raises(EvaluationError, match="Anticipated, not felt today"):
        start(alice, someday, vector_tools()[:2])


def test_the_new_evaluation_page_lists_the_category_tools_as_checkboxes(evaluator_client, pain, vectors):
    page = evaluator_client.get(f"/evaluations/new/?category={vectors.pk}&title=Kept").content.decode()
    for name in vector_tools():
        assert f"> {name}</label>" in page
    assert "MLflow" not in page
    assert 'value="Kept"' in page  # what was typed survives the category change


def test_cancelling_puts_candidates_and_pain_back_with_the_reason(alice, pain):
    evaluation = start(alice, pain, vector_tools()[:2])
    cancelled = evaluation_cancel(evaluation, reason="The retrieval project was shelved", by=alice, now=MONDAY)
    assert cancelled.is_cancelled and cancelled.cancel_reason == "The retrieval project was shelved"
    for trial in evaluation.trials.select_related("entry"):
        assert trial.entry.lifecycle == Lifecycle.PROPOSED
        assert trial.finished_on == MONDAY.date()
        assert "shelved" in trial.entry.transitions.last().note
    pain.refresh_from_db()
    assert pain.status == PainPoint.Status.OPEN
    assert "shelved" in pain.status_changes.last().note


def test_cancelling_needs_a_reason_and_happens_once(alice, pain):
    evaluation = start(alice, pain, vector_tools()[:2])
    with pytest.raises(EvaluationError, match="Say why"):
        evaluation_cancel(evaluation, reason="  ", by=alice, now=MONDAY)
    evaluation_cancel(evaluation, reason="Shelved", by=alice, now=MONDAY)
    with pytest.raises(EvaluationError, match="cancelled already"):
        evaluation_cancel(evaluation, reason="Again", by=alice, now=MONDAY)


def test_a_draft_that_was_cancelled_takes_no_shortlist(alice, pain, vectors):
    draft = Evaluation.objects.create(title="Replace the vector store", category=vectors, use_case="search")
    evaluation_cancel(draft, reason="Kept the current one", by=alice, now=MONDAY)
    with pytest.raises(EvaluationError, match="is cancelled"):
        shortlist(draft, tools=list(Tool.objects.filter(name__in=vector_tools()[:2])), by=alice, now=MONDAY)


def test_a_lead_cancels_from_the_page_and_the_reason_stays(lead_client, alice, pain):
    evaluation = start(alice, pain, vector_tools()[:2])
    assert "Cancel the evaluation" in lead_client.get(f"/evaluations/{evaluation.pk}/").content.decode()
    refused = lead_client.post(f"/evaluations/{evaluation.pk}/cancel/", {"reason": ""})
    assert refused.status_code == 200 and "This field is required" in refused.content.decode()
    lead_client.post(f"/evaluations/{evaluation.pk}/cancel/", {"reason": "Budget moved to serving"})
    page = lead_client.get(f"/evaluations/{evaluation.pk}/").content.decode()
    assert "cancelled" in page and "Budget moved to serving" in page
    assert "Record the decision" not in page


def test_an_evaluator_cannot_cancel(evaluator_client, alice, pain):
    evaluation = start(alice, pain, vector_tools()[:2])
    assert evaluator_client.post(f"/evaluations/{evaluation.pk}/cancel/", {"reason": "x"}).status_code == 403
    assert not Evaluation.objects.get().is_cancelled


def test_a_candidate_rejected_mid_trial_shows_rejected_and_cannot_be_chosen(lead_client, alice, pain):
    first, second = vector_tools()[:2]
    evaluation = start(alice, pain, [first, second])
    rejected = StackEntry.objects.get(tool__name=first)
    filter_record(entry=rejected, name="operational_cost", verdict=Verdict.FAIL,
                  rationale="Needs a dedicated operator", by=alice, now=MONDAY)
    form = DecisionForm(evaluation=evaluation)
    assert [t.entry.tool.name for t in form.fields["chosen"].queryset] == [second]
    page = lead_client.get(f"/evaluations/{evaluation.pk}/compare/").content.decode()
    assert "Rejected during its trial: Failed the operational cost filter: Needs a dedicated operator" in page
    assert "It cannot be chosen." in page
