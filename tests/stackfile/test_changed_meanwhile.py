"""A file is checked without a transaction, then applied: what changed in between.

Checking a large file takes seconds, and people go on working meanwhile. Applying refuses,
writing nothing, when a row the file changes was changed or removed since it was read: the
checks held for the row as it was. What applying reads of rows the file only names (the status
of a pain point a new entry answers) it reads again. What runs write meanwhile (a probe's
results) is neither a reason to refuse nor overwritten.
"""

import pytest

from apps.accounts.models import Team
from apps.catalog.models import Tool
from apps.lib import yamlio
from apps.painpoints.models import PainPoint, StatusChange
from apps.probes.models import Probe
from apps.stack.models import Lifecycle, StackEntry
from apps.stackfile.applying import apply
from apps.stackfile.importer import _Importer
from tests.conftest import NOW

pytestmark = pytest.mark.usefixtures("catalog")
STALE = "the stack changed while the file was being checked"


def checked(text: str, by=None):
    importer = _Importer(by=by, read_credentials=False, now=NOW)
    importer.run(yamlio.load(text))
    assert importer.outcome.ok, importer.outcome.errors
    return importer


@pytest.fixture
def mlflow(alice):
    return StackEntry.objects.create(tool=Tool.objects.get(name="MLflow"), owner=alice)


def test_a_row_changed_meanwhile_refuses_the_whole_file(mlflow):
    importer = checked("version: 1\nteams:\n  - {name: Data}\nstack:\n"
                       "  - {tool: MLflow, filters: {capability: {verdict: fail, rationale: too heavy}}}\n")
    StackEntry.objects.filter(pk=mlflow.pk).update(capability="pass", integration="pass", operational_cost="pass",
                                                   lifecycle=Lifecycle.ADOPTED)
    assert apply(importer.steps, by=None, now=NOW).startswith(STALE + " (stack entry MLflow was changed meanwhile)")
    mlflow.refresh_from_db()
    assert mlflow.capability == "pass" and mlflow.lifecycle == Lifecycle.ADOPTED
    assert not Team.objects.filter(name="Data").exists()  # nothing of the file is kept


def test_a_row_removed_meanwhile_refuses_the_file(mlflow):
    importer = checked("version: 1\nstack:\n  - {tool: MLflow, status: evaluating}\n")
    mlflow.delete()
    assert "stack entry MLflow was removed meanwhile" in apply(importer.steps, by=None, now=NOW)
    assert not StackEntry.objects.exists()


def test_a_probe_keeps_what_it_was_given_and_what_its_runs_wrote(mlflow):
    probe = Probe.objects.create(entry=mlflow, kind="mlflow", url="http://mlflow.internal:5000")
    probe.set_credential("first")
    probe.save()
    importer = checked("version: 1\nstack:\n  - {tool: MLflow, probe: {kind: mlflow, "
                       "url: 'http://mlflow.internal:5000', interval_minutes: 30}}\n")
    Probe.objects.filter(pk=probe.pk).update(consecutive_failures=2, last_error="HTTP 503 from /api")
    assert apply(importer.steps, by=None, now=NOW) == ""
    probe.refresh_from_db()
    assert probe.interval_minutes == 30 and probe.credential() == "first"
    assert probe.consecutive_failures == 2 and probe.last_error == "HTTP 503 from /api"

    importer = checked("version: 1\nstack:\n  - {tool: MLflow, probe: {kind: mlflow, "
                       "url: 'http://mlflow.internal:5000', interval_minutes: 45}}\n")
    probe.set_credential("second")  # its page gives it a new credential meanwhile
    probe.save()
    assert "probe" in apply(importer.steps, by=None, now=NOW)
    probe.refresh_from_db()
    assert probe.interval_minutes == 30 and probe.credential() == "second"


def test_a_pain_point_dismissed_meanwhile_is_not_addressed_by_a_new_entry():
    pain = PainPoint.objects.create(title="Which model is live?", evidence="a rollback")
    importer = checked("version: 1\nstack:\n  - {tool: Weights & Biases, status: adopted, "
                       "pain_points: ['Which model is live?']}\n")
    pain.set_status("dismissed", by=None, now=NOW, note="not ours")
    assert apply(importer.steps, by=None, now=NOW) == ""
    pain.refresh_from_db()
    assert pain.status == "dismissed"
    assert list(StatusChange.objects.filter(pain_point=pain).values_list("to_status", flat=True)) == ["dismissed"]
