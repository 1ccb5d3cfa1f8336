from apps.catalog.models import Category
from apps.painpoints.models import PainPoint

NEW = {
    "title": "Retraining the churn model takes a day",
    "description": "Six notebooks run by hand",
    "category": "", "evidence": "12 hours a month; missed March", "severity": "high", "team": "",
}


def test_a_lead_logs_a_pain_point_inline(lead_client, catalog, alice):
    data = {**NEW, "category": Category.objects.get(key="pipeline-orchestration").pk}
    response = lead_client.post("/pain-points/new/", data, headers={"HX-Request": "true"})
    page = response.content.decode()
    assert page.lstrip().startswith('<form id="log-form"')  # a fresh form replaces the old one
    assert '<template><tbody hx-swap-oob="afterbegin:#pain-rows">' in page and "Retraining the churn model takes a day" in page
    pain = PainPoint.objects.get()
    assert (pain.reported_by, pain.severity, pain.status, pain.anticipated) == (alice, "high", "open", False)
    assert [(c.from_status, c.to_status, c.by) for c in pain.status_changes.all()] == [("", "open", alice)]


def test_an_evaluator_logs_one_too(evaluator_client, db):
    assert evaluator_client.post("/pain-points/new/", NEW).status_code == 302
    assert PainPoint.objects.count() == 1


def test_a_pain_felt_today_needs_evidence(lead_client, db):
    page = lead_client.post("/pain-points/new/", {**NEW, "evidence": ""}, headers={"HX-Request": "true"}).content.decode()
    assert "A pain felt today needs evidence" in page
    assert not PainPoint.objects.exists()


def test_an_anticipated_need_needs_no_evidence(lead_client, db):
    lead_client.post("/pain-points/new/", {**NEW, "evidence": "", "anticipated": "on"})
    assert PainPoint.objects.get().anticipated


def test_a_plain_post_with_errors_shows_the_whole_page(lead_client, db):
    response = lead_client.post("/pain-points/new/", {**NEW, "title": ""})
    page = response.content.decode()
    assert "<nav" in page and "This field is required." in page


def test_the_log_form_is_fetched_when_it_is_opened(lead_client, db):
    page = lead_client.get("/pain-points/").content.decode()
    assert "Log a pain point" in page and 'hx-get="/pain-points/new/" hx-trigger="toggle once"' in page
    assert "log-form" not in page  # not drawn until someone opens it
    fragment = lead_client.get("/pain-points/new/", headers={"HX-Request": "true"}).content.decode()
    assert fragment.lstrip().startswith('<form id="log-form"') and "<nav" not in fragment
    whole = lead_client.get("/pain-points/new/").content.decode()  # without JavaScript: a page of its own
    assert "<nav" in whole and 'id="log-form"' in whole


def test_viewers_see_the_list_and_no_form(viewer_client, db):
    PainPoint.objects.create(title="Slow retraining", evidence="weekly")
    page = viewer_client.get("/pain-points/").content.decode()
    assert "Slow retraining" in page
    assert "log-form" not in page and "Log a pain point" not in page
    assert viewer_client.get("/pain-points/new/").status_code == 403


def test_filters_narrow_the_list_in_place_and_live_in_the_url(viewer_client, catalog):
    serving = Category.objects.get(key="model-serving")
    PainPoint.objects.create(title="Notebook serving", category=serving, severity="critical")
    PainPoint.objects.create(title="Slow tracking UI", severity="low")
    response = viewer_client.get("/pain-points/?category=model-serving&severity=critical", headers={"HX-Request": "true"})
    page = response.content.decode()
    assert page.lstrip().startswith('<div id="pain-list">')
    assert "Notebook serving" in page and "Slow tracking UI" not in page
    full = viewer_client.get("/pain-points/?status=open&severity=low").content.decode()
    assert "Slow tracking UI" in full and "Notebook serving" not in full
    assert 'value="low" selected' in full


def test_the_detail_page_shows_history_and_what_addresses_it(lead_client, catalog, alice):
    from apps.catalog.models import Tool
    from apps.stack.models import StackEntry

    lead_client.post("/pain-points/new/", NEW)
    pain = PainPoint.objects.get()
    entry = StackEntry.objects.create(tool=Tool.objects.get(name="Airflow"), lifecycle="evaluating")
    entry.pain_points.add(pain)
    lead_client.post(f"/pain-points/{pain.pk}/status/", {"status": "evaluating", "note": "Airflow trial"})
    page = lead_client.get(f"/pain-points/{pain.pk}/").content.decode()
    assert "Logged</strong> as open" in page
    assert "Open → <strong>Being evaluated</strong>" in page and "Airflow trial" in page
    assert f'href="/stack/{entry.pk}/"' in page


def test_an_anticipated_pain_says_it_cannot_justify_a_tool(viewer_client, db):
    pain = PainPoint.objects.create(title="One day, features", anticipated=True)
    page = viewer_client.get(f"/pain-points/{pain.pk}/").content.decode()
    assert "can never justify adopting a tool" in page


def test_the_empty_state_is_always_there_for_the_logged_row_to_hide(lead_client, db):
    PainPoint.objects.create(title="Already logged", evidence="weekly")
    page = lead_client.get("/pain-points/").content.decode()
    assert '<p id="pain-empty" class="empty" hidden>' in page  # the out-of-band swap finds its target
    PainPoint.objects.all().delete()
    assert '<p id="pain-empty" class="empty">No pain points logged yet.</p>' in lead_client.get("/pain-points/").content.decode()
