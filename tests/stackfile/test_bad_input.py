"""Every class of bad input is refused with its line, exit 1, and the database unchanged."""

import pytest
from django.core.management import CommandError, call_command

from apps.stackfile.importer import import_stack
from tests.conftest import NOW
from tests.stackfile.conftest import STACK_FILE, snapshot


def broken(old: str, new: str) -> str:
    assert old in STACK_FILE
    return STACK_FILE.replace(old, new)


CASES = [
    ("unknown tool", broken("  - tool: MLflow", "  - tool: MLflowe"),
     "line 13: stack[MLflowe].tool: no tool 'MLflowe' in the catalogue or the file's tools"),
    ("unknown category", broken("category: experiment-tracking", "category: tracking"),
     "line 8: pain_points[Nobody knows which model is in production].category: "
     "no category 'tracking' in the file or the database"),
    ("unknown team", broken("    team: Platform\n    pain_points", "    team: Platfrom\n    pain_points"),
     "line 16: stack[MLflow].team: no team 'Platfrom' in the file or the database"),
    ("unknown owner", broken("owner: lead@example.com", "owner: leed@example.com"),
     "line 15: stack[MLflow].owner: no user 'leed@example.com' in the file or the database"),
    ("bad status", broken("status: adopted", "status: live"),
     "line 14: stack[MLflow].status: 'live' is not one of proposed, evaluating, adopted, flagged, "
     "retired, rejected"),
    ("bad role", broken("role: lead", "role: admin"),
     "line 5: users[lead@example.com].role: 'admin' is not one of lead, evaluator, viewer"),
    ("a number that is not a number", broken("ops_hours_per_month: 4", "ops_hours_per_month: four"),
     "line 22: stack[MLflow].cost.ops_hours_per_month: must be a number, not 'four'"),
    ("a negative cost", broken("licence_per_month: 0", "licence_per_month: -10"),
     "line 22: stack[MLflow].cost.licence_per_month: Ensure this value is greater than or equal to 0."),
    ("a boolean that is not a boolean", broken("anticipated: false", "anticipated: maybe"),
     "line 11: pain_points[Nobody knows which model is in production].anticipated: "
     "must be true or false, not 'maybe'"),
    ("a probe URL that is not http(s)", broken("url: http://mlflow.internal:5000", "url: file:///etc/passwd"),
     "line 25: stack[MLflow].probe.url: the URL must start with http:// or https://, not file"),
    ("metadata address in decimal", broken("url: http://mlflow.internal:5000", "url: http://2852039166/"),
     "line 25: stack[MLflow].probe.url: 169.254.169.254 is a cloud metadata address"),
    ("metadata address in hex", broken("url: http://mlflow.internal:5000", "url: http://0xA9FEA9FE/"),
     "line 25: stack[MLflow].probe.url: 169.254.169.254 is a cloud metadata address"),
    ("metadata as IPv4-mapped IPv6", broken("url: http://mlflow.internal:5000", "url: 'http://[::ffff:169.254.169.254]/'"),
     "line 25: stack[MLflow].probe.url: 169.254.169.254 is a cloud metadata address"),
    ("link-local address", broken("url: http://mlflow.internal:5000", "url: http://169.254.10.1:5000"),
     "line 25: stack[MLflow].probe.url: 169.254.10.1 is a link-local address"),
    ("unknown probe kind", broken("kind: mlflow", "kind: mlfow"),
     "line 24: stack[MLflow].probe.kind: 'mlfow' is not one of mlflow, prefect, airflow, prometheus, "
     "http_json, github_actions, wandb, heartbeat, manual"),
    ("a W&B probe without its project",
     broken("      kind: mlflow\n      url: http://mlflow.internal:5000\n", "      kind: wandb\n      params: {entity: acme-ds}\n"),
     "line 25: stack[MLflow].probe.params: project is missing: a Weights & Biases runs probe reads nothing without it."),
    ("a W&B probe without its settings", broken("      kind: mlflow\n      url: http://mlflow.internal:5000\n", "      kind: wandb\n"),
     "line 24: stack[MLflow].probe.params: entity and project are missing: a Weights & Biases runs probe reads nothing "
     "without them."),
    ("a secret in the file", broken("      credential_env: MLFLOW_TRACKING_TOKEN", "      credential: hunter2"),
     "line 26: stack[MLflow].probe.credential: unknown field; expected one of kind, url, credential_env, "
     "interval_minutes, unused_after_days, params, demo"),
    ("duplicate stack entry", STACK_FILE + "  - tool: MLflow\n    status: proposed\n",
     "line 29: stack[MLflow]: listed twice (first on line 13)"),
    ("adopted with a failed filter", broken("integration: {verdict: pass", "integration: {verdict: fail"),
     "line 14: stack[MLflow].status: It failed the integration filter, so it cannot be adopted: "
     "a tool that fails any filter is rejected."),
    ("wrong version", broken("version: 1", "version: 2"), "line 1: version: 2; this reader takes version 1"),
    ("no version", broken("version: 1\n", ""), "line 1: version: missing; this reader takes version 1"),
    ("unknown section", STACK_FILE + "servers: []\n",
     "line 29: servers: unknown section; expected one of categories, tools, teams, users, pain_points, stack, models, accepted_findings, discovery"),
    ("unknown field", broken("    team: Platform\n    pain_points", "    team: Platform\n    owners: [x]\n    pain_points"),
     "line 17: stack[MLflow].owners: unknown field; expected one of tool, status, owner, team, pain_points, "
     "filters, cost, notes, adopted_on, retired_on, probe"),
    ("a quote never closed", broken("  - name: Platform", '  - name: "Platform'),
     "line 3: not valid YAML: a quoted value opens here and is never closed (found unexpected end of stream)"),
    ("an alias", broken("  - name: Platform", "  - name: &team Platform"),
     "line 3: anchors (&team) are not allowed: write the value out"),
    ("a python tag", broken("  - name: Platform", "  - name: !!python/object/apply:os.system [id]"),
     "line 3: tags such as tag:yaml.org,2002:python/object/apply:os.system are not allowed: write plain YAML"),
    ("a duplicate key", broken("    team: Platform\n    evidence", "    team: Platform\n    team: Data\n    evidence"),
     "line 10: duplicate key 'team' (first on line 9)"),
    ("NO read as false", broken("anticipated: false", "anticipated: NO"),
     "line 11: NO is read as a boolean by some YAML readers and as text by others: write true or false, or quote it ('NO')"),
]


