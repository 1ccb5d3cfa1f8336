"""Accepted findings: a lead lives with a finding until a day, with a rationale and an owner. It is
shown apart and counts nowhere (the findings page, the overview, the linter's exit code) until
that day, when it returns; the stack file carries acceptances, so they round-trip."""

import json
import subprocess
import sys
from datetime import date, timedelta

import pytest

from apps.catalog.models import Category, Tool
from apps.findings import acceptances
from apps.findings.models import Acceptance, Finding
from apps.findings.services import refresh
from apps.stack.models import Lifecycle, StackEntry
from apps.stackfile.exporter import export_stack
from apps.stackfile.importer import import_stack
from apps.stackfile.lint import lint_files, sarif, text
from tests.conftest import NOW
from tests.findings.test_lint_command import TWO_TRACKERS, line_of, run_lint, validate_sarif

TODAY = NOW.date()
UNTIL = date(2026, 12, 1)
ACCEPTED = f"""\
accepted_findings:
  - rule: overlap
    category: experiment-tracking
    rationale: The vision team moves to MLflow by the end of November
    owner: lead@example.com
    expires: "{UNTIL}"
"""


def adopt(name, **fields):
    return StackEntry.objects.create(tool=Tool.objects.get(name=name), lifecycle=Lifecycle.ADOPTED, **fields)


@pytest.fixture
def two_trackers(catalog, alice):
    """MLflow and W&B adopted: an overlap in experiment tracking (and in model registry)."""
    entries = adopt("MLflow", owner=alice), adopt("Weights & Biases", owner=alice)
    refresh(now=NOW)
    return entries


def accept_overlap(alice, *, until=UNTIL, category="experiment-tracking"):
    acceptance = Acceptance(code="overlap", category=Category.objects.get(key=category),
                            rationale="The vision team moves to MLflow", owner=alice, expires_on=until)
    return acceptances.accept(acceptance, by=alice, now=NOW)


def counted_codes(today):
    return sorted(acceptances.counted(today).values_list("code", "category__key"))


# The rule, as the services keep it ------------------------------------------------------------------

def test_an_accepted_finding_counts_nowhere_until_it_expires_then_returns(two_trackers, alice):
    assert ("overlap", "experiment-tracking") in counted_codes(TODAY)
    accept_overlap(alice)
    # One acceptance covers the category, whichever of its tools: both entries' findings.
    assert Finding.objects.filter(code="overlap", category__key="experiment-tracking").count() == 2
    assert Finding.objects.accepted(TODAY).filter(code="overlap").count() == 2
    assert ("overlap", "experiment-tracking") not in counted_codes(TODAY)
    assert ("overlap", "model-registry") in counted_codes(TODAY)  # another category: still counts
    assert ("overlap", "experiment-tracking") not in counted_codes(UNTIL - timedelta(days=1))
    assert ("overlap", "experiment-tracking") in counted_codes(UNTIL)  # the day it expires, it returns
    # A run after the acceptance keeps it on the findings it makes, and counts the rest.
    run = refresh(now=NOW + timedelta(hours=1))
    assert Finding.objects.accepted(TODAY).filter(code="overlap").count() == 2
    assert run.findings == acceptances.counted(TODAY).count()  # the model registry overlap, once


def test_a_withdrawn_acceptance_counts_again_at_once(two_trackers, alice):
    acceptance = accept_overlap(alice)
    acceptances.withdraw(acceptance)
    assert ("overlap", "experiment-tracking") in counted_codes(TODAY)
    assert not Finding.objects.filter(acceptance__isnull=False).exists()


