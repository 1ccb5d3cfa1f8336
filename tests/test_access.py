"""Every page needs a login; writes need the right role."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from apps.accounts.models import ApiToken
from apps.catalog.models import Tool
from apps.painpoints.models import PainPoint
from apps.stack.models import Lifecycle, StackEntry
from apps.stack.services import entry_propose
from tests.conftest import NOW

# Signed or secret URLs, the metrics (a token or a network) and single sign-on's way to the
# provider and back (tests/accounts/test_oidc.py), tested on their own.
PUBLIC = {"login", "usage-answer", "heartbeat", "metrics", "oidc-authenticate", "oidc-callback"}
# The REST API (apps/api; tests/api/ tries its tokens): every role reads it; its writes need
# what the same write on the pages needs.
API_READS = {
    "api:api-root", "api:openapi-json", "api:entry-list", "api:entry-detail", "api:entry-usage",
    "api:entry-usage-changes", "api:model-list", "api:profile", "api:category-list", "api:tool-list",
    "api:tool-detail", "api:painpoint-list", "api:painpoint-detail", "api:evaluation-list",
    "api:evaluation-detail", "api:trial-detail", "api:trial-log-list", "api:decision-list",
    "api:decision-detail", "api:finding-list", "api:review-list", "api:review-detail", "api:review-items",
}
API_LEAD_WRITES = {"api:entry-filter", "api:entry-heartbeat"}  # the owner may record a heartbeat too
API_EVALUATOR_WRITES = {"api:painpoint-log", "api:tool-propose", "api:trial-log"}
# The stack as JSON and as radars, for scripts with a token or people logged in.
STACK_READS = {"stack-json", "radar-json", "radar-csv"}
# These answer 401 rather than redirecting scripts to a login page.
TOKEN_OR_LOGIN = STACK_READS | API_READS | API_LEAD_WRITES | API_EVALUATOR_WRITES
LEAD_ONLY = {
    *API_LEAD_WRITES,
    "entry-move", "entry-edit", "entry-filter", "stack-import", "token-list", "token-revoke",
    "entry-attest", "entry-probe-now", "entry-heartbeat-rotate",  # the owner may too
    "entry-probe", "decision-create", "decision-accept", "evaluation-cancel",
    "review-schedule", "review-open", "review-meeting", "review-keep-healthy", "review-close", "review-item-decide",
    "review-item-filter", "task-done",  # the task's owner may too
    "channel-add", "channel-test", "channel-remove", "finding-accept", "acceptance-withdraw",
    "discovered-register", "discovered-dismiss", "discovery-sources", "discovery-source-add",
    "discovery-source-edit", "discovery-source-delete", "discovery-source-run",
}
EVALUATOR_WRITES = {
    *API_EVALUATOR_WRITES,
    "tool-propose", "painpoint-create", "painpoint-status", "evaluation-create", "evaluation-shortlist", "trial-log",
    "trial-done",
}
WRITES = LEAD_ONLY | EVALUATOR_WRITES | {"logout"}


def named_routes(resolver=None, prefix="", namespace=""):
    """(name, pattern) of every named URL the project serves, outside the admin; a name in a
    namespace as reverse() takes it (api:entry-list)."""
    for item in (resolver or get_resolver()).url_patterns:
        if isinstance(item, URLResolver):
            if getattr(item, "app_name", None) == "admin":
                continue
            inner = f"{namespace}{item.namespace}:" if item.namespace else namespace
            yield from named_routes(item, prefix + str(item.pattern), inner)
        elif isinstance(item, URLPattern) and item.name:
            yield namespace + item.name, prefix + str(item.pattern)


@pytest.fixture
def entry(catalog, alice):
    return entry_propose(tool=Tool.objects.get(name="MLflow"), by=alice, now=NOW)[0]


def sample_decision(entry):
    from apps.evaluations.models import DecisionRecord, Evaluation, Trial

    record = DecisionRecord.objects.first()
    if record is None:
        evaluation = Evaluation.objects.create(title="Tracking", category=entry.tool.categories.first(), use_case="log a run")
        trial = Trial.objects.create(evaluation=evaluation, entry=entry)
        record = DecisionRecord.objects.create(evaluation=evaluation, title="Choose", context="c", outcome="o", chosen=trial)
    return record


def sample_review(entry):
    """A review opened on the stack, with its one item, and a task left by it."""
    from datetime import date

    from apps.reviews.models import Review, Task
    from apps.reviews.services import review_open

    review = Review.objects.first()
    if review is None:
        review = review_open(Review.objects.create(year=2026, held_on=date(2026, 11, 20)), now=NOW)
        Task.objects.create(entry=entry, item=review.items.get(), title="Investigate", owner=entry.owner)
    return review


def sample_channel():
    from apps.accounts.models import Team
    from apps.notifications.models import Channel
    from apps.notifications.services import add_channel

    return Channel.objects.first() or add_channel(
        Team.objects.get_or_create(name="Platform")[0], "json://hooks.example.com/alerts", now=NOW)


@pytest.fixture
def token(alice):
    return ApiToken.issue(name="dashboard", by=alice)[0]


def sample_kwargs(route, entry, token=None):
    route = route.removeprefix("api/v1/")  # the API's paths are the pages'
    kwargs = {"name": "capability"} if "<slug:name>" in route else {}
    if "<int:pk>" in route:
        kwargs["pk"] = token.pk if route.startswith("accounts/tokens/") else entry.pk
        if route.startswith("pain-points/"):
            kwargs["pk"] = PainPoint.objects.get_or_create(title="Slow retraining")[0].pk
        if route.startswith(("evaluations/", "trials/", "decisions/")):
            record = sample_decision(entry)
            kwargs["pk"] = {"evaluations/": record.evaluation.pk, "trials/": record.chosen.pk,
                            "decisions/": record.pk}[route.split("/")[0] + "/"]
        if route.startswith("reviews/"):
            review = sample_review(entry)
            kwargs["pk"] = review.pk
            if route.startswith("reviews/items/"):
                kwargs["pk"] = review.items.get().pk
            elif route.startswith("reviews/tasks/"):
                kwargs["pk"] = review.items.get().task.pk
        if route.startswith("teams/"):
            channel = sample_channel()
            kwargs["pk"] = channel.pk if route.startswith("teams/channels/") else channel.team_id
    if "<slug:slug>" in route:
        kwargs["slug"] = "prefect"
    return kwargs


def test_the_walk_finds_every_page():
    names = {name for name, _ in named_routes()}
    assert {"overview", "tool-list", "tool-detail", "entry-list", "entry-detail", "entry-move",
            "tool-propose", "painpoint-list", "logout"} <= names


def test_it_sends_anonymous_users_to_the_login_page(client, entry, token):
    for name, route in named_routes():
        if name in PUBLIC or name in TOKEN_OR_LOGIN:
            continue
        url = reverse(name, kwargs=sample_kwargs(route, entry, token))
        for method in (client.get, client.post):
            response = method(url)
            assert response.status_code == 302, f"{method.__name__.upper()} {url}"
            assert response.url.startswith(reverse("login")), url
        response = client.get(url, headers={"HX-Request": "true"})
        assert response.status_code == 302, f"htmx GET {url}"


def test_the_api_refuses_anonymous_scripts(client, entry, token):
    for name in STACK_READS:
        response = client.get(reverse(name))
        assert response.status_code == 401, name
        assert response.headers["WWW-Authenticate"].startswith("Bearer"), name
    for name, route in named_routes():
        if name in TOKEN_OR_LOGIN - STACK_READS:
            url = reverse(name, kwargs=sample_kwargs(route, entry, token))
            response = (client.get if name in API_READS else client.post)(url)
            assert response.status_code == 401, url
            assert response.json()["detail"][0]["loc"] == ["header", "Authorization"], url
            assert response.headers["WWW-Authenticate"].startswith("Bearer"), url


def test_the_login_page_is_open(client):
    assert client.get(reverse("login")).status_code == 200


def test_the_admin_needs_staff(viewer_client):
    response = viewer_client.get("/admin/")
    assert response.status_code == 302
    assert "/admin/login/" in response.url


def test_viewers_read_every_page(viewer_client, entry):
    for name, route in named_routes():
        if name in PUBLIC or name in WRITES:
            continue
        url = reverse(name, kwargs=sample_kwargs(route, entry))
        assert viewer_client.get(url).status_code == 200, url


def test_only_leads_reach_the_lead_pages(viewer_client, evaluator_client, entry, token):
    for client in (viewer_client, evaluator_client):
        for name, route in named_routes():
            if name in LEAD_ONLY:
                url = reverse(name, kwargs=sample_kwargs(route, entry, token))
                assert client.get(url).status_code in (403, 405), url
                assert client.post(url, headers={"HX-Request": "true"}).status_code == 403, url


def test_viewers_cannot_log_or_change_pain_points(viewer_client, entry):
    for name, route in named_routes():
        if name in EVALUATOR_WRITES:
            url = reverse(name, kwargs=sample_kwargs(route, entry))
            response = viewer_client.post(url, {"title": "x", "status": "dismissed"}, headers={"HX-Request": "true"})
            assert response.status_code == 403, url
    assert list(PainPoint.objects.values_list("title", "status")) == [("Slow retraining", "open")]


def test_viewers_cannot_change_a_trial(viewer_client, entry):
    trial = sample_decision(entry).chosen
    response = viewer_client.post(f"/trials/{trial.pk}/", {"time_box_days": "30"}, headers={"HX-Request": "true"})
    assert response.status_code == 403
    trial.refresh_from_db()
    assert trial.time_box_days == 7


def test_viewers_cannot_change_the_profile(viewer_client, db):
    assert viewer_client.post(reverse("profile"), {"kubernetes_operated": "on", "cloud": "aws", "engineer_hourly_cost": "1"}).status_code == 403
    from apps.stack.models import OrganisationProfile

    assert not OrganisationProfile.load().kubernetes_operated


def test_viewers_cannot_write(viewer_client, entry):
    move = reverse("entry-move", kwargs={"pk": entry.pk})
    propose = reverse("tool-propose", kwargs={"slug": "prefect"})
    assert viewer_client.post(move, {"lifecycle": "evaluating"}).status_code == 403
    assert viewer_client.post(propose, headers={"HX-Request": "true"}).status_code == 403
    entry.refresh_from_db()
    assert entry.lifecycle == Lifecycle.PROPOSED
    assert not StackEntry.objects.filter(tool__slug="prefect").exists()


def test_viewers_see_no_write_forms(viewer_client, entry):
    page = viewer_client.get(reverse("entry-detail", kwargs={"pk": entry.pk})).content.decode()
    assert reverse("entry-move", kwargs={"pk": entry.pk}) not in page
    page = viewer_client.get(reverse("tool-detail", kwargs={"slug": "prefect"})).content.decode()
    assert "Propose Prefect" not in page


def test_evaluators_propose_but_cannot_move_lifecycles(evaluator_client, entry):
    response = evaluator_client.post(reverse("tool-propose", kwargs={"slug": "prefect"}))
    assert response.status_code == 302
    assert StackEntry.objects.get(tool__slug="prefect").lifecycle == Lifecycle.PROPOSED
    move = reverse("entry-move", kwargs={"pk": entry.pk})
    assert evaluator_client.post(move, {"lifecycle": "evaluating"}).status_code == 403


def test_leads_move_lifecycles(lead_client, entry, alice):
    response = lead_client.post(
        reverse("entry-move", kwargs={"pk": entry.pk}), {"lifecycle": "evaluating", "note": "trial"}
    )
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.lifecycle == Lifecycle.EVALUATING
    assert entry.transitions.last().by == alice


def test_writes_need_a_csrf_token(alice, entry):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    response = client.post(reverse("entry-move", kwargs={"pk": entry.pk}), {"lifecycle": "evaluating"})
    assert response.status_code == 403
    entry.refresh_from_db()
    assert entry.lifecycle == Lifecycle.PROPOSED

