"""The team pages: a lead adds a channel, sends it a test and removes it; others only read."""

import pytest
from django.urls import reverse

from apps.notifications.models import Channel
from apps.notifications.services import add_channel
from tests.conftest import NOW
from tests.notifications.receiver import webhook_receiver

SLACK = "slack://T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7FQ"


def test_the_team_list_counts_people_tools_and_channels(viewer_client, entry, platform):
    add_channel(platform, "json://127.0.0.1:9/a", now=NOW)
    page = viewer_client.get(reverse("team-list")).content.decode()
    assert reverse("team-detail", args=[platform.pk]) in page
    assert '<td class="num">3</td>' in page  # alice, bob and carol
    assert '<td class="num">1</td>' in page  # MLflow; one channel


def test_a_lead_adds_a_channel_and_sees_it_masked(lead_client, platform):
    response = lead_client.post(reverse("channel-add", args=[platform.pk]), {"url": SLACK}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="channels"' in html and "<html" not in html  # the section, swapped in place
    assert "slack://T...2/A...D/T...Q" in html
    assert "TIiajkdnlazkcOXrIdevi7FQ" not in html
    assert "NOTIFY_PLATFORM_SLACK" in html
    page = lead_client.get(reverse("team-detail", args=[platform.pk])).content.decode()
    assert "TIiajkdnlazkcOXrIdevi7FQ" not in page and "slack://T...2" in page


def test_a_bad_url_is_refused_with_the_reason_and_nothing_is_stored(lead_client, platform):
    response = lead_client.post(reverse("channel-add", args=[platform.pk]), {"url": "hooks.example.com"},
                                headers={"HX-Request": "true"})
    assert "needs a scheme such as slack://" in response.content.decode()
    assert not Channel.objects.exists()
    response = lead_client.post(reverse("channel-add", args=[platform.pk]), {"url": "gopher://x/y"}, follow=True)
    assert "gopher:// is not a channel Stackledger posts to" in response.content.decode()


def test_viewers_and_evaluators_see_no_channel_controls(viewer_client, evaluator_client, platform):
    add_channel(platform, "json://127.0.0.1:9/a", now=NOW)
    for client in (viewer_client, evaluator_client):
        page = client.get(reverse("team-detail", args=[platform.pk])).content.decode()
        assert "json://127.0.0.1:9/a" in page
        assert "Send a test" not in page and "Add channel" not in page and "Remove…" not in page
        assert client.post(reverse("channel-add", args=[platform.pk]), {"url": SLACK}).status_code == 403
    assert Channel.objects.count() == 1


@pytest.mark.slow
def test_send_a_test_posts_to_the_channel_and_says_so(lead_client, platform):
    with webhook_receiver() as hook:
        channel = add_channel(platform, hook.url, now=NOW)
        response = lead_client.post(reverse("channel-test", args=[channel.pk]), headers={"HX-Request": "true"})
        assert "Sent: check the channel." in response.content.decode()
        assert len(hook.posts) == 1 and "Platform" in hook.posts[0]["title"]
        hook.down = True
        response = lead_client.post(reverse("channel-test", args=[channel.pk]), headers={"HX-Request": "true"})
        assert "Not delivered: Failed to send JSON POST notification: Internal server error" in response.content.decode()


def test_removing_asks_first(lead_client, platform):
    channel = add_channel(platform, "json://127.0.0.1:9/a", now=NOW)
    url = reverse("channel-remove", args=[channel.pk])
    assert "Remove the channel" in lead_client.get(url).content.decode()
    assert Channel.objects.exists()
    response = lead_client.post(url)
    assert response.status_code == 302 and response.url == reverse("team-detail", args=[platform.pk])
    assert not Channel.objects.exists()


def test_the_team_page_has_flat_queries(viewer_client, platform, entry, django_assert_max_num_queries):
    for n in range(5):
        add_channel(platform, f"json://127.0.0.1:9/{n}", now=NOW)
    with django_assert_max_num_queries(12):
        assert viewer_client.get(reverse("team-detail", args=[platform.pk])).status_code == 200
    with django_assert_max_num_queries(10):
        assert viewer_client.get(reverse("team-list")).status_code == 200
