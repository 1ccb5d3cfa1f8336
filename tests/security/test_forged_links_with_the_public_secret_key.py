"""Forging sessions and the signed keep/remove links in emails with the signing key anyone can
read in Stackledger's source: with DEBUG off no process starts without a key of its own, and
probe credentials are never encrypted with a key made from the signing key."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from apps.lib import crypto

ROOT = Path(__file__).resolve().parents[2]
FERNET_KEY = "Hv1Lb2mR0nQfYd6o1wqkG8mZ5o3F9rS8tUv2xYz4aB0="
SECRET_KEY = "k3v8wq-t7m2x9p5rz1c6n4b0jhyuea-sdfglo-QWERTY-8f2k1"

# Every process of an install: what gunicorn imports, the worker, beat and manage.py.
PROCESSES = {
    "manage.py": ["manage.py", "check"],
    "gunicorn": ["-c", "import apps.wsgi"],
    "worker": ["-m", "celery", "-A", "apps", "worker", "--pool=solo", "--without-gossip", "--without-mingle"],
    "beat": ["-m", "celery", "-A", "apps", "beat", "--schedule", "{tmp}/celerybeat-schedule"],
}


def start(arguments, tmp_path, **variables):
    """Run one process with only the variables given (and DEBUG off); an unchanged install
    would start and keep running, which counts as starting."""
    env = {"PATH": os.environ["PATH"], "DEBUG": "0", "DJANGO_SETTINGS_MODULE": "apps.settings",
           "CELERY_BROKER_URL": os.environ.get("CELERY_BROKER_URL", "filesystem://"), **variables}
    command = [sys.executable, *(argument.format(tmp=tmp_path) for argument in arguments)]
    try:
        return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=30, check=False)
    except subprocess.TimeoutExpired:
        pytest.fail(f"{' '.join(arguments)} started and kept running")


@pytest.mark.parametrize("process", PROCESSES)
def test_no_process_starts_without_a_secret_key(process, tmp_path):
    result = start(PROCESSES[process], tmp_path, FIELD_ENCRYPTION_KEYS=FERNET_KEY, PROBE_ALLOWED_NETWORKS="10.0.0.0/8")
    assert result.returncode != 0, result.stdout + result.stderr
    assert "ImproperlyConfigured: SECRET_KEY is not set (nor SECRET_KEY_FILE" in result.stderr


def test_the_public_default_key_is_refused_when_set_on_purpose(tmp_path):
    from django.conf import settings

    result = start(PROCESSES["manage.py"], tmp_path, SECRET_KEY=settings.DEFAULT_SECRET_KEY,
                   FIELD_ENCRYPTION_KEYS=FERNET_KEY, PROBE_ALLOWED_NETWORKS="10.0.0.0/8")
    assert result.returncode != 0
    assert "ImproperlyConfigured: SECRET_KEY is not set" in result.stderr


def test_no_process_starts_without_credential_keys(tmp_path):
    result = start(PROCESSES["manage.py"], tmp_path, SECRET_KEY=SECRET_KEY, PROBE_ALLOWED_NETWORKS="10.0.0.0/8")
    assert result.returncode != 0, result.stdout + result.stderr
    assert "ImproperlyConfigured: FIELD_ENCRYPTION_KEYS is not set" in result.stderr


def test_it_starts_with_its_own_keys_or_while_developing_it(tmp_path):
    keys = {"SECRET_KEY": SECRET_KEY, "FIELD_ENCRYPTION_KEYS": FERNET_KEY, "PROBE_ALLOWED_NETWORKS": "10.0.0.0/8"}
    assert start(PROCESSES["manage.py"], tmp_path, **keys).returncode == 0
    assert start(PROCESSES["manage.py"], tmp_path, DEBUG="1").returncode == 0


def test_credentials_are_never_encrypted_with_a_key_made_from_the_secret_key(settings):
    settings.DEBUG, settings.FIELD_ENCRYPTION_KEYS = False, []
    with pytest.raises(crypto.WrongKey, match="FIELD_ENCRYPTION_KEYS is not set"):
        crypto.encrypt("s3cret")


def test_makemigrations_reads_only_the_code_and_needs_no_keys(tmp_path):
    """CI compares the models with the migrations on a bare checkout: that command, and it
    alone, runs without keys, on a throwaway signing key, never the public one."""
    result = start(["manage.py", "makemigrations", "--check", "--dry-run"], tmp_path,
                   DATABASE_URL=f"sqlite:///{tmp_path}/db.sqlite3")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No changes detected" in result.stdout
    key = start(["-c", "import sys; sys.argv = ['manage.py', 'makemigrations']; import django.conf as c; "
                       "import os; os.environ['DJANGO_SETTINGS_MODULE'] = 'apps.settings'; "
                       "print(c.settings.SECRET_KEY)"], tmp_path)
    assert key.returncode == 0 and len(key.stdout.strip()) > 40
    from django.conf import settings
    assert key.stdout.strip() != settings.DEFAULT_SECRET_KEY
