from decimal import Decimal

import pytest
from django.core.management import call_command

from apps.accounts.models import Team, User
from apps.catalog.models import Tool
from apps.painpoints.models import PainPoint
from apps.probes.models import Probe
from apps.stack.models import Lifecycle, StackEntry
from apps.stackfile.importer import import_stack
from tests.conftest import NOW
from tests.stackfile.conftest import LEADS_FILE


@pytest.fixture
def token_env(monkeypatch):
    monkeypatch.setenv("MLFLOW_TRACKING_TOKEN", "mlflow-s3cret-token")


def test_it_applies_the_design_example(catalog, stack_file, token_env):
    outcome = import_stack(stack_file, commit=True, now=NOW)
    assert outcome.ok and outcome.applied, outcome.errors
    lead = User.objects.get(email="lead@example.com")
    assert (lead.name, lead.team.name, lead.role) == ("Lee Lead", "Platform", "lead")
    assert not lead.has_usable_password()
    entry = StackEntry.objects.get(tool__name="MLflow")
    assert (entry.lifecycle, entry.owner, entry.ops_hours_per_month) == ("adopted", lead, Decimal("4"))
    assert not entry.adoption_blockers()
    assert [(s.from_lifecycle, s.to_lifecycle, s.by) for s in entry.transitions.all()] == [("", "adopted", None)]
    assert entry.adopted_on is not None


def test_it_stores_the_credential_encrypted_from_the_named_variable(catalog, stack_file, token_env):
    import_stack(stack_file, commit=True, read_credentials=True, now=NOW)
    probe = Probe.objects.get(entry__tool__name="MLflow")
    assert probe.credential_env == "MLFLOW_TRACKING_TOKEN"
    assert "mlflow-s3cret-token" not in probe.credential_token
    assert probe.credential() == "mlflow-s3cret-token"


def test_a_missing_credential_variable_is_a_warning_not_an_error(catalog, stack_file, monkeypatch):
    monkeypatch.delenv("MLFLOW_TRACKING_TOKEN", raising=False)
    outcome = import_stack(stack_file, commit=True, read_credentials=True, now=NOW)
    assert outcome.applied
    assert outcome.warnings == [
        "line 26: stack[MLflow].probe.credential_env: MLFLOW_TRACKING_TOKEN is not set here, "
        "so the probe has no credential yet"
    ]
    assert not Probe.objects.get().has_credential


def test_an_upload_never_reads_the_servers_environment(catalog, stack_file, token_env):
    outcome = import_stack(stack_file, commit=True, now=NOW)  # as the import page calls it
    assert outcome.warnings == [
        "line 26: stack[MLflow].probe.credential_env: credentials are read only by "
        "`python manage.py import_stack`, so the probe has no credential yet"
    ]
    probe = Probe.objects.get()
    assert (probe.credential_env, probe.has_credential) == ("MLFLOW_TRACKING_TOKEN", False)


def test_a_later_upload_keeps_the_credential_the_command_stored(catalog, stack_file, token_env):
    import_stack(stack_file, commit=True, read_credentials=True, now=NOW)
    outcome = import_stack(stack_file.replace("unused_after_days: 90", "unused_after_days: 30"), commit=True, now=NOW)
    assert outcome.applied and outcome.warnings == []
    probe = Probe.objects.get()
    assert (probe.unused_after_days, probe.credential()) == (30, "mlflow-s3cret-token")


@pytest.mark.parametrize("name", ["SECRET_KEY", "DATABASE_URL", "EMAIL_HOST_PASSWORD", "FIELD_ENCRYPTION_KEYS", "SECRET_KEY_FILE"])
def test_a_probe_may_not_read_stackledgers_own_settings(catalog, stack_file, name):
    outcome = import_stack(stack_file.replace("MLFLOW_TRACKING_TOKEN", name), commit=True, read_credentials=True, now=NOW)
    assert outcome.errors == [
        f"line 26: stack[MLflow].probe.credential_env: {name} is one of Stackledger's own settings, not a probe credential"
    ]
    assert not Probe.objects.exists()


def test_changes_made_through_the_page_are_recorded_as_the_lead_s(catalog, stack_file, alice):
    assert import_stack(LEADS_FILE, commit=True, by=alice, now=NOW).applied
    step = StackEntry.objects.get().transitions.get()
    assert (step.to_lifecycle, step.by, step.note) == ("adopted", alice, "Imported from a stack file.")
    # Logged, then addressed by the adoption, as on the pages.
    assert [(c.to_status, c.by) for c in PainPoint.objects.get().status_changes.all()] == [
        ("open", alice), ("addressed", alice)]


