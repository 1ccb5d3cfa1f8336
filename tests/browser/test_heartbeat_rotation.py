"""The owner of a tool rotates its heartbeat URL from the entry page, in Chromium: the action
sits beside the URL, asks for a confirmation, and the page then shows the new URL while the
old one answers 404."""

import pytest
from playwright.sync_api import expect

from apps.catalog.models import Tool
from apps.probes.models import Probe
from apps.stack.models import Lifecycle, StackEntry
from tests.browser.conftest import log_in, snap

pytestmark = pytest.mark.slow


def test_the_owner_rotates_the_heartbeat_url(page, catalog, bob, live_server):
    entry = StackEntry.objects.create(tool=Tool.objects.get(name="MLflow"), lifecycle=Lifecycle.ADOPTED, owner=bob)
    probe = Probe.objects.create(entry=entry, kind="heartbeat")
    old = probe.heartbeat_token
    log_in(page, bob.email)
    page.goto(f"/stack/{entry.pk}/")
    shown = page.locator("#heartbeat-url")
    expect(shown).to_contain_text(old)

    page.get_by_text("Rotate the heartbeat URL").click()
    button = page.get_by_role("button", name="Rotate the URL")
    expect(button).to_be_visible()
    snap(page, "heartbeat-rotate-confirm")
    button.click()  # unconfirmed: the browser keeps the form until the box is ticked
    assert Probe.objects.get(pk=probe.pk).heartbeat_token == old

    page.get_by_label("The old URL stops working now").check()
    button.click()
    page.wait_for_url(f"**/stack/{entry.pk}/")
    new = Probe.objects.get(pk=probe.pk).heartbeat_token
    assert new != old
    expect(page.locator("main")).to_contain_text("the old one no longer works")
    expect(page.locator("#heartbeat-url")).to_contain_text(new)
    expect(page.locator("#heartbeat-url")).not_to_contain_text(old)
    snap(page, "heartbeat-rotated")

    assert page.request.get(f"{live_server.url}/hb/{old}/").status == 404
    assert page.request.get(f"{live_server.url}/hb/{new}/").status == 200
