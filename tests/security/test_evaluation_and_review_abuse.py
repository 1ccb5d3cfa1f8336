"""An attacker and a careless user against what changed lately: cancelling evaluations, the
shortlist rules, the decision form, the probe form's GET initials, a closed review's meeting,
review tasks, the overlap warning and the error pages.

Every payload is rendered where the new templates show it; every rule is attacked by posting
ids and values the forms never offer.
"""

import threading
from datetime import UTC, date, datetime

import pytest
from django.db import connection
from django.utils.html import escape

from apps.accounts.models import User
from apps.catalog.models import Category, Tool
from apps.evaluations.models import DecisionRecord, Evaluation, Trial
from apps.evaluations.services import (
    EvaluationError,
    decision_accept,
    evaluation_cancel,
    evaluation_start,
)
from apps.painpoints.models import PainPoint
from apps.probes.models import Probe
from apps.reviews.models import Review, Task
from apps.reviews.services import item_decide, review_close, review_open
from apps.stack.models import Lifecycle, StackEntry, UsageState, Verdict
from apps.stack.services import filter_record
from tests.conftest import NOW, needs_service

pytestmark = pytest.mark.usefixtures("clock")  # the pages read the clock the test pins

HTMX = {"HX-Request": "true"}
MONDAY = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

SCRIPT = '<script>alert("pwned")</script>'
SVG = '"><svg onload=alert(1)>'
IMG = "<img src=x onerror=alert(1)>"
TEXTAREA = "</textarea><script>alert(2)</script>"
PAYLOADS = [SCRIPT, SVG, IMG, TEXTAREA]
DANGEROUS = ["<script>alert", "<svg onload", "<img src=x", "onerror=alert(1)>", "</textarea><script>"]


def shown(page: str, payload: str) -> bool:
    """The payload is on the page as text (Django's escape, or the form renderer's &#34;)."""
    normal = page.replace("&#34;", "&quot;").replace("&#39;", "&#x27;")
    return escape(payload) in normal


def assert_inert(page: str, *payloads: str) -> None:
    """None of the payloads reached the page as markup."""
    for bad in DANGEROUS:
        assert bad not in page, f"{bad!r} reached the page unescaped"
    for payload in payloads:
        assert payload not in page


# Fixtures -------------------------------------------------------------------------------------

@pytest.fixture
def vectors(catalog):
    return Category.objects.get(key="vector-database")


@pytest.fixture
def trackers(catalog):
    return Category.objects.get(key="experiment-tracking")


@pytest.fixture
def pain(vectors):
    return PainPoint.objects.create(title="Retrieval over 3 million embeddings is slow", evidence="p95 4 s",
                                    category=vectors)


def vector_tools():
    return sorted(Tool.objects.filter(categories__key="vector-database").values_list("name", flat=True))


def start(alice, pain, names=None, title="A vector database", **kwargs):
    names = names or vector_tools()[:2]
    return evaluation_start(title=title, category=pain.category, use_case="Top-10 search", pain_points=[pain],
                            tools=[Tool.objects.get(name=n) for n in names], by=alice, now=MONDAY, **kwargs)


def ready_to_adopt(entry, owner):
    """The entry passes the adoption gate: three filters passed and an owner (pain it has)."""
    StackEntry.objects.filter(pk=entry.pk).update(
        capability=Verdict.PASS, integration=Verdict.PASS, operational_cost=Verdict.PASS, owner=owner)


def decision_data(trial=None, **extra):
    return {"title": "Choose a vector database", "context": "slow retrieval", "chosen": trial.pk if trial else "",
            "outcome": "It answered the use case", "consequences": "", "revisit_by": "", "supersedes": "", **extra}


def new_evaluation_data(category, pains, tools, **extra):
    return {"title": "A vector database", "category": category.pk, "pain_points": [p.pk for p in pains],
            "use_case": "Top-10 search", "tools": [t.pk for t in tools], "start_on": "", "time_box_days": "7",
            **extra}


# XSS through what an evaluation stores ----------------------------------------------------------

@pytest.mark.parametrize("payload", PAYLOADS)
def test_a_cancel_reason_cannot_inject_script(lead_client, alice, pain, payload):
    evaluation = start(alice, pain)
    response = lead_client.post(f"/evaluations/{evaluation.pk}/cancel/", {"reason": payload}, follow=True)
    assert response.status_code == 200
    evaluation.refresh_from_db()
    assert evaluation.cancel_reason == payload  # stored as typed ...
    pages = [response.content.decode(), lead_client.get(f"/evaluations/{evaluation.pk}/").content.decode()]
    assert shown(pages[1], payload)  # ... shown as text
    entry = evaluation.trials.first().entry
    pages.append(lead_client.get(f"/stack/{entry.pk}/").content.decode())  # the timeline note
    pages.append(lead_client.get(f"/pain-points/{pain.pk}/").content.decode())  # the status change note
    pages.append(lead_client.get(f"/evaluations/{evaluation.pk}/compare/").content.decode())
    pages.append(lead_client.get("/evaluations/").content.decode())
    for page in pages:
        assert_inert(page, payload)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_an_evaluation_title_cannot_inject_script_in_messages_cancel_and_compare_pages(
        lead_client, pain, vectors, payload):
    tools = list(Tool.objects.filter(name__in=vector_tools()[:2]))
    response = lead_client.post("/evaluations/new/", new_evaluation_data(vectors, [pain], tools, title=payload),
                                follow=True)
    evaluation = Evaluation.objects.get()
    assert evaluation.title == payload
    pages = [response.content.decode()]  # the "started with 2 trials" message
    pages.append(lead_client.get(f"/evaluations/{evaluation.pk}/cancel/").content.decode())  # <title> and crumbs
    pages.append(lead_client.get(f"/evaluations/{evaluation.pk}/compare/").content.decode())
    pages.append(lead_client.post(f"/evaluations/{evaluation.pk}/cancel/", {"reason": "shelved"},
                                  follow=True).content.decode())  # the "is cancelled" message
    pages.append(lead_client.post(f"/evaluations/{evaluation.pk}/cancel/", {"reason": "again"},
                                  follow=True).content.decode())  # the "cancelled already" message
    pages.append(lead_client.get(f"/stack/{evaluation.trials.first().entry_id}/").content.decode())
    for page in pages:
        assert_inert(page, payload)
    assert shown(pages[1], payload)


