from datetime import datetime, timezone

import pytest
from django.contrib.admin.sites import site

from apps.catalog.models import Tool
from apps.painpoints.models import PainPoint
from apps.stack.models import Lifecycle, StackEntry, TransitionError, Verdict
from apps.stack.services import entry_propose
from tests.conftest import NOW

MONDAY = datetime(2026, 3, 2, 9, 30, tzinfo=timezone.utc)


@pytest.fixture
def entry(catalog, alice):
    return entry_propose(tool=Tool.objects.get(name="MLflow"), by=alice, now=MONDAY)[0]


def assess(entry, *, capability="pass", integration="pass", operational_cost="pass"):
    entry.capability, entry.capability_rationale = capability, "answers which model runs where"
    entry.integration, entry.integration_rationale = integration, "runs beside our Postgres"
    entry.operational_cost, entry.operational_cost_rationale = operational_cost, "half a day a month"
    entry.save()


def name_pain(entry, *, anticipated=False):
    pain = PainPoint.objects.create(
        title="Nobody knows which model is in production", anticipated=anticipated,
        evidence="Rolled back the wrong model on 2026-03-02",
    )
    entry.pain_points.add(pain)


def test_it_records_the_proposal(entry, alice):
    [step] = entry.transitions.all()
    assert (step.from_lifecycle, step.to_lifecycle, step.by, step.at) == ("", "proposed", alice, MONDAY)


def test_it_records_each_move_with_who_and_when(entry, alice, bob):
    entry.move_to(Lifecycle.EVALUATING, by=bob, now=MONDAY.replace(day=3), note="one-week trial")
    entry.owner = alice
    entry.save()
    assess(entry)
    name_pain(entry)
    entry.move_to(Lifecycle.ADOPTED, by=alice, now=MONDAY.replace(day=10))

    steps = [(s.from_lifecycle, s.to_lifecycle, s.by, s.at.day, s.note) for s in entry.transitions.all()]
    assert steps == [
        ("", "proposed", alice, 2, ""),
        ("proposed", "evaluating", bob, 3, "one-week trial"),
        ("evaluating", "adopted", alice, 10, ""),
    ]
    entry.refresh_from_db()
    assert entry.lifecycle == Lifecycle.ADOPTED
    assert entry.adopted_on == MONDAY.replace(day=10).date()


def test_it_refuses_a_move_the_lifecycle_does_not_allow(entry, alice):
    with pytest.raises(TransitionError) as error:
        entry.move_to(Lifecycle.RETIRED, by=alice, now=NOW)
    assert error.value.reasons == ["A proposed entry cannot become retired."]
    assert StackEntry.objects.get(pk=entry.pk).lifecycle == Lifecycle.PROPOSED
    assert entry.transitions.count() == 1


def test_adopting_needs_filters_a_named_pain_and_an_owner(entry, alice):
    with pytest.raises(TransitionError) as error:
        entry.move_to(Lifecycle.ADOPTED, by=alice, now=NOW)
    assert error.value.reasons == [
        "The capability filter has not been assessed.",
        "The integration filter has not been assessed.",
        "The operational cost filter has not been assessed.",
        "No pain point named today justifies it (anticipated needs do not count).",
        "It has no owner.",
    ]
    assert StackEntry.objects.get(pk=entry.pk).lifecycle == Lifecycle.PROPOSED


def test_an_anticipated_pain_does_not_justify_adoption(entry, alice):
    entry.owner = alice
    assess(entry)
    name_pain(entry, anticipated=True)
    with pytest.raises(TransitionError) as error:
        entry.move_to(Lifecycle.ADOPTED, by=alice, now=NOW)
    assert error.value.reasons == [
        "No pain point named today justifies it (anticipated needs do not count)."
    ]


def test_a_failed_filter_blocks_adoption_with_its_rationale(entry, alice):
    entry.owner = alice
    assess(entry, integration=Verdict.FAIL)
    name_pain(entry)
    with pytest.raises(TransitionError) as error:
        entry.move_to(Lifecycle.ADOPTED, by=alice, now=NOW)
    assert error.value.reasons == ["It failed the integration filter: runs beside our Postgres."]


def test_retiring_keeps_the_entry_and_its_history(entry, alice):
    entry.owner = alice
    assess(entry)
    name_pain(entry)
    entry.move_to(Lifecycle.ADOPTED, by=alice, now=MONDAY)
    entry.move_to(Lifecycle.FLAGGED, by=alice, now=MONDAY.replace(month=9))
    entry.move_to(Lifecycle.RETIRED, by=alice, now=MONDAY.replace(month=10))

    entry = StackEntry.objects.get(pk=entry.pk)
    assert entry.lifecycle == Lifecycle.RETIRED
    assert entry.retired_on == MONDAY.replace(month=10).date()
    assert entry.pain_points.count() == 1
    assert [s.to_lifecycle for s in entry.transitions.all()] == [
        "proposed", "adopted", "flagged", "retired"
    ]


