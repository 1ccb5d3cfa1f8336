"""`manage.py lint` as CI and pre-commit run it: on a checkout with no configuration (no
DATABASE_URL, no keys), on stack files, with its exit codes, lines and report formats."""

import json
import os
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
from junitparser import Failure, JUnitXml

from apps.catalog.models import Tool
from apps.catalog.seed import load_seed_catalogue
from apps.findings.rules import RULES, SEED_RULES, SEVERITIES
from apps.stack.models import StackEntry
from apps.stackfile.lint import as_json, junit, lint_files, lint_stack, render, sarif, text
from tests.conftest import NOW
from tests.stackfile.conftest import STACK_FILE

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((Path(__file__).parent / "data" / "sarif-schema-2.1.0.json").read_text())

CLEAN = STACK_FILE[:STACK_FILE.index("    cost:")]  # the import tests' file, without its cost and probe
SECOND_TRACKER = """\
  - tool: Weights & Biases
    status: adopted
    owner: lead@example.com
    pain_points: [Nobody knows which model is in production]
    filters:
      capability: {verdict: pass, rationale: nicer dashboards}
      integration: {verdict: pass, rationale: a SaaS}
      operational_cost: {verdict: pass, rationale: nothing to run}
"""
TWO_TRACKERS = CLEAN + SECOND_TRACKER
BROKEN = CLEAN.replace("status: adopted", "status: adoptd").replace("owner: lead@", "owner: nobody@")


def line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), start=1) if needle in line)


def validate_sarif(log: dict) -> None:
    jsonschema.Draft4Validator(SCHEMA).validate(log)


# The command, as a fresh checkout runs it -----------------------------------------------------------

def run_lint(tmp_path, *args, **files):
    for name, content in files.items():
        (tmp_path / f"{name}.yaml").write_text(content)
    bare = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "LANG": "C.UTF-8"}  # no DATABASE_URL, no keys
    return subprocess.run([sys.executable, str(ROOT / "manage.py"), "lint", *args], cwd=tmp_path, env=bare,
                          capture_output=True, text=True, timeout=120, check=False)


def test_a_clean_file_exits_0_and_writes_nothing(tmp_path):
    done = run_lint(tmp_path, "stack.yaml", stack=CLEAN)
    assert done.returncode == 0, done.stdout + done.stderr
    # Only an info stands (no probe measures MLflow's use), at the entry's line.
    assert done.stdout.splitlines()[0].startswith(f"stack.yaml:{line_of(CLEAN, 'tool: MLflow')}: info: ")
    assert "0 at or above error" in done.stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == ["stack.yaml"]


def test_a_second_tracker_exits_1_with_a_sarif_region_on_its_line(tmp_path):
    done = run_lint(tmp_path, "--format", "sarif", "stack.yaml", stack=TWO_TRACKERS)
    assert done.returncode == 1, done.stderr
    log = json.loads(done.stdout)
    validate_sarif(log)
    (run,) = log["runs"]
    overlaps = [r for r in run["results"] if r["ruleId"] == "overlap"]
    # One per category the two tools share (experiment tracking, model registry), naming both.
    assert len(overlaps) == 2 and all("MLflow, Weights & Biases" in r["message"]["text"] for r in overlaps)
    added = line_of(TWO_TRACKERS, "tool: Weights & Biases")
    for result in overlaps:
        assert result["level"] == "error"
        (location,) = result["locations"]
        assert location["physicalLocation"] == {"artifactLocation": {"uri": "stack.yaml"}, "region": {"startLine": added}}
        assert [r["physicalLocation"]["region"]["startLine"] for r in result["relatedLocations"]] == [
            line_of(TWO_TRACKERS, "tool: MLflow")]
    rule = next(r for r in run["tool"]["driver"]["rules"] if r["id"] == "overlap")
    assert SEED_RULES[3] in rule["help"]["text"] and rule["defaultConfiguration"]["level"] == "error"


def test_a_broken_file_exits_2_with_its_lines(tmp_path):
    done = run_lint(tmp_path, "stack.yaml", stack=BROKEN)
    assert done.returncode == 2, done.stderr
    assert f"stack.yaml:{line_of(BROKEN, 'adoptd')}: error: stack[MLflow].status: 'adoptd' is not one of" in done.stdout
    assert f"stack.yaml:{line_of(BROKEN, 'nobody@')}: error: stack[MLflow].owner: no user 'nobody@example.com'" in done.stdout
    assert "nothing was linted" in done.stdout


