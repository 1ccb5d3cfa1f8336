"""A lead accepts a finding on the findings page, sees it move apart, and withdraws it, in Chromium."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.catalog.models import Tool
from apps.findings.models import Acceptance
from apps.findings.services import refresh
from apps.stack.models import Lifecycle, StackEntry
from tests.browser.conftest import log_in, snap

pytestmark = pytest.mark.slow

OVERLAP = "Experiment tracking has 2 tools in use"


def test_a_lead_accepts_a_finding_and_withdraws_it(page, catalog, alice, bob):
    for name in ("MLflow", "Weights & Biases"):
        StackEntry.objects.create(tool=Tool.objects.get(name=name), lifecycle=Lifecycle.ADOPTED, owner=bob)
    refresh(now=timezone.now())
    log_in(page, alice.email)
    page.get_by_role("link", name="Findings", exact=True).click()
    page.wait_for_load_state()
    finding = page.locator("li.finding", has_text=OVERLAP)
    assert finding.count() == 1  # one finding for the category, naming both tools
    assert "Fix: Keep one of these tools" in finding.inner_text() and "error" in finding.inner_text().lower()
    assert "None: every finding counts." in page.locator("#accepted").inner_text()

    finding.get_by_role("link", name="Accept…").click()
    page.wait_for_load_state()
    assert OVERLAP in page.locator("main").inner_text()
    today = timezone.localdate()
    page.fill("#id_expires_on", today.isoformat())  # not after today
    page.get_by_role("button", name="Accept the finding").click()
    page.wait_for_load_state()
    assert f"must be after today ({today:%Y-%m-%d})" in page.locator("main").inner_text()
    assert "This field is required." in page.locator("main").inner_text()  # the rationale
    assert not Acceptance.objects.exists()

    until = today + timedelta(days=30)
    page.fill("#id_rationale", "The vision team moves to MLflow this month")
    page.select_option("#id_owner", label=str(bob))
    page.fill("#id_expires_on", until.isoformat())
    page.get_by_role("button", name="Accept the finding").click()
    page.wait_for_load_state()
    assert f"Accepted until {until.day} {until:%B %Y}" in page.locator("main").inner_text()
    assert page.locator("li.finding", has_text=OVERLAP).count() == 0
    accepted = page.locator("#accepted").inner_text()
    assert "The vision team moves to MLflow this month" in accepted and str(bob) in accepted
    snap(page, "accepted-findings")

    page.reload()  # stored as shown
    page.wait_for_load_state()
    assert "The vision team moves to MLflow this month" in page.locator("#accepted").inner_text()
    assert Acceptance.objects.get().owner == bob

    page.locator("#accepted").get_by_role("link", name="Withdraw…").click()
    page.wait_for_load_state()
    page.get_by_role("button", name="Withdraw it").click()
    page.wait_for_load_state()
    assert "counts again" in page.locator("main").inner_text()
    assert page.locator("li.finding", has_text=OVERLAP).count() == 1
    assert not Acceptance.objects.exists()
