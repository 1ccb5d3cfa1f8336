from django.core.management import call_command

from apps.accounts.models import Team, User
from apps.lib.yamlio import load
from apps.painpoints.models import PainPoint
from apps.probes.models import Probe
from apps.stack.models import MLModel, StackEntry
from apps.stackfile.exporter import export_stack
from apps.stackfile.importer import import_stack
from tests.conftest import NOW


def empty_the_organisation():
    """Everything but the catalogue and the role groups, as in a new installation."""
    from apps.evaluations.models import DecisionRecord, Evaluation
    from apps.reviews.models import Review

    Review.objects.all().delete()
    DecisionRecord.objects.all().delete()
    Evaluation.objects.all().delete()
    MLModel.objects.all().delete()
    Probe.objects.all().delete()
    StackEntry.objects.all().delete()
    PainPoint.objects.all().delete()
    User.objects.all().delete()
    Team.objects.all().delete()


def test_export_import_into_an_empty_database_export_gives_the_same_bytes(catalog, monkeypatch):
    monkeypatch.setenv("AIRFLOW_PASSWORD", "airflow-s3cret")
    call_command("seed_demo", verbosity=0)
    first = export_stack()
    empty_the_organisation()
    outcome = import_stack(first, commit=True, now=NOW)
    assert outcome.applied, outcome.errors
    assert export_stack() == first


def test_the_export_is_deterministic_and_imports_as_unchanged(catalog):
    call_command("seed_demo", verbosity=0)
    first = export_stack()
    assert export_stack() == first
    outcome = import_stack(first, commit=True, now=NOW)
    assert all(not c.added and not c.changed for _, c in outcome.sections())


def test_the_export_names_the_variable_and_never_the_secret(catalog, monkeypatch):
    monkeypatch.setenv("AIRFLOW_PASSWORD", "airflow-s3cret")
    call_command("seed_demo", verbosity=0)
    assert Probe.objects.get(entry__tool__name="Airflow").credential() == "airflow-s3cret"
    text = export_stack()
    assert "credential_env: AIRFLOW_PASSWORD" in text
    assert "airflow-s3cret" not in text


def test_the_export_lists_the_whole_stack(catalog):
    call_command("seed_demo", verbosity=0)
    document = load(export_stack())
    assert document["version"] == 1
    assert [e["tool"] for e in document["stack"]] == sorted(
        StackEntry.objects.values_list("tool__name", flat=True)
    )
    assert "tools" not in document  # only tools beyond the seed catalogue are written
    mlflow = next(e for e in document["stack"] if e["tool"] == "MLflow")
    assert mlflow["filters"]["capability"] == {"verdict": "pass", "rationale": "Answers which model runs where, with lineage."}


def test_the_command_writes_a_file_or_standard_output(catalog, tmp_path, capsys):
    call_command("seed_demo", verbosity=0)
    capsys.readouterr()
    call_command("export_stack")
    printed = capsys.readouterr().out
    call_command("export_stack", "-o", str(tmp_path / "stack.yaml"))
    assert (tmp_path / "stack.yaml").read_text() == printed == export_stack()


def test_catalogue_changes_and_additions_round_trip(catalog):
    from apps.catalog.models import Category, Tool

    Tool.objects.filter(name="MLflow").update(best_for="Our tracker and registry")
    Category.objects.filter(key="monitoring").update(name="Monitoring and alerting")
    text = """\
version: 1
categories:
  - {key: data-labelling, name: Data labelling, position: 9, max_adopted: 1}
tools:
  - {name: label studio, categories: [data-labelling], hosting: self-hosted, complexity: medium, best_for: Labels}
"""
    assert import_stack(text, commit=True, now=NOW).applied
    first = export_stack()
    document = load(first)
    assert [t["name"] for t in document["tools"]] == ["label studio", "MLflow"]
    assert [c["key"] for c in document["categories"]] == ["data-labelling", "monitoring"]

    Tool.objects.filter(name="label studio").delete()
    Category.objects.filter(key="data-labelling").delete()
    Tool.objects.filter(name="MLflow").update(best_for="Teams wanting self-hosted OSS")
    Category.objects.filter(key="monitoring").update(name="Monitoring")
    assert import_stack(first, commit=True, now=NOW).applied
    assert export_stack() == first


def test_odd_text_round_trips(catalog):
    text = """\
version: 1
teams:
  - name: "Zürich Ops: 'night' shift"
    description: |
      Two lines,
      the second with "quotes" and a # hash.
pain_points:
  - title: "NO"
    evidence: "012"
"""
    assert import_stack(text, commit=True, now=NOW).applied
    first = export_stack()
    empty_the_organisation()
    assert import_stack(first, commit=True, now=NOW).applied
    assert export_stack() == first
    assert Team.objects.get().description == 'Two lines,\nthe second with "quotes" and a # hash.'


def test_the_command_names_a_file_it_cannot_write(db):
    import pytest
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="No such file or directory"):
        call_command("export_stack", "-o", "/no/such/dir/stack.yaml")
