"""The demo organisation of fixtures/demo-stack.yaml, as `seed_demo` makes it: the stack file
imported, every demo person given the demo password, and a past written in: the pain points'
ages, each stack entry's lifecycle history, two evaluations, one decided last year and one
running late now, and months of what the probes saw (apps.demo.usage)."""

from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.management.base import CommandError
from django.db import transaction

from apps.accounts.models import Team, User
from apps.catalog.models import Category
from apps.demo.usage import replay
from apps.evaluations.models import DecisionRecord, Evaluation, Trial, TrialLogEntry
from apps.painpoints.models import PainPoint
from apps.stack.models import Lifecycle, StackEntry
from apps.stackfile.importer import import_stack

DEMO_FILE = Path(settings.BASE_DIR) / "fixtures" / "demo-stack.yaml"
DEMO_PASSWORD = "stackledger-demo"
DEMO_LOGIN = f"Log in as lead@example.com with password {DEMO_PASSWORD}"

# How long ago each pain point was logged.
PAIN_AGES = {
    "Nobody knows which model is in production": 420,
    "Predictions are served from a notebook kernel": 400,
    "We find out about bad predictions from customers": 380,
    "Retraining the churn model by hand takes a day each month": 300,
    "Fraud scorer has no monitoring of its predictions": 120,
    "We might need a feature store once we have more models": 60,
}

# Each stack entry's lifecycle as it happened: (days ago, lifecycle, note), oldest first.
HISTORY = {
    "MLflow": [(417, "proposed", ""), (410, "evaluating", "One-week trial against the churn model."),
               (402, "adopted", "Trial logged every churn run end to end.")],
    "Airflow": [(297, "proposed", ""), (290, "evaluating", "Added a retraining DAG next to the warehouse DAGs."),
                (283, "adopted", "Match existing infrastructure: Airflow already runs next door.")],
    "FastAPI": [(402, "proposed", ""), (395, "adopted", "Hand-rolled service behind the existing load balancer.")],
    "Prometheus": [(382, "proposed", ""), (375, "adopted", "Scrapes the FastAPI services.")],
    "Grafana": [(382, "proposed", ""), (375, "adopted", "One dashboard per model.")],
    "Weights & Biases": [(800, "adopted", "In use before the stack was recorded.")],
    "Neptune": [(900, "adopted", "In use before the stack was recorded."),
                (30, "flagged", "The hosted service was wound down; nobody logs to it.")],
    "Prefect": [(21, "proposed", ""), (14, "evaluating", "Trial of a retraining flow for the fraud scorer.")],
    "Feast": [(55, "proposed", "Raised after the feature store pain point was logged.")],
    "Kubeflow Pipelines": [(337, "proposed", ""), (330, "evaluating", "Looked at it before Airflow."),
                           (325, "rejected", "Kubernetes-native; we do not run Kubernetes.")],
    "Seldon Core": [(760, "adopted", "Installed for an A/B test that never happened."),
                    (380, "flagged", "No deployment in six months."),
                    (365, "retired", "Replaced by FastAPI at the annual review.")],
}


def has_organisation() -> bool:
    """Whether the database has people, teams or a stack already."""
    return User.objects.exists() or Team.objects.exists() or StackEntry.objects.exists()


@transaction.atomic
def seed(now) -> None:
    """Import the demo stack file and back-date it from `now`, in one transaction."""
    outcome = import_stack(DEMO_FILE.read_bytes(), commit=True, read_credentials=True, now=now)
    if not outcome.ok:
        raise CommandError("The demo stack file is invalid:\n" + "\n".join(outcome.errors))
    backdate(now)
    replay(now, lead=User.objects.get(email="lead@example.com"))


