from datetime import datetime, timedelta
from decimal import Decimal

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from apps.accounts.models import Team, User
from apps.accounts.roles import EVALUATOR, LEAD, VIEWER
from apps.catalog.models import Category, Tool
from apps.painpoints.models import PainPoint
from apps.stack.models import Lifecycle, MLModel, StackEntry, Verdict

DEMO_PASSWORD = "stackledger-demo"

TEAMS = {
    "Platform": "Runs the shared ML platform.",
    "Data Science": "Builds and trains the models.",
    "Data Engineering": "Owns the data pipelines and Airflow.",
}

# email, name, role, team, active
PEOPLE = [
    ("lead@example.com", "Lee Lead", LEAD, "Platform", True),
    ("eva@example.com", "Eva Evaluator", EVALUATOR, "Data Science", True),
    ("sam@example.com", "Sam Pipeline", EVALUATOR, "Data Engineering", True),
    ("vic@example.com", "Vic Viewer", VIEWER, "Data Science", True),
    ("former@example.com", "Former Owner", EVALUATOR, "Data Science", False),
]

# title, category, team, severity, anticipated, status, days ago, description, evidence
PAIN_POINTS = [
    ("Nobody knows which model is in production", "experiment-tracking", "Data Science", "high",
     False, "addressed", 420, "Two people retrained the churn model from different notebooks.",
     "Rolled back the wrong model on 2025-09-02; took a day to find the right artefact."),
    ("Retraining the churn model by hand takes a day each month", "pipeline-orchestration",
     "Data Science", "medium", False, "addressed", 300,
     "Retraining is a sequence of notebooks run by one person.",
     "12 hours a month of one data scientist; missed the March refresh while they were away."),
    ("Predictions are served from a notebook kernel", "model-serving", "Platform", "critical",
     False, "addressed", 400, "The churn score API is a notebook behind a tunnel.",
     "Three outages in Q3 2025 when the kernel restarted."),
    ("We find out about bad predictions from customers", "monitoring", "Platform", "high", False,
     "addressed", 380, "Nobody sees latency or drift until a support ticket arrives.",
     "Two tickets in October 2025 about stale fraud scores."),
    ("We might need a feature store once we have more models", "feature-store", "Data Science",
     "low", True, "open", 60, "Several models may one day share customer features.", ""),
    ("Fraud scorer has no monitoring of its predictions", "monitoring", "Data Science", "high",
     False, "open", 120, "Prediction quality of the fraud scorer is not tracked anywhere.",
     "Precision dropped from 0.91 to 0.78 for two weeks in August before anyone noticed."),
]

# tool, lifecycle, owner, team, pain titles, verdicts (cap, int, ops) with rationales,
# licence, hours, history as (days ago, lifecycle, note)
STACK = [
    ("MLflow", "adopted", "lead@example.com", "Platform",
     ["Nobody knows which model is in production"],
     [("pass", "Answers which model runs where, with lineage."),
      ("pass", "Runs beside our PostgreSQL; the Python client is already in every image."),
      ("pass", "About half a day a month for upgrades.")],
     "0", "4", [(410, "evaluating", "One-week trial against the churn model."),
                (402, "adopted", "Trial logged every churn run end to end.")]),
    ("Airflow", "adopted", "sam@example.com", "Data Engineering",
     ["Retraining the churn model by hand takes a day each month"],
     [("pass", "Schedules the retraining sequence with retries."),
      ("pass", "Data engineering already runs Airflow for the warehouse loads."),
      ("pass", "Operated by data engineering already; no new on-call.")],
     "0", "6", [(290, "evaluating", "Added a retraining DAG next to the warehouse DAGs."),
                (283, "adopted", "Match existing infrastructure: Airflow already runs next door.")]),
    ("FastAPI", "adopted", "lead@example.com", "Platform",
     ["Predictions are served from a notebook kernel"],
     [("pass", "A small service per model is enough for our CPU models."),
      ("pass", "Behind the existing load balancer, deployed like our other services."),
      ("pass", "No new infrastructure to run.")],
     "0", "3", [(395, "adopted", "Hand-rolled service behind the existing load balancer.")]),
    ("Prometheus", "adopted", "lead@example.com", "Platform",
     ["We find out about bad predictions from customers"],
     [("pass", "Latency and error rates of the prediction services."),
      ("pass", "The platform team already scrapes every service."),
      ("pass", "Shared with the rest of the platform.")],
     "0", "2", [(375, "adopted", "Scrapes the FastAPI services.")]),
    ("Grafana", "adopted", "lead@example.com", "Platform",
     ["We find out about bad predictions from customers"],
     [("pass", "Dashboards on top of Prometheus."),
      ("pass", "The company Grafana; one more folder."),
      ("pass", "Nothing extra to operate.")],
     "0", "1", [(375, "adopted", "One dashboard per model.")]),
    ("Weights & Biases", "adopted", "eva@example.com", "Data Science", [],
     [("pending", ""), ("pending", ""), ("pending", "")],
     "1200", "2", [(500, "adopted", "In use before the stack was recorded.")]),
    ("Neptune", "flagged", "former@example.com", "Data Science", [],
     [("pending", ""), ("pending", ""), ("pending", "")],
     "300", "1", [(600, "adopted", "In use before the stack was recorded."),
                  (30, "flagged", "The hosted service was wound down; nobody logs to it.")]),
    ("Prefect", "evaluating", "eva@example.com", "Data Science",
     ["Retraining the churn model by hand takes a day each month"],
     [("pass", "Pythonic flows the data scientists like."),
      ("pending", ""), ("pending", "")],
     "0", "0", [(14, "evaluating", "Trial of a retraining flow for the fraud scorer.")]),
    ("Feast", "proposed", None, "Data Science",
     ["We might need a feature store once we have more models"],
     [("pending", ""), ("pending", ""), ("pending", "")], "0", "0", []),
    ("Kubeflow Pipelines", "rejected", "eva@example.com", "Data Science",
     ["Retraining the churn model by hand takes a day each month"],
     [("pass", "Could express the retraining pipeline."),
      ("fail", "Needs a Kubernetes cluster we do not operate."),
      ("fail", "Would need a dedicated platform engineer.")],
     "0", "0", [(330, "evaluating", "Looked at it before Airflow."),
                (325, "rejected", "Kubernetes-native; we do not run Kubernetes.")]),
    ("Seldon Core", "retired", "lead@example.com", "Platform", [],
     [("pending", ""), ("pending", ""), ("pending", "")],
     "0", "0", [(700, "adopted", "Installed for an A/B test that never happened."),
                (380, "retired", "Replaced by FastAPI; nobody deployed to it in a year.")]),
]

