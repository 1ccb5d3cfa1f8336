"""Team channels: which URLs Apprise takes, what is shown of them, and the outbox writing
one post per channel beside the owner's email."""

from datetime import timedelta

import pytest

from apps.accounts.models import Team
from apps.notifications.channels import BadChannel, parse
from apps.notifications.models import Channel, Notification
from apps.notifications.services import add_channel, env_name, notify
from tests.conftest import NOW

SLACK = "slack://T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7FQ"


def test_a_plain_webhook_is_shown_as_it_is():
    parsed = parse("json://hooks.example.com:8080/alerts")
    assert parsed.label == "json://hooks.example.com:8080/alerts"
    assert not parsed.carries_secret


def test_a_url_with_a_token_is_shown_masked():
    parsed = parse(SLACK)
    assert parsed.carries_secret
    assert "TIiajkdnlazkcOXrIdevi7FQ" not in parsed.label and parsed.label.startswith("slack://")
    assert parse("json://user:hunter22@hooks.example.com/x").label == "json://…@hooks.example.com/x"
    assert parse("json://hooks.example.com/x?+Authorization=Bearer%20abc").carries_secret  # a header
    keyed = parse("json://hooks.example.com/hooks/9f3a1c7be04d4e21a8c3")  # a key in the path
    assert keyed.carries_secret and "9f3a1c7be04d4e21a8c3" not in keyed.label


@pytest.mark.parametrize(("url", "says"), [
    ("", "enter an Apprise URL"),
    ("hooks.example.com/alerts", "needs a scheme"),
    ("gopher://example.com/x", "gopher:// is not a channel Stackledger posts to"),
    ("slack://onlyone", "Apprise cannot use"),
    ("syslog://", "syslog:// is not a channel"),
    ("vapid://u@example.com/?keyfile=http://169.254.169.254/x", "vapid:// is not a channel"),
    ("mailtos://u:p@example.com?pgp=yes&pgpkey=/etc/shadow", "would have the server read a file"),
    ("mailtos://u:p@example.com?smtp=169.254.169.254&port=80", "cloud metadata address"),
    ("json://10.1.2.3/alerts", "a channel posts there only when NOTIFY_ALLOWED_NETWORKS lists its network"),
    ("json://169.254.169.254/latest/meta-data", "cloud metadata address"),
    ("json://2852039166/latest", "cloud metadata address"),
    ("json://[fe80::1]:8080/x", "link-local"),
    ("json://metadata.google.internal/computeMetadata", "cloud metadata service"),
])
def test_urls_apprise_cannot_use_are_refused_with_the_reason(url, says):
    with pytest.raises(BadChannel, match=says):
        parse(url)


def test_a_name_is_checked_by_the_addresses_it_resolves_to(monkeypatch):
    import socket

    monkeypatch.setattr(socket, "getaddrinfo", lambda host, *a, **k: [(2, 1, 6, "", ("169.254.169.254", 0))])
    with pytest.raises(BadChannel, match="imds.attacker.example: 169.254.169.254 is a cloud metadata address"):
        parse("json://imds.attacker.example/latest")


def test_stackledger_s_own_services_are_no_channel(settings):
    from urllib.parse import urlsplit

    broker = urlsplit(settings.CELERY_BROKER_URL)
    with pytest.raises(BadChannel, match="Stackledger's own database or broker"):
        parse(f"json://{broker.hostname}:{broker.port or 6379}/x")


def test_options_and_users_count_as_secrets_and_are_never_shown():
    for url in ["json://h.example.com/x?:apikey=S3cr3tValue", "form://h.example.com/x?token=S3cr3tValue",
                "json://bob@h.example.com/x", "json://h.example.com/hooks/abcdefghijklmnopqrstuv"]:
        parsed = parse(url)
        assert parsed.carries_secret, url
        assert "S3cr3tValue" not in parsed.label and "bob" not in parsed.label, url
    assert parse("json://h.example.com/" + "x" * 400).carries_secret  # too long to show whole