@pytest.mark.parametrize("text, expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_it_refuses_bad_input_with_its_line(catalog, text, expected, monkeypatch):
    monkeypatch.setenv("MLFLOW_TRACKING_TOKEN", "s3cret")
    before = snapshot()
    outcome = import_stack(text, commit=True, now=NOW)
    assert expected in outcome.errors, "\n".join(outcome.errors)
    assert not outcome.applied
    assert snapshot() == before


def test_it_reports_every_problem_not_just_the_first(catalog):
    text = broken("owner: lead@example.com", "owner: nobody@example.com").replace(
        "status: adopted", "status: live"
    ).replace("category: experiment-tracking", "category: nope")
    errors = import_stack(text, commit=True, now=NOW).errors
    assert [e.split(":")[0] for e in errors] == ["line 8", "line 14", "line 15"]


def test_a_bad_file_leaves_an_existing_stack_as_it_was(catalog, monkeypatch):
    monkeypatch.setenv("MLFLOW_TRACKING_TOKEN", "s3cret")
    assert import_stack(STACK_FILE, commit=True, now=NOW).applied
    before = snapshot()
    text = broken("ops_hours_per_month: 4", "ops_hours_per_month: 8") + "  - tool: Nope\n"
    assert not import_stack(text, commit=True, now=NOW).applied
    assert snapshot() == before


def test_the_command_prints_every_problem_and_exits_1(catalog, tmp_path, capsys):
    path = tmp_path / "stack.yaml"
    path.write_text(broken("status: adopted", "status: live").replace("role: lead", "role: boss"))
    with pytest.raises(CommandError, match="2 problems; nothing was changed") as error:
        call_command("import_stack", str(path))
    assert error.value.returncode == 1
    err = capsys.readouterr().err
    assert "line 5: users[lead@example.com].role:" in err
    assert "line 14: stack[MLflow].status:" in err


def test_the_command_exits_1_from_the_shell(catalog, tmp_path):
    import subprocess
    import sys

    path = tmp_path / "stack.yaml"
    path.write_text("version: 1\nteams:\n  - name: &x A\n")
    result = subprocess.run(
        [sys.executable, "manage.py", "import_stack", str(path)], capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 1
    assert "line 3: anchors (&x) are not allowed" in result.stderr


def test_the_command_names_a_missing_file(db):
    with pytest.raises(CommandError, match="no-such.yaml: No such file or directory"):
        call_command("import_stack", "no-such.yaml")


WRONG_KINDS = [
    ("a list as a role", broken("role: lead", "role: [lead]"),
     "line 5: users[lead@example.com].role: must be text, not ['lead']"),
    ("a number as a date", STACK_FILE.replace("    cost:", "    adopted_on: 20260302\n    cost:"),
     "line 22: stack[MLflow].adopted_on: must be a date as text ('2026-03-02'), not 20260302"),
    ("a list as text", broken("evidence: Rolled back the wrong model on 2026-03-02", "evidence: [a, b]"),
     "line 10: pain_points[Nobody knows which model is in production].evidence: must be text, not ['a', 'b']"),
    ("a fraction of a minute", broken("interval_minutes: 60", "interval_minutes: 1.5"),
     "line 27: stack[MLflow].probe.interval_minutes: must be a whole number, not 1.5"),
    ("a huge number", broken("ops_hours_per_month: 4", "ops_hours_per_month: 99999999999999999999"),
     "line 22: stack[MLflow].cost.ops_hours_per_month: must be a number, not 99999999999999999999"),
    ("filters as a list", broken(
        "    filters:\n      capability: {verdict: pass, rationale: answers which model runs where}\n"
        "      integration: {verdict: pass, rationale: runs beside our Postgres}\n"
        "      operational_cost: {verdict: pass, rationale: half a day a month}\n",
        "    filters: [pass, pass, pass]\n"),
     "line 18: stack[MLflow].filters: must be a mapping, not ['pass', 'pass', 'pass']"),
    ("params as a list", broken("      unused_after_days: 90", "      unused_after_days: 90\n      params: [a]"),
     "line 29: stack[MLflow].probe.params: must be a mapping, not ['a']"),
    ("pain points as text", broken("pain_points: [Nobody knows which model is in production]",
                                   "pain_points: Nobody knows which model is in production"),
     "line 17: stack[MLflow].pain_points: must be a list of names, not 'Nobody knows which model is in production'"),
    ("a team name as a number", broken("  - name: Platform", "  - name: 2024"),
     "line 3: teams[#1].name: required, as text"),
    ("version as true", broken("version: 1", "version: true"), "line 1: version: True; this reader takes version 1"),
    ("version as 1.0", broken("version: 1", "version: 1.0"), "line 1: version: 1.0; this reader takes version 1"),
    ("a lone surrogate", broken("  - name: Platform", '  - name: "Plat\\ud800form"'),
     "line 3: the text holds an invalid character (a lone surrogate escape)"),
    ("a credential variable that is no name", broken("credential_env: MLFLOW_TRACKING_TOKEN", "credential_env: mlflow-token"),
     "line 26: stack[MLflow].probe.credential_env: 'mlflow-token' is not an environment variable name (A-Z, 0-9 and _, at most 100)"),
]


@pytest.mark.parametrize("text, expected", [c[1:] for c in WRONG_KINDS], ids=[c[0] for c in WRONG_KINDS])
def test_values_of_the_wrong_kind_are_refused_with_their_line(catalog, text, expected):
    before = snapshot()
    outcome = import_stack(text, commit=True, now=NOW)
    assert expected in outcome.errors, "\n".join(outcome.errors)
    assert snapshot() == before


def test_an_unknown_field_does_not_hide_the_record_s_other_problems(catalog):
    text = broken("status: adopted", "stauts: adopted").replace("owner: lead@example.com", "owner: x@example.com")
    errors = import_stack(text, commit=True, now=NOW).errors
    assert [e.split(": ")[1] for e in errors] == ["stack[MLflow].stauts", "stack[MLflow].owner"]


def test_a_refused_record_is_not_reported_again_where_it_is_named(catalog):
    errors = import_stack(broken("role: lead", "role: boss"), commit=True, now=NOW).errors
    assert errors == ["line 5: users[lead@example.com].role: 'boss' is not one of lead, evaluator, viewer"]
