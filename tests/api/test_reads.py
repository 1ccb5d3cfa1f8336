"""Reading through the API what the pages show: lists a page at a time in a stable order, for a
fixed number of queries; the schema and the docs for those who may read."""

import pytest
from django.test import Client

from apps.probes.models import Probe, ProbeResult
from apps.stack.models import StackEntry, UsageChange
from tests.api.conftest import bearer
from tests.conftest import NOW


def get(client, url, secret):
    response = client.get(url, headers=bearer(secret))
    assert response.status_code == 200, response.content
    return response.json()


def test_a_list_comes_a_page_at_a_time_in_a_stable_order(client, big_stack, read_token):
    first = get(client, "/api/v1/stack/?limit=10", read_token)
    assert first["count"] == 200 and len(first["items"]) == 10
    seen = [item["id"] for offset in range(0, 200, 100)
            for item in get(client, f"/api/v1/stack/?limit=100&offset={offset}", read_token)["items"]]
    assert len(set(seen)) == 200 and seen[:10] == [item["id"] for item in first["items"]]
    names = [StackEntry.objects.get(pk=pk).tool.name.lower() for pk in seen[:20]]
    assert names == sorted(names)
    assert get(client, "/api/v1/stack/?offset=200", read_token)["items"] == []
    assert len(get(client, "/api/v1/stack/", read_token)["items"]) == 25


@pytest.mark.parametrize("query, field", [("limit=101", "limit"), ("limit=0", "limit"), ("offset=-1", "offset"),
                                          ("limit=many", "limit"), ("lifecycle=loved", "lifecycle")])
def test_a_bad_page_or_filter_names_the_parameter(client, read_token, query, field, db):
    response = client.get(f"/api/v1/stack/?{query}", headers=bearer(read_token))
    assert response.status_code == 422
    assert [error["loc"] for error in response.json()["detail"]] == [["query", field]]


def test_lists_narrow_as_the_pages_do(client, big_stack, read_token):
    adopted = get(client, "/api/v1/stack/?lifecycle=adopted&limit=100", read_token)
    assert adopted["count"] == StackEntry.objects.filter(lifecycle="adopted").count()
    assert {item["lifecycle"] for item in adopted["items"]} == {"adopted"}
    tracking = get(client, "/api/v1/tools/?category=experiment-tracking&limit=100", read_token)["items"]
    assert tracking and all("experiment-tracking" in [c["key"] for c in tool["categories"]] for tool in tracking)
    assert get(client, "/api/v1/pain-points/?severity=medium&status=open", read_token)["count"] == 200
    assert get(client, "/api/v1/pain-points/?severity=high", read_token)["count"] == 0


@pytest.mark.parametrize("url", ["/api/v1/stack/", "/api/v1/tools/", "/api/v1/pain-points/", "/api/v1/findings/",
                                 "/api/v1/models/", "/api/v1/categories/"])
def test_a_page_of_100_costs_a_few_queries(client, big_stack, read_token, url, django_assert_max_num_queries):
    with django_assert_max_num_queries(10):
        response = client.get(f"{url}?limit=100", headers=bearer(read_token))
    assert response.status_code == 200 and response.json()["items"]


def test_an_entry_with_its_history_and_usage(client, catalog, alice, read_token):
    from apps.catalog.models import Tool
    from apps.stack.services import entry_propose

    entry = entry_propose(tool=Tool.objects.get(name="MLflow"), by=alice, now=NOW)[0]
    probe = Probe.objects.create(entry=entry, kind="mlflow", url="http://10.0.0.5:5000")
    ProbeResult.objects.create(probe=probe, run_key="1", at=NOW, ok=True, activity_count=3, last_activity_at=NOW)
    UsageChange.objects.create(entry=entry, at=NOW, from_state="unknown", to_state="active", reason="Runs seen.")
    detail = get(client, f"/api/v1/stack/{entry.pk}/", read_token)
    assert detail["tool"] == {"slug": "mlflow", "name": "MLflow"}
    assert [step["to_lifecycle"] for step in detail["transitions"]] == ["proposed"]
    assert detail["probe"]["kind"] == "mlflow" and "url" not in detail["probe"]
    usage = get(client, f"/api/v1/stack/{entry.pk}/usage/", read_token)
    assert len(usage["trend"]) == 90 and usage["unused_after"] == {"days": 90, "set_on": "its probe"}
    changes = get(client, f"/api/v1/stack/{entry.pk}/usage/changes/", read_token)
    assert changes == {"items": [{"at": "2026-11-02T09:00:00Z", "from_state": "unknown", "to_state": "active",
                                  "reason": "Runs seen."}], "count": 1}


def test_something_missing_is_a_json_404_that_names_the_parameter(client, read_token, db):
    for url, loc in [("/api/v1/stack/999999/", ["path", "pk"]), ("/api/v1/tools/no-such-tool/", ["path", "slug"]),
                     ("/api/v1/stack/-1/", ["path"]), ("/api/v1/nothing-here/", ["path"])]:
        response = client.get(url, headers=bearer(read_token))
        assert response.status_code == 404, url
        assert response.json()["detail"][0]["loc"] == loc, url


def test_the_schema_is_openapi_3_for_those_who_may_read(viewer_client, read_token, db):
    assert Client().get("/api/schema/").status_code == 401
    schema = get(Client(), "/api/schema/", read_token)
    assert schema["openapi"].startswith("3.")
    assert {"/api/v1/pain-points/", "/api/v1/stack/{pk}/heartbeat/"} <= set(schema["paths"])
    assert set(schema["components"]["securitySchemes"]) == {"Token", "Session"}
    assert viewer_client.get("/api/schema/").json() == schema


def test_the_docs_are_a_page_for_those_signed_in(viewer_client, read_token, db):
    page = viewer_client.get("/api/docs/")
    assert page.status_code == 200 and b"swagger-ui" in page.content
    anonymous = Client().get("/api/docs/", headers=bearer(read_token))
    assert anonymous.status_code == 302 and anonymous.url.startswith("/accounts/login/")
