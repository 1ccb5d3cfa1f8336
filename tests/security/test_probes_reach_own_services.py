"""A usage probe aimed at Stackledger's own services: its database, broker and web server on
another address of the machine they run on, or any container of the compose install. None gets a
connection, and production names the networks probes may reach rather than taking every
private range."""

import os
import socket
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

from apps.lib.http import HttpError, fetch
from tests.security.sockets import stay_on_this_machine

# The guard reads the database's address from DATABASES; no test here opens a connection.
pytestmark = pytest.mark.filterwarnings("ignore:Overriding setting DATABASES")
ROOT = Path(__file__).resolve().parents[2]
HOST_NAME = "stackledger-host"
# This machine's addresses beyond loopback, and the compose install's containers, as DNS
# answers for them in these tests.
NAMES = {
    HOST_NAME: ["10.1.2.3", "fd12::3"],
    "postgres": ["172.18.0.2"], "redis": ["172.18.0.3"], "web": ["172.18.0.4"], "mailpit": ["172.18.0.6"],
}


@pytest.fixture
def on_one_machine(settings, monkeypatch):
    """Database, broker and web server on this machine, probes allowed the private networks;
    every connection is recorded, and one that would leave this machine is stopped."""
    settings.DATABASES = {"default": {"ENGINE": "django.db.backends.postgresql", "HOST": "127.0.0.1", "PORT": "5432"}}
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:6379/0"
    settings.SITE_URL = "http://127.0.0.1:8000"
    settings.PROBE_ALLOWED_NETWORKS = ["10.0.0.0/8", "172.16.0.0/12", "fd00::/8"]
    monkeypatch.setattr(socket, "gethostname", lambda: HOST_NAME)
    return stay_on_this_machine(monkeypatch, NAMES)


@pytest.mark.parametrize("url", [
    "http://10.1.2.3:5432/",  # the database, on this machine's network address
    "http://10.1.2.3:6379/",  # the broker
    "http://10.1.2.3:8000/accounts/login/",  # Stackledger itself
    "http://[fd12::3]:6379/",  # the broker over IPv6
    "http://postgres:5432/",
    "http://redis:6380/",  # any port of a compose container
    "http://web:8000/",
    "http://mailpit:8025/api/v1/messages",  # the captured emails, signed links and all
])
def test_a_probe_never_reaches_stackledger_s_own_services(on_one_machine, url):
    with pytest.raises(HttpError, match="Stackledger's own") as error:
        fetch("GET", url)
    assert error.value.permanent
    assert on_one_machine == []


@pytest.mark.parametrize("url", ["http://10.1.2.3:9090/", "http://10.1.2.4:5432/"])
def test_other_services_stay_reachable(on_one_machine, url):
    """A tool beside Stackledger on its machine, and a database on another machine."""
    with pytest.raises(HttpError, match="refused the connection"):
        fetch("GET", url)
    assert on_one_machine == [urlsplit(url).hostname]


def test_the_guard_knows_every_service_of_the_compose_install():
    from apps.lib.http import COMPOSE_SERVICES

    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    assert set(COMPOSE_SERVICES) == set(services)


def test_production_names_the_networks_probes_may_reach():
    env = {key: value for key, value in os.environ.items() if key not in {"PROBE_ALLOWED_NETWORKS", "DEBUG"}}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
        env={**env, "DJANGO_SETTINGS_MODULE": "apps.settings", "DEBUG": "0", "SECRET_KEY": "k3v8wq-t7m2x9p5rz1c6n4b0jhyuea-sdfglo-QWERTY-8f2k1",
             "FIELD_ENCRYPTION_KEYS": "Hv1Lb2mR0nQfYd6o1wqkG8mZ5o3F9rS8tUv2xYz4aB0="},
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "PROBE_ALLOWED_NETWORKS is not set" in result.stderr