def backdate(now) -> None:
    """Give the demo a past: passwords to log in with, pain point ages, lifecycle history."""
    lead = User.objects.get(email="lead@example.com")
    for user in User.objects.all():
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    for title, days in PAIN_AGES.items():
        PainPoint.objects.filter(title=title).update(created_at=now - timedelta(days=days), reported_by=lead)
    for entry in StackEntry.objects.select_related("tool"):
        history = HISTORY[entry.tool.name]
        if history[-1][1] != entry.lifecycle:
            raise CommandError(f"The demo history of {entry.tool} does not end {entry.lifecycle}")
        entry.transitions.all().delete()
        previous = ""
        for days, lifecycle, note in history:
            at = now - timedelta(days=days)
            entry.transitions.create(from_lifecycle=previous, to_lifecycle=lifecycle, by=lead, at=at, note=note)
            if lifecycle == Lifecycle.ADOPTED:
                entry.adopted_on = at.date()
            if lifecycle == Lifecycle.RETIRED:
                entry.retired_on = at.date()
            previous = lifecycle
        entry.save(update_fields=["adopted_on", "retired_on"])
    demo_evaluations(now, lead)


def demo_evaluations(now, lead) -> None:
    """A decided evaluation from last year, and one running late now."""
    eva = User.objects.get(email="eva@example.com")
    orchestration = Category.objects.get(key="pipeline-orchestration")
    retraining = PainPoint.objects.get(title="Retraining the churn model by hand takes a day each month")
    past = Evaluation.objects.create(
        title="An orchestrator for retraining", category=orchestration, created_by=lead,
        created_at=now - timedelta(days=331), use_case="Retrain the churn model weekly and register the result.",
    )
    past.pain_points.set([retraining])
    start = (now - timedelta(days=330)).date()
    airflow = Trial.objects.create(
        evaluation=past, entry=StackEntry.objects.get(tool__name="Airflow"), owner=lead, start_on=start,
        finished_on=start + timedelta(days=7), state=Trial.State.DONE, ran_end_to_end=True,
        integration_friction=5, integration_notes="A DAG beside the warehouse loads; no new infrastructure.",
        documentation_quality=4, documentation_notes="Good, if sprawling.",
        operational_overhead=5, operational_notes="Data engineering already runs it.",
    )
    Trial.objects.create(
        evaluation=past, entry=StackEntry.objects.get(tool__name="Kubeflow Pipelines"), owner=eva, start_on=start,
        finished_on=start + timedelta(days=5), state=Trial.State.DONE, ran_end_to_end=False,
        integration_friction=1, integration_notes="Needs a Kubernetes cluster we do not run.",
        documentation_quality=3, operational_overhead=1, operational_notes="A platform engineer, full time.",
    )
    TrialLogEntry.objects.create(trial=airflow, day=start + timedelta(days=1), author=lead,
                                 text="Retraining DAG running against the warehouse snapshot.")
    DecisionRecord.objects.create(
        evaluation=past, title="Orchestrate retraining with Airflow", chosen=airflow,
        context="Retraining is a sequence of notebooks one data scientist runs by hand; the trials set out to show "
                "that an orchestrator runs it unattended, with retries.",
        outcome="Airflow already runs next door: adding ML pipelines to it is lower overhead than a parallel orchestrator.",
        consequences="Data engineering reviews the retraining DAGs.", status=DecisionRecord.Status.ACCEPTED,
        revisit_by=(now + timedelta(days=34)).date(), created_by=lead, created_at=now - timedelta(days=322),
        accepted_at=now - timedelta(days=322), accepted_by=lead,
    )
    current = Evaluation.objects.create(
        title="A retraining flow for the fraud scorer", category=orchestration, created_by=eva,
        created_at=now - timedelta(days=15), use_case="Retrain the fraud scorer nightly from the payments stream.",
    )
    current.pain_points.set([retraining])
    prefect = Trial.objects.create(evaluation=current, entry=StackEntry.objects.get(tool__name="Prefect"), owner=eva,
                                   start_on=(now - timedelta(days=14)).date(), state=Trial.State.OVERDUE,
                                   integration_friction=4, documentation_quality=5)
    TrialLogEntry.objects.create(trial=prefect, day=(now - timedelta(days=13)).date(), author=eva,
                                 text="Flow deployed locally in an hour; the docs are excellent.")
