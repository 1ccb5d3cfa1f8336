"""Who may add, test and remove a team's channels: only a lead, only by a POST with the CSRF
token. These pin defences that hold."""

import pytest
from django.test import Client
from django.urls import reverse

from apps.notifications import channels
from apps.notifications.models import Channel
from apps.notifications.services import add_channel
from tests.conftest import NOW


@pytest.fixture
def channel(platform):
    return add_channel(platform, "json://hooks.example.com/alerts", now=NOW)


@pytest.fixture
def no_posting(monkeypatch):
    posts = []
    monkeypatch.setattr(channels, "post", lambda url, **kwargs: posts.append(url))
    return posts


def logged_in(user, **kwargs):
    client = Client(**kwargs)
    client.force_login(user)
    return client


@pytest.mark.parametrize("who", ["bob", "carol"])
@pytest.mark.parametrize("htmx", [False, True])
def test_evaluators_and_viewers_reach_no_channel_action(request, who, htmx, platform, channel, no_posting):
    client = logged_in(request.getfixturevalue(who))
    headers = {"HX-Request": "true"} if htmx else {}
    add, test, remove = (reverse("channel-add", args=[platform.pk]), reverse("channel-test", args=[channel.pk]),
                         reverse("channel-remove", args=[channel.pk]))
    for method, url in [("post", add), ("get", add), ("post", test), ("get", test), ("post", remove), ("get", remove)]:
        response = getattr(client, method)(url, {"url": "json://hooks.example.com/mine"} if method == "post" else {},
                                           headers=headers)
        assert response.status_code in (403, 405), (method, url, response.status_code)
    assert list(Channel.objects.values_list("pk", flat=True)) == [channel.pk] and no_posting == []


def test_a_lead_needs_the_csrf_token(alice, platform, channel, no_posting):
    client = logged_in(alice, enforce_csrf_checks=True)
    assert client.post(reverse("channel-add", args=[platform.pk]), {"url": "json://hooks.example.com/x"}).status_code == 403
    assert client.post(reverse("channel-test", args=[channel.pk])).status_code == 403
    assert client.post(reverse("channel-remove", args=[channel.pk])).status_code == 403
    assert Channel.objects.count() == 1 and no_posting == []


def test_a_get_never_removes_or_tests(alice, channel, no_posting):
    client = logged_in(alice)
    assert client.get(reverse("channel-remove", args=[channel.pk])).status_code == 200
    assert client.get(reverse("channel-test", args=[channel.pk])).status_code == 405
    assert Channel.objects.count() == 1 and no_posting == []


def test_anonymous_visitors_are_sent_to_log_in(platform, channel, no_posting):
    client = Client()
    for url in [reverse("team-detail", args=[platform.pk]), reverse("channel-remove", args=[channel.pk])]:
        assert client.get(url).status_code == 302
    assert client.post(reverse("channel-test", args=[channel.pk])).status_code == 302
    assert no_posting == []
