"""The journeys a new user takes, walked in Chromium as a person would: every form that holds a
date opened and saved unchanged, a probe of every kind set up from the entry page, a shortlist
picked within its category and the evaluation cancelled, a closed review read back. Any console
error or failed request on the way fails the test (see the `page` fixture)."""

from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from apps.catalog.models import Category, Tool
from apps.evaluations.models import DecisionRecord, Evaluation, Trial
from apps.painpoints.models import PainPoint
from apps.probes.forms import KIND_PARAMS
from apps.probes.models import URL_OPTIONAL, URL_REQUIRED, Kind, Probe
from apps.reviews.models import Review
from apps.reviews.services import item_decide, review_open
from apps.stack.models import Lifecycle, StackEntry, UsageState
from tests.browser.conftest import log_in, snap
from tests.conftest import NOW
from tests.reviews.test_review_flow import add

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("clock")]  # the pages read the clock the test pins

STARTED = date(2026, 11, 30)
URLS = {Kind.MLFLOW: "http://10.0.0.5:5000", Kind.PREFECT: "http://10.0.0.6:4200/api",
        Kind.AIRFLOW: "http://10.0.0.7:8080", Kind.PROMETHEUS: "http://10.0.0.8:9090",
        Kind.HTTP_JSON: "http://10.0.0.9/status.json"}
PARAMS = {"experiment_ids": "1, 2", "username": "stackledger", "preset": "", "query": "sum(http_requests_total)",
          "timestamp_path": "data.last_run.at", "count_path": "data.total", "repository": "acme/models",
          "workflow": "train.yml", "entity": "acme", "project": "churn"}


@pytest.fixture
def trial(catalog, alice):
    pain = PainPoint.objects.create(title="Retraining takes a day", evidence="12 hours a month",
                                    category=Category.objects.get(key="pipeline-orchestration"))
    evaluation = Evaluation.objects.create(title="An orchestrator", category=pain.category, use_case="Retrain weekly")
    evaluation.pain_points.add(pain)
    entry = StackEntry.objects.create(tool=Tool.objects.get(name="Prefect"), lifecycle=Lifecycle.EVALUATING)
    created = Trial(evaluation=evaluation, entry=entry, owner=alice, start_on=STARTED)
    created.state = created.state_on(NOW.date())
    created.save()
    return created


def test_every_form_with_a_date_keeps_it_when_saved_unchanged(page, trial, alice, bob):
    log_in(page, alice.email)

    # A trial's scores saved: its start date, and so its state, stay.
    page.goto(f"/trials/{trial.pk}/")
    assert page.input_value("#id_start_on") == "2026-11-30"
    page.select_option("#id_integration_friction", "4") if page.locator("select#id_integration_friction").count() \
        else page.fill("#id_integration_friction", "4")
    page.click("button:has-text('Save the trial')")
    page.get_by_text("The trial is saved.").wait_for()
    page.reload()
    assert page.input_value("#id_start_on") == "2026-11-30"
    saved = Trial.objects.get(pk=trial.pk)
    assert (saved.start_on, saved.state, saved.integration_friction) == (STARTED, trial.state, 4)

    # The log's Day comes filled in with today, and the entry is added.
    assert page.input_value("#id_day") == NOW.date().isoformat()
    page.fill("#id_text", "The flow ran end to end against staging")
    page.click("button:has-text('Add to the log')")
    page.locator("#trial-log, .log").get_by_text("The flow ran end to end against staging").first.wait_for()
    assert trial.log.get().day == NOW.date()
    snap(page, "trial")

    # A decision's revisit date survives a form sent back with an error.
    page.goto(f"/evaluations/{trial.evaluation.pk}/decide/")
    page.fill("#id_revisit_by", "2027-06-01")
    page.fill("#id_outcome", "")
    # Past the browser's own check, so the server sends the form back with its error.
    page.evaluate("document.querySelector('#id_outcome').removeAttribute('required')")
    page.click("button:has-text('Propose the decision')")
    page.locator(".field-error").first.wait_for()
    assert page.input_value("#id_revisit_by") == "2027-06-01"
    page.fill("#id_outcome", "Prefect: the flow ran end to end in a day.")
    page.click("button:has-text('Propose the decision')")
    page.get_by_text("is proposed").wait_for()
    assert DecisionRecord.objects.get().revisit_by == date(2027, 6, 1)

    # An entry's snooze date, opened and saved unchanged.
    entry = StackEntry.objects.create(tool=Tool.objects.get(name="Grafana"), lifecycle=Lifecycle.ADOPTED,
                                      owner=alice, snoozed_until=date(2027, 2, 1))
    page.goto(f"/stack/{entry.pk}/")
    page.click("text=Edit owner, pain points and cost")
    assert page.input_value("#id_snoozed_until") == "2027-02-01"
    page.click("#entry-details button:has-text('Save')")
    page.locator("#entry-details").get_by_text("Edit owner, pain points and cost").wait_for()
    entry.refresh_from_db()
    assert entry.snoozed_until == date(2027, 2, 1)

    # A review item's due date, saved in the meeting, is there when the tool is shown again.
    add("Neptune", owner=bob, usage=UsageState.UNUSED)
    review = review_open(Review.objects.create(year=2026, held_on=NOW.date()), by=alice, now=NOW)
    neptune = review.items.get(tool_name="Neptune")
    page.goto(f"/reviews/{review.pk}/meeting/?n={neptune.position + 1}")
    page.get_by_role("heading", name="Neptune").wait_for()
    page.check("input[name=decision][value=remove]")
    page.fill("#id_rationale", "No run since May")
    page.select_option("#id_action_owner", label="Bob")
    page.fill("#id_due_on", "2027-01-15")
    page.click("button:has-text('Save the decision')")
    page.get_by_text("Saved: remove.").wait_for()
    page.reload()
    assert page.input_value("#id_due_on") == "2027-01-15"
    page.click("button:has-text('Save the decision')")
    page.get_by_text("Saved: remove.").wait_for()
    assert review.items.get(tool_name="Neptune").due_on == date(2027, 1, 15)

    # A new review's date survives a form sent back with an error (the year is taken).
    page.goto("/reviews/schedule/")
    page.fill("#id_year", "2026")
    held_on = (NOW.date() + timedelta(days=30)).isoformat()
    page.fill("#id_held_on", held_on)
    page.click("main button[type=submit]")
    page.get_by_text("There is a review for this year already.").wait_for()
    assert page.input_value("#id_held_on") == held_on