@pytest.mark.parametrize("change, field, message", [
    ({"expires_on": TODAY}, "expires_on", "must be after today (2026-11-02)"),
    ({"expires_on": TODAY + timedelta(days=367)}, "expires_on", "at most a year ahead (by 2027-11-03)"),
    ({"rationale": "  "}, "rationale", "required: say why"),
    ({"code": "no-such-rule"}, "code", "'no-such-rule' is not one of the linter's rules"),
    ({"code": "no-owner", "category": None}, "entry", "required: no-owner findings are accepted by their tool"),
    ({"code": "discontinued", "entry": None}, "category", "discontinued findings are not accepted by their category: leave it out"),
])
def test_what_is_no_acceptance(catalog, alice, change, field, message):
    values = {"code": "overlap", "entry": None, "category": Category.objects.get(key="experiment-tracking"),
              "pain_point": None, "rationale": "Moving by December", "owner": alice, "expires_on": UNTIL, **change}
    found = acceptances.problems(**values, today=TODAY)
    assert message in found[field]
    assert acceptances.problems(**{**values, **VALID, "category": values["category"] or Category.objects.first()},
                                today=TODAY) == {}


VALID = {"code": "overlap", "entry": None, "pain_point": None, "rationale": "Moving by December", "expires_on": UNTIL}


def test_an_owner_who_left_cannot_own_an_acceptance(catalog, alice, bob):
    bob.is_active = False
    bob.save()
    found = acceptances.problems(code="overlap", entry=None, category=Category.objects.first(), pain_point=None,
                                 rationale="Moving", owner=bob, expires_on=UNTIL, today=TODAY)
    assert "no longer active" in found["owner"]


# The findings page -----------------------------------------------------------------------------

def test_a_lead_accepts_a_finding_on_the_findings_page_and_it_moves_apart(lead_client, two_trackers, clock):
    overlap = Finding.objects.filter(code="overlap", category__key="experiment-tracking").first()
    page = lead_client.get("/findings/").content.decode()
    assert page.count("Experiment tracking has 2 tools in use") == 1  # one finding for the category
    assert "Fix:" in page and RULE_FIX in page

    url = acceptances.accept_url(overlap)
    assert url == f"/findings/accept/?rule=overlap&category={overlap.category_id}"
    assert url.replace("&", "&amp;") in page
    form = lead_client.get(url).content.decode()
    assert "One acceptance covers the category" in form
    refresh(now=NOW + timedelta(minutes=5))  # a run makes the findings anew: the form still stands
    refused = lead_client.post(url, {
        "rationale": "", "owner": overlap.entry.owner_id, "expires_on": "2026-11-01"})
    assert refused.status_code == 200 and not Acceptance.objects.exists()
    assert "must be after today (2026-11-02)" in refused.content.decode()

    done = lead_client.post(url, {
        "rationale": "The vision team moves to MLflow by December", "owner": overlap.entry.owner_id,
        "expires_on": "2026-12-01"}, follow=True)
    page = done.content.decode()
    assert "Accepted until 1 December 2026" in page
    standing, accepted = page.split('id="accepted"')
    assert "Experiment tracking has 2 tools in use" not in standing
    assert "Model registry has 2 tools in use" in standing
    assert "The vision team moves to MLflow by December" in accepted and "1 Dec 2026" in accepted
    assert Acceptance.objects.get().accepted_by.email == "alice@example.com"


RULE_FIX = "Keep one of these tools, chosen by an evaluation against the pain point, and retire the others."


def test_the_overview_counts_only_what_stands(lead_client, two_trackers, alice, clock):
    def shown_count():
        page = lead_client.get("/").content.decode()
        stat = page.split('<a class="stat" href="/findings/">')[1]
        return int(stat.split(">")[1].split("<")[0])

    before = shown_count()
    assert before == acceptances.counted(TODAY).count()
    accept_overlap(alice)
    assert shown_count() == before - 1  # the category's one finding
    clock.move_to(UNTIL.isoformat() + "T09:00:00+00:00")
    assert shown_count() == before


def test_withdrawing_asks_first(lead_client, two_trackers, alice):
    acceptance = accept_overlap(alice)
    confirm = lead_client.get(f"/findings/accepted/{acceptance.pk}/withdraw/")
    assert "Withdraw it" in confirm.content.decode() and Acceptance.objects.exists()
    lead_client.post(f"/findings/accepted/{acceptance.pk}/withdraw/")
    assert not Acceptance.objects.exists()