def test_a_flagged_tool_can_be_kept(entry, alice):
    entry.owner = alice
    assess(entry)
    name_pain(entry)
    entry.move_to(Lifecycle.ADOPTED, by=alice, now=NOW)
    entry.move_to(Lifecycle.FLAGGED, by=alice, now=NOW)
    entry.move_to(Lifecycle.ADOPTED, by=alice, note="still used by the fraud team", now=NOW)
    assert entry.lifecycle == Lifecycle.ADOPTED


def test_a_legacy_adoption_shows_as_unassessed(entry):
    StackEntry.objects.filter(pk=entry.pk).update(lifecycle=Lifecycle.ADOPTED)
    entry.refresh_from_db()
    assert entry.is_unassessed
    assess(entry)
    assert not entry.is_unassessed


def test_the_admin_cannot_delete_stack_entries(rf, entry):
    admin = site._registry[StackEntry]
    assert admin.has_delete_permission(rf.get("/"), entry) is False


def test_the_entry_page_shows_the_timeline(lead_client, entry):
    page = lead_client.get(f"/stack/{entry.pk}/").content.decode()
    assert "2 Mar 2026, 09:30" in page
    assert "Proposed" in page


def test_a_refused_move_shows_why(lead_client, entry):
    response = lead_client.post(f"/stack/{entry.pk}/move/", {"lifecycle": "adopted"}, follow=True)
    page = response.content.decode()
    assert "MLflow cannot move" in page
    assert "It has no owner." in page


def test_proposing_a_tool_twice_keeps_one_entry(entry, bob):
    again, created = entry_propose(tool=entry.tool, by=bob, now=NOW)
    assert (again, created) == (entry, False)
    assert entry.transitions.count() == 1


def test_proposing_again_after_retirement_starts_a_fresh_assessment(entry, alice):
    entry.owner = alice
    assess(entry)
    name_pain(entry)
    entry.move_to(Lifecycle.ADOPTED, by=alice, now=MONDAY)
    entry.move_to(Lifecycle.RETIRED, by=alice, now=MONDAY.replace(year=2027))
    step = entry.move_to(Lifecycle.PROPOSED, by=alice, note="the new team wants it back", now=NOW)

    entry = StackEntry.objects.get(pk=entry.pk)
    assert entry.lifecycle == Lifecycle.PROPOSED
    assert [v for _, _, v, _ in entry.verdicts()] == ["pending"] * 3
    assert entry.adopted_on is None and entry.retired_on is None
    assert step.note == (
        "the new team wants it back Earlier assessment: capability pass (answers which model "
        "runs where); integration pass (runs beside our Postgres); operational cost pass "
        "(half a day a month)."
    )


def test_a_move_decides_on_the_stored_state(entry, alice):
    stale = StackEntry.objects.get(pk=entry.pk)
    entry.move_to(Lifecycle.REJECTED, by=alice, now=NOW)
    with pytest.raises(TransitionError):
        stale.move_to(Lifecycle.EVALUATING, by=alice, now=NOW)  # it is rejected by now
    assert StackEntry.objects.get(pk=entry.pk).lifecycle == Lifecycle.REJECTED


def test_a_move_to_an_unknown_state_is_refused(lead_client, entry):
    response = lead_client.post(f"/stack/{entry.pk}/move/", {"lifecycle": "abandoned"}, follow=True)
    assert "Choose a lifecycle state to move to." in response.content.decode()
    assert StackEntry.objects.get(pk=entry.pk).lifecycle == Lifecycle.PROPOSED


def test_an_entry_added_in_the_admin_starts_proposed(client, catalog, django_user_model):
    admin = django_user_model.objects.create_superuser("root@example.com", "pw")
    client.force_login(admin)
    tool = Tool.objects.get(name="Prefect")
    response = client.post("/admin/stack/stackentry/add/", {
        "tool": tool.pk, "lifecycle": "adopted", "capability": "pending", "integration": "pending",
        "operational_cost": "pending", "licence_per_month": "0", "ops_hours_per_month": "0",
        "transitions-TOTAL_FORMS": "0", "transitions-INITIAL_FORMS": "0",
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    entry = StackEntry.objects.get(tool=tool)
    assert entry.lifecycle == Lifecycle.PROPOSED
    assert [(s.to_lifecycle, s.by) for s in entry.transitions.all()] == [("proposed", admin)]
