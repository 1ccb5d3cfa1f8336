"""A request body over DATA_UPLOAD_MAX_MEMORY_SIZE is refused (good), but with Django's HTML
"Bad Request (400)" page, not the API's one JSON error shape that docs/api.md promises for
every error: a script parsing `detail` crashes on it."""

import json

from tests.api.conftest import bearer, write_token  # noqa: F401  (the fixture)


def test_an_enormous_body_is_refused_in_json(client, catalog, write_token, settings):  # noqa: F811
    body = json.dumps({"title": "big", "anticipated": True, "description": "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)})
    response = client.post("/api/v1/pain-points/", body, content_type="application/json", headers=bearer(write_token))
    assert response.status_code in (400, 413)  # refused, nothing stored: this holds
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    assert response.json()["detail"][0]["loc"] == ["body"]
