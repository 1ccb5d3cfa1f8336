import os
import subprocess
import sys
from pathlib import Path

from django.core.checks import run_checks

ROOT = Path(__file__).resolve().parents[2]


def check_ids(deploy=False):
    return {message.id for message in run_checks(include_deployment_checks=deploy)}


def test_it_warns_when_production_has_no_smtp(settings):
    settings.DEBUG, settings.EMAIL_HOST = False, ""
    assert "stackledger.W001" in check_ids()
    settings.EMAIL_HOST = "smtp.example.com"
    assert "stackledger.W001" not in check_ids()


def test_it_warns_when_production_uses_the_embedded_broker(settings):
    settings.DEBUG, settings.CELERY_BROKER_URL = False, "filesystem://"
    assert "stackledger.W002" in check_ids()
    settings.CELERY_BROKER_URL = "redis://redis:6379/0"
    assert "stackledger.W002" not in check_ids()


def test_production_refuses_the_built_in_secret_key(settings):
    settings.SECRET_KEY = settings.DEFAULT_SECRET_KEY
    assert "stackledger.E001" in check_ids(deploy=True)
    settings.SECRET_KEY = "a-long-random-value-nobody-else-knows-8f2k1"
    assert "stackledger.E001" not in check_ids(deploy=True)


def test_it_warns_when_site_url_points_at_this_machine(settings):
    settings.DEBUG, settings.SITE_URL = False, "http://127.0.0.1:8000"
    assert "stackledger.W003" in check_ids()
    settings.SITE_URL = "https://stackledger.example.com"
    assert "stackledger.W003" not in check_ids()


def test_production_needs_the_networks_probes_may_reach(settings):
    settings.DEBUG, settings.PROBE_ALLOWED_NETWORKS = False, []
    assert "stackledger.E002" in check_ids()
    settings.PROBE_ALLOWED_NETWORKS = ["10.20.0.0/16"]
    assert "stackledger.E002" not in check_ids()


def test_it_refuses_a_network_list_with_a_typo(settings):
    settings.PROBE_ALLOWED_NETWORKS, settings.TRUSTED_PROXIES = ["10.20.0.0/16"], ["10.0.0.300"]
    assert "stackledger.E003" in check_ids()
    settings.TRUSTED_PROXIES = ["10.0.0.3", "fd00::/64"]
    assert "stackledger.E003" not in check_ids()


def test_local_use_with_debug_raises_no_warning(settings):
    settings.DEBUG, settings.EMAIL_HOST, settings.CELERY_BROKER_URL = True, "", "filesystem://"
    settings.SECRET_KEY = settings.DEFAULT_SECRET_KEY
    assert not {i for i in check_ids() if i.startswith("stackledger.")}


def run_manage(*args, **env):
    clean = {
        k: v for k, v in os.environ.items()
        if k not in {"DEBUG", "SITE_URL", "EMAIL_HOST", "PROBE_ALLOWED_NETWORKS", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env={**clean, **env},
        capture_output=True, text=True, timeout=120,
    )


def test_deploy_check_with_production_values_leaves_only_the_hsts_preload_note():
    result = run_manage(
        "check", "--deploy",
        DEBUG="0",
        SECRET_KEY="k3v!8wq#t7m$2x9p@5r&z1c^6n*4b0j(h)y_u-e+a=s;d:f?g/l.o,i<m>QWERTY",
        ALLOWED_HOSTS="stackledger.example.com",
        SITE_URL="https://stackledger.example.com",
        EMAIL_HOST="smtp.example.com",
        CELERY_BROKER_URL="redis://127.0.0.1:6379/0",
        FIELD_ENCRYPTION_KEYS="Hv1Lb2mR0nQfYd6o1wqkG8mZ5o3F9rS8tUv2xYz4aB0=",
        PROBE_ALLOWED_NETWORKS="10.20.0.0/16",
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "security.W021" in output  # HSTS preload: a decision for the operator
    assert "System check identified 1 issue" in output, output


def test_deploy_check_flags_local_defaults():
    """Past the keys the settings refuse to start without (the suite's own, here)."""
    result = run_manage("check", "--deploy", DEBUG="0", DJANGO_SETTINGS_MODULE="apps.settings")
    output = result.stdout + result.stderr
    assert result.returncode == 1
    for code in ["stackledger.E002", "stackledger.W001", "stackledger.W003"]:
        assert code in output, output
