"""A lead adds a discovery source, runs it, and registers the tool it finds from the discovered
tools page, in Chromium."""

import pytest
from django.utils import timezone

from apps.discovery import services
from apps.discovery.models import DiscoverySource
from apps.findings.services import refresh
from apps.stack.models import StackEntry
from tests.browser.conftest import log_in, snap

pytestmark = pytest.mark.slow


def test_a_lead_adds_a_source_and_registers_what_it_finds(page, catalog, alice, bob, settings, tmp_path):
    (tmp_path / "vision").mkdir()
    (tmp_path / "vision" / "requirements.txt").write_text("torch==2.5\ntritonclient[http]==2.50  # the GPU server\n")
    settings.DISCOVERY_ALLOWED_PATHS = [str(tmp_path)]
    log_in(page, alice.email)
    page.get_by_role("link", name="Discovered", exact=True).click()
    page.wait_for_load_state()
    assert "No discovery source yet." in page.locator("main").inner_text()
    page.get_by_role("link", name="Add one").click()
    page.wait_for_load_state()
    page.fill("#id_name", "repos")
    page.select_option("#id_kind", "requirements")
    page.fill("#id_path", "/etc")
    page.get_by_role("button", name="Save the source").click()
    page.wait_for_load_state()
    assert "/etc is outside DISCOVERY_ALLOWED_PATHS" in page.locator("main").inner_text()
    page.fill("#id_path", str(tmp_path))
    page.get_by_role("button", name="Save the source").click()
    page.wait_for_load_state()
    assert "Discovery source repos saved" in page.locator("main").inner_text()
    assert DiscoverySource.objects.get().path == str(tmp_path)

    services.discover(now=timezone.now())  # what the worker does, daily or on "Run now"
    refresh(now=timezone.now())
    page.goto(page.url.split("/discovery/")[0] + "/discovered/")
    row = page.locator("table.discovered tr", has_text="Triton Inference Server")
    assert "vision/requirements.txt:2 tritonclient[http]==2.50" in row.inner_text()
    snap(page, "discovered-tools")
    row.get_by_role("link", name="Register…").click()
    page.wait_for_load_state()
    page.select_option("#id_owner", index=0)  # the empty choice
    page.get_by_role("button", name="Register Triton Inference Server").click()
    page.wait_for_load_state()
    assert "An adopted tool needs an owner" in page.locator("main").inner_text()
    page.select_option("#id_owner", label=str(bob))
    page.get_by_role("button", name="Register Triton Inference Server").click()
    page.wait_for_load_state()
    assert "Triton Inference Server is on the stack, adopted." in page.locator("main").inner_text()
    entry = StackEntry.objects.get(tool__name="Triton Inference Server")
    assert (entry.lifecycle, entry.owner) == ("adopted", bob)

    page.get_by_role("link", name="Discovered", exact=True).click()  # reopened: registered, not found again
    page.wait_for_load_state()
    main = page.locator("main").inner_text()
    assert "Nothing unregistered" in main and "Found, and on the stack" in main
