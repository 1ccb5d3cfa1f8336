"""A NUL byte in a list's filter parameter: PostgreSQL text cannot hold one, so the filter
reaches the database and the API answers 500 (an HTML error page) instead of a JSON 422 that
names the parameter, as every other bad parameter gets (tests/api/test_reads.py)."""

import pytest
from django.db import connection

from tests.api.conftest import bearer, read_token  # noqa: F401  (the fixture)
from tests.conftest import needs_service

FILTERS = [
    "/api/v1/stack/?category=%00",
    "/api/v1/tools/?category=%00",
    "/api/v1/pain-points/?category=%00",
    "/api/v1/pain-points/?team=%00",
    "/api/v1/decisions/?q=%00",
    "/api/v1/findings/?rule=%00",
]


@pytest.fixture
def on_postgresql(db):
    if connection.vendor != "postgresql":
        needs_service("PostgreSQL refuses NUL in text; SQLite stores it")


@pytest.mark.parametrize("url", FILTERS)
def test_a_nul_in_a_filter_is_a_json_422_not_a_500(client, catalog, read_token, on_postgresql, url):  # noqa: F811
    client.raise_request_exception = False
    response = client.get(url, headers=bearer(read_token))
    assert response.status_code == 422, (response.status_code, response.content[:200])
    assert response.json()["detail"][0]["loc"][0] == "query"
