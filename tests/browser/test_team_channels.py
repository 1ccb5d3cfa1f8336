"""A lead gives a team a chat channel on its page, tests it, and removes it, in Chromium."""

import pytest

from apps.catalog.models import Tool
from apps.notifications.models import Channel
from apps.stack.models import Lifecycle, StackEntry
from tests.browser.conftest import log_in, snap
from tests.notifications.receiver import webhook_receiver

pytestmark = pytest.mark.slow


def test_a_lead_adds_tests_and_removes_a_team_channel(page, catalog, alice, bob, platform, settings):
    settings.NOTIFY_ALLOWED_NETWORKS = ["127.0.0.0/8"]  # where the webhook receiver listens
    StackEntry.objects.create(tool=Tool.objects.get(name="MLflow"), lifecycle=Lifecycle.ADOPTED, owner=bob, team=platform)
    with webhook_receiver() as hook:
        log_in(page, alice.email)
        page.get_by_role("link", name="Teams").click()
        page.wait_for_load_state()
        assert "email only" in page.locator("main table").inner_text()
        page.get_by_role("link", name="Platform").click()
        page.wait_for_load_state()
        assert "MLflow" in page.locator("main").inner_text()
        assert "No channels yet" in page.locator("#channels").inner_text()

        page.fill("#channels input[name=url]", "hooks.example.com/alerts")
        page.get_by_role("button", name="Add channel").click()
        page.wait_for_selector("#channel-error")
        assert "needs a scheme such as slack://" in page.locator("#channel-error").inner_text()
        assert not Channel.objects.exists()

        page.fill("#channels input[name=url]", hook.url)
        page.get_by_role("button", name="Add channel").click()
        page.wait_for_selector(f"#channels code:text('{hook.url}')")
        assert "Platform's alerts now go to" in page.locator("#messages").inner_text()
        assert page.locator("#channel-error").count() == 0

        page.get_by_role("button", name="Send a test").click()
        page.wait_for_selector("#channels [role=status]:has-text('Sent')")
        assert len(hook.posts) == 1 and hook.posts[0]["title"] == "Stackledger: a test for Platform"
        snap(page, "team-channels")

        page.reload()  # it is stored, and the test did not change it
        page.wait_for_load_state()
        assert hook.url in page.locator("#channels").inner_text()
        assert "now go to" not in page.locator("main").inner_text()  # no stale message from the swap

        page.get_by_role("link", name="Remove…").click()
        page.wait_for_load_state()
        page.get_by_role("button", name="Remove the channel").click()
        page.wait_for_load_state()
        assert "no longer gets Platform's alerts" in page.locator(".messages, main").first.inner_text()
        assert "No channels yet" in page.locator("#channels").inner_text()
    assert not Channel.objects.exists()
