from datetime import date

import pytest

from apps.reviews.models import Review
from apps.stack.models import Lifecycle, StackEntry, UsageState
from tests.browser.conftest import log_in
from tests.conftest import NOW
from tests.reviews.test_review_flow import add

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("clock")]  # the pages read the clock the test pins


def test_a_short_meeting_run_from_the_keyboard(page, catalog, alice, bob):
    add("Neptune", owner=bob, usage=UsageState.UNUSED)
    add("Prometheus", owner=alice)
    review = Review.objects.create(year=2026, held_on=NOW.date())
    log_in(page, alice.email)

    page.goto(f"/reviews/{review.pk}/")
    page.click("button:has-text('Open the review')")
    page.click("text=Meeting mode")
    page.get_by_role("heading", name="Neptune").wait_for()
    page.wait_for_load_state()

    # The riskiest tool first: remove it, with an owner and a date, saved without a reload.
    page.select_option("#id_action_owner", label="Bob")
    page.fill("#id_due_on", "2027-01-15")
    page.keyboard.press("Escape")
    page.keyboard.press("3")
    assert page.is_checked("input[name=decision][value=remove]")
    page.keyboard.type("Nobody has logged a run since May")
    page.keyboard.press("Enter")
    page.get_by_text("Saved: remove.").wait_for()
    page.get_by_text("1 of 2 decided").wait_for()
    left_the_form(page)

    page.keyboard.press("ArrowRight")
    page.get_by_role("heading", name="Prometheus").wait_for()
    page.wait_for_load_state()  # the arrows load the next page: its keys work once its script has run
    page.keyboard.press("1")
    page.keyboard.type("Scrapes every serving endpoint")
    page.keyboard.press("Enter")
    page.get_by_text("2 of 2 decided").wait_for()
    left_the_form(page)

    page.keyboard.press("ArrowLeft")
    page.get_by_role("heading", name="Neptune").wait_for()
    page.wait_for_load_state()
    assert page.is_checked("input[name=decision][value=remove]")

    page.goto(f"/reviews/{review.pk}/close/")
    page.click("button:has-text('Close the review and apply the decisions')")
    page.get_by_text("is closed").wait_for()
    neptune = StackEntry.objects.get(tool__name="Neptune")
    assert (neptune.lifecycle, neptune.removal_planned_on) == (Lifecycle.FLAGGED, date(2027, 1, 15))


def left_the_form(page):
    """A saved decision leaves the rationale once htmx has settled the swap; until then the
    arrows would type into it."""
    page.wait_for_function("!document.activeElement || !document.activeElement.closest('#decision')")


def test_a_teams_review_scheduled_and_run_in_meeting_mode(page, catalog, alice, bob, platform):
    from apps.accounts.models import Team

    data = Team.objects.create(name="Data")
    add("Neptune", owner=bob, usage=UsageState.UNUSED, team=platform)
    add("Airflow", owner=bob, team=data)  # another team's: not on this agenda
    log_in(page, alice.email)
    page.goto("/reviews/schedule/")
    page.fill("#id_year", str(NOW.year))
    page.select_option("#id_team", label="Platform")
    page.fill("#id_held_on", NOW.date().isoformat())
    page.click("button:has-text('Schedule')")
    page.get_by_text("chaired by Alice").first.wait_for()
    review = Review.objects.get()
    assert (review.team, review.chair) == (platform, alice)

    page.click("button:has-text('Open the review')")
    page.get_by_text("0 of 1 decided").wait_for()
    assert "Airflow" not in page.locator("section.agenda").inner_text()
    page.click("text=Meeting mode")
    page.get_by_role("heading", name="Neptune").wait_for()
    page.wait_for_load_state()
    page.keyboard.press("1")
    page.keyboard.type("The vision team still logs to it")
    page.keyboard.press("Enter")
    page.get_by_text("1 of 1 decided").wait_for()
    left_the_form(page)

    page.goto(f"/reviews/{review.pk}/close/")
    page.click("button:has-text('Close the review and apply the decisions')")
    page.get_by_text("is closed").wait_for()
    page.goto(f"/reviews/{review.pk}/minutes/")  # reopened: the minutes of the team's meeting
    assert "The vision team still logs to it" in page.locator("main").inner_text()
    assert Review.objects.get().status == "closed"
