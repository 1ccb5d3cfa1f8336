import pytest

from apps.evaluations.models import DecisionRecord
from apps.painpoints.models import PainPoint
from apps.stack.models import Lifecycle, StackEntry
from tests.browser.conftest import log_in

pytestmark = pytest.mark.slow


def test_a_lead_walks_from_a_pain_point_to_an_accepted_decision(page, catalog, alice):
    log_in(page, alice.email)

    page.goto("/pain-points/")
    page.click("summary:has-text('Log a pain point')")
    page.fill("#id_title", "Retraining the churn model takes a day")
    page.select_option("#id_category", label="Pipeline orchestration")
    page.fill("#id_evidence", "12 hours a month; the March refresh was missed")
    page.click("button:has-text('Log the pain point')")
    page.locator("#pain-rows").get_by_text("Retraining the churn model takes a day").wait_for()

    page.goto("/evaluations/new/")
    page.fill("#id_title", "An orchestrator for retraining")
    page.select_option("#id_category", label="Pipeline orchestration")
    page.check("#id_pain_points label:has-text('Retraining the churn model takes a day') input")
    page.fill("#id_use_case", "Retrain the churn model weekly and register it")
    page.check("#id_tools label:has-text('Airflow') input")
    page.check("#id_tools label:has-text('Prefect') input")
    page.fill("#id_start_on", "2026-11-02")
    page.click("button:has-text('Start the evaluation')")
    page.get_by_role("heading", name="An orchestrator for retraining").wait_for()

    airflow = StackEntry.objects.get(tool__name="Airflow")
    page.goto(f"/stack/{airflow.pk}/")
    for name, rationale in [("capability", "Expresses the retraining DAG"),
                            ("integration", "Already runs the warehouse loads"),
                            ("operational_cost", "Data engineering operates it")]:
        page.select_option(f"#id_{name}_verdict", "pass")
        page.fill(f"#id_{name}_rationale", rationale)
        page.click(f"#filter-{name} button")
        page.locator(f"#filter-{name} .badge").get_by_text("pass").wait_for()
    page.click("text=Edit owner, pain points and cost")
    page.select_option("#id_owner", label=str(alice))
    page.click("#entry-details button:has-text('Save')")
    page.get_by_text("Adopt Airflow").wait_for()

    evaluation = airflow.trials.get().evaluation
    page.goto(f"/evaluations/{evaluation.pk}/decide/")
    page.select_option("#id_chosen", label="Airflow")
    page.fill("#id_outcome", "Airflow already runs next door: add the retraining DAG to it.")
    page.click("button:has-text('Propose the decision')")
    page.click("button:has-text('Accept the decision')")
    page.get_by_text("is accepted").wait_for()

    airflow.refresh_from_db()
    assert airflow.lifecycle == Lifecycle.ADOPTED
    assert StackEntry.objects.get(tool__name="Prefect").lifecycle == Lifecycle.REJECTED
    assert DecisionRecord.objects.get().status == "accepted"
    assert PainPoint.objects.get().status == PainPoint.Status.ADDRESSED