@pytest.mark.parametrize("client_name", ["evaluator_client", "viewer_client"])
def test_only_a_lead_accepts_or_withdraws(request, client_name, two_trackers, alice):
    client = request.getfixturevalue(client_name)
    acceptance = accept_overlap(alice)
    url = acceptances.accept_url(Finding.objects.filter(code="no-pain").first())
    assert client.get(url).status_code == 403
    assert client.post(url, {"rationale": "x"}, headers={"HX-Request": "true"}).status_code == 403
    assert client.post(f"/findings/accepted/{acceptance.pk}/withdraw/").status_code == 403
    assert Acceptance.objects.count() == 1
    assert "Accept…" not in client.get("/findings/").content.decode()


# The stack file ------------------------------------------------------------------------------

def test_accepted_findings_round_trip_through_the_stack_file(catalog):
    outcome = import_stack(TWO_TRACKERS + ACCEPTED, commit=True, now=NOW)
    assert outcome.ok, outcome.errors
    assert outcome.changes["accepted_findings"].added == ["overlap · experiment-tracking"]
    (acceptance,) = Acceptance.objects.all()
    assert (acceptance.code, acceptance.category.key, acceptance.owner.email, acceptance.expires_on) == (
        "overlap", "experiment-tracking", "lead@example.com", UNTIL)
    exported = export_stack()
    assert "accepted_findings:\n  - rule: overlap\n    category: experiment-tracking\n" in exported
    again = import_stack(exported, commit=True, now=NOW)
    assert again.ok and again.changes["accepted_findings"].unchanged == ["overlap · experiment-tracking"]
    assert export_stack() == exported
    # Past its day, the file still imports: the acceptance is kept, covers nothing, and is said so.
    later = import_stack(exported, commit=True, now=NOW + timedelta(days=60))
    assert later.ok, later.errors
    assert [w for w in later.warnings if "expired on 2026-12-01: the finding counts again" in w]


RECORD = """\
accepted_findings:
  - rule: overlap
    category: experiment-tracking
    rationale: later
    owner: lead@example.com
    expires: "2026-12-01"
"""


@pytest.mark.parametrize("change, needle, expected", [
    (("2026-12-01", "2027-12-01"), "expires:", "accepted_findings[overlap · experiment-tracking].expires: at most a year ahead"),
    (("category: experiment-tracking", "tool: Kubeflow"), "tool:",
     "accepted_findings[overlap · Kubeflow].tool: no stack entry for the tool 'Kubeflow'"),
    (("rule: overlap", "rule: overlapp"), "rule:",
     "accepted_findings[overlapp · experiment-tracking].rule: 'overlapp' is not one of the linter's rules"),
    (("category: experiment-tracking", "tool: MLflow"), "tool:",
     "accepted_findings[overlap · MLflow].tool: overlap findings are not accepted by their tool"),
    (("owner: lead@example.com", "owner: ghost@example.com"), "owner:",
     "accepted_findings[overlap · experiment-tracking].owner: no user 'ghost@example.com'"),
])
def test_a_bad_acceptance_refuses_the_whole_file_with_its_line(catalog, change, needle, expected):
    text_ = TWO_TRACKERS + RECORD.replace(*change)
    outcome = import_stack(text_, commit=True, now=NOW)
    line = len(TWO_TRACKERS.splitlines()) + line_of(RECORD.replace(*change), needle)
    assert f"line {line}: {expected}" in "\n".join(outcome.errors), outcome.errors
    assert not outcome.applied and not StackEntry.objects.exists() and not Acceptance.objects.exists()


# The linter in CI ---------------------------------------------------------------------------