def test_a_rejection_note_on_the_compare_page_cannot_inject_script(lead_client, alice, pain):
    evaluation = start(alice, pain)
    entry = evaluation.trials.first().entry
    filter_record(entry=entry, name="operational_cost", verdict=Verdict.FAIL, rationale=SCRIPT, by=alice, now=MONDAY)
    page = lead_client.get(f"/evaluations/{evaluation.pk}/compare/").content.decode()
    assert "It cannot be chosen." in page and shown(page, SCRIPT)
    assert_inert(page, SCRIPT)


def test_the_accept_refusal_cannot_inject_script_through_the_cancel_reason(lead_client, alice, pain):
    evaluation = start(alice, pain)
    record = DecisionRecord.objects.create(evaluation=evaluation, title="t", context="c", outcome="o")
    evaluation_cancel(evaluation, reason=SCRIPT, by=alice, now=MONDAY)
    page = lead_client.post(f"/decisions/{record.pk}/accept/", follow=True).content.decode()
    assert "was cancelled" in page
    assert_inert(page, SCRIPT)
    record.refresh_from_db()
    assert record.status == DecisionRecord.Status.PROPOSED


def test_a_pain_point_title_cannot_inject_script_in_the_new_evaluation_form(lead_client, vectors):
    PainPoint.objects.create(title=SCRIPT, evidence="weekly", category=vectors)
    for headers in ({}, HTMX):
        page = lead_client.get(f"/evaluations/new/?category={vectors.pk}", headers=headers).content.decode()
        assert shown(page, SCRIPT)
        assert_inert(page, SCRIPT)


def test_a_tool_name_cannot_inject_script_in_the_shortlist_checkboxes(lead_client, vectors):
    tool = Tool.objects.create(name=IMG, slug="evil-vector-db", hosting="saas", complexity="low")
    tool.categories.add(vectors)
    page = lead_client.get(f"/evaluations/new/?category={vectors.pk}").content.decode()
    assert shown(page, IMG)
    assert_inert(page, IMG)


# Reflected XSS through the GET initial values ----------------------------------------------------

@pytest.mark.parametrize("field", ["title", "use_case", "start_on", "time_box_days", "category", "pain_points",
                                   "tools", "side_by_side", "csrfmiddlewaretoken"])
@pytest.mark.parametrize("payload", PAYLOADS)
def test_the_new_evaluation_form_does_not_reflect_script_from_the_query_string(evaluator_client, vectors, field,
                                                                                payload):
    for headers in ({}, HTMX):
        response = evaluator_client.get("/evaluations/new/", {field: payload, "category": vectors.pk}
                                        if field != "category" else {field: payload}, headers=headers)
        assert response.status_code == 200
        assert_inert(response.content.decode(), payload)


@pytest.mark.parametrize("category", ["abc", "1.5", "-1", "0", "1e3", "99999999999999999999999999", "\x00", " ",
                                      "１", "2;DROP TABLE evaluations_evaluation"])
