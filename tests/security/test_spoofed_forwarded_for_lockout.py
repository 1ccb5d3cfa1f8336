"""Escaping the login lockout by writing a new X-Forwarded-For on every guess: the header counts
only from the proxies named in TRUSTED_PROXIES, and compose publishes the app on this machine
only, so clients reach it through the proxy."""

from pathlib import Path

import pytest
import yaml
from django.urls import reverse

from tests.conftest import PASSWORD

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def behind_https(settings):
    """As with an https SITE_URL: the install expects a TLS proxy in front."""
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    return settings


def log_in(client, password, *, peer, forwarded):
    return client.post(reverse("login"), {"username": "alice@example.com", "password": password},
                       REMOTE_ADDR=peer, HTTP_X_FORWARDED_FOR=forwarded)


@pytest.mark.parametrize("trusted", [[], ["10.0.0.5/32"]])
def test_a_rotating_forwarded_for_from_an_untrusted_client_is_still_locked_out(client, alice, behind_https, trusted):
    behind_https.TRUSTED_PROXIES = trusted
    for n in range(5):
        log_in(client, "wrong", peer="198.51.100.20", forwarded=f"203.0.113.{n + 1}")
    response = log_in(client, PASSWORD, peer="198.51.100.20", forwarded="203.0.113.99")
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_behind_a_trusted_proxy_each_browser_counts_on_its_own(client, alice, behind_https):
    behind_https.TRUSTED_PROXIES = ["10.0.0.5/32"]
    for _ in range(5):
        log_in(client, "wrong", peer="10.0.0.5", forwarded="203.0.113.1")
    assert log_in(client, PASSWORD, peer="10.0.0.5", forwarded="203.0.113.1").status_code == 429
    # What a browser writes in front of the proxy's own entry changes nothing.
    assert log_in(client, PASSWORD, peer="10.0.0.5", forwarded="198.51.100.9, 203.0.113.1").status_code == 429
    assert log_in(client, PASSWORD, peer="10.0.0.5", forwarded="203.0.113.2").status_code == 302


def test_compose_publishes_the_app_on_this_machine_only():
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    published = [(name, port) for name, service in services.items() for port in service.get("ports", [])]
    assert {name for name, _ in published} == {"web", "mailpit"}  # the app and the captured emails
    for name, port in published:
        assert str(port).startswith("127.0.0.1:"), name