def test_lint_leaves_an_accepted_finding_out_of_its_exit_code_until_it_expires(db):
    accepted = lint_files([("stack.yaml", (TWO_TRACKERS + ACCEPTED).encode())], now=NOW)
    overlap = next(i for i in accepted.items if i.code == "overlap" and i.subject == "Experiment tracking")
    assert overlap.accepted.until == "2026-12-01" and overlap.accepted.owner == "lead@example.com"
    assert overlap not in accepted.standing("error")
    report = text(accepted, fail_on="error")
    assert f"stack.yaml:{line_of(TWO_TRACKERS, 'Weights & Biases')}: accepted until 2026-12-01 (lead@example.com)" in report
    assert report.endswith("(1 accepted, not counted)")
    log = json.loads(sarif(accepted, fail_on="error"))
    validate_sarif(log)
    (suppressed,) = [r for r in log["runs"][0]["results"] if "suppressions" in r]
    (suppression,) = suppressed["suppressions"]
    assert suppression["status"] == "accepted" and suppression["kind"] == "inSource"
    assert "The vision team moves to MLflow" in suppression["justification"]
    assert suppression["location"]["physicalLocation"]["region"]["startLine"] == line_of(
        TWO_TRACKERS + ACCEPTED, "- rule: overlap")
    # The model registry overlap still fails the run; accepted both, it passes; past the day, it fails.
    assert accepted.exit_code("error") == 1
    both = ACCEPTED + ACCEPTED.split("accepted_findings:\n")[1].replace("experiment-tracking", "model-registry")
    assert lint_files([("stack.yaml", (TWO_TRACKERS + both).encode())], now=NOW).exit_code("error") == 0
    expired = lint_files([("stack.yaml", (TWO_TRACKERS + both).encode())], now=NOW.replace(month=12, day=1))
    assert expired.exit_code("error") == 1 and not expired.accepted


def machine_today() -> date:
    """The machine's day (UTC, as the command reads it), whatever moment this test's clock was moved to."""
    answer = subprocess.run([sys.executable, "-c", "import datetime; print(datetime.datetime.now(datetime.UTC).date())"],
                            capture_output=True, text=True, check=True)
    return date.fromisoformat(answer.stdout.strip())


def test_the_command_passes_a_file_whose_overlaps_are_accepted(tmp_path):
    until = machine_today() + timedelta(days=30)  # the command reads the machine's clock, not the test's
    both = "accepted_findings:\n" + "".join(
        f"  - rule: overlap\n    category: {key}\n    rationale: Moving to MLflow\n    owner: lead@example.com\n"
        f"    expires: \"{until}\"\n" for key in ("experiment-tracking", "model-registry"))
    done = run_lint(tmp_path, "--format", "sarif", "stack.yaml", stack=TWO_TRACKERS + both)
    assert done.returncode == 0, done.stdout + done.stderr
    results = json.loads(done.stdout)["runs"][0]["results"]
    assert sorted(r["ruleId"] for r in results if "suppressions" in r) == ["overlap", "overlap"]


def test_the_api_gives_each_finding_its_severity_fix_and_acceptance(viewer_client, two_trackers, alice, clock):
    accept_overlap(alice)
    accepted = viewer_client.get("/api/v1/findings/?accepted=true").json()["items"]
    assert {(f["code"], f["category"]["key"]) for f in accepted} == {("overlap", "experiment-tracking")}
    assert accepted[0]["accepted"] == {"rationale": "The vision team moves to MLflow", "owner": "alice@example.com",
                                       "expires_on": "2026-12-01"}
    standing = viewer_client.get("/api/v1/findings/?accepted=false").json()["items"]
    assert standing and all(f["accepted"] is None for f in standing)
    assert {f["severity"] for f in standing} == {"error", "info"}
    assert all(f["fix"] for f in standing)
    clock.move_to("2026-12-01T09:00:00+00:00")
    assert viewer_client.get("/api/v1/findings/?accepted=true").json()["items"] == []


