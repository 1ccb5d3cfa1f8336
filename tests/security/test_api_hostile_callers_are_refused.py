"""Defences of the REST API checked by an attacker's and a careless caller's requests: each
answered with a JSON 4xx, nothing written, no secret read out."""

import json

import pytest
from django.test import Client

from apps.accounts.models import ApiToken
from apps.catalog.models import Tool
from apps.painpoints.models import PainPoint
from apps.probes.models import Probe
from apps.stack.models import StackEntry
from tests.api.conftest import bearer, read_token, write_token  # noqa: F401  (the fixtures)


@pytest.fixture
def bobs_entry(catalog, bob):
    entry = StackEntry.objects.create(tool=Tool.objects.get(slug="prefect"), owner=bob)
    Probe.objects.create(entry=entry, kind="heartbeat")
    return entry


@pytest.fixture
def alices_entry(catalog, alice):
    entry = StackEntry.objects.create(tool=Tool.objects.get(slug="mlflow"), owner=alice)
    Probe.objects.create(entry=entry, kind="heartbeat")
    return entry


def writes_for(entry):
    return [
        ("/api/v1/pain-points/", {"title": "Read token", "anticipated": True}),
        ("/api/v1/tools/airflow/propose/", {}),
        (f"/api/v1/stack/{entry.pk}/filters/capability/", {"verdict": "pass", "rationale": "fine"}),
        (f"/api/v1/stack/{entry.pk}/heartbeat/", {}),
    ]


def post(client, url, data=None, headers=None):
    return client.post(url, data if data is not None else {}, content_type="application/json", headers=headers or {})


def nothing_written(entry):
    entry.refresh_from_db()
    probe = Probe.objects.get(entry=entry)
    return (not PainPoint.objects.exists() and not StackEntry.objects.filter(tool__slug="airflow").exists()
            and entry.capability == "pending" and probe.last_ping_at is None)


def test_a_read_token_writes_nothing_whatever_the_method_override(client, bobs_entry, read_token):  # noqa: F811
    for url, data in writes_for(bobs_entry):
        for extra in ({}, {"X-HTTP-Method-Override": "GET"}, {"X-HTTP-Method": "GET"}):
            response = post(client, url, data, {**bearer(read_token), **extra})
            assert response.status_code == 403 and response.json()["detail"][0]["type"] == "read_only_token", url
    # a GET that asks to be a POST is a read
    assert client.get("/api/v1/pain-points/", headers={**bearer(read_token), "X-HTTP-Method-Override": "POST"}).status_code == 200
    assert nothing_written(bobs_entry)


@pytest.mark.parametrize("spoil", ["revoke", "expire", "deactivate", "delete", "demote"])
def test_a_dead_token_neither_reads_nor_writes(client, bobs_entry, alice, write_token, spoil):  # noqa: F811
    from django.utils import timezone
    if spoil == "revoke":
        ApiToken.objects.update(revoked_at=timezone.now())
    elif spoil == "expire":
        ApiToken.objects.update(expires_at=timezone.now())
    elif spoil == "deactivate":
        alice.is_active = False
        alice.save()
    elif spoil == "delete":
        alice.delete()
    else:
        alice.set_role("evaluator")
    assert client.get("/api/v1/stack/", headers=bearer(write_token)).status_code == 401
    for url, data in writes_for(bobs_entry):
        assert post(client, url, data, bearer(write_token)).status_code == 401, url
    assert nothing_written(bobs_entry)


def test_a_session_write_needs_the_csrf_token(bob, bobs_entry):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(bob)
    for url, data in writes_for(bobs_entry):
        response = post(browser, url, data, {"Authorization": "Bearer not-a-token"})
        assert response.status_code == 403 and response.json()["detail"][0]["type"] == "csrf", url
    assert nothing_written(bobs_entry)


def test_an_evaluator_session_does_no_lead_only_write(evaluator_client, bobs_entry, alices_entry):
    assert post(evaluator_client, f"/api/v1/stack/{bobs_entry.pk}/filters/capability/",
                {"verdict": "fail", "rationale": "x"}).status_code == 403
    assert post(evaluator_client, f"/api/v1/stack/{alices_entry.pk}/heartbeat/").status_code == 403  # not theirs
    assert Probe.objects.get(entry=alices_entry).last_ping_at is None
    assert post(evaluator_client, f"/api/v1/stack/{bobs_entry.pk}/heartbeat/").status_code == 200  # theirs


