import pytest

from apps.accounts.models import Team, User
from apps.painpoints.models import PainPoint
from apps.probes.models import Probe
from apps.stack.models import LifecycleTransition, MLModel, StackEntry

STACK_FILE = """\
version: 1
teams:
  - name: Platform
users:
  - {email: lead@example.com, name: Lee Lead, role: lead, team: Platform}
pain_points:
  - title: Nobody knows which model is in production
    category: experiment-tracking
    team: Platform
    evidence: Rolled back the wrong model on 2026-03-02
    anticipated: false
stack:
  - tool: MLflow
    status: adopted
    owner: lead@example.com
    team: Platform
    pain_points: [Nobody knows which model is in production]
    filters:
      capability: {verdict: pass, rationale: answers which model runs where}
      integration: {verdict: pass, rationale: runs beside our Postgres}
      operational_cost: {verdict: pass, rationale: half a day a month}
    cost: {licence_per_month: 0, ops_hours_per_month: 4}
    probe:
      kind: mlflow
      url: http://mlflow.internal:5000
      credential_env: MLFLOW_TRACKING_TOKEN
      interval_minutes: 60
      unused_after_days: 90
"""

# The same file as a lead uploads it: a lead does not manage people, so it names alice (the
# lead of tests/conftest.py) as the owner instead of adding one.
LEADS_FILE = STACK_FILE.replace(
    "users:\n  - {email: lead@example.com, name: Lee Lead, role: lead, team: Platform}\n", ""
).replace("lead@example.com", "alice@example.com")


def snapshot():
    """Everything an import may write, to compare before and after."""
    return [
        sorted(Team.objects.values_list("name", "description")),
        sorted(User.objects.values_list("email", "name", "team__name", "is_active")),
        sorted(PainPoint.objects.values_list("title", "evidence", "anticipated", "status")),
        sorted(StackEntry.objects.values_list("tool__name", "lifecycle", "owner__email", "licence_per_month")),
        sorted(Probe.objects.values_list("entry__tool__name", "kind", "url", "credential_token")),
        sorted(MLModel.objects.values_list("name", "stage")),
        LifecycleTransition.objects.count(),
    ]


@pytest.fixture
def stack_file():
    return STACK_FILE
