from datetime import UTC, date, datetime, timedelta

import pytest

from apps.catalog.models import Category, Tool
from apps.evaluations.models import DecisionRecord, Trial
from apps.evaluations.services import (
    EvaluationError,
    decision_accept,
    decision_markdown,
    evaluation_start,
    trial_states_refresh,
)
from apps.notifications.models import Notification
from apps.painpoints.models import PainPoint
from apps.stack.models import Lifecycle, StackEntry, TransitionError
from tests.conftest import NOW

MONDAY = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def pain(catalog):
    return PainPoint.objects.create(
        title="Retraining takes a day by hand", evidence="12 hours a month",
        category=Category.objects.get(key="pipeline-orchestration"),
    )


def start(alice, pain, names=("Airflow", "Prefect"), **kwargs):
    return evaluation_start(
        title="An orchestrator for retraining", category=pain.category, use_case="Retrain churn weekly",
        pain_points=[pain], tools=[Tool.objects.get(name=n) for n in names], by=alice, now=MONDAY, **kwargs,
    )


@pytest.mark.parametrize("names", [("Airflow",), ("Airflow", "Prefect", "Metaflow", "Kubeflow Pipelines")])
def test_a_shortlist_has_two_or_three_tools(alice, pain, names):
    with pytest.raises(EvaluationError, match=f"two or three tools, not {len(names)}"):
        start(alice, pain, names)
    assert not StackEntry.objects.exists()


def test_an_evaluation_needs_an_open_pain_point(alice, pain):
    pain.status = PainPoint.Status.ADDRESSED
    pain.save()
    with pytest.raises(EvaluationError, match="already addressed or dismissed"):
        start(alice, pain)


def test_candidates_move_to_evaluating_and_trials_follow_one_another(alice, pain):
    evaluation = start(alice, pain, ("Airflow", "Prefect", "Metaflow"), start_on=date(2026, 3, 2))
    trials = list(evaluation.trials.order_by("start_on"))
    assert [t.start_on for t in trials] == [date(2026, 3, 2), date(2026, 3, 9), date(2026, 3, 16)]
    assert [t.state for t in trials] == ["running", "scheduled", "scheduled"]
    assert set(StackEntry.objects.values_list("lifecycle", flat=True)) == {"evaluating"}
    pain.refresh_from_db()
    assert pain.status == PainPoint.Status.EVALUATING


def test_side_by_side_trials_start_together(alice, pain):
    evaluation = start(alice, pain, start_on=date(2026, 3, 2), side_by_side=True)
    assert {t.start_on for t in evaluation.trials.all()} == {date(2026, 3, 2)}


def test_the_state_machine_follows_the_calendar():
    trial = Trial(time_box_days=7)
    assert trial.state_on(date(2026, 3, 1)) == "draft"
    trial.start_on = date(2026, 3, 2)
    assert trial.state_on(date(2026, 3, 1)) == "scheduled"
    assert trial.state_on(date(2026, 3, 2)) == "running"
    assert trial.state_on(date(2026, 3, 8)) == "running"
    assert trial.state_on(date(2026, 3, 9)) == "overdue"
    trial.finished_on = date(2026, 3, 10)
    assert trial.state_on(date(2026, 3, 11)) == "done"


def test_an_overdue_trial_emails_its_owner_once_a_day(alice, pain):
    start(alice, pain, start_on=date(2026, 3, 2), side_by_side=True)
    trial_states_refresh(now=MONDAY + timedelta(days=8))
    trial_states_refresh(now=MONDAY + timedelta(days=8, hours=3))
    assert set(Trial.objects.values_list("state", flat=True)) == {"overdue"}
    assert Notification.objects.filter(key__startswith="trial-overdue:").count() == 2  # one per trial
    trial_states_refresh(now=MONDAY + timedelta(days=9))
    assert Notification.objects.filter(key__startswith="trial-overdue:").count() == 4
    email = Notification.objects.filter(key__startswith="trial-overdue:").first()
    assert email.to == [alice.email] and "over its time box" in email.subject


def pass_gate(entry, owner):
    for name in ("capability", "integration", "operational_cost"):
        setattr(entry, name, "pass")
        setattr(entry, f"{name}_rationale", f"{name} fine in the trial")
    entry.owner = owner
    entry.save()