def test_importing_twice_changes_nothing(catalog, stack_file, token_env):
    import_stack(stack_file, commit=True, now=NOW)
    entry = StackEntry.objects.get()
    updated_at = entry.updated_at
    outcome = import_stack(stack_file, commit=True, now=NOW)
    assert outcome.applied
    assert all(not c.added and not c.changed for _, c in outcome.sections())
    assert outcome.changes["stack"].unchanged == ["MLflow"]
    entry.refresh_from_db()
    assert entry.updated_at == updated_at
    assert entry.transitions.count() == 1


def test_it_updates_by_natural_key_and_keeps_what_the_file_leaves_out(catalog, stack_file, token_env):
    import_stack(stack_file, commit=True, now=NOW)
    StackEntry.objects.filter(tool__name="MLflow").update(notes="Upgrade to 3.x in Q1")
    changed = stack_file.replace("ops_hours_per_month: 4", "ops_hours_per_month: 6").replace(
        "status: adopted", "status: flagged"
    )
    outcome = import_stack(changed, commit=True, now=NOW)
    assert outcome.changes["stack"].changed == ["MLflow"]
    entry = StackEntry.objects.get()
    assert (entry.ops_hours_per_month, entry.lifecycle, entry.notes) == (Decimal("6"), "flagged", "Upgrade to 3.x in Q1")
    assert [s.to_lifecycle for s in entry.transitions.all()] == ["adopted", "flagged"]


def test_it_never_deletes_and_says_what_it_left_alone(catalog, stack_file, token_env, bob):
    import_stack(stack_file, commit=True, now=NOW)
    StackEntry.objects.create(tool=Tool.objects.get(name="Neptune"))
    outcome = import_stack(stack_file, commit=True, now=NOW)
    assert outcome.not_in_file["users"] == ["bob@example.com"]
    assert outcome.not_in_file["stack"] == ["Neptune"]
    assert "Stack entries not in the file, left as they are: Neptune" in outcome.summary_lines()
    assert StackEntry.objects.filter(tool__name="Neptune").exists()
    assert User.objects.filter(email="bob@example.com").exists()


def test_a_preview_writes_nothing(catalog, stack_file, token_env):
    outcome = import_stack(stack_file, commit=False, now=NOW)
    assert outcome.ok and not outcome.applied
    assert outcome.changes["stack"].added == ["MLflow"]
    assert not Team.objects.exists() and not StackEntry.objects.exists()


def test_it_loads_the_seed_catalogue_into_an_empty_database(db, stack_file, token_env):
    assert import_stack(stack_file, commit=True, now=NOW).applied
    assert StackEntry.objects.get().tool.categories.count() == 2


def test_extra_categories_and_tools_can_come_with_the_file(catalog):
    outcome = import_stack(
        """\
version: 1
categories:
  - {key: data-labelling, name: Data labelling, in_minimum_stack: false, trigger: Labels are a bottleneck}
tools:
  - name: Label Studio
    categories: [data-labelling]
    hosting: self-hosted
    complexity: medium
    best_for: Teams labelling their own data
stack:
  - {tool: Label Studio, status: proposed}
""",
        commit=True,now=NOW)
    assert outcome.applied, outcome.errors
    entry = StackEntry.objects.get()
    assert entry.lifecycle == Lifecycle.PROPOSED
    assert entry.tool.slug == "label-studio"
    assert list(entry.tool.categories.values_list("key", flat=True)) == ["data-labelling"]


def test_the_command_prints_the_summary(catalog, stack_file, token_env, tmp_path, capsys):
    path = tmp_path / "stack.yaml"
    path.write_text(stack_file)
    call_command("import_stack", str(path))
    out = capsys.readouterr().out
    assert "Stack entries: 1 added, 0 changed, 0 unchanged" in out
    assert "Applied." in out


def test_the_command_has_a_dry_run(catalog, stack_file, token_env, tmp_path, capsys):
    path = tmp_path / "stack.yaml"
    path.write_text(stack_file)
    call_command("import_stack", str(path), "--dry-run")
    assert "Dry run: nothing was changed." in capsys.readouterr().out
    assert not StackEntry.objects.exists()


SPRAWL = """\
version: 1
stack:
  - {tool: MLflow, status: adopted}
  - {tool: Weights & Biases, status: adopted}
  - {tool: Neptune, status: adopted}
"""


def test_the_command_leaves_the_findings_current_without_a_worker(catalog, viewer_client, tmp_path, capsys):
    stack_file = tmp_path / "stack.yaml"
    stack_file.write_text(SPRAWL)
    call_command("import_stack", str(stack_file))
    out = capsys.readouterr().out
    assert "Applied." in out and "The linter found" in out
    page = viewer_client.get("/findings/").content.decode()
    assert "overlap" in page and "Weights &amp; Biases" in page and "discontinued" in page
