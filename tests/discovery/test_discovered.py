"""What discovery found: recorded with its evidence, the `unregistered` finding it raises, and
a lead registering or dismissing it; on the command line, the pages and the stack file."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from apps.catalog.models import Tool
from apps.discovery import services
from apps.discovery.models import DiscoveredTool, DiscoverySource
from apps.findings.acceptances import counted
from apps.findings.services import refresh
from apps.reviews.models import Review
from apps.reviews.services import review_open
from apps.stack.models import Lifecycle, StackEntry
from apps.stackfile.exporter import export_stack
from apps.stackfile.importer import import_stack
from tests.conftest import NOW

REPOS = Path(__file__).parent / "repos"
pytestmark = pytest.mark.usefixtures("clock")


@pytest.fixture
def repos(db, catalog, settings, tmp_path):
    """A source reading a copy of repos/: the tests change what it holds."""
    copy = tmp_path / "checkouts"
    copy.mkdir()
    (copy / "churn-model").mkdir()
    (copy / "churn-model" / "requirements.txt").write_text((REPOS / "churn-model" / "requirements-base.txt").read_text())
    settings.DISCOVERY_ALLOWED_PATHS = [str(tmp_path)]
    return DiscoverySource.objects.create(name="repos", kind="requirements", path=str(copy))


def unregistered_findings() -> list[str]:
    return [f.message for f in counted(NOW.date()).filter(code="unregistered")]


def test_discover_prints_each_tool_found_and_the_linter_names_it(repos, capsys):
    call_command("discover")
    assert capsys.readouterr().out.splitlines() == [
        'Weights & Biases\trepos\tchurn-model/requirements.txt:2 wandb>=0.17; platform_system != "Windows"',
    ]
    found = DiscoveredTool.objects.get()
    assert (found.tool.name, found.first_seen_at, found.last_used_at) == ("Weights & Biases", found.last_seen_at, None)
    refresh(NOW)
    assert unregistered_findings() == [
        "Experiment tracking: Weights & Biases (found by repos) is in use but not on the stack. A tool nobody "
        "registered has no owner, no pain point and no review (rule 8)."
    ]


def test_registering_it_makes_a_legacy_entry_with_its_evidence_and_the_finding_goes(repos, alice):
    services.discover(now=NOW)
    found = DiscoveredTool.objects.get()
    with pytest.raises(ValidationError, match="needs an owner"):
        services.register(found, lifecycle=Lifecycle.ADOPTED, owner=None, by=alice, now=NOW)
    entry = services.register(found, lifecycle=Lifecycle.ADOPTED, owner=alice, by=alice, now=NOW)
    assert (entry.lifecycle, entry.owner, entry.adopted_on, entry.is_unassessed) == ("adopted", alice, NOW.date(), True)
    assert entry.transitions.get().note.startswith("Found by discovery source repos: churn-model/requirements.txt:2 wandb")
    with pytest.raises(ValidationError, match="on the stack already"):
        services.register(found, lifecycle=Lifecycle.PROPOSED, owner=None, by=alice, now=NOW)
    refresh(NOW)
    assert unregistered_findings() == []
    assert not DiscoveredTool.objects.unregistered().exists()


def test_a_dismissal_stands_until_the_source_finds_it_somewhere_new(repos, alice):
    services.discover(now=NOW)
    found = DiscoveredTool.objects.get()
    with pytest.raises(ValidationError, match="Say why"):
        services.dismiss(found, reason="  ", by=alice, now=NOW)
    services.dismiss(found, reason="The research sandbox; never deployed.", by=alice, now=NOW)
    refresh(NOW)
    assert unregistered_findings() == []
    services.discover(now=NOW + timedelta(days=1))  # the same evidence again
    assert DiscoveredTool.objects.get().is_dismissed
    other = Path(repos.path) / "fraud-scorer"
    other.mkdir()
    (other / "requirements.txt").write_text("wandb==0.18.1\n")
    services.discover(now=NOW + timedelta(days=2))
    found = DiscoveredTool.objects.get()
    assert not found.is_dismissed and found.places == 2 and found.first_seen_at == NOW
    refresh(NOW + timedelta(days=2))
    assert len(unregistered_findings()) == 1


def test_a_tool_no_longer_found_is_forgotten_but_a_source_that_fails_forgets_nothing(repos, capsys):
    services.discover(now=NOW)
    (Path(repos.path) / "churn-model" / "requirements.txt").write_text("numpy\n")
    services.discover(now=NOW + timedelta(days=1))
    assert not DiscoveredTool.objects.exists()
    (Path(repos.path) / "churn-model" / "requirements.txt").write_text("wandb\n")
    services.discover(now=NOW + timedelta(days=2))
    DiscoverySource.objects.filter(pk=repos.pk).update(path="/etc")
    with pytest.raises(SystemExit) as exit_:
        call_command("discover", source=["repos"])
    assert exit_.value.code == 1
    assert "error: repos: path: /etc is outside DISCOVERY_ALLOWED_PATHS" in capsys.readouterr().err
    assert DiscoveredTool.objects.count() == 1
    assert DiscoverySource.objects.get().last_error == "path: /etc is outside DISCOVERY_ALLOWED_PATHS"


def test_a_malformed_file_is_a_warning_and_the_sweep_goes_on(repos, capsys):
    (Path(repos.path) / "broken").mkdir()
    (Path(repos.path) / "broken" / "requirements.txt").write_text("prefect\nmlflow (2.0\n")
    call_command("discover")
    captured = capsys.readouterr()
    assert "warning: repos: broken/requirements.txt:2: not a requirement" in captured.err
    assert captured.out.startswith("Weights & Biases\trepos\t")
    assert DiscoverySource.objects.get().problems[0].startswith("broken/requirements.txt:2:")


def test_an_unknown_source_name_is_refused(repos):
    with pytest.raises(Exception, match="No discovery source nope"):
        call_command("discover", source=["nope"])


def test_the_overview_and_the_review_agenda_count_them(repos, alice, lead_client):
    services.discover(now=NOW)
    page = lead_client.get("/").content.decode()
    assert '<span class="stat-value warn">1</span><span class="stat-label">tool in use, not on the stack</span>' in page
    review = Review.objects.create(year=NOW.year, held_on=NOW.date())
    review_open(review, by=alice, now=NOW)
    assert Review.objects.get().unregistered == [{"tool": "Weights & Biases", "found_by": ["repos"]}]
    page = lead_client.get(f"/reviews/{review.pk}/").content.decode()
    assert "In use, not on the stack" in page and "found by repos" in page


def test_the_discovered_page_registers_and_dismisses(repos, alice, lead_client):
    services.discover(now=NOW)
    found = DiscoveredTool.objects.get()
    page = lead_client.get("/discovered/").content.decode()
    assert "churn-model/requirements.txt:2" in page and f"/discovered/{found.pk}/register/" in page
    response = lead_client.post(f"/discovered/{found.pk}/register/", {"lifecycle": "adopted", "owner": ""})
    assert "An adopted tool needs an owner" in response.content.decode()
    response = lead_client.post(f"/discovered/{found.pk}/register/", {"lifecycle": "proposed", "owner": "", "note": "Ask the researchers."})
    entry = StackEntry.objects.get(tool__name="Weights & Biases")
    assert response.url == f"/stack/{entry.pk}/" and entry.lifecycle == "proposed"
    assert entry.transitions.get().note.endswith("Ask the researchers.")
    page = lead_client.get("/discovered/").content.decode()
    assert "Nothing unregistered" in page and "Found, and on the stack" in page


def test_sources_and_signatures_round_trip_through_the_stack_file(repos, alice):
    mlflow = Tool.objects.get(name="MLflow")
    mlflow.metric_prefixes = ["mlflow_", "mlflow_http_"]
    mlflow.save()
    DiscoverySource.objects.create(name="prom", kind="prometheus", url="http://10.1.2.3:9090",
                                   credential_env="DISCOVERY_PROM_TOKEN", enabled=False)
    text = export_stack()
    assert "discovery:\n" in text and "credential_env: DISCOVERY_PROM_TOKEN" in text and "mlflow_http_" in text
    DiscoverySource.objects.all().delete()
    Tool.objects.filter(pk=mlflow.pk).update(metric_prefixes=[])
    outcome = import_stack(text, commit=True, now=NOW, by=alice)
    assert outcome.ok, outcome.errors
    assert sorted(DiscoverySource.objects.values_list("name", "kind", "enabled")) == [
        ("prom", "prometheus", False), ("repos", "requirements", True)]
    assert Tool.objects.get(pk=mlflow.pk).metric_prefixes == ["mlflow_", "mlflow_http_"]
    assert import_stack(export_stack(), commit=False, now=NOW).summary_lines() == import_stack(text, commit=False, now=NOW).summary_lines()


@pytest.mark.parametrize("record, error", [
    ("{name: prom, kind: prometheus}", "line 3: discovery[prom].url: A Prometheus source reads a server: give its URL."),
    ("{name: prom, kind: prometheus, url: 'http://169.254.169.254/'}", "line 3: discovery[prom].url: 169.254.169.254 is a cloud metadata address"),
    ("{name: repos, kind: requirements, path: /etc}", "line 3: discovery[repos].path: /etc is outside DISCOVERY_ALLOWED_PATHS"),
    ("{name: repos, kind: svn, path: /srv}", "line 3: discovery[repos].kind: 'svn' is not one of prometheus, requirements, mlflow"),
    ("{name: prom, kind: mlflow, url: 'http://mlflow:5000', credential_env: SECRET_KEY}",
     "line 3: discovery[prom].credential_env: SECRET_KEY is one of Stackledger's own settings, not a source's credential"),
    ("{name: prom, kind: mlflow, url: 'http://mlflow:5000', credential_env: AWS_SECRET_ACCESS_KEY}",
     "line 3: discovery[prom].credential_env: a source's credential is a variable named DISCOVERY_…, "
     "such as DISCOVERY_AWS_SECRET_ACCESS_KEY"),
])
def test_a_bad_source_in_the_file_is_refused_with_its_line(db, catalog, record, error):
    outcome = import_stack(f"version: 1\ndiscovery:\n  - {record}\n", commit=True, now=NOW)
    assert error in outcome.errors, outcome.errors
    assert not DiscoverySource.objects.exists()


def test_a_dated_use_makes_an_entry_no_probe_reads_active_and_an_undated_one_does_not(repos, alice):
    from apps.discovery.readers import Sighting, Sweep

    wandb = StackEntry.objects.create(tool=Tool.objects.get(name="Weights & Biases"), lifecycle=Lifecycle.ADOPTED, owner=alice)
    services.discover(now=NOW)  # a requirements file says it is used, not when
    wandb.refresh_from_db()
    assert (wandb.usage_state, wandb.last_activity_at) == ("unknown", None)
    used = NOW - timedelta(days=3)
    services.record(repos, Sweep([Sighting(wandb.tool_id, "registered model churn: serving=wandb", used)]), now=NOW)
    wandb.refresh_from_db()
    assert (wandb.usage_state, wandb.last_activity_at) == ("active", used)
    assert wandb.usage_changes.get().reason == f"No probe; activity seen {used:%Y-%m-%d %H:%M} UTC."
    # Long quiet is not unused: nothing watched it the whole time.
    services.record(repos, Sweep([Sighting(wandb.tool_id, "registered model churn: serving=wandb", used)]),
                    now=NOW + timedelta(days=400))
    wandb.refresh_from_db()
    assert wandb.usage_state == "unknown"


def test_a_source_that_breaks_leaves_the_others_to_run(repos, monkeypatch, capsys):
    DiscoverySource.objects.create(name="prom", kind="prometheus", url="http://10.9.9.9:9090")

    def broken(*args, **kwargs):
        raise KeyError("data")

    monkeypatch.setattr(services.prometheus, "read", broken)
    with pytest.raises(SystemExit):
        call_command("discover")
    captured = capsys.readouterr()
    assert "error: prom: could not be read (KeyError); the worker's log says more" in captured.err
    assert captured.out.startswith("Weights & Biases\trepos\t")


def test_a_lead_edits_a_tools_signatures_one_a_line(catalog):
    from apps.catalog.forms import ToolForm

    tool = Tool.objects.get(name="Airflow")
    data = {**ToolForm(instance=tool).initial, "categories": [c.pk for c in tool.categories.all()],
            "packages": "Apache_Airflow\napache-airflow-providers-celery, apache.airflow",
            "prometheus_jobs": "airflow\n\nairflow-statsd", "metric_prefixes": ""}
    form = ToolForm(data, instance=tool)
    assert form.is_valid(), form.errors
    form.save()
    tool.refresh_from_db()
    assert tool.packages == ["apache-airflow", "apache-airflow-providers-celery"]
    assert (tool.prometheus_jobs, tool.metric_prefixes) == (["airflow", "airflow-statsd"], [])


def test_evidence_is_one_line_of_text_whatever_a_source_holds(repos, capsys):
    """A file name or version with a tab, a newline or a terminal escape cannot forge a line of
    `discover`'s output, a page's text or a stored row (PostgreSQL refuses NUL in text)."""
    root = Path(repos.path)
    (root / "c\nmlflow\tdemo-repos\tFAKE").mkdir()
    (root / "c\nmlflow\tdemo-repos\tFAKE" / "requirements.txt").write_text("mlflow\n")
    (root / "ok").mkdir()
    (root / "ok" / "pyproject.toml").write_text('[tool.poetry.dependencies]\nprefect = "3\\u0000\\u001b[31m"\n')
    call_command("discover")
    lines = capsys.readouterr().out.splitlines()
    assert all(line.count("\t") == 2 for line in lines), lines
    assert "MLflow\trepos\tc\\nmlflow\\tdemo-repos\\tFAKE/requirements.txt:1 mlflow" in lines
    assert "Prefect\trepos\tok/pyproject.toml:2 prefect 3\\x00\\x1b[31m" in lines


def test_a_file_that_is_no_file_a_deep_tree_and_odd_shapes_are_problems_of_their_own(repos, capsys):
    import os

    root = Path(repos.path)
    os.mkfifo(root / "requirements.txt")  # reading it would wait for a writer for ever
    deep = root
    for _ in range(70):
        deep = deep / "d"
    deep.mkdir(parents=True)
    (deep / "requirements.txt").write_text("prefect\n")
    (root / "odd").mkdir()
    (root / "odd" / "pyproject.toml").write_text('[tool.poetry]\ngroup = ["dev"]\n')
    (root / "odd" / "Pipfile.lock").write_text('{"default": ["mlflow"]}')
    call_command("discover")
    captured = capsys.readouterr()
    assert captured.out.startswith("Weights & Biases\trepos\t")  # the rest was read
    problems = DiscoverySource.objects.get().problems
    assert "odd/Pipfile.lock:1: default must be a table" in problems
    assert "odd/pyproject.toml:2: tool.poetry.group must be a table" in problems
    assert any(p.endswith("more than 64 folders deep; what is below was not read") for p in problems)
    assert not any("requirements.txt" in p and "/d/" not in p for p in problems)  # the FIFO is skipped


def test_a_long_line_of_spaces_is_read_in_linear_time(tmp_path, catalog):
    import time

    from apps.catalog.models import Tool
    from apps.discovery.readers import Signatures, requirements

    (tmp_path / "requirements.txt").write_text("mlflow" + " " * 1_000_000 + "--hash=sha256:00\n")
    started = time.process_time()
    sweep = requirements.read(tmp_path, Signatures(Tool.objects.all()))
    assert [s.place for s in sweep.sightings] == ["requirements.txt:1 mlflow"]
    assert time.process_time() - started < 5  # quadratic, this took hours


def test_a_dismissal_holds_through_a_new_version_and_line_in_the_same_file(repos, alice):
    services.discover(now=NOW)
    services.dismiss(DiscoveredTool.objects.get(), reason="The sandbox.", by=alice, now=NOW)
    (Path(repos.path) / "churn-model" / "requirements.txt").write_text("numpy\npandas\nwandb==0.19\n")
    services.discover(now=NOW + timedelta(days=1))
    found = DiscoveredTool.objects.get()
    assert found.is_dismissed and found.evidence == ["churn-model/requirements.txt:3 wandb==0.19"]


def test_registering_twice_at_once_is_refused_not_an_error(repos, alice, monkeypatch):
    services.discover(now=NOW)
    found = DiscoveredTool.objects.get()
    StackEntry.objects.create(tool=found.tool, lifecycle=Lifecycle.PROPOSED)  # the other click, a moment before
    with pytest.raises(ValidationError, match="on the stack already"):
        services.register(found, lifecycle=Lifecycle.PROPOSED, owner=None, by=alice, now=NOW)
