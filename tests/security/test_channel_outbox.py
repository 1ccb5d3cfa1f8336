"""The outbox and team channels under a careless or hostile world: a channel (or its team)
removed while its post is being sent, a second worker running meanwhile, an alert about a
tool without a team, a channel whose key was rotated away, a channel that trickles."""

import socket
import threading
import time
from datetime import timedelta

import pytest

from apps.accounts.models import Team
from apps.catalog.models import Tool
from apps.notifications import channels
from apps.notifications.models import Channel, Notification
from apps.notifications.services import add_channel, notify, send_due
from apps.stack.models import Lifecycle, StackEntry
from tests.conftest import NOW


@pytest.fixture
def entry(catalog, platform, alice, bob):
    """MLflow, adopted by the Platform team, owned by bob; alice leads."""
    return StackEntry.objects.create(tool=Tool.objects.get(name="MLflow"), lifecycle=Lifecycle.ADOPTED,
                                     owner=bob, team=platform)


def queue(entry, key="flagged:1"):
    notify(key=key, to=["bob@example.com"], template="flagged", context={"entry": entry, "note": "Unused"},
           now=NOW, teams=[entry.team])


@pytest.fixture
def posted(monkeypatch):
    """The posts channels.post would make, without a network; `during` runs inside the post."""
    calls = []
    during = []

    def post(url, *, title, body):
        calls.append(url)
        for action in during:
            action()

    monkeypatch.setattr(channels, "post", post)
    post.calls, post.during = calls, during
    return post


def test_a_channel_removed_while_its_post_is_sent_does_not_stop_the_outbox(entry, posted, mailoutbox):
    first = add_channel(entry.team, "json://hooks.example.com/first", now=NOW)
    add_channel(entry.team, "json://hooks.example.com/second", now=NOW)
    queue(entry)
    # A lead removes the first channel (its pending posts cascade away) while the worker posts to it.
    posted.during.append(lambda: Channel.objects.filter(pk=first.pk).delete())
    send_due(now=NOW)  # must not raise: the rest of the batch is still sent
    assert len(posted.calls) >= 2 and len(mailoutbox) == 1


def test_a_team_removed_while_its_post_is_sent_does_not_stop_the_outbox(entry, posted, mailoutbox):
    other = Team.objects.create(name="Other")
    add_channel(other, "json://hooks.example.com/other", now=NOW)
    notify(key="k", to=[], template="flagged", context={"entry": entry}, now=NOW, teams=[other])
    queue(entry, key="later")
    posted.during.append(lambda: Team.objects.filter(pk=other.pk).delete())
    send_due(now=NOW)
    assert len(mailoutbox) == 1


def test_a_second_worker_meanwhile_never_sends_the_same_post_again(entry, posted, mailoutbox):
    add_channel(entry.team, "json://hooks.example.com/a", now=NOW)
    queue(entry)
    # Another worker runs its batch while this one is in the middle of posting.
    posted.during.append(lambda: send_due(now=NOW + timedelta(seconds=1)) if len(posted.calls) == 1 else None)
    send_due(now=NOW)
    assert len(posted.calls) == 1 and len(mailoutbox) == 1
    assert Notification.objects.filter(sent_at__isnull=False).count() == 2


def test_an_alert_about_a_tool_without_a_team_goes_by_email_only(entry, posted):
    add_channel(entry.team, "json://hooks.example.com/a", now=NOW)
    entry.team = None
    notify(key="k", to=["bob@example.com"], template="flagged", context={"entry": entry}, now=NOW, teams=[entry.team])
    assert list(Notification.objects.values_list("channel", flat=True)) == [None]


def test_a_channel_whose_key_is_gone_fails_softly_everywhere(entry, posted, settings, lead_client):
    from django.urls import reverse

    channel = add_channel(entry.team, "slack://T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7FQ", now=NOW)
    queue(entry)
    settings.FIELD_ENCRYPTION_KEYS = ["Zm9yZ290LXRoZS1vbGQta2V5LWFuZC1tYWRlLWEtbmV3MDA="]  # rotated, old key dropped
    send_due(now=NOW)
    post = Notification.objects.get(channel=channel)
    assert post.sent_at is None and post.last_error.startswith("WrongKey:") and "TIiajk" not in post.last_error
    assert lead_client.get(reverse("team-detail", args=[entry.team.pk])).status_code == 200
    response = lead_client.post(reverse("channel-test", args=[channel.pk]), headers={"HX-Request": "true"})
    assert response.status_code == 200 and "Not delivered" in response.content.decode()
    assert lead_client.get(reverse("stack-export")).status_code == 200


@pytest.mark.slow
def test_a_channel_that_trickles_its_answer_is_given_up_after_the_deadline_and_not_resent(entry, settings,
                                                                                          monkeypatch):
    """Apprise's 4-second timeouts are per read: a server that sends a byte every second would
    hold the worker, and every email behind the post, for as long as it likes. A stub server
    (no real one trickles) shows the whole post is bounded, and closed, not retried."""
    settings.NOTIFY_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    monkeypatch.setattr(channels, "DEADLINE", 3)
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    stop, requests = threading.Event(), []

    def trickle():
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                return
            requests.append(conn.recv(65536))
            for byte in b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * 100:
                if stop.wait(1):
                    break
                try:
                    conn.send(bytes([byte]))
                except OSError:
                    break
            conn.close()

    threading.Thread(target=trickle, daemon=True).start()
    channel = add_channel(entry.team, f"json://127.0.0.1:{server.getsockname()[1]}/alerts", now=NOW)
    queue(entry)
    try:
        started = time.monotonic()
        send_due(now=NOW)
        took = time.monotonic() - started
        post = Notification.objects.get(channel=channel)
        assert took < 10, f"one post held the worker {took:.0f} s"
        assert post.failed_at is not None and post.sent_at is None
        assert "took more than 3 seconds" in post.last_error
        send_due(now=NOW + timedelta(hours=3))
        assert len(requests) == 1  # closed: it may have arrived, so it is not posted again
    finally:
        stop.set()
        server.close()
