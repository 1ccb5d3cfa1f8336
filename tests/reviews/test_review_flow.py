"""The annual review without HTTP: the frozen evidence, the agenda, the decisions and the
minutes."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from apps.catalog.models import Category, Tool
from apps.evaluations.models import Evaluation
from apps.notifications.models import Notification
from apps.painpoints.models import PainPoint
from apps.probes.models import Probe, ProbeResult
from apps.reviews.dashboard import live_dashboard, review_dashboard
from apps.reviews.models import Review, Task
from apps.reviews.services import (
    ReviewError,
    item_decide,
    keep_healthy,
    minutes_markdown,
    review_close,
    review_open,
    review_reminders,
)
from apps.stack.models import Lifecycle, StackEntry, UsageState, Verdict

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)

pytestmark = pytest.mark.usefixtures("clock")  # the pages read the clock the test pins


def add(name, *, owner=None, lifecycle=Lifecycle.ADOPTED, usage=UsageState.ACTIVE, pain=True, **fields):
    """A stack entry that passed the three filters, in `lifecycle`, with the usage given."""
    entry = StackEntry.objects.create(
        tool=Tool.objects.get(name=name), owner=owner, lifecycle=lifecycle, usage_state=usage,
        capability=Verdict.PASS, integration=Verdict.PASS, operational_cost=Verdict.PASS, **fields,
    )
    if pain:
        entry.pain_points.add(PainPoint.objects.create(title=f"{name} answers this", evidence="weekly"))
    return entry


@pytest.fixture
def stack(catalog, alice, bob):
    """One tool for each risk of the agenda, and one healthy tool."""
    return {
        "healthy": add("Prometheus", owner=alice, last_activity_at=NOW - timedelta(days=1),
                       licence_per_month=Decimal("0"), ops_hours_per_month=Decimal("4")),
        "unused": add("Neptune", owner=bob, usage=UsageState.UNUSED, last_activity_at=NOW - timedelta(days=200)),
        "unknown": add("Feast", owner=bob, usage=UsageState.UNKNOWN),
        "ownerless": add("Grafana"),
        "overlap-1": add("Airflow", owner=alice),
        "overlap-2": add("Prefect", owner=bob),
        "unjustified": add("BentoML", owner=alice, pain=False),
    }


@pytest.fixture
def review(alice, bob):
    review = Review.objects.create(year=2026, held_on=date(2026, 11, 20), created_by=alice)
    review.attendees.set([alice, bob])
    return review


def test_opening_freezes_the_evidence(stack, review, alice):
    Probe.objects.create(entry=stack["healthy"], kind="manual")
    review_open(review, by=alice, now=NOW)
    item = review.items.get(entry=stack["unused"])
    assert (item.usage_state, item.last_activity_at, item.owner_name) == ("unused", NOW - timedelta(days=200), "Bob")

    # Later probe results and edits change the stack, not the review.
    entry = stack["unused"]
    entry.usage_state, entry.last_activity_at = UsageState.ACTIVE, NOW + timedelta(days=1)
    entry.licence_per_month = Decimal("999")
    entry.save()
    ProbeResult.objects.create(probe=stack["healthy"].probe, at=NOW + timedelta(hours=1), ok=True, activity_count=50,
                               run_key="later")
    item.refresh_from_db()
    assert (item.usage_state, item.last_activity_at, item.licence_per_month) == ("unused", NOW - timedelta(days=200), Decimal("0.00"))
    healthy = review.items.get(entry=stack["healthy"])
    assert 50 not in healthy.trend and healthy.monthly_cost == Decimal("400.00")  # 4 h at the default 100 an hour


def test_opening_twice_is_refused(stack, review, alice):
    review_open(review, by=alice, now=NOW)
    with pytest.raises(ReviewError, match="in progress already"):
        review_open(review, by=alice, now=NOW)
    assert review.items.count() == len(stack)


def test_the_agenda_puts_the_riskiest_tools_first(stack, review, alice):
    review_open(review, by=alice, now=NOW)
    order = [(item.tool_name, item.risks[:1]) for item in review.items.all()]
    assert order[:4] == [("Neptune", ["unused"]), ("Feast", ["unknown"]), ("Grafana", ["ownerless"]),
                         ("Airflow", ["overlap"])]
    assert order[4] == ("Prefect", ["overlap"])
    assert order[5] == ("BentoML", ["unjustified"])
    assert order[-1] == ("Prometheus", [])
    assert review.items.get(entry=stack["healthy"]).is_healthy


def test_a_decision_needs_a_rationale_and_an_action_needs_an_owner_and_a_date(stack, review, alice, bob):
    review_open(review, by=alice, now=NOW)
    item = review.items.get(entry=stack["unused"])
    with pytest.raises(ReviewError, match="rationale"):
        item_decide(item, decision="keep", rationale="  ", by=alice, now=NOW)
    with pytest.raises(ReviewError, match="action owner and a due date"):
        item_decide(item, decision="remove", rationale="Nobody logs runs", action_owner=bob, by=alice, now=NOW)
    item.refresh_from_db()
    assert item.decision == ""
    item_decide(item, decision="remove", rationale="Nobody logs runs", action_owner=bob, due_on=date(2026, 12, 31), by=alice, now=NOW)
    item.refresh_from_db()
    assert (item.decision, item.decided_by) == ("remove", alice)


def decide_all(review, alice, bob, **overrides):
    due = date(2027, 1, 31)
    for item in review.items.all():
        decision = overrides.get(item.tool_name, "keep")
        owner = None if decision == "keep" else bob
        item_decide(item, decision=decision, rationale=f"{decision} it", action_owner=owner,
                    due_on=None if decision == "keep" else due, by=alice, now=NOW)


def test_closing_applies_every_decision(stack, review, alice, bob):
    stack["ownerless"].move_to(Lifecycle.FLAGGED, by=alice, now=NOW)
    review_open(review, by=alice, now=NOW)
    decide_all(review, alice, bob, Neptune="remove", Feast="investigate", Airflow="replace")
    review_close(review, by=alice, now=NOW)

    neptune = StackEntry.objects.get(pk=stack["unused"].pk)
    assert (neptune.lifecycle, neptune.removal_planned_on) == (Lifecycle.FLAGGED, date(2027, 1, 31))
    assert neptune.transitions.last().note.startswith("Stack review 2026: remove. remove it")

    task = Task.objects.get()
    assert (task.entry, task.owner, task.due_on) == (stack["unknown"], bob, date(2027, 1, 31))

    evaluation = Evaluation.objects.get()
    assert (evaluation.title, evaluation.category.key) == ("Replace Airflow", "pipeline-orchestration")
    assert [p.title for p in evaluation.pain_points.all()] == ["Airflow answers this"]
    assert not evaluation.trials.exists()
    assert review.items.get(entry=stack["overlap-1"]).evaluation == evaluation

    # A flagged tool the meeting keeps is adopted again; the others are untouched.
    assert StackEntry.objects.get(pk=stack["ownerless"].pk).lifecycle == Lifecycle.ADOPTED
    assert StackEntry.objects.get(pk=stack["healthy"].pk).lifecycle == Lifecycle.ADOPTED

    review.refresh_from_db()
    assert (review.status, review.closed_by) == (Review.Status.CLOSED, alice)
    minutes = Notification.objects.get(key=f"review-minutes:{review.pk}")
    assert minutes.to == sorted([alice.email, bob.email])
    assert "Remove Neptune — Bob, due 31 January 2027" in minutes.text


def test_closing_is_refused_until_every_tool_is_decided(stack, review, alice, bob):
    review_open(review, by=alice, now=NOW)
    item = review.items.get(entry=stack["unused"])
    item_decide(item, decision="remove", rationale="unused", action_owner=bob, due_on=date(2027, 1, 1), by=alice, now=NOW)
    with pytest.raises(ReviewError, match="6 tools have no decision yet"):
        review_close(review, by=alice, now=NOW)
    assert StackEntry.objects.get(pk=stack["unused"].pk).lifecycle == Lifecycle.ADOPTED
    assert Review.objects.get(pk=review.pk).status == Review.Status.OPEN
    assert not Notification.objects.exists()


def test_keeping_the_healthy_tools_in_one_go_leaves_the_risky_ones(stack, review, alice):
    review_open(review, by=alice, now=NOW)
    assert keep_healthy(review, by=alice, now=NOW) == 1
    assert list(review.items.exclude(decision="").values_list("tool_name", flat=True)) == ["Prometheus"]


def test_the_minutes_in_markdown(stack, review, alice, bob):
    review_open(review, by=alice, now=NOW)
    decide_all(review, alice, bob, Neptune="remove")
    review = review_close(review, by=alice, now=NOW)
    minutes = minutes_markdown(review)
    assert minutes.startswith("# Stack review 2026 — minutes\n\n* Date: 20 November 2026\n* Status: closed\n")
    assert "* Attendees: Alice, Bob" in minutes
    assert "* Keep: 6\n* Replace: 0\n* Remove: 1\n* Investigate: 0" in minutes
    assert "* Remove Neptune — Bob, due 31 January 2027" in minutes
    assert "### Neptune: Remove\n\n* Evidence: adopted, usage unused (last activity 4 May 2026)" in minutes
    assert "* Rationale: remove it" in minutes


def test_the_radar_has_every_adopted_tool_linked_to_its_entry(stack, review, alice):
    review_open(review, by=alice, now=NOW)
    svg = review_dashboard(review, list(Category.objects.all())).radar
    for entry in StackEntry.objects.filter(lifecycle=Lifecycle.ADOPTED):
        assert f'href="/stack/{entry.pk}/"' in svg, entry.tool.name
    assert svg.count('class="radar-sector"') == 8
    assert 'aria-label="Neptune"' in svg and "usage-unused" in svg


def test_a_crowded_radar_cell_shows_its_count_linking_to_the_list(catalog):
    from apps.lib.charts import CELL_DOTS
    from apps.reviews.dashboard import Dashboard, ToolRow

    categories = list(Category.objects.all())
    tracking, registry = categories[0].key, categories[1].key
    rows = [ToolRow(n, f"Tracker {n}", (tracking,), "adopted", "idle" if n == 0 else "active", Decimal("0"), 0)
            for n in range(CELL_DOTS + 1)]
    rows += [ToolRow(100 + n, f"Registry {n}", (registry,), "adopted", "active", Decimal("0"), 0) for n in range(CELL_DOTS)]
    svg = Dashboard(rows, categories).radar
    assert svg.count('class="radar-cluster"') == 1 and svg.count('class="radar-dot') == CELL_DOTS
    assert f'href="/stack/?category={tracking}&amp;lifecycle=adopted"' in svg
    assert f"{CELL_DOTS + 1} adopted tools in {categories[0].name} · usage {CELL_DOTS} active, 1 idle" in svg
    assert 'href="/stack/100/"' in svg and 'href="/stack/0/"' not in svg


def test_changes_since_the_last_review(stack, alice, bob):
    first = Review.objects.create(year=2025, held_on=date(2025, 11, 20))
    review_open(first, by=alice, now=NOW - timedelta(days=365))
    # During the year: a tool is added, one is flagged, one retired, one changes owner.
    add("Qdrant", owner=alice)
    stack["unused"].move_to(Lifecycle.FLAGGED, by=alice, now=NOW)
    stack["unknown"].move_to(Lifecycle.RETIRED, by=alice, now=NOW)
    StackEntry.objects.filter(pk=stack["ownerless"].pk).update(owner=bob)

    second = Review.objects.create(year=2026, held_on=date(2026, 11, 20))
    review_open(second, by=alice, now=NOW)
    assert second.previous == first
    changes = review_dashboard(second, []).changes
    assert [name for name, *_ in changes.added] == ["Qdrant"]
    assert [(name, before, after) for name, _, before, after in changes.moved] == [("Neptune", "Adopted", "Flagged for removal")]
    assert [(name, now) for name, _, now in changes.removed] == [("Feast", "Retired")]

    assert second.items.get(tool_name="Qdrant").changes == ["New since the last review."]
    assert second.items.get(tool_name="Neptune").changes == ["Lifecycle: adopted → flagged for removal."]
    assert second.items.get(tool_name="Grafana").changes == ["Owner: nobody → Bob."]
    assert second.items.get(tool_name="Prometheus").changes == []


def test_the_overview_compares_the_stack_with_the_last_review(stack, alice):
    review_open(Review.objects.create(year=2026, held_on=date(2026, 11, 20)), by=alice, now=NOW)
    stack["healthy"].move_to(Lifecycle.RETIRED, by=alice, now=NOW)
    add("Qdrant", lifecycle=Lifecycle.PROPOSED)
    changes = live_dashboard(NOW.date()).changes
    assert [c[0] for c in changes.added] == ["Qdrant"]
    assert [(c[0], c[2]) for c in changes.removed] == [("Prometheus", "Retired")]


def test_leads_are_reminded_14_days_and_1_day_before(alice, bob, carol):
    review = Review.objects.create(year=2026, held_on=date(2026, 12, 15))
    today = lambda day: datetime(2026, 12, day, 8, tzinfo=UTC)  # noqa: E731
    assert review_reminders(now=today(1) - timedelta(days=1)) == 0  # 15 days before: nothing yet
    assert review_reminders(now=today(1)) == 1
    assert review_reminders(now=today(2)) == 0  # once
    assert review_reminders(now=today(14)) == 1
    assert review_reminders(now=today(14)) == 0
    reminders = Notification.objects.order_by("key")
    assert [n.key for n in reminders] == [f"review-reminder:{review.pk}:1", f"review-reminder:{review.pk}:14"]
    assert all(n.to == [alice.email] for n in reminders)
    assert reminders[0].subject == "Stack review 2026 is tomorrow"
    assert reminders[1].subject == "Stack review 2026 in 14 days"
    review.status = Review.Status.OPEN
    review.save()
    Notification.objects.all().delete()
    assert review_reminders(now=today(14)) == 0  # an opened review needs no reminder


def test_a_draft_evaluation_from_a_replace_gets_its_shortlist(stack, review, alice, bob, lead_client):
    review_open(review, by=alice, now=NOW)
    decide_all(review, alice, bob, Airflow="replace")
    review_close(review, by=alice, now=NOW)
    evaluation = Evaluation.objects.get()
    page = lead_client.get(f"/evaluations/{evaluation.pk}/").content.decode()
    assert "A draft: no shortlist yet" in page
    metaflow, kubeflow = Tool.objects.get(name="Metaflow"), Tool.objects.get(name="Kubeflow Pipelines")
    response = lead_client.post(f"/evaluations/{evaluation.pk}/shortlist/", {"tools": [metaflow.pk], "time_box_days": 7})
    assert response.status_code == 302 and not evaluation.trials.exists()
    lead_client.post(f"/evaluations/{evaluation.pk}/shortlist/", {"tools": [metaflow.pk, kubeflow.pk], "time_box_days": 7,
                                                                   "start_on": NOW.date().isoformat()})
    assert sorted(t.entry.tool.name for t in evaluation.trials.all()) == ["Kubeflow Pipelines", "Metaflow"]
    assert StackEntry.objects.get(tool=metaflow).lifecycle == Lifecycle.EVALUATING


def test_a_tool_retired_since_the_review_opened_must_be_decided_again(stack, review, alice, bob):
    review_open(review, by=alice, now=NOW)
    decide_all(review, alice, bob)
    stack["unused"].move_to(Lifecycle.RETIRED, by=alice, now=NOW)
    with pytest.raises(ReviewError, match="Neptune is retired since the review opened"):
        review_close(review, by=alice, now=NOW)
    assert Review.objects.get(pk=review.pk).status == Review.Status.OPEN
    item = review.items.get(entry=stack["unused"])
    item_decide(item, decision="remove", rationale="Already gone", action_owner=bob, due_on=date(2027, 1, 1), by=alice, now=NOW)
    assert review_close(review, by=alice, now=NOW).status == Review.Status.CLOSED


def test_a_tool_without_a_category_cannot_be_replaced(catalog, review, alice, bob):
    add("Prometheus", owner=alice)
    StackEntry.objects.create(tool=Tool.objects.create(name="Homegrown dashboard", slug="homegrown"), owner=alice,
                              lifecycle=Lifecycle.ADOPTED)
    review_open(review, by=alice, now=NOW)
    item = review.items.get(tool_name="Homegrown dashboard")
    with pytest.raises(ReviewError, match="has no category"):
        item_decide(item, decision="replace", rationale="x", action_owner=bob, due_on=date(2027, 1, 1), by=alice, now=NOW)


def test_decisions_are_refused_once_the_review_is_closed(stack, review, alice, bob):
    review_open(review, by=alice, now=NOW)
    decide_all(review, alice, bob)
    review_close(review, by=alice, now=NOW)
    with pytest.raises(ReviewError, match="closed"):
        item_decide(review.items.first(), decision="remove", rationale="late", action_owner=bob,
                    due_on=date(2027, 1, 1), by=alice, now=NOW)
    with pytest.raises(ReviewError, match="closed"):
        keep_healthy(review, by=alice, now=NOW)