def test_the_url_is_stored_encrypted_and_a_secret_one_gets_an_environment_name(platform):
    channel = add_channel(platform, SLACK, now=NOW)
    stored = Channel.objects.values_list("url_token", flat=True).get()
    assert "TIiajkdnlazkcOXrIdevi7FQ" not in stored
    assert Channel.objects.get().url() == SLACK
    assert channel.url_env == "NOTIFY_PLATFORM_SLACK"
    assert add_channel(platform, "json://127.0.0.1:9/x", now=NOW).url_env == ""  # nothing to hide


def test_loopback_is_a_channel_only_where_allowed(platform, settings):
    settings.NOTIFY_ALLOWED_NETWORKS = []
    with pytest.raises(BadChannel, match="private address"):
        add_channel(platform, "json://127.0.0.1:9/x", now=NOW)


def test_a_team_has_each_url_once(platform):
    add_channel(platform, SLACK, now=NOW)
    with pytest.raises(BadChannel, match="already has"):
        add_channel(platform, f"  {SLACK} ", now=NOW)
    add_channel(platform, "json://127.0.0.1:9/x", now=NOW)
    with pytest.raises(BadChannel, match="already has"):
        add_channel(platform, "JSON://127.0.0.1:9/x/", now=NOW)  # another spelling of it
    add_channel(Team.objects.create(name="Data"), SLACK, now=NOW)  # another team may share it


def test_environment_names_are_free_and_valid(platform):
    assert env_name(platform, SLACK, taken={"NOTIFY_PLATFORM_SLACK"}) == "NOTIFY_PLATFORM_SLACK_2"
    assert env_name(Team(name="ML / Ops — Berlin"), "msteams://x", taken=set()) == "NOTIFY_ML_OPS_BERLIN_MSTEAMS"
    assert env_name(Team(name="Équipe données"), SLACK, taken=set()) == "NOTIFY_QUIPE_DONN_ES_SLACK"
    # Two teams whose names differ only in punctuation get two names.
    add_channel(Team.objects.create(name="Data Platform"), SLACK, now=NOW)
    assert add_channel(Team.objects.create(name="Data-Platform"), SLACK, now=NOW).url_env == "NOTIFY_DATA_PLATFORM_SLACK_2"


def test_an_alert_is_one_email_and_one_post_per_channel_and_never_queued_twice(platform, bob, entry):
    first = add_channel(platform, "json://127.0.0.1:9/a", now=NOW)
    second = add_channel(platform, SLACK, now=NOW)
    add_channel(Team.objects.create(name="Other"), "json://127.0.0.1:9/other", now=NOW)
    context = {"entry": entry, "note": "Unused"}
    for _ in range(2):
        notify(key="flagged:1", to=[bob.email], template="flagged", context=context, now=NOW, teams=[platform.pk])
    rows = {row.key: row for row in Notification.objects.all()}
    assert set(rows) == {"flagged:1", f"flagged:1:channel:{first.pk}", f"flagged:1:channel:{second.pk}"}
    assert rows["flagged:1"].to == [bob.email] and rows["flagged:1"].channel is None
    post = rows[f"flagged:1:channel:{first.pk}"]
    assert post.to == [] and post.subject == rows["flagged:1"].subject and post.text == rows["flagged:1"].text


def test_a_team_channel_hears_even_when_the_tool_has_no_owner(platform, entry):
    add_channel(platform, "json://127.0.0.1:9/a", now=NOW)
    context = {"entry": entry}
    assert notify(key="k", to=[None], template="flagged", context=context, now=NOW, teams=[platform.pk]) is not None
    assert Notification.objects.get().channel is not None
    assert notify(key="nobody", to=[], template="flagged", context=context, now=NOW, teams=[None]) is None


def test_removing_a_channel_drops_what_waits_for_it(platform, bob, entry):
    channel = add_channel(platform, "json://127.0.0.1:9/a", now=NOW)
    notify(key="k", to=[bob.email], template="flagged", context={"entry": entry}, now=NOW + timedelta(minutes=1),
           teams=[platform])
    channel.delete()
    assert list(Notification.objects.values_list("key", flat=True)) == ["k"]
