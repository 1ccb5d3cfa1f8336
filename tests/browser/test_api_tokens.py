"""A lead makes API tokens on their page, in Chromium, and a script uses them against the live
API: the read token is refused a write, the read-and-write one logs a pain point."""

import json
import urllib.error
import urllib.request
from datetime import timedelta

import pytest
from django.utils import timezone

from apps.accounts.models import ApiToken
from apps.painpoints.models import PainPoint
from tests.browser.conftest import log_in, snap

pytestmark = pytest.mark.slow
PAIN = {"title": "Nobody knows which model is live", "evidence": "Rolled back the wrong model on 2 March"}


def log_pain(live_server, secret):
    request = urllib.request.Request(
        f"{live_server.url}/api/v1/pain-points/", data=json.dumps(PAIN).encode(), method="POST",
        headers={"Authorization": f"Bearer {secret}", "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


def make_token(page, name, *, scope, expires_on=""):
    page.fill("input[name=name]", name)
    page.get_by_label(scope, exact=True).check()
    page.fill("input[name=expires_on]", expires_on)
    page.get_by_role("button", name="Create token").click()
    page.wait_for_load_state()
    return page.locator(".secret code").inner_text()


def test_a_lead_makes_a_read_and_a_write_token_and_a_script_uses_them(page, live_server, catalog, alice):
    log_in(page, alice.email)
    page.get_by_role("link", name="Tokens").click()
    page.wait_for_load_state()
    today = timezone.localdate()

    page.fill("input[name=name]", "too late")
    page.fill("input[name=expires_on]", today.isoformat())
    page.get_by_role("button", name="Create token").click()
    page.wait_for_load_state()
    assert "Choose a day after today" in page.locator("main").inner_text()
    assert not ApiToken.objects.exists()

    reader = make_token(page, "Grafana", scope="Read")
    writer = make_token(page, "Incident bot", scope="Read and write",
                        expires_on=(today + timedelta(days=30)).isoformat())
    snap(page, "api-tokens")
    rows = page.locator("main table tbody tr")
    assert rows.count() == 2
    table = page.locator("main table").inner_text()
    assert "read and write" in table and (today + timedelta(days=30)).strftime("%-d %b %Y") in table

    status, body = log_pain(live_server, reader)
    assert status == 403 and body["detail"][0]["type"] == "read_only_token"
    assert not PainPoint.objects.exists()
    status, body = log_pain(live_server, writer)
    assert status == 201 and body["title"] == PAIN["title"]
    assert PainPoint.objects.get().reported_by == alice

    page.goto("/pain-points/")
    assert PAIN["title"] in page.locator("main").inner_text()
    page.goto("/accounts/tokens/")
    page.locator("tr", has_text="Incident bot").get_by_role("link", name="Revoke…").click()
    page.wait_for_load_state()
    page.get_by_role("button", name="Revoke the token").click()
    page.wait_for_load_state()
    assert "revoked" in page.locator("tr", has_text="Incident bot").inner_text()
    status, _ = log_pain(live_server, writer)
    assert status == 401