def test_junit_fails_the_overlap_case_and_a_missing_file_exits_2(tmp_path):
    done = run_lint(tmp_path, "--format", "junit", "stack.yaml", stack=TWO_TRACKERS)
    assert done.returncode == 1, done.stderr
    (tmp_path / "report.xml").write_text(done.stdout)
    cases = {case.name: case for suite in JUnitXml.fromfile(str(tmp_path / "report.xml")) for case in suite}
    assert set(cases) == {"stack-file", *RULES}
    assert [type(r) for r in cases["overlap"].result] == [Failure]
    assert all(not case.result for name, case in cases.items() if name != "overlap")
    missing = run_lint(tmp_path, "absent.yaml")
    assert missing.returncode == 2 and "absent.yaml:1: error: file: No such file or directory" in missing.stdout


# The report and its formats, in the test database --------------------------------------------------------

@pytest.fixture
def two_trackers(db):
    return lint_files([("stack.yaml", TWO_TRACKERS.encode())], now=NOW)


def test_every_rule_has_a_severity_a_fix_and_the_seed_rule_it_cites():
    for code, rule in RULES.items():
        assert rule.severity in SEVERITIES, code
        assert rule.fix.endswith(".") and rule.fix.count(". ") == 0, code  # a sentence
        assert rule.cites and all(f"Rule {n} of the seed. {SEED_RULES[n]}" in rule.help for n in rule.cites), code


def test_lint_with_files_writes_nothing(two_trackers):
    assert StackEntry.objects.count() == 0
    assert two_trackers.exit_code("error") == 1 and two_trackers.exit_code("info") == 1


def test_an_overlap_is_one_finding_per_category(two_trackers):
    overlaps = [i for i in two_trackers.items if i.code == "overlap"]
    assert sorted(i.subject for i in overlaps) == ["Experiment tracking", "Model registry"]


def test_text_is_one_finding_a_line_with_file_and_line(two_trackers):
    lines = text(two_trackers, fail_on="error").splitlines()
    added = line_of(TWO_TRACKERS, "tool: Weights & Biases")
    assert lines[0].startswith(f"stack.yaml:{added}: error: Experiment tracking has 2 tools in use")
    assert lines[0].endswith("[overlap]")
    assert lines[-1] == "2 errors, 2 infos; 2 at or above error."


def test_json_carries_severity_fix_and_place(two_trackers):
    report = json.loads(as_json(two_trackers, fail_on="error"))
    first = report["findings"][0]
    assert report["valid"] and report["exit_code"] == 1
    assert first["severity"] == "error" and first["fix"] == RULES["overlap"].fix
    assert first["location"] == {"file": "stack.yaml", "line": line_of(TWO_TRACKERS, "tool: Weights & Biases")}


def test_the_fail_on_threshold(db):
    report = lint_files([("stack.yaml", CLEAN.encode())], now=NOW)
    assert [i.severity for i in report.items] == ["info"]  # no probe measures MLflow's use
    assert report.exit_code("error") == 0 and report.exit_code("warning") == 0 and report.exit_code("info") == 1
    log = json.loads(sarif(report, fail_on="info"))
    validate_sarif(log)
    assert log["runs"][0]["results"][0]["level"] == "note"
    xml = junit(report, fail_on="info")
    assert '<testcase name="unknown" classname="stackledger.lint" file="stack.yaml">\n      <failure type="info"' in xml


def test_an_entry_the_file_does_not_mention_points_at_its_line_1(db):
    lint_files([], now=NOW)  # the seed catalogue is loaded only for the lint, then rolled back
    load_seed_catalogue()
    StackEntry.objects.create(tool=Tool.objects.get(name="MLflow"), lifecycle="adopted")
    report = lint_files([("more.yaml", b"version: 1\n")], now=NOW)
    assert {(i.code, i.place.file, i.place.line) for i in report.items} >= {("no-owner", "more.yaml", 1)}


def test_the_stack_as_it_is_has_no_file_to_point_at(db):
    load_seed_catalogue()
    StackEntry.objects.create(tool=Tool.objects.get(name="MLflow"), lifecycle="adopted")
    report = lint_stack(now=NOW)
    owner = next(i for i in report.items if i.code == "no-owner")
    assert owner.place is None and owner.subject == "MLflow"
    assert "MLflow: error: MLflow has no owner" in render(report, "text", fail_on="error")
    log = json.loads(render(report, "sarif", fail_on="error"))
    validate_sarif(log)
    assert all("locations" not in r for r in log["runs"][0]["results"])


def test_problems_of_a_broken_file_in_sarif(db):
    report = lint_files([("stack.yaml", BROKEN.encode())], now=NOW)
    assert report.invalid and report.exit_code("error") == 2
    log = json.loads(sarif(report, fail_on="error"))
    validate_sarif(log)
    lines = sorted(r["locations"][0]["physicalLocation"]["region"]["startLine"] for r in log["runs"][0]["results"])
    assert lines == [line_of(BROKEN, "adoptd"), line_of(BROKEN, "nobody@")]
    assert log["runs"][0]["invocations"][0]["executionSuccessful"] is False
