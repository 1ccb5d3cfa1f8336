"""Reviews by team: a team's review walks its own stack entries, chaired by one of its leads;
the organisation's review takes the decisions the year's closed team reviews took, applied
once, and shows which teams reviewed."""

from datetime import date, timedelta

import pytest

from apps.accounts.models import Team, User
from apps.accounts.roles import LEAD
from apps.notifications.models import Notification
from apps.reviews.forms import ReviewForm
from apps.reviews.models import Decision, Review
from apps.reviews.services import (
    item_decide,
    review_close,
    review_open,
    review_reminders,
    teams_reviewed,
)
from apps.stack.models import Lifecycle, UsageState
from tests.conftest import NOW
from tests.reviews.test_review_flow import add

pytestmark = pytest.mark.usefixtures("clock")
YEAR = NOW.year


@pytest.fixture
def teams(catalog, alice, bob, platform):
    """Platform (led by Alice) runs MLflow and Neptune; Data (led by Dana) runs Airflow; Vision
    (no lead) runs Weights & Biases."""
    data, vision = Team.objects.create(name="Data"), Team.objects.create(name="Vision")
    dana = User.objects.create_user("dana@example.com", "x", name="Dana", team=data)
    dana.set_role(LEAD)
    add("MLflow", owner=alice, team=platform)
    add("Neptune", owner=bob, team=platform, usage=UsageState.UNUSED)
    add("Airflow", owner=dana, team=data)
    add("Weights & Biases", owner=bob, team=vision)
    return {"platform": platform, "data": data, "vision": vision, "dana": dana}


def schedule(by, **data):
    form = ReviewForm({"year": YEAR, "held_on": NOW.date().isoformat(), **data}, today=NOW.date(), by=by)
    return form.save() if form.is_valid() else form.errors


def test_a_teams_review_is_chaired_by_its_lead_and_one_a_year(teams, alice):
    platform = schedule(alice, team=teams["platform"].pk)
    data = schedule(alice, team=teams["data"].pk)
    organisation = schedule(alice)
    assert (str(platform), platform.chair, data.chair, organisation.chair) == (
        f"Platform stack review {YEAR}", alice, teams["dana"], alice)
    assert schedule(alice, team=teams["vision"].pk) == {
        "team": ["Vision has no active lead to chair its review: give the team a lead first."]}
    assert schedule(alice, team=teams["platform"].pk) == {"__all__": ["There is a review for this year already."]}
    assert schedule(alice) == {"__all__": ["There is a review for this year already."]}


def test_a_teams_review_walks_its_own_entries_with_the_organisations_findings(teams, alice):
    add("Prefect", owner=alice, team=teams["platform"])
    review = review_open(schedule(alice, team=teams["platform"].pk), by=alice, now=NOW)
    items = {item.tool_name: item for item in review.items.all()}
    assert sorted(items) == ["MLflow", "Neptune", "Prefect"]
    # Three trackers in use, whichever teams run them: the overlap is the organisation's.
    assert "overlap" in {f["code"] for f in items["MLflow"].findings}
    assert review.unregistered == []


def test_the_organisations_review_takes_the_teams_decisions_and_applies_them_once(teams, alice):
    platform = review_open(schedule(alice, team=teams["platform"].pk), by=alice, now=NOW)
    for item in platform.items.all():
        if item.tool_name == "Neptune":
            item_decide(item, decision=Decision.REMOVE, rationale="Nobody logs to it", action_owner=alice,
                        due_on=date(YEAR + 1, 1, 15), by=alice, now=NOW)
        else:
            item_decide(item, decision=Decision.KEEP, rationale="Every run is logged", by=alice, now=NOW)
    review_close(platform, by=alice, now=NOW)
    neptune = platform.items.get(tool_name="Neptune").entry
    neptune.refresh_from_db()
    assert neptune.lifecycle == Lifecycle.FLAGGED
    steps = neptune.transitions.count()

    later = NOW + timedelta(days=7)
    organisation = review_open(schedule(alice), by=alice, now=later)
    items = {item.tool_name: item for item in organisation.items.all()}
    assert (items["Neptune"].decision, items["Neptune"].decided_in, items["Neptune"].rationale) == (
        Decision.REMOVE, platform, "Nobody logs to it")
    assert (items["MLflow"].decision, items["Airflow"].decision) == (Decision.KEEP, "")
    assert [(team.name, review and review.status) for team, review in teams_reviewed(YEAR)] == [
        ("Data", None), ("Platform", "closed"), ("Vision", None)]
    for name in ("Airflow", "Weights & Biases"):
        item_decide(items[name], decision=Decision.KEEP, rationale="In use", by=alice, now=later)
    review_close(organisation, by=alice, now=later)
    neptune.refresh_from_db()
    assert neptune.transitions.count() == steps  # flagged once, by the team's review
    assert neptune.removal_planned_on == date(YEAR + 1, 1, 15)


def test_deciding_again_in_the_organisations_review_is_its_own_decision(teams, alice):
    platform = review_open(schedule(alice, team=teams["platform"].pk), by=alice, now=NOW)
    for item in platform.items.all():
        item_decide(item, decision=Decision.KEEP, rationale="Fine", by=alice, now=NOW)
    review_close(platform, by=alice, now=NOW)
    organisation = review_open(schedule(alice), by=alice, now=NOW)
    item = organisation.items.get(tool_name="Neptune")
    item_decide(item, decision=Decision.INVESTIGATE, rationale="Is anyone on it?", action_owner=alice,
                due_on=date(YEAR + 1, 2, 1), by=alice, now=NOW)
    item.refresh_from_db()
    assert item.decided_in is None  # the organisation's own: it applies when this review closes


def test_the_reminder_of_a_teams_review_goes_to_its_chair(teams, alice):
    schedule(alice, team=teams["data"].pk, held_on=(NOW.date() + timedelta(days=14)).isoformat())
    assert review_reminders(now=NOW) == 1
    assert Notification.objects.get().to == ["dana@example.com"]


def test_the_pages_show_the_chair_and_which_teams_reviewed(teams, alice, lead_client):
    platform = schedule(alice, team=teams["platform"].pk)
    organisation = schedule(alice)
    page = lead_client.get("/reviews/").content.decode()
    assert f"Platform stack review {YEAR}" in page and f"Stack review {YEAR}" in page
    page = lead_client.get(f"/reviews/{organisation.pk}/").content.decode()
    assert "Team reviews" in page and f'href="/reviews/{platform.pk}/">scheduled</a>' in page
    assert page.count("not reviewed") == 2  # Data and Vision
    page = lead_client.get(f"/reviews/{platform.pk}/").content.decode()
    assert "chaired by Alice" in page and "Team reviews" not in page
    assert Review.objects.count() == 2
