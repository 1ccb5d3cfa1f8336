"""What `make run` hands the web server, the worker and beat: the port it serves on in every
link, Stackledger's own error pages (DEBUG off), and a signing key and a credential key of its
own, which the settings require with DEBUG off.

The make recipe runs for real; the virtual environment it calls is a stand-in whose `python`
runs the real interpreter for `-c` and answers manage.py commands without doing them, and
whose `honcho` prints the environment it was started with."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parents[1]
PYTHON = f"""#!/bin/sh
if [ "$1" = "-c" ]; then exec {sys.executable} "$@"; fi
echo "python $*"
"""
HONCHO = """#!/bin/sh
echo "SITE_URL=$SITE_URL"
echo "DEBUG=${DEBUG:-unset}"
echo "SECRET_KEY_FILE=$SECRET_KEY_FILE"
echo "FIELD_ENCRYPTION_KEYS_FILE=$FIELD_ENCRYPTION_KEYS_FILE"
echo "PROBE_ALLOWED_NETWORKS=$PROBE_ALLOWED_NETWORKS"
"""


@pytest.fixture
def stand_in_venv(tmp_path):
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    bin_dir = tmp_path / "venv" / "bin"
    bin_dir.mkdir(parents=True)
    for name, script in [("python", PYTHON), ("honcho", HONCHO)]:
        (bin_dir / name).write_text(script)
        (bin_dir / name).chmod(0o755)
    (tmp_path / "venv" / ".installed").touch()
    os.utime(tmp_path / "venv" / ".installed", (4102444800, 4102444800))  # newer than pyproject.toml
    return tmp_path / "venv"


def make_run(venv, tmp_path, **variables):
    environment = {key: value for key, value in os.environ.items()
                   if key not in {"SITE_URL", "DEBUG", "SECRET_KEY_FILE", "FIELD_ENCRYPTION_KEYS_FILE",
                                  "PROBE_ALLOWED_NETWORKS", "PORT", "MAKEFLAGS"}}
    environment["SECRET_KEY_FILE"] = str(tmp_path / "secret_key")
    environment["FIELD_ENCRYPTION_KEYS_FILE"] = str(tmp_path / "field_encryption_keys")
    result = subprocess.run(
        ["make", "--no-print-directory", "run", f"VENV={venv}", *(f"{k}={v}" for k, v in variables.items())],
        cwd=ROOT, env=environment, capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return dict(line.split("=", 1) for line in result.stdout.splitlines() if "=" in line and " " not in line)


def test_links_follow_the_port_it_serves_on(stand_in_venv, tmp_path):
    assert make_run(stand_in_venv, tmp_path, PORT="8123")["SITE_URL"] == "http://127.0.0.1:8123"
    assert make_run(stand_in_venv, tmp_path)["SITE_URL"] == "http://127.0.0.1:8000"


def test_it_runs_with_debug_off_and_a_key_made_once(stand_in_venv, tmp_path):
    seen = make_run(stand_in_venv, tmp_path)
    assert seen["DEBUG"] == "unset"
    key = Path(seen["SECRET_KEY_FILE"]).read_text().strip()
    assert len(key) >= 50
    assert oct(Path(seen["SECRET_KEY_FILE"]).stat().st_mode & 0o777) == "0o600"
    make_run(stand_in_venv, tmp_path)
    assert Path(seen["SECRET_KEY_FILE"]).read_text().strip() == key  # kept across starts


def test_it_runs_with_a_credential_key_made_once_and_the_networks_set(stand_in_venv, tmp_path):
    seen = make_run(stand_in_venv, tmp_path)
    path = Path(seen["FIELD_ENCRYPTION_KEYS_FILE"])
    key = path.read_text().strip()
    Fernet(key)  # a real Fernet key, not one made from the signing key
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    assert seen["PROBE_ALLOWED_NETWORKS"].startswith("127.0.0.0/8,")
    make_run(stand_in_venv, tmp_path)
    assert path.read_text().strip() == key  # kept across starts
