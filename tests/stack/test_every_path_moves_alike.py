"""Every path that moves a stack entry (its page, a stack file, a decision, a review, a
shortlist) goes through StackEntry.move_to, so the same move leaves the same rows: the
transition, the dates, the snooze, the assessment and the pain points' statuses."""

from datetime import UTC, date, datetime

import pytest
import time_machine
import yaml

from apps.catalog.models import Tool
from apps.evaluations.models import DecisionRecord, Evaluation, Trial
from apps.evaluations.services import decision_accept, shortlist
from apps.painpoints.models import PainPoint
from apps.reviews.models import Review
from apps.reviews.services import item_decide, review_close, review_open
from apps.stack.models import StackEntry, Verdict
from apps.stackfile.exporter import export_stack
from apps.stackfile.importer import import_stack

NOW = datetime(2026, 6, 15, 10, 30, tzinfo=UTC)
TOOL = "Prefect"


def by_page(entry, target, alice, client):
    client.force_login(alice)
    assert client.post(f"/stack/{entry.pk}/move/", {"lifecycle": target}).status_code == 302


def by_stack_file(entry, target, alice, client):
    document = yaml.safe_load(export_stack())
    for row in document["stack"]:
        if row["tool"] == TOOL:
            row["status"] = target
    outcome = import_stack(yaml.safe_dump(document, sort_keys=False), commit=True, by=alice, now=NOW)
    assert outcome.applied, outcome.errors


def by_decision(entry, target, alice, client):
    evaluation = Evaluation.objects.create(title="Orchestrator", category=entry.tool.categories.first(), use_case="x")
    trial = Trial.objects.create(evaluation=evaluation, entry=entry, finished_on=NOW.date())
    record = DecisionRecord.objects.create(evaluation=evaluation, title="Choose", context="c", outcome="o", chosen=trial)
    decision_accept(record, by=alice, now=NOW)


def by_review(decision):
    def run(entry, target, alice, client):
        review = review_open(Review.objects.create(year=2026, held_on=NOW.date()), by=alice, now=NOW)
        item_decide(review.items.get(entry=entry), decision=decision, rationale="decided", action_owner=alice,
                    due_on=None if decision == "keep" else date(2026, 7, 1), by=alice, now=NOW)
        review_close(review, by=alice, now=NOW)
    run.__name__ = f"by_review_{decision}"
    return run


def by_shortlist(entry, target, alice, client):
    evaluation = Evaluation.objects.create(title="Orchestrator", category=entry.tool.categories.first(), use_case="x")
    evaluation.pain_points.set(entry.pain_points.all())
    shortlist(evaluation, tools=[entry.tool, Tool.objects.get(name="Metaflow")], by=alice, now=NOW)


MOVES = {
    ("proposed", "evaluating"): [by_page, by_stack_file, by_shortlist],
    ("evaluating", "adopted"): [by_page, by_stack_file, by_decision],
    ("adopted", "flagged"): [by_page, by_stack_file, by_review("remove")],
    ("flagged", "adopted"): [by_page, by_stack_file, by_review("keep")],
    ("adopted", "retired"): [by_page, by_stack_file],
    ("retired", "proposed"): [by_page, by_stack_file],
}


def entry_in(lifecycle, alice):
    pain = PainPoint.objects.create(title="Retraining takes a day", evidence="weekly", team=alice.team,
                                    category=Tool.objects.get(name=TOOL).categories.first())
    entry = StackEntry.objects.create(
        tool=Tool.objects.get(name=TOOL), lifecycle=lifecycle, owner=alice, team=alice.team,
        **{name: Verdict.PASS for name in ("capability", "integration", "operational_cost")},
        capability_rationale="runs the DAG", integration_rationale="beside Postgres",
        operational_cost_rationale="an hour a week",
    )
    entry.pain_points.add(pain)
    return entry


def what_the_move_left(entry):
    entry.refresh_from_db()
    step = entry.transitions.order_by("-at", "-id").first()
    return {
        "lifecycle": entry.lifecycle, "adopted_on": entry.adopted_on, "retired_on": entry.retired_on,
        "snoozed_until": entry.snoozed_until, "verdicts": [v for _, _, v, _ in entry.verdicts()],
        "transition": (step.from_lifecycle, step.to_lifecycle, step.by_id, step.at),
        "pain_points": sorted(entry.pain_points.values_list("status", flat=True)),
        "pain_history": list(PainPoint.objects.get().status_changes.values_list("from_status", "to_status", "by", "at")),
    }


@pytest.mark.parametrize("move", list(MOVES), ids="→".join)
def test_every_path_to_a_move_leaves_the_same_rows(move, catalog, alice, client):
    start, target = move
    left = {}
    for path in MOVES[move]:
        with time_machine.travel(NOW, tick=False):
            entry = entry_in(start, alice)
            path(entry, target, alice, client)
            left[path.__name__] = what_the_move_left(entry)
        # The next path starts from the same stack.
        Review.objects.all().delete()
        DecisionRecord.objects.all().delete()
        Trial.objects.all().delete()
        Evaluation.objects.all().delete()
        StackEntry.objects.all().delete()
        PainPoint.objects.all().delete()
    first, *others = left.items()
    assert first[1]["lifecycle"] == target and first[1]["transition"][:2] == (start, target)
    for name, rows in others:
        assert rows == first[1], f"{name} differs from {first[0]}"