# name, stage, team, owner, description, tracker, registry, serving, monitoring
MODELS = [
    ("churn-predictor", "production", "Data Science", "eva@example.com",
     "Scores every customer's churn risk nightly.", "MLflow", "MLflow", "FastAPI", "Prometheus"),
    ("fraud-scorer", "production", "Data Science", "eva@example.com",
     "Scores card payments in real time.", "MLflow", "MLflow", "FastAPI", None),
    ("demand-forecast", "development", "Data Science", "eva@example.com",
     "Weekly demand per store; still in notebooks.", "MLflow", None, None, None),
]


class Command(BaseCommand):
    help = "Fill an empty database with a realistic demo organisation (does nothing otherwise)."

    def handle(self, *args, **options):
        if Team.objects.exists() or StackEntry.objects.exists():
            self.stdout.write("The database already has an organisation; seed_demo left it alone.")
            return
        if not Tool.objects.exists():
            call_command("loaddata", "catalog", verbosity=0)
        with transaction.atomic():
            build_demo(timezone.now())
        self.stdout.write(
            f"Demo organisation created. Log in as lead@example.com with password {DEMO_PASSWORD}"
        )


def build_demo(now: datetime) -> None:
    teams = {name: Team.objects.create(name=name, description=text) for name, text in TEAMS.items()}
    people = {}
    for email, name, role, team, active in PEOPLE:
        user = User.objects.create_user(email, DEMO_PASSWORD, name=name, team=teams[team])
        user.is_active = active
        user.save()
        user.set_role(role)
        people[email] = user
    lead = people["lead@example.com"]

    pains = {}
    for title, category, team, severity, anticipated, status, days, text, evidence in PAIN_POINTS:
        pain = PainPoint.objects.create(
            title=title,
            category=Category.objects.get(key=category),
            team=teams[team],
            severity=severity,
            anticipated=anticipated,
            status=status,
            description=text,
            evidence=evidence,
            reported_by=lead,
        )
        PainPoint.objects.filter(pk=pain.pk).update(created_at=now - timedelta(days=days))
        pains[title] = pain

    entries = {}
    for tool, lifecycle, owner, team, pain_titles, verdicts, licence, hours, history in STACK:
        entry = StackEntry.objects.create(
            tool=Tool.objects.get(name=tool),
            owner=people.get(owner),
            team=teams[team],
            licence_per_month=Decimal(licence),
            ops_hours_per_month=Decimal(hours),
        )
        entry.pain_points.set([pains[title] for title in pain_titles])
        for field, (verdict, rationale) in zip(("capability", "integration", "operational_cost"), verdicts):
            setattr(entry, field, verdict)
            setattr(entry, f"{field}_rationale", rationale)
        entry.save()
        first = now - timedelta(days=(history[0][0] + 7) if history else 3)
        entry.transitions.create(to_lifecycle=Lifecycle.PROPOSED, by=lead, at=first)
        _replay(entry, history, lead, now)
        assert entry.lifecycle == lifecycle, (tool, entry.lifecycle)
        entries[tool] = entry

    for name, stage, team, owner, text, *path in MODELS:
        tracker, registry, serving, monitoring = (entries.get(tool) for tool in path)
        MLModel.objects.create(
            name=name, stage=stage, team=teams[team], owner=people[owner], description=text,
            tracker=tracker, registry=registry, serving=serving, monitoring=monitoring,
        )


def _replay(entry: StackEntry, history, by, now) -> None:
    """Walk the entry through its recorded history. Entries adopted before anyone assessed
    them (legacy) go straight to adopted, as they did in real life."""
    for days_ago, lifecycle, note in history:
        when = now - timedelta(days=days_ago)
        if lifecycle == Lifecycle.ADOPTED and entry.adoption_blockers():
            entry.transitions.create(
                from_lifecycle=entry.lifecycle, to_lifecycle=lifecycle, by=by, at=when, note=note
            )
            entry.lifecycle = lifecycle
            entry.adopted_on = when.date()
            entry.save()
        else:
            entry.move_to(lifecycle, by=by, now=when, note=note)
