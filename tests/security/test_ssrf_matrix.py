"""Hostile probe targets, through the one outbound client: each is refused before any
connection to it is made. Every socket connect in these tests is recorded, and any that would
leave this machine is stopped, so a failing guard fails the test without sending anything."""

import ipaddress

import pytest

from apps.lib.http import Guard, HttpError, fetch
from tests.probes.stubs import faulty_server, listener
from tests.security.sockets import stay_on_this_machine

# As in production: private networks allowed, this machine's loopback not.
PRIVATE = Guard(allowed=(ipaddress.ip_network("10.0.0.0/8"),))
# For the redirect cases: the first server (on 127.0.0.1) is allowed, nothing else on loopback.
FIRST_HOP_ONLY = Guard(allowed=(ipaddress.ip_network("127.0.0.1/32"), ipaddress.ip_network("10.0.0.0/8")))

# Names a hostile DNS server could answer with an address no probe may reach.
HOSTILE_DNS = {"metadata-rebind.test": "169.254.169.254", "looks-internal.test": "127.0.0.1"}


@pytest.fixture
def connections(monkeypatch):
    """The addresses connected to; a connection off this machine is stopped and recorded."""
    return stay_on_this_machine(monkeypatch, {host: [ip] for host, ip in HOSTILE_DNS.items()})


DIRECT = [
    ("http://169.254.169.254/latest/meta-data/", "metadata"),
    ("http://2852039166/", "metadata"),  # decimal
    ("http://0xA9FEA9FE/", "metadata"),  # hex
    ("http://0251.0376.0251.0376/", "metadata"),  # octal
    ("http://[::ffff:169.254.169.254]/", "metadata"),  # IPv4-mapped IPv6
    ("http://[::ffff:a9fe:a9fe]/", "metadata"),  # the same, in hex
    ("http://metadata.google.internal/computeMetadata/v1/", "metadata"),
    ("http://metadata-rebind.test/", "metadata"),  # a name that resolves to it
    ("http://[fe80::1]/", "link-local"),
    ("http://looks-internal.test/", "outside PROBE_ALLOWED_NETWORKS"),  # a name that resolves to loopback
    ("file:///etc/passwd", "http:// or https://"),
    ("gopher://10.1.2.3:6379/_FLUSHALL", "http:// or https://"),
    ("ftp://10.1.2.3/", "http:// or https://"),
    ("http://admin:s3cret@10.1.2.3/", "credential"),
]


@pytest.mark.parametrize("url, reason", DIRECT)
def test_a_hostile_target_is_refused_without_a_connection(connections, url, reason):
    with pytest.raises(HttpError, match=reason) as error:
        fetch("GET", url, guard=PRIVATE)
    assert error.value.permanent
    assert connections == []


def test_loopback_is_refused_when_not_allowed(connections):
    with listener() as (port, accepted):
        with pytest.raises(HttpError, match="outside PROBE_ALLOWED_NETWORKS"):
            fetch("GET", f"http://127.0.0.1:{port}/", guard=PRIVATE)
        with pytest.raises(HttpError, match="outside PROBE_ALLOWED_NETWORKS"):
            fetch("GET", f"http://localhost:{port}/", guard=PRIVATE)
    assert connections == [] and accepted == []


@pytest.mark.parametrize("target", [
    "169.254.169.254", "2852039166", "0xA9FEA9FE", "0251.0376.0251.0376", "[::ffff:169.254.169.254]",
    "metadata-rebind.test", "127.0.0.2",
])
def test_a_redirect_to_a_hostile_target_is_refused_after_the_first_hop(connections, target):
    with faulty_server() as (url, handler):
        with pytest.raises(HttpError, match="refused"):
            fetch("GET", f"{url}/redirect-to-{target}", guard=FIRST_HOP_ONLY)
    assert connections == ["127.0.0.1"]  # the first server only
    assert handler.connections == 1


def test_a_redirect_to_another_scheme_is_refused(connections):
    with faulty_server() as (url, _):
        with pytest.raises(HttpError, match="http:// or https://"):
            fetch("GET", f"{url}/go?to=file:///etc/passwd", guard=FIRST_HOP_ONLY)
    assert connections == ["127.0.0.1"]