def test_the_entry_page_shows_an_accepted_finding_apart(viewer_client, two_trackers, alice, clock):
    mlflow, _ = two_trackers
    accept_overlap(alice)
    page = viewer_client.get(f"/stack/{mlflow.pk}/").content.decode()
    findings = page.split('id="findings"')[1].split("</section>")[0]
    standing, accepted = findings.split('class="finding accepted"', 1)
    assert "Experiment tracking has 2 tools in use" not in standing and "Model registry has 2 tools" in standing
    assert "accepted until 1 Dec 2026" in accepted and "Why: The vision team moves to MLflow (Alice" in accepted


def test_a_review_sees_accepted_findings_apart_from_its_risks(two_trackers, alice):
    from apps.reviews.models import Review
    from apps.reviews.services import review_open

    accept_overlap(alice)
    review = review_open(Review.objects.create(year=2026, held_on=UNTIL), now=NOW)
    item = review.items.get(tool_name="MLflow")
    assert [f["message"][:20] for f in item.findings if f["code"] == "overlap"] == ["Model registry has 2"]
    (accepted,) = item.accepted_findings
    assert accepted["code"] == "overlap" and accepted["until"] == "2026-12-01" and accepted["owner"] == "Alice"


def test_one_acceptance_per_finding_whichever_path_makes_it(two_trackers, alice, admin_client):
    first = accept_overlap(alice)
    again = accept_overlap(alice, until=UNTIL + timedelta(days=10))  # made meanwhile: the same one, changed
    assert again.pk == first.pk and Acceptance.objects.get().expires_on == UNTIL + timedelta(days=10)
    category = Category.objects.get(key="experiment-tracking")
    page = admin_client.post("/admin/findings/acceptance/add/", {
        "code": "overlap", "category": category.pk, "rationale": "twice", "owner": alice.pk,
        "expires_on": "2026-12-01"}).content.decode()
    assert "is accepted already" in page and Acceptance.objects.count() == 1


def test_bad_subjects_on_the_accept_page_are_not_found(lead_client, two_trackers):
    for query in ("", "?rule=nope", "?rule=overlap", "?rule=overlap&category=abc", "?rule=overlap&category=99999",
                  "?rule=no-owner&entry=1" + "9" * 30, "?rule=overlap&category=%C2%B2"):
        assert lead_client.get(f"/findings/accept/{query}").status_code == 404, query


def test_a_decision_without_a_chosen_tool_is_accepted_by_its_category(lead_client, catalog, alice, clock):
    category = Category.objects.get(key="experiment-tracking")
    finding = Finding.objects.create(code="revisit-overdue", message="Decision 1 was to be revisited",
                                     category=category, found_at=NOW)
    done = lead_client.post(acceptances.accept_url(finding), {
        "rationale": "Revisited at the review", "owner": alice.pk, "expires_on": "2026-12-01"})
    assert done.status_code == 302, done.content.decode()
    finding.refresh_from_db()
    assert finding.acceptance is not None


def test_an_owner_who_left_keeps_the_exported_file_importable(catalog, bob):
    assert import_stack(TWO_TRACKERS + ACCEPTED, commit=True, now=NOW).ok
    acceptance = Acceptance.objects.get()
    acceptance.owner.is_active = False
    acceptance.owner.save()
    again = import_stack(export_stack(), commit=True, now=NOW)
    assert again.ok, again.errors
    assert [w for w in again.warnings if "is no longer active: hand the acceptance to someone" in w]
    # A file that makes someone leave and gives them an acceptance in the same breath is refused.
    leaving = (TWO_TRACKERS + ACCEPTED).replace("lead@example.com", "bob@example.com").replace(
        "users:\n  - {email: bob@example.com, name: Lee Lead, role: lead, team: Platform}",
        "users:\n  - {email: bob@example.com, name: Bob, role: evaluator, team: Platform, active: false}")
    refused = import_stack(leaving.replace("category: experiment-tracking", "category: model-registry"), commit=True, now=NOW)
    assert any("is no longer active" in error for error in refused.errors), refused.errors


def test_the_run_counts_an_overlap_once_per_category(two_trackers):
    run = refresh(now=NOW + timedelta(hours=1))
    assert run.findings == acceptances.counted(TODAY).count()