@pytest.mark.parametrize("kind", Kind.values)
def test_a_probe_of_each_kind_is_set_up_from_the_entry_page(page, catalog, alice, kind):
    entry = StackEntry.objects.create(tool=Tool.objects.get(name="MLflow"), lifecycle=Lifecycle.ADOPTED, owner=alice)
    log_in(page, alice.email)
    page.goto(f"/stack/{entry.pk}/")
    page.click("#usage >> text=Add a probe")
    page.wait_for_load_state()  # htmx swaps the kind's settings in once the page's scripts have run
    page.fill("#id_interval_minutes", "15")  # typed before the kind is chosen: kept when it is
    if page.input_value("#id_kind") != kind:
        with page.expect_response(lambda response: f"kind={kind}" in response.url):
            page.select_option("#id_kind", kind)
    for name, label, _ in KIND_PARAMS.get(kind, []):
        page.locator(f"#probe-form label[for=id_param_{name}]").get_by_text(label).wait_for()
    expect(page.locator(".htmx-request, .htmx-swapping, .htmx-settling")).to_have_count(0)  # the swap is done
    assert page.input_value("#id_kind") == kind  # the kind chosen stays chosen
    assert page.input_value("#id_interval_minutes") == "15"
    if kind in URL_REQUIRED | URL_OPTIONAL and kind in URLS:
        page.fill("#id_url", URLS[kind])
    for name, _, _ in KIND_PARAMS.get(kind, []):
        if PARAMS[name]:
            page.fill(f"#id_param_{name}", PARAMS[name])
    if kind == Kind.AIRFLOW:
        page.fill("#id_credential", "airflow-password")
    snap(page, f"probe-{kind}")
    page.click("button:has-text('Save the probe')")
    page.get_by_text("The probe of MLflow is saved").wait_for()
    probe = Probe.objects.get(entry=entry)
    assert (probe.kind, probe.interval_minutes) == (kind, 15)
    for name, _, _ in KIND_PARAMS.get(kind, []):
        if PARAMS[name]:
            stored = probe.params[name]
            assert (", ".join(stored) if isinstance(stored, list) else stored) == PARAMS[name]

    page.click("#usage >> text=Change the probe")  # reopened: as saved
    assert page.input_value("#id_kind") == kind
    for name, _, _ in KIND_PARAMS.get(kind, []):
        assert page.input_value(f"#id_param_{name}") == PARAMS[name]


