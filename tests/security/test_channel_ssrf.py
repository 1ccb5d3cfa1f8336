"""Team channels and SSRF: a lead's Apprise URL must never make the server reach a cloud
metadata service or a link-local address, however the URL names it.

No real network is used: every outbound connect is recorded and refused (see `connects`).
The failing tests show ways round channels._check_host, which checks only the literal host
Apprise parsed, at the moment the URL is entered:
- a DNS name that resolves to 169.254.169.254 (nothing resolves and checks at send time);
- an Apprise option that names another server than `host` (mailto's ?smtp=);
- an Apprise option that fetches a URL or reads a local file (vapid's ?keyfile= / ?subfile=).
"""

import ipaddress
import socket

import pytest

from apps.notifications import channels
from apps.notifications.channels import BadChannel, parse
from apps.notifications.services import add_channel, send_test
from tests.conftest import NOW

METADATA = ipaddress.ip_address("169.254.169.254")


@pytest.fixture
def connects(monkeypatch):
    """Every address the code tries to connect to; no connection is ever made.
    `imds.attacker.example` resolves to the metadata address, as any name an attacker owns can."""
    seen = []
    real_getaddrinfo = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        if isinstance(host, bytes):
            host = host.decode()
        if host == "imds.attacker.example":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("169.254.169.254", port or 80))]
        return real_getaddrinfo(host, port, *args, **kwargs)

    def connect(self, address):
        seen.append(ipaddress.ip_address(address[0].split("%")[0]))
        raise ConnectionRefusedError("refused by the test")

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(socket.socket, "connect", connect)
    return seen


def reached_metadata(url: str, seen: list) -> bool:
    """Whether entering the URL and then posting to it (as the outbox and "Send a test" do)
    reaches the metadata address."""
    try:
        parse(url)
    except BadChannel:
        return False  # refused when entered: the defence held
    try:
        channels.post(url, title="t", body="b")
    except channels.NotDelivered:
        pass
    return any(address == METADATA or address.is_link_local for address in seen)


# The defences that hold ------------------------------------------------------------------

@pytest.mark.parametrize("url", [
    "json://169.254.169.254/latest/meta-data",
    "json://2852039166/latest",
    "json://0xA9FEA9FE/latest",
    "json://[::ffff:a9fe:a9fe]:80/x",
    "json://[2002:a9fe:a9fe::1]/x",
    "json://example.com@169.254.169.254/x",
    "json://100.100.100.200/x",
    "json://METADATA.google.internal./x",
    "json://metadata./x",
    "json://[fe80::1]:8080/x",
    "gotify://169.254.169.254/token",
    "apprise://169.254.169.254/x",
    "json://１６９.２５４.１６９.２５４/x",  # fullwidth digits: Apprise refuses the URL
    "json://%31%36%39.254.169.254/x",
])
def test_literal_metadata_and_link_local_spellings_are_refused(url, connects):
    assert not reached_metadata(url, connects)


@pytest.mark.parametrize("url", ["syslog://", "rsyslog://169.254.169.254", "dbus://", "windows://", "macosx://",
                                 "fcm://project@apikey/device?keyfile=/etc/passwd"])
def test_schemes_that_act_on_the_server_itself_are_refused(url):
    with pytest.raises(BadChannel):
        parse(url)


# The bypasses ----------------------------------------------------------------------------

def test_a_name_that_resolves_to_the_metadata_service_is_not_posted_to(connects, platform):
    url = "json://imds.attacker.example/latest/meta-data/iam/security-credentials/"
    try:
        channel = add_channel(platform, url, now=NOW)
    except BadChannel:
        return
    try:
        send_test(channel, by="alice")  # the lead's "Send a test"
    except channels.NotDelivered:
        pass
    assert METADATA not in connects, "a channel posted to 169.254.169.254 through a DNS name"


def test_an_email_channel_cannot_name_the_metadata_service_as_its_smtp_server(connects):
    url = "mailtos://user:pass@example.com?smtp=169.254.169.254&port=80&mode=insecure"
    assert not reached_metadata(url, connects), "mailto's ?smtp= is not checked: the host check looks at `host` only"


def test_a_web_push_channel_cannot_fetch_the_metadata_service_as_its_key_file(connects):
    url = "vapid://user@example.com/?keyfile=http://169.254.169.254/latest/meta-data/iam/security-credentials/"
    assert not reached_metadata(url, connects), "vapid's ?keyfile= makes Apprise GET any URL (or read any local file)"


def test_a_channel_may_not_read_files_of_the_server(tmp_path):
    key = tmp_path / "server-key.pem"
    key.write_text("-----BEGIN PRIVATE KEY-----\n")
    with pytest.raises(BadChannel):
        parse(f"vapid://user@example.com/?keyfile={key}&subfile=/etc/passwd")