def test_accepting_adopts_the_chosen_tool_and_rejects_the_others(alice, pain):
    evaluation = start(alice, pain)
    airflow = evaluation.trials.get(entry__tool__name="Airflow")
    prefect = evaluation.trials.get(entry__tool__name="Prefect")
    pass_gate(airflow.entry, alice)
    prefect.entry.integration, prefect.entry.integration_rationale = "fail", "a second scheduler beside Airflow"
    prefect.entry.save()
    record = DecisionRecord.objects.create(evaluation=evaluation, title="Use Airflow", context="c",
                                           outcome="Airflow already runs next door.", chosen=airflow)
    decision_accept(record, by=alice, now=MONDAY + timedelta(days=14))
    airflow.entry.refresh_from_db()
    prefect.entry.refresh_from_db()
    assert airflow.entry.lifecycle == Lifecycle.ADOPTED
    assert prefect.entry.lifecycle == Lifecycle.REJECTED
    assert "failed the integration filter: a second scheduler beside Airflow" in prefect.entry.transitions.last().note
    assert set(Trial.objects.values_list("state", flat=True)) == {"done"}
    record.refresh_from_db()
    assert (record.status, record.accepted_by) == ("accepted", alice)
    pain.refresh_from_db()
    assert pain.status == PainPoint.Status.ADDRESSED


def test_a_chosen_tool_that_cannot_pass_the_gate_changes_nothing(alice, pain):
    evaluation = start(alice, pain)
    airflow = evaluation.trials.get(entry__tool__name="Airflow")
    record = DecisionRecord.objects.create(evaluation=evaluation, title="Use Airflow", context="c", outcome="o", chosen=airflow)
    with pytest.raises(TransitionError):
        decision_accept(record, by=alice, now=NOW)
    record.refresh_from_db()
    assert record.status == "proposed"
    assert set(StackEntry.objects.values_list("lifecycle", flat=True)) == {"evaluating"}


def test_a_new_decision_supersedes_the_old_one(alice, pain):
    evaluation = start(alice, pain)
    airflow = evaluation.trials.get(entry__tool__name="Airflow")
    pass_gate(airflow.entry, alice)
    first = DecisionRecord.objects.create(evaluation=evaluation, title="Use Airflow", context="c", outcome="o", chosen=airflow)
    decision_accept(first, by=alice, now=NOW)
    second = DecisionRecord.objects.create(evaluation=evaluation, title="Keep Airflow", context="c", outcome="o",
                                           chosen=airflow, supersedes=first)
    decision_accept(second, by=alice, now=NOW)
    first.refresh_from_db()
    assert first.status == "superseded"


def test_the_markdown_export_reads_like_a_decision_record(alice, pain):
    evaluation = start(alice, pain)
    airflow = evaluation.trials.get(entry__tool__name="Airflow")
    Trial.objects.filter(pk=airflow.pk).update(integration_friction=5, documentation_quality=4, operational_overhead=4,
                                               ran_end_to_end=True)
    pass_gate(airflow.entry, alice)
    record = DecisionRecord.objects.create(evaluation=evaluation, title="Use Airflow for retraining",
                                           context="Retraining by hand costs a day a month.",
                                           outcome="Airflow already runs the warehouse loads.", consequences="One more DAG.",
                                           chosen=airflow, revisit_by=date(2027, 3, 1))
    decision_accept(record, by=alice, now=MONDAY)
    record.refresh_from_db()
    text = decision_markdown(record)
    assert text.startswith(f"# {record.number}. Use Airflow for retraining\n")
    assert "* Status: accepted\n* Date: 2026-03-02\n* Revisit by: 2027-03-01" in text
    assert "* Retraining takes a day by hand — 12 hours a month" in text
    assert "* Airflow: ran end to end; integration 5/5, documentation 4/5, operations 4/5; filters: capability pass" in text
    assert "## Decision outcome\n\nChosen: Airflow.\n\nAirflow already runs the warehouse loads." in text
    assert text.endswith("## Consequences\n\nOne more DAG.\n")
