from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from apps.accounts.models import Team, User
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
    "Weights & Biases": [(500, "adopted", "In use before the stack was recorded.")],
    "Neptune": [(600, "adopted", "In use before the stack was recorded."),
                (30, "flagged", "The hosted service was wound down; nobody logs to it.")],
    "Prefect": [(21, "proposed", ""), (14, "evaluating", "Trial of a retraining flow for the fraud scorer.")],
    "Feast": [(55, "proposed", "Raised after the feature store pain point was logged.")],
    "Kubeflow Pipelines": [(337, "proposed", ""), (330, "evaluating", "Looked at it before Airflow."),
                           (325, "rejected", "Kubernetes-native; we do not run Kubernetes.")],
    "Seldon Core": [(700, "adopted", "Installed for an A/B test that never happened."),
                    (380, "flagged", "No deployment in six months."),
                    (365, "retired", "Replaced by FastAPI at the annual review.")],
}


class Command(BaseCommand):
    help = (
        "Fill an empty database with the demo organisation of fixtures/demo-stack.yaml. "
        "A database that already has people or a stack is left alone."
    )

    def handle(self, *args, **options):
        if User.objects.exists() or Team.objects.exists() or StackEntry.objects.exists():
            self.stdout.write("The database already has an organisation; seed_demo left it alone.")
            if User.objects.filter(email="lead@example.com").exists():
                self.stdout.write(DEMO_LOGIN)
            return
        with transaction.atomic():
            outcome = import_stack(DEMO_FILE.read_bytes(), commit=True, read_credentials=True)
            if not outcome.ok:
                raise CommandError("The demo stack file is invalid:\n" + "\n".join(outcome.errors))
            backdate(timezone.now())
        self.stdout.write(f"Demo organisation created. {DEMO_LOGIN}")


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