def test_a_viewer_session_writes_nothing(viewer_client, bobs_entry):
    for url, data in writes_for(bobs_entry):
        assert post(viewer_client, url, data).status_code == 403, url
    assert nothing_written(bobs_entry)


@pytest.mark.parametrize("query", ["limit=1000000000", "limit=0", "limit=-1", "offset=-1",
                                   "offset=99999999999999999999999", "limit=abc", "offset=1.5"])
def test_pagination_abuse_is_a_422(client, catalog, read_token, query):  # noqa: F811
    response = client.get(f"/api/v1/tools/?{query}", headers=bearer(read_token))
    assert response.status_code == 422 and response.json()["detail"][0]["loc"][0] == "query"


def test_an_offset_past_the_end_is_an_empty_page(client, catalog, read_token):  # noqa: F811
    response = client.get("/api/v1/tools/?offset=1000000", headers=bearer(read_token))
    assert response.status_code == 200 and response.json()["items"] == []


@pytest.mark.parametrize("body, content_type, status", [
    ("{not json", "application/json", 400),
    ("title=x&anticipated=true", "application/x-www-form-urlencoded", 400),
    ("[1, 2]", "application/json", 422),
    ("null", "application/json", 422),
    ('{"title": "\\ud800", "anticipated": true}', "application/json", 422),
    (json.dumps({"title": "a\x00b", "anticipated": True}), "application/json", 422),
    (json.dumps({"title": "ok", "description": "a\x00b", "anticipated": True}), "application/json", 422),
    (json.dumps({"title": "x" * 201, "anticipated": True}), "application/json", 422),
    (json.dumps({"title": "ok", "anticipated": "maybe"}), "application/json", 422),
])
def test_a_hostile_pain_point_body_is_a_json_4xx(client, catalog, write_token, body, content_type, status):  # noqa: F811
    response = client.post("/api/v1/pain-points/", body, content_type=content_type, headers=bearer(write_token))
    assert response.status_code == status and response.json()["detail"]
    assert not PainPoint.objects.exists()


def test_domain_rules_answer_4xx_not_500(client, bobs_entry, write_token):  # noqa: F811
    pain = {"title": "Twice", "anticipated": True}
    assert post(client, "/api/v1/pain-points/", pain, bearer(write_token)).status_code == 201
    assert post(client, "/api/v1/pain-points/", pain, bearer(write_token)).status_code == 422  # the same title
    # a tool on the stack already keeps its entry
    assert post(client, "/api/v1/tools/prefect/propose/", {}, bearer(write_token)).status_code == 200
    assert StackEntry.objects.filter(tool__slug="prefect").count() == 1
    filter_url = f"/api/v1/stack/{bobs_entry.pk}/filters/capability/"
    for body in ({"verdict": "pass"}, {"verdict": "pass", "rationale": "a\x00"},
                 {"verdict": "pass", "rationale": "a" * 5000}, {"verdict": "maybe", "rationale": "x"}):
        assert post(client, filter_url, body, bearer(write_token)).status_code == 422, body
    assert post(client, "/api/v1/trials/99999999999999999999/log/", {"text": "x"}, bearer(write_token)).status_code == 404


def test_no_secret_is_read_out(client, bobs_entry, read_token, write_token):  # noqa: F811
    probe = Probe.objects.get(entry=bobs_entry)
    token = ApiToken.objects.first()
    for url in (f"/api/v1/stack/{bobs_entry.pk}/", f"/api/v1/stack/{bobs_entry.pk}/usage/", "/api/v1/stack/",
                "/api/schema/"):
        text = client.get(url, headers=bearer(read_token)).content.decode()
        assert probe.heartbeat_token not in text and "heartbeat_token" not in text and token.digest not in text, url
    text = post(client, f"/api/v1/stack/{bobs_entry.pk}/heartbeat/", {}, bearer(write_token)).content.decode()
    assert probe.heartbeat_token not in text


def test_anonymous_callers_get_json_401_or_the_login_page(db):
    anonymous = Client()
    for url in ("/api/", "/api/schema/", "/api/v1/stack/"):
        assert anonymous.get(url).status_code == 401, url
    assert anonymous.get("/api/docs/").status_code == 302
    for header in ("Bearer \x00", "Bearer", "Basic Zm9vOmJhcg==", "Bearer sl_" + "A" * 43):
        assert anonymous.get("/api/v1/stack/", headers={"Authorization": header}).status_code == 401, header
