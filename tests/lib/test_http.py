"""The one outbound HTTP client, against stub servers that misbehave on purpose."""

import ipaddress
import time

import pytest

from apps.lib.http import MAX_BODY, Guard, HttpError, fetch
from apps.lib.netguard import RefusedTarget
from tests.probes.stubs import faulty_server, listener

LOOPBACK = Guard(allowed=(ipaddress.ip_network("127.0.0.0/8"),))


def test_it_reads_a_json_answer():
    with faulty_server() as (url, _):
        assert fetch("GET", url + "/fine", guard=LOOPBACK).json() == {"ok": True}


def test_a_hanging_server_is_cut_off_at_the_total_timeout():
    with faulty_server() as (url, _):
        started = time.monotonic()
        with pytest.raises(HttpError, match="took longer than 1 s|did not answer within 1 s"):
            fetch("GET", url + "/hang", guard=LOOPBACK, total_timeout=1)
        assert time.monotonic() - started < 5


def test_a_trickling_server_is_cut_off_at_the_total_timeout():
    with faulty_server() as (url, _):
        started = time.monotonic()
        with pytest.raises(HttpError, match="took longer than 2 s"):
            fetch("GET", url + "/trickle", guard=LOOPBACK, total_timeout=2)
        assert time.monotonic() - started < 6


def test_a_body_over_one_mebibyte_is_refused():
    with faulty_server() as (url, _):
        with pytest.raises(HttpError, match=f"larger than {MAX_BODY // 1024} KiB"):
            fetch("GET", url + "/huge", guard=LOOPBACK)


def test_a_compression_bomb_is_refused_without_inflating_it():
    with faulty_server() as (url, _):
        with pytest.raises(HttpError, match="larger than"):
            fetch("GET", url + "/bomb", guard=LOOPBACK)


def test_garbage_is_not_json():
    with faulty_server() as (url, _):
        with pytest.raises(HttpError, match="not JSON"):
            fetch("GET", url + "/garbage", guard=LOOPBACK).json()


@pytest.mark.parametrize("target", ["169.254.169.254", "2852039166", "0xA9FEA9FE", "[::ffff:169.254.169.254]", "metadata.google.internal"])
def test_a_redirect_to_metadata_is_refused(target):
    with faulty_server() as (url, _):
        with pytest.raises(HttpError, match="refused") as error:
            fetch("GET", f"{url}/redirect-to-{target}", guard=LOOPBACK)
        assert error.value.permanent


def test_redirects_stop_after_three():
    with faulty_server() as (url, handler):
        with pytest.raises(HttpError, match="more than 3 redirects"):
            fetch("GET", url + "/loop", guard=LOOPBACK)
        assert handler.connections == 4


def test_a_target_outside_the_allowed_networks_gets_no_connection():
    with listener() as (port, accepted):
        with pytest.raises(HttpError, match="outside PROBE_ALLOWED_NETWORKS"):
            fetch("GET", f"http://127.0.0.1:{port}/", guard=Guard(allowed=(ipaddress.ip_network("10.0.0.0/8"),)))
        time.sleep(0.3)
        assert accepted == []


def test_a_name_is_checked_by_the_address_it_resolves_to():
    with listener() as (port, accepted):
        with pytest.raises(HttpError, match="127.0.0.1 is outside"):
            fetch("GET", f"http://localhost:{port}/", guard=Guard(allowed=(ipaddress.ip_network("10.0.0.0/8"),)))
        time.sleep(0.3)
        assert accepted == []


def test_our_own_database_and_broker_are_never_reached():
    with listener() as (port, accepted):
        guard = Guard(allowed=LOOPBACK.allowed, forbidden_endpoints=frozenset({(ipaddress.ip_address("127.0.0.1"), port)}))
        with pytest.raises(HttpError, match="Stackledger's own database or broker"):
            fetch("GET", f"http://127.0.0.1:{port}/", guard=guard)
        time.sleep(0.3)
        assert accepted == []


def test_the_guard_knows_the_database_and_broker():
    from apps.lib.http import own_endpoints

    forbidden = own_endpoints({"HOST": "localhost", "PORT": "5432"}, "redis://127.0.0.1:6379/0")
    assert (ipaddress.ip_address("127.0.0.1"), 5432) in forbidden
    assert (ipaddress.ip_address("127.0.0.1"), 6379) in forbidden
    assert (ipaddress.ip_address("127.0.0.1"), 5672) in own_endpoints({}, "amqp://guest@127.0.0.1//")
    guard = Guard(allowed=LOOPBACK.allowed, forbidden_endpoints=forbidden)
    with pytest.raises(RefusedTarget):
        guard.check(ipaddress.ip_address("127.0.0.2"), 5432)  # the same database, another loopback address


def test_a_closed_port_is_a_transient_error():
    with listener() as (port, _):
        pass  # a closed port: connection refused, transient
    with pytest.raises(HttpError) as error:
        fetch("GET", f"http://127.0.0.1:{port}/", guard=LOOPBACK)
    assert not error.value.permanent


def test_credentials_do_not_follow_a_redirect_to_another_server():
    with faulty_server() as (first, _), faulty_server() as (second, _):
        same = fetch("GET", f"{first}/go?to={first}/headers", headers={"Authorization": "Bearer s3cret"}, guard=LOOPBACK)
        assert same.json() == {"authorization": "Bearer s3cret"}
        other = fetch("GET", f"{first}/go?to={second}/headers", headers={"Authorization": "Bearer s3cret"}, guard=LOOPBACK)
        assert other.json() == {"authorization": ""}


def test_bytes_after_the_compressed_body_count_too():
    with faulty_server() as (url, _):
        with pytest.raises(HttpError, match="larger than"):
            fetch("GET", url + "/gzip-tail", guard=LOOPBACK)
