"""A URL that answers htmx with a fragment says so to caches, whether or not htmx asked."""

import pytest

from apps.catalog.models import Tool
from apps.stack.models import StackEntry

HTMX = {"HX-Request": "true"}


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "fragment"])
@pytest.mark.parametrize("url", ["/tools/", "/pain-points/", "/stack/{pk}/edit/", "/stack/{pk}/probe/?kind=mlflow"])
def test_pages_with_fragments_vary_on_htmx(lead_client, catalog, url, htmx):
    entry = StackEntry.objects.create(tool=Tool.objects.get(name="MLflow"))
    response = lead_client.get(url.format(pk=entry.pk), headers=HTMX if htmx else {})
    assert response.status_code == 200
    assert "HX-Request" in response.headers.get("Vary", "")


def test_a_page_without_fragments_does_not_vary_on_htmx(lead_client, catalog):
    assert "HX-Request" not in lead_client.get("/findings/").headers.get("Vary", "")
