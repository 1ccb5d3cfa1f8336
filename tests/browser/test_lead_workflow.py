import pytest

from apps.catalog.models import Tool
from apps.painpoints.models import PainPoint
from apps.stack.models import Lifecycle, StackEntry
from tests.browser.conftest import log_in, mark_page, same_page

pytestmark = pytest.mark.slow


def test_a_lead_logs_a_pain_point_without_a_page_reload(page, catalog, alice):
    log_in(page, alice.email)
    page.goto("/pain-points/")
    mark_page(page)
    page.click("summary:has-text('Log a pain point')")
    page.fill("#id_title", "Retraining the churn model takes a day")
    page.fill("#id_description", "Six notebooks, run by hand, in order")
    page.select_option("#id_category", label="Pipeline orchestration")
    page.fill("#id_evidence", "12 hours a month; missed the March refresh")
    page.select_option("#id_severity", "high")
    page.click("button:has-text('Log the pain point')")

    page.locator("#pain-rows").get_by_text("Retraining the churn model takes a day").wait_for()
    assert same_page(page)
    assert page.locator("#messages").inner_text().startswith("Logged")
    assert page.input_value("#id_title") == ""  # a fresh form for the next one
    pain = PainPoint.objects.get()
    assert (pain.reported_by, pain.severity, pain.category.key) == (alice, "high", "pipeline-orchestration")


def test_a_lead_is_told_what_is_missing_without_a_reload(page, catalog, alice):
    log_in(page, alice.email)
    page.goto("/pain-points/")
    mark_page(page)
    page.click("summary:has-text('Log a pain point')")
    page.fill("#id_title", "Something hurts")
    page.click("button:has-text('Log the pain point')")
    page.get_by_text("A pain felt today needs evidence").wait_for()
    assert same_page(page)
    assert not PainPoint.objects.exists()


def test_a_lead_passes_and_fails_filters_without_a_page_reload(page, catalog, alice):
    entry = StackEntry.objects.create(tool=Tool.objects.get(name="Prefect"), lifecycle=Lifecycle.EVALUATING)
    log_in(page, alice.email)
    page.goto(f"/stack/{entry.pk}/")
    mark_page(page)

    page.select_option("#id_capability_verdict", "pass")
    page.fill("#id_capability_rationale", "Expresses the retraining flow in plain Python")
    page.click("button:has-text('Save capability')")
    page.locator("#filter-capability .badge").get_by_text("pass").wait_for()

    page.select_option("#id_integration_verdict", "fail")
    page.fill("#id_integration_rationale", "Airflow already runs next door")
    page.click("button:has-text('Save integration')")
    page.locator("#entry-head").get_by_text("Rejected").wait_for()

    assert same_page(page)
    assert "Failed the integration filter: Airflow already runs next door" in page.locator("#entry-timeline").inner_text()
    entry.refresh_from_db()
    assert (entry.capability, entry.integration, entry.lifecycle) == ("pass", "fail", "rejected")