def test_a_shortlist_is_picked_within_its_category_and_the_evaluation_cancelled(page, catalog, alice):
    vectors = Category.objects.get(key="vector-database")
    PainPoint.objects.create(title="Retrieval over 3 million embeddings is slow", evidence="p95 4 s", category=vectors)
    PainPoint.objects.create(title="We may want semantic search", anticipated=True, category=vectors)
    StackEntry.objects.create(tool=Tool.objects.get(name="MLflow"), lifecycle=Lifecycle.ADOPTED, owner=alice)
    candidates = sorted(Tool.objects.filter(categories=vectors).values_list("name", flat=True))
    log_in(page, alice.email)

    page.goto("/evaluations/new/")
    page.fill("#id_title", "A vector database")
    page.select_option("#id_category", label="Vector database")
    page.locator("#id_tools").get_by_text(candidates[0]).wait_for()
    assert page.input_value("#id_title") == "A vector database"
    tools = page.locator("#id_tools label")
    assert sorted(tools.all_inner_texts()) == candidates  # no MLflow, no other category
    pains = page.locator("#id_pain_points label").all_inner_texts()
    assert pains == ["Retrieval over 3 million embeddings is slow"]  # no anticipated need

    page.fill(".choices-search", candidates[1][:4])
    assert page.locator("#id_tools label:visible").all_inner_texts() == [candidates[1]]
    page.check(f"#id_tools label:has-text('{candidates[1]}') input")
    page.fill(".choices-search", "")
    page.check(f"#id_tools label:has-text('{candidates[0]}') input")
    page.check("#id_pain_points input")
    page.fill("#id_use_case", "Top-10 search over the product catalogue")
    snap(page, "evaluation-form")
    page.click("button:has-text('Start the evaluation')")
    page.get_by_role("heading", name="A vector database").wait_for()
    evaluation = Evaluation.objects.get()
    assert sorted(t.entry.tool.name for t in evaluation.trials.all()) == candidates[:2]

    page.click("text=Cancel the evaluation")
    page.click("button:has-text('Cancel the evaluation')")  # no reason yet: the browser asks for one
    assert not Evaluation.objects.get().is_cancelled
    page.fill("#id_reason", "The retrieval project is shelved until spring")
    page.click("button:has-text('Cancel the evaluation')")
    page.get_by_text("is cancelled; its candidates are proposals again").wait_for()
    assert "The retrieval project is shelved until spring" in page.locator("main").inner_text()
    snap(page, "evaluation-cancelled")
    assert set(StackEntry.objects.filter(tool__name__in=candidates[:2]).values_list("lifecycle", flat=True)) == {
        Lifecycle.PROPOSED}


def test_a_closed_review_reads_back_with_its_task(page, catalog, alice, bob):
    add("Neptune", owner=bob, usage=UsageState.UNUSED)
    add("Prometheus", owner=alice)
    review = review_open(Review.objects.create(year=2026, held_on=NOW.date()), by=alice, now=NOW)
    neptune, prometheus = review.items.get(tool_name="Neptune"), review.items.get(tool_name="Prometheus")
    item_decide(neptune, decision="investigate", rationale="who still logs runs there?", action_owner=bob,
                due_on=date(2027, 1, 15), by=alice, now=NOW)
    item_decide(prometheus, decision="keep", rationale="scrapes every endpoint", by=alice, now=NOW)
    log_in(page, alice.email)

    page.goto(f"/reviews/{review.pk}/close/")
    page.click("button:has-text('Close the review and apply the decisions')")
    page.get_by_text("is closed").wait_for()
    task = "Investigate Neptune: who still logs runs there?"
    page.locator("main").get_by_text(task).wait_for()

    page.goto(f"/reviews/{review.pk}/meeting/?n={neptune.position + 1}")
    page.get_by_role("heading", name="Neptune").wait_for()
    assert page.locator("#decision form[hx-post]").count() == 0
    assert page.get_by_text("Save the decision").count() == 0
    assert page.get_by_text("Nothing changes until the review closes").count() == 0
    page.locator("#decision").get_by_text(task).wait_for()
    snap(page, "meeting-closed")

    page.goto(f"/stack/{neptune.entry_id}/")
    page.locator("#entry-tasks").get_by_text(task).wait_for()


def test_a_very_long_word_wraps_instead_of_widening_the_page(page, catalog, alice):
    word = "x" * 3000
    PainPoint.objects.create(title=f"Long {word[:190]}", evidence=word, description=word)
    log_in(page, alice.email)
    for url in ["/pain-points/", f"/pain-points/{PainPoint.objects.get().pk}/"]:
        page.goto(url)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 1280, f"{url} is {width} px wide"
        if url == "/pain-points/":  # the list shows the title; wrapped, it stays a list
            height = page.evaluate("document.documentElement.scrollHeight")
            assert height < 3000, f"{url} is {height} px tall"
    snap(page, "long-word")


def test_logging_a_pain_point_beside_others_swaps_cleanly(page, catalog, alice):
    PainPoint.objects.create(title="Already on the list", evidence="weekly")
    log_in(page, alice.email)
    page.goto("/pain-points/")
    page.click("summary:has-text('Log a pain point')")
    page.fill("#id_title", "Feature values differ between training and serving")
    page.select_option("#id_category", label="Feature store")
    page.fill("#id_evidence", "The March incident: a week of wrong scores")
    page.click("button:has-text('Log the pain point')")
    page.locator("#pain-rows").get_by_text("Feature values differ between training and serving").wait_for()
    assert page.locator("#pain-rows tr").count() == 2
    assert page.locator("#pain-empty").is_hidden()