def test_a_non_numeric_or_huge_category_in_the_query_string_gives_the_empty_form(evaluator_client, catalog,
                                                                                  category):
    response = evaluator_client.get("/evaluations/new/", {"category": category, "title": "kept"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Choose a category first." in page and 'value="kept"' in page
    assert 'type="checkbox" name="tools"' not in page


@pytest.mark.parametrize("category", ["99999999999999999999999999", "abc", "-5"])
def test_a_non_numeric_or_huge_category_posted_is_a_form_error(evaluator_client, pain, vectors, category):
    tools = list(Tool.objects.filter(name__in=vector_tools()[:2]))
    data = {**new_evaluation_data(vectors, [pain], tools), "category": category}
    response = evaluator_client.post("/evaluations/new/", data)
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not Evaluation.objects.exists()


@pytest.mark.parametrize("param", ["url", "interval_minutes", "unused_after_days", "failures_before_unknown",
                                   "param_experiment_ids", "param_query", "param_preset", "enabled", "kind"])
@pytest.mark.parametrize("payload", PAYLOADS)
def test_the_probe_form_does_not_reflect_script_from_the_query_string(lead_client, catalog, param, payload):
    entry = StackEntry.objects.create(tool=Tool.objects.get(name="MLflow"), lifecycle=Lifecycle.ADOPTED)
    query = {param: payload}
    if param.startswith("param_query") or param == "param_preset":
        query["kind"] = "prometheus"
    for headers in ({}, HTMX):
        response = lead_client.get(f"/stack/{entry.pk}/probe/", query, headers=headers)
        assert response.status_code == 200
        assert_inert(response.content.decode(), payload)


@pytest.mark.parametrize("kind", ["<script>", "nonsense", "", "MLFLOW", "mlflow ", "__class__", "x" * 5000,
                                  "prometheus\x00"])
def test_a_garbage_kind_in_the_query_string_falls_back_to_a_real_kind(lead_client, catalog, kind):
    entry = StackEntry.objects.create(tool=Tool.objects.get(name="MLflow"), lifecycle=Lifecycle.ADOPTED)
    Probe.objects.create(entry=entry, kind="prefect", url="http://prefect.internal:4200")
    response = lead_client.get(f"/stack/{entry.pk}/probe/", {"kind": kind})
    page = response.content.decode()
    assert response.status_code == 200
    assert '<option value="prefect" selected>' in page  # the stored kind, not the garbage
    assert page.count(" selected>") == 1
    if kind.strip():
        assert_inert(page, kind)


def test_a_garbage_kind_posted_is_refused_and_saves_nothing(lead_client, catalog):
    entry = StackEntry.objects.create(tool=Tool.objects.get(name="MLflow"), lifecycle=Lifecycle.ADOPTED)
    response = lead_client.post(f"/stack/{entry.pk}/probe/", {
        "kind": "<script>", "url": "http://mlflow.internal:5000", "interval_minutes": "60",
        "unused_after_days": "90", "failures_before_unknown": "3",
    })
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
    assert not Probe.objects.exists()


# The credential through a GET ---------------------------------------------------------------------

def test_a_credential_smuggled_in_the_query_string_is_neither_echoed_nor_stored(lead_client, catalog):
    entry = StackEntry.objects.create(tool=Tool.objects.get(name="MLflow"), lifecycle=Lifecycle.ADOPTED)
    probe = Probe.objects.create(entry=entry, kind="mlflow", url="http://mlflow.internal:5000")
    probe.set_credential("stored-s3cret")
    probe.save()
    for query in ({"credential": "smuggled-tok"}, {"kind": "airflow", "credential": "smuggled-tok"},
                  {"kind": "mlflow", "credential": "smuggled-tok", "url": "http://mlflow.internal:5000"}):
        for headers in ({}, HTMX):
            page = lead_client.get(f"/stack/{entry.pk}/probe/", query, headers=headers).content.decode()
            assert "smuggled-tok" not in page and "stored-s3cret" not in page
            assert 'name="credential"' in page and 'type="password"' in page
    probe.refresh_from_db()
    assert probe.credential() == "stored-s3cret"


def test_a_link_prefilling_another_server_cannot_send_the_stored_credential_there(lead_client, catalog):
    entry = StackEntry.objects.create(tool=Tool.objects.get(name="MLflow"), lifecycle=Lifecycle.ADOPTED)
    probe = Probe.objects.create(entry=entry, kind="mlflow", url="http://mlflow.internal:5000")
    probe.set_credential("stored-s3cret")
    probe.save()
    evil = "http://mlflow.internal@collector.internal:5000"
    page = lead_client.get(f"/stack/{entry.pk}/probe/", {"url": evil}).content.decode()
    assert "collector.internal" not in page  # a link cannot prefill the form ...
    response = lead_client.post(f"/stack/{entry.pk}/probe/", {  # ... and should the lead type it, unwary
        "kind": "mlflow", "url": evil, "interval_minutes": "60", "unused_after_days": "90",
        "failures_before_unknown": "3", "enabled": "on", "credential": "",
    })
    assert response.status_code == 200
    assert "enter the credential again" in response.content.decode()
    probe.refresh_from_db()
    assert probe.url == "http://mlflow.internal:5000" and probe.credential() == "stored-s3cret"


@pytest.mark.parametrize("who", ["evaluator_client", "viewer_client"])
def test_only_a_lead_opens_the_probe_form_even_with_initials_or_htmx(request, catalog, who):
    client = request.getfixturevalue(who)
    entry = StackEntry.objects.create(tool=Tool.objects.get(name="MLflow"), lifecycle=Lifecycle.ADOPTED)
    for headers in ({}, HTMX):
        assert client.get(f"/stack/{entry.pk}/probe/", {"kind": "mlflow", "url": SVG}, headers=headers).status_code == 403
        assert client.post(f"/stack/{entry.pk}/probe/", {"kind": "mlflow", "url": "http://x.internal"},
                           headers=headers).status_code == 403
    assert not Probe.objects.exists()


# Who may cancel -----------------------------------------------------------------------------------

@pytest.mark.parametrize("who", ["evaluator_client", "viewer_client"])
@pytest.mark.parametrize("headers", [{}, HTMX, {**HTMX, "HX-Boosted": "true"}, {"X-Requested-With": "XMLHttpRequest"}])
def test_an_evaluator_or_viewer_cannot_cancel_even_through_htmx(request, alice, pain, who, headers):
    client = request.getfixturevalue(who)
    evaluation = start(alice, pain)
    assert client.get(f"/evaluations/{evaluation.pk}/cancel/", headers=headers).status_code == 403
    assert client.post(f"/evaluations/{evaluation.pk}/cancel/", {"reason": "mine now"},
                       headers=headers).status_code == 403
    evaluation.refresh_from_db()
    assert not evaluation.is_cancelled and evaluation.cancel_reason == ""
    assert all(t.entry.lifecycle == Lifecycle.EVALUATING for t in evaluation.trials.select_related("entry"))


def test_an_evaluator_is_not_offered_the_cancel_link(evaluator_client, alice, pain):
    evaluation = start(alice, pain)
    page = evaluator_client.get(f"/evaluations/{evaluation.pk}/").content.decode()
    assert f"/evaluations/{evaluation.pk}/cancel/" not in page


@pytest.mark.parametrize("who", ["evaluator_client", "viewer_client"])
def test_neither_an_evaluator_nor_a_viewer_records_or_accepts_a_decision(request, alice, pain, who):
    client = request.getfixturevalue(who)
    evaluation = start(alice, pain)
    trial = evaluation.trials.first()
    assert client.post(f"/evaluations/{evaluation.pk}/decide/", decision_data(trial), headers=HTMX).status_code == 403
    record = DecisionRecord.objects.create(evaluation=evaluation, title="t", context="c", outcome="o", chosen=trial)
    assert client.post(f"/decisions/{record.pk}/accept/", headers=HTMX).status_code == 403
    record.refresh_from_db()
    assert record.status == DecisionRecord.Status.PROPOSED and DecisionRecord.objects.count() == 1


def test_a_viewer_cannot_start_or_shortlist_an_evaluation(viewer_client, pain, vectors):
    tools = list(Tool.objects.filter(name__in=vector_tools()[:2]))
    assert viewer_client.get("/evaluations/new/", {"category": vectors.pk}).status_code == 403
    assert viewer_client.post("/evaluations/new/", new_evaluation_data(vectors, [pain], tools)).status_code == 403
    draft = Evaluation.objects.create(title="Draft", category=vectors, use_case="search")
    draft.pain_points.set([pain])
    response = viewer_client.post(f"/evaluations/{draft.pk}/shortlist/", {"tools": [t.pk for t in tools],
                                                                           "time_box_days": "7"})
    assert response.status_code == 403 and not draft.trials.exists()


# Careless cancelling --------------------------------------------------------------------------------

@pytest.mark.parametrize("reason", ["", "   ", "\n\t", "x" * 2001, "x" * 3000])
def test_a_blank_or_3000_character_cancel_reason_is_refused(lead_client, alice, pain, reason):
    evaluation = start(alice, pain)
    response = lead_client.post(f"/evaluations/{evaluation.pk}/cancel/", {"reason": reason})
    assert response.status_code == 200  # the form again, with what is wrong
    page = response.content.decode()
    assert "This field is required" in page or "at most 2000 characters" in page
    evaluation.refresh_from_db()
    assert not evaluation.is_cancelled


def test_a_2000_character_cancel_reason_is_kept_whole(lead_client, alice, pain):
    evaluation = start(alice, pain, title="t" * 200)
    reason = "because " + "y" * 1992
    response = lead_client.post(f"/evaluations/{evaluation.pk}/cancel/", {"reason": reason})
    assert response.status_code == 302
    evaluation.refresh_from_db()
    assert evaluation.cancel_reason == reason
    assert reason in evaluation.trials.first().entry.transitions.last().note


def test_a_missing_reason_field_is_refused(lead_client, alice, pain):
    evaluation = start(alice, pain)
    assert lead_client.post(f"/evaluations/{evaluation.pk}/cancel/", {}).status_code == 200
    assert not Evaluation.objects.get().is_cancelled


def test_cancelling_twice_keeps_the_first_reason(lead_client, alice, pain):
    evaluation = start(alice, pain)
    lead_client.post(f"/evaluations/{evaluation.pk}/cancel/", {"reason": "first"})
    page = lead_client.post(f"/evaluations/{evaluation.pk}/cancel/", {"reason": "second"}, follow=True).content.decode()
    assert "cancelled already" in page
    evaluation.refresh_from_db()
    assert evaluation.cancel_reason == "first"
    notes = [t.note for t in evaluation.trials.first().entry.transitions.all()]
    assert not any("second" in note for note in notes)


def test_an_evaluation_with_an_accepted_decision_cannot_be_cancelled(lead_client, alice, pain):
    evaluation = start(alice, pain)
    chosen = evaluation.trials.first()
    ready_to_adopt(chosen.entry, alice)
    record = DecisionRecord.objects.create(evaluation=evaluation, title="t", context="c", outcome="o", chosen=chosen)
    decision_accept(record, by=alice, now=MONDAY)
    page = lead_client.post(f"/evaluations/{evaluation.pk}/cancel/", {"reason": "changed my mind"},
                            follow=True).content.decode()
    assert "has an accepted decision" in page
    evaluation.refresh_from_db()
    chosen.entry.refresh_from_db()
    assert not evaluation.is_cancelled and chosen.entry.lifecycle == Lifecycle.ADOPTED


def test_a_decision_of_a_cancelled_evaluation_cannot_be_accepted(lead_client, alice, pain):
    evaluation = start(alice, pain)
    chosen = evaluation.trials.first()
    ready_to_adopt(chosen.entry, alice)
    record = DecisionRecord.objects.create(evaluation=evaluation, title="t", context="c", outcome="o", chosen=chosen)
    lead_client.post(f"/evaluations/{evaluation.pk}/cancel/", {"reason": "budget moved"})
    page = lead_client.post(f"/decisions/{record.pk}/accept/", follow=True).content.decode()
    assert "was cancelled: budget moved" in page
    record.refresh_from_db()
    chosen.entry.refresh_from_db()
    assert record.status == DecisionRecord.Status.PROPOSED and chosen.entry.lifecycle == Lifecycle.PROPOSED


def test_a_cancelled_evaluation_takes_no_new_decision(lead_client, alice, pain):
    evaluation = start(alice, pain)
    evaluation_cancel(evaluation, reason="shelved", by=alice, now=MONDAY)
    response = lead_client.post(f"/evaluations/{evaluation.pk}/decide/", decision_data(evaluation.trials.first()))
    assert not DecisionRecord.objects.filter(evaluation=evaluation).exists()
    assert response.status_code in (302, 400, 403, 409)


def test_a_cancelled_draft_takes_no_shortlist_through_the_endpoint(lead_client, alice, pain, vectors):
    draft = Evaluation.objects.create(title="Replace the vector store", category=vectors, use_case="search")
    draft.pain_points.set([pain])
    evaluation_cancel(draft, reason="kept the current one", by=alice, now=MONDAY)
    tools = Tool.objects.filter(name__in=vector_tools()[:2])
    page = lead_client.post(f"/evaluations/{draft.pk}/shortlist/", {"tools": [t.pk for t in tools],
                                                                     "time_box_days": "7"}, follow=True).content.decode()
    assert "is cancelled" in page
    assert not draft.trials.exists() and not StackEntry.objects.filter(tool__in=tools).exists()


def test_a_cancelled_evaluation_shows_no_shortlist_form_nor_decision_link(lead_client, alice, vectors):
    draft = Evaluation.objects.create(title="Replace the vector store", category=vectors, use_case="search")
    evaluation_cancel(draft, reason="kept", by=alice, now=MONDAY)
    page = lead_client.get(f"/evaluations/{draft.pk}/").content.decode()
    assert "Cancelled before it had a shortlist." in page
    assert f"/evaluations/{draft.pk}/shortlist/" not in page and f"/evaluations/{draft.pk}/decide/" not in page
    assert "/cancel/" not in page


def test_a_cancel_by_a_deleted_lead_still_renders(lead_client, pain, vectors):
    someone = User.objects.create_user("gone@example.com", "x", name="Gone")
    draft = Evaluation.objects.create(title="Draft", category=vectors, use_case="search")
    evaluation_cancel(draft, reason="left the company", by=someone, now=MONDAY)
    someone.delete()
    page = lead_client.get(f"/evaluations/{draft.pk}/").content.decode()
    assert "someone no longer here: left the company" in page


# Shortlisting what the form never offers ------------------------------------------------------------

@pytest.fixture
def mlflow_adopted(catalog, alice):
    return StackEntry.objects.create(tool=Tool.objects.get(name="MLflow"), lifecycle=Lifecycle.ADOPTED, owner=alice)


def test_a_tool_of_another_category_cannot_be_posted_into_a_new_evaluation(lead_client, pain, vectors, mlflow_adopted):
    tools = [Tool.objects.get(name=vector_tools()[0]), Tool.objects.get(name="Weights & Biases")]
    response = lead_client.post("/evaluations/new/", new_evaluation_data(vectors, [pain], tools))
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
    assert not Evaluation.objects.exists() and not Trial.objects.exists()
    assert not StackEntry.objects.filter(tool__name="Weights & Biases").exists()


def test_an_adopted_tool_cannot_be_posted_into_a_new_evaluation(lead_client, trackers, mlflow_adopted):
    runs_lost = PainPoint.objects.create(title="Runs are lost", evidence="weekly", category=trackers)
    tools = [Tool.objects.get(name="MLflow"), Tool.objects.get(name="Weights & Biases")]
    response = lead_client.post("/evaluations/new/", new_evaluation_data(trackers, [runs_lost], tools))
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
    mlflow_adopted.refresh_from_db()
    assert mlflow_adopted.lifecycle == Lifecycle.ADOPTED and not mlflow_adopted.trials.exists()
    assert list(mlflow_adopted.pain_points.all()) == []


def test_the_form_category_cannot_be_swapped_under_the_tools(lead_client, pain, vectors, trackers):
    """The category that limits the choices is the one posted, so tools of the GET's category
    (here: the query string says vectors) cannot slip into an experiment-tracking evaluation."""
    tools = list(Tool.objects.filter(name__in=vector_tools()[:2]))
    data = new_evaluation_data(trackers, [pain], tools)
    response = lead_client.post(f"/evaluations/new/?category={vectors.pk}", data)
    assert response.status_code == 200
    assert not Evaluation.objects.exists()


@pytest.mark.parametrize("offender", ["other-category", "adopted", "flagged", "unknown-id", "huge-id", "not-a-number"])
def test_the_shortlist_endpoint_refuses_tools_the_form_never_offers(lead_client, alice, pain, vectors, offender):
    draft = Evaluation.objects.create(title="Replace the vector store", category=vectors, use_case="search")
    draft.pain_points.set([pain])
    first, second = (Tool.objects.get(name=n) for n in vector_tools()[:2])
    ids = [first.pk]
    if offender == "other-category":
        ids.append(Tool.objects.get(name="MLflow").pk)
    elif offender in ("adopted", "flagged"):
        StackEntry.objects.create(tool=second, lifecycle=offender, owner=alice)
        ids.append(second.pk)
    else:
        ids.append({"unknown-id": 424242, "huge-id": 10**30, "not-a-number": "two"}[offender])
    response = lead_client.post(f"/evaluations/{draft.pk}/shortlist/", {"tools": ids, "time_box_days": "7"},
                                follow=True)
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode() or "is not a valid value" in response.content.decode()
    assert not draft.trials.exists()
    assert not StackEntry.objects.filter(lifecycle=Lifecycle.EVALUATING).exists()


def test_the_shortlist_service_refuses_an_adopted_tool_however_it_is_reached(alice, pain, vectors):
    """A tool adopted between the form's render and its submit: the service itself refuses."""
    first, second = (Tool.objects.get(name=n) for n in vector_tools()[:2])
    StackEntry.objects.create(tool=second, lifecycle=Lifecycle.ADOPTED, owner=alice)
    with pytest.raises(EvaluationError, match="Already in the stack"):
        start(alice, pain, [first.name, second.name])
    assert not Evaluation.objects.exists()


def test_duplicate_tool_ids_do_not_make_a_shortlist_of_one_look_like_two(lead_client, pain, vectors):
    tool = Tool.objects.get(name=vector_tools()[0])
    data = new_evaluation_data(vectors, [pain], [tool, tool])
    response = lead_client.post("/evaluations/new/", data)
    assert response.status_code == 200 and "A shortlist has two or three tools, not 1" in response.content.decode()
    assert not Evaluation.objects.exists()


def test_four_tools_posted_are_refused(lead_client, catalog):
    orchestrators = Category.objects.get(key="pipeline-orchestration")
    pipelines = PainPoint.objects.create(title="Cron jobs fail silently", evidence="weekly", category=orchestrators)
    tools = list(Tool.objects.filter(categories=orchestrators).order_by("name")[:4])
    assert len(tools) == 4
    response = lead_client.post("/evaluations/new/", new_evaluation_data(orchestrators, [pipelines], tools))
    assert "not 4" in response.content.decode() and not Evaluation.objects.exists()


@pytest.mark.parametrize("kind", ["anticipated", "other-category", "addressed", "dismissed"])
def test_a_pain_point_the_form_never_offers_cannot_be_posted(lead_client, vectors, trackers, kind):
    pain = {
        "anticipated": {"anticipated": True, "category": vectors},
        "other-category": {"category": trackers},
        "addressed": {"category": vectors, "status": PainPoint.Status.ADDRESSED},
        "dismissed": {"category": vectors, "status": PainPoint.Status.DISMISSED},
    }[kind]
    offered = PainPoint.objects.create(title="We may need semantic search", evidence="", **pain)
    tools = list(Tool.objects.filter(name__in=vector_tools()[:2]))
    response = lead_client.post("/evaluations/new/", new_evaluation_data(vectors, [offered], tools))
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
    assert not Evaluation.objects.exists()


# Choosing a rejected trial ----------------------------------------------------------------------------

def test_a_rejected_trial_posted_by_id_cannot_be_chosen(lead_client, alice, pain):
    evaluation = start(alice, pain)
    rejected = evaluation.trials.first()
    filter_record(entry=rejected.entry, name="capability", verdict=Verdict.FAIL, rationale="no filtering",
                  by=alice, now=MONDAY)
    response = lead_client.post(f"/evaluations/{evaluation.pk}/decide/", decision_data(rejected))
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
    assert not DecisionRecord.objects.exists()


def test_a_trial_of_another_evaluation_cannot_be_chosen(lead_client, alice, pain, vectors):
    evaluation = start(alice, pain)
    other_pain = PainPoint.objects.create(title="Another", evidence="x", category=vectors)
    other = start(alice, other_pain, title="Another vector database")  # the same candidates, weighed twice
    response = lead_client.post(f"/evaluations/{evaluation.pk}/decide/", decision_data(other.trials.first()))
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
    assert not DecisionRecord.objects.exists()


def test_a_decision_proposed_before_its_tool_was_rejected_cannot_adopt_it(lead_client, alice, pain):
    evaluation = start(alice, pain)
    chosen, other = evaluation.trials.all()
    ready_to_adopt(chosen.entry, alice)
    assert lead_client.post(f"/evaluations/{evaluation.pk}/decide/", decision_data(chosen)).status_code == 302
    record = DecisionRecord.objects.get()
    filter_record(entry=chosen.entry, name="operational_cost", verdict=Verdict.FAIL, rationale="needs an operator",
                  by=alice, now=MONDAY)
    page = lead_client.post(f"/decisions/{record.pk}/accept/", follow=True).content.decode()
    assert "cannot be adopted" in page
    record.refresh_from_db()
    chosen.entry.refresh_from_db()
    other.entry.refresh_from_db()
    assert record.status == DecisionRecord.Status.PROPOSED
    assert chosen.entry.lifecycle == Lifecycle.REJECTED and other.entry.lifecycle == Lifecycle.EVALUATING


def test_a_decision_cannot_supersede_a_proposed_record(lead_client, alice, pain):
    evaluation = start(alice, pain)
    proposed = DecisionRecord.objects.create(evaluation=evaluation, title="t", context="c", outcome="o")
    response = lead_client.post(f"/evaluations/{evaluation.pk}/decide/", decision_data(supersedes=proposed.pk))
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()


# A closed review ------------------------------------------------------------------------------------

def _add(name, *, owner, lifecycle=Lifecycle.ADOPTED, usage=UsageState.ACTIVE):
    entry = StackEntry.objects.create(
        tool=Tool.objects.get(name=name), owner=owner, lifecycle=lifecycle, usage_state=usage,
        capability=Verdict.PASS, integration=Verdict.PASS, operational_cost=Verdict.PASS,
    )
    entry.pain_points.add(PainPoint.objects.create(title=f"{name} answers this", evidence="weekly"))
    return entry


@pytest.fixture
def opened(catalog, alice, bob):
    _add("Neptune", owner=bob, usage=UsageState.UNUSED)
    _add("Prometheus", owner=alice)
    review = Review.objects.create(year=2026, held_on=NOW.date())
    review.attendees.set([alice])
    return review_open(review, by=alice, now=NOW)


@pytest.fixture
def closed(opened, alice, bob):
    neptune, prometheus = opened.items.get(tool_name="Neptune"), opened.items.get(tool_name="Prometheus")
    item_decide(neptune, decision="investigate", rationale=f"who still logs runs? {SCRIPT}", action_owner=bob,
                due_on=date(2027, 1, 15), by=alice, now=NOW)
    item_decide(prometheus, decision="keep", rationale=f"in daily use {IMG}", by=alice, now=NOW)
    return review_close(opened, by=alice, now=NOW)


@pytest.mark.parametrize("headers", [{}, HTMX])
@pytest.mark.parametrize("decision", ["keep", "remove", "replace", "investigate"])
def test_a_closed_review_item_cannot_be_decided_by_post(lead_client, closed, bob, headers, decision):
    item = closed.items.get(tool_name="Prometheus")
    response = lead_client.post(f"/reviews/items/{item.pk}/decide/", {
        "decision": decision, "rationale": "changed after the fact", "action_owner": bob.pk, "due_on": "2027-02-01",
    }, headers=headers)
    assert response.status_code in (200, 302)
    if headers:
        page = response.content.decode()
        assert "Save the decision" not in page  # the read-only partial comes back, not the form
    item.refresh_from_db()
    assert (item.decision, item.rationale) == ("keep", f"in daily use {IMG}")
    assert not Task.objects.filter(item=item).exists()


def test_keep_healthy_and_close_again_change_nothing_on_a_closed_review(lead_client, closed):
    before = list(closed.items.values_list("decision", "rationale"))
    lead_client.post(f"/reviews/{closed.pk}/keep-healthy/")
    page = lead_client.post(f"/reviews/{closed.pk}/close/", follow=True).content.decode()
    assert "only a review in progress closes" in page
    assert list(closed.items.values_list("decision", "rationale")) == before
    assert Task.objects.count() == 1


def test_a_closed_review_filter_cannot_be_rerun_by_post(lead_client, closed):
    item = closed.items.get(tool_name="Prometheus")
    lead_client.post(f"/reviews/items/{item.pk}/filters/integration/", {"verdict": "fail", "rationale": "late"},
                     headers=HTMX)
    item.entry.refresh_from_db()
    assert item.entry.integration == Verdict.PASS and item.entry.lifecycle == Lifecycle.ADOPTED


def test_the_closed_meeting_read_only_view_escapes_the_rationale_and_task(lead_client, closed):
    for item in closed.items.all():
        page = lead_client.get(f"/reviews/{closed.pk}/meeting/?n={item.position + 1}").content.decode()
        assert "read-only" in page
        assert_inert(page, SCRIPT, IMG)
    neptune = closed.items.get(tool_name="Neptune")
    page = lead_client.get(f"/reviews/{closed.pk}/meeting/?n={neptune.position + 1}").content.decode()
    assert shown(page, SCRIPT) and "Investigate Neptune" in page


@pytest.mark.parametrize("n", ["0", "-3", "abc", "99999999999999999999999", "1e9", ""])
def test_odd_meeting_positions_land_on_an_item(lead_client, closed, n):
    response = lead_client.get(f"/reviews/{closed.pk}/meeting/", {"n": n})
    assert response.status_code == 200 and "read-only" in response.content.decode()


def test_a_task_title_cannot_inject_script_on_the_overview_entry_and_review(client, lead_client, closed, bob):
    task = Task.objects.get()
    assert SCRIPT in task.title
    pages = [lead_client.get(f"/reviews/{closed.pk}/").content.decode(),
             lead_client.get(f"/stack/{task.entry_id}/").content.decode(),
             lead_client.get("/reviews/").content.decode(),
             lead_client.get(f"/reviews/{closed.pk}/minutes/").content.decode()]
    client.force_login(bob)
    pages.append(client.get("/").content.decode())  # bob's "Your tasks"
    assert 'id="my-tasks"' in pages[-1]
    for page in pages:
        assert shown(page, SCRIPT)
        assert_inert(page, SCRIPT, IMG)


def test_someone_elses_task_cannot_be_marked_done(client, closed, carol, alice):
    task = Task.objects.get()  # bob's
    for intruder in (carol, alice.__class__.objects.create_user("eve@example.com", "x", name="Eve")):
        client.force_login(intruder)
        for headers in ({}, HTMX):
            assert client.post(f"/reviews/tasks/{task.pk}/done/", headers=headers).status_code == 403
    task.refresh_from_db()
    assert task.done_on is None


def test_an_evaluator_cannot_mark_anothers_task_done(evaluator_client, alice, closed):
    task = Task.objects.get()
    Task.objects.filter(pk=task.pk).update(owner=alice)
    assert evaluator_client.post(f"/reviews/tasks/{task.pk}/done/").status_code == 403
    assert Task.objects.get().done_on is None


def test_a_task_is_not_marked_done_by_a_get(client, closed, bob):
    client.force_login(bob)
    task = Task.objects.get()
    assert client.get(f"/reviews/tasks/{task.pk}/done/").status_code == 405
    task.refresh_from_db()
    assert task.done_on is None


def test_a_task_is_not_listed_in_someone_elses_tasks(client, closed, carol):
    client.force_login(carol)
    assert 'id="my-tasks"' not in client.get("/").content.decode()


@pytest.mark.parametrize("target", ["//evil.example/", "https://evil.example/", "http:/\\evil.example",
                                    "/\\evil.example", "javascript:alert(1)", " //evil.example"])
def test_the_task_done_redirect_cannot_leave_the_site(client, closed, bob, target):
    client.force_login(bob)
    task = Task.objects.get()
    response = client.post(f"/reviews/tasks/{task.pk}/done/", {"next": target})
    assert response.status_code == 302 and response.url == "/reviews/"
    task.refresh_from_db()
    assert task.done_on == NOW.date()


def test_marking_a_task_done_twice_keeps_the_first_day(client, closed, bob):
    client.force_login(bob)
    task = Task.objects.get()
    Task.objects.filter(pk=task.pk).update(done_on=date(2026, 1, 2))
    client.post(f"/reviews/tasks/{task.pk}/done/", {"next": "/"})
    assert Task.objects.get().done_on == date(2026, 1, 2)


def test_a_long_investigate_rationale_does_not_break_closing_the_review(lead_client, opened, alice, bob):
    neptune, prometheus = opened.items.get(tool_name="Neptune"), opened.items.get(tool_name="Prometheus")
    item_decide(neptune, decision="investigate", rationale="Who still logs runs there? " + "Ask each team. " * 30,
                action_owner=bob, due_on=date(2027, 1, 15), by=alice, now=NOW)
    item_decide(prometheus, decision="keep", rationale="in daily use", by=alice, now=NOW)
    lead_client.raise_request_exception = False
    response = lead_client.post(f"/reviews/{opened.pk}/close/")
    assert response.status_code != 500
    opened.refresh_from_db()
    assert opened.status == Review.Status.CLOSED and Task.objects.count() == 1


# The overlap warning ----------------------------------------------------------------------------------

def test_the_overlap_warning_cannot_inject_script_through_tool_names(lead_client, catalog, trackers, alice):
    evil = Tool.objects.create(name=IMG, slug="evil-tracker", hosting="saas", complexity="low")
    evil.categories.add(trackers)
    StackEntry.objects.create(tool=evil, lifecycle=Lifecycle.ADOPTED, owner=alice)
    entry = _add("MLflow", owner=alice, lifecycle=Lifecycle.EVALUATING)
    page = lead_client.get(f"/stack/{entry.pk}/").content.decode()
    assert "an overlap." in page and shown(page, IMG)
    assert_inert(page, IMG)


def test_the_overlap_warning_is_not_shown_to_a_viewer(viewer_client, catalog, alice):
    StackEntry.objects.create(tool=Tool.objects.get(name="Weights & Biases"), lifecycle=Lifecycle.ADOPTED, owner=alice)
    entry = _add("MLflow", owner=alice, lifecycle=Lifecycle.EVALUATING)
    page = viewer_client.get(f"/stack/{entry.pk}/").content.decode()
    assert "an overlap." not in page and "Adopt MLflow" not in page


# Error pages ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("payload", PAYLOADS + ["%3Cscript%3Ealert(1)%3C/script%3E", "%22%3E%3Csvg%20onload=alert(1)%3E"])
def test_the_404_page_does_not_reflect_script_from_the_path(viewer_client, payload):
    response = viewer_client.get(f"/no-such-page/{payload}/")
    assert response.status_code == 404
    assert "Nothing here" in response.content.decode()
    assert_inert(response.content.decode(), payload)


@pytest.mark.parametrize("path", [
    "/evaluations/99999999999999999999999999/", "/evaluations/99999999999999999999999999/cancel/",
    "/evaluations/99999999999999999999999999/compare/", "/evaluations/99999999999999999999999999/decide/",
    "/stack/99999999999999999999999999/probe/", "/reviews/99999999999999999999999999/meeting/",
    "/evaluations/9223372036854775808/cancel/",
])
def test_a_huge_id_in_the_path_is_a_404_not_a_500(lead_client, catalog, path):
    assert lead_client.get(path).status_code == 404
    if path.endswith("/cancel/"):
        assert lead_client.post(path, {"reason": "x"}).status_code == 404


def test_a_huge_task_id_is_a_404(lead_client, db):
    assert lead_client.post("/reviews/tasks/99999999999999999999999999/done/").status_code == 404


def test_the_403_page_does_not_leak_the_form_or_reason_of_the_attempt(evaluator_client, alice, pain):
    evaluation = start(alice, pain)
    response = evaluator_client.post(f"/evaluations/{evaluation.pk}/cancel/", {"reason": SCRIPT})
    page = response.content.decode()
    assert response.status_code == 403 and "Your role does not allow this" in page
    assert_inert(page, SCRIPT)
    assert not shown(page, SCRIPT)


# Races ----------------------------------------------------------------------------------------------

@pytest.fixture
def no_background_queue(monkeypatch):
    """Transactional tests commit, so on_commit hooks run: keep them off the broker. The races
    turn on row locks, which only PostgreSQL takes."""
    if connection.vendor != "postgresql":
        needs_service("row locks need PostgreSQL (set DATABASE_URL)")
    import apps.findings.services as findings
    import apps.notifications.services as notifications

    monkeypatch.setattr(findings, "_queue_run", lambda: None)
    if hasattr(notifications, "_queue_sending"):
        monkeypatch.setattr(notifications, "_queue_sending", lambda: None)


def _in_thread(target, results, key):
    def run():
        try:
            results[key] = target()
        except Exception as error:  # noqa: BLE001 - recorded for the assertions
            results[key] = error
        finally:
            connection.close()
    return threading.Thread(target=run, name=key)


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_cancels_record_one_reason(no_background_queue, alice, pain):
    evaluation = start(alice, pain)
    barrier = threading.Barrier(2)
    results = {}

    def cancel(reason):
        def go():
            barrier.wait(timeout=10)
            return evaluation_cancel(Evaluation.objects.get(pk=evaluation.pk), reason=reason, by=alice, now=MONDAY)
        return go

    threads = [_in_thread(cancel(f"reason {n}"), results, f"cancel-{n}") for n in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    outcomes = sorted(type(r).__name__ for r in results.values())
    assert outcomes == ["Evaluation", "EvaluationError"], results
    assert "cancelled already" in str(next(r for r in results.values() if isinstance(r, EvaluationError)))
    evaluation.refresh_from_db()
    winner = next(r for r in results.values() if isinstance(r, Evaluation))
    assert evaluation.cancel_reason == winner.cancel_reason
    for trial in evaluation.trials.select_related("entry"):
        assert trial.entry.transitions.filter(note__contains="was cancelled").count() == 1


@pytest.mark.django_db(transaction=True)
def test_accepting_cannot_race_a_cancel(no_background_queue, monkeypatch, alice, pain):
    evaluation = start(alice, pain)
    chosen = evaluation.trials.order_by("id").first()
    ready_to_adopt(chosen.entry, alice)
    record = DecisionRecord.objects.create(evaluation=evaluation, title="t", context="c", outcome="o", chosen=chosen)

    reached, go = threading.Event(), threading.Event()
    original = StackEntry.move_to

    def paused_move_to(self, *args, **kwargs):
        # The accept pauses once it has read the evaluation, before it moves its first entry.
        if threading.current_thread().name == "accept" and not reached.is_set():
            reached.set()
            go.wait(timeout=30)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(StackEntry, "move_to", paused_move_to)
    results = {}
    accepter = _in_thread(lambda: decision_accept(DecisionRecord.objects.get(pk=record.pk), by=alice, now=NOW), results, "accept")
    accepter.start()
    assert reached.wait(timeout=30)
    canceller = _in_thread(lambda: evaluation_cancel(Evaluation.objects.get(pk=evaluation.pk), reason="shelved",
                                                     by=alice, now=MONDAY), results, "cancel")
    canceller.start()
    canceller.join(timeout=5)  # with the evaluation locked by the accept, the cancel waits here
    go.set()
    accepter.join(timeout=30)
    canceller.join(timeout=30)
    evaluation.refresh_from_db()
    record.refresh_from_db()
    both = evaluation.is_cancelled and record.status == DecisionRecord.Status.ACCEPTED
    assert not both, f"cancelled and accepted at once: {results}"
