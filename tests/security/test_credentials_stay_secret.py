"""A probe credential is never seen again once saved: not in a page, a log line, an error text,
an export, or the database in clear, even when the server probed echoes it back."""

import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.management import call_command

from apps.catalog.models import Tool
from apps.probes.models import Probe, ProbeResult
from apps.probes.sweep import sweep
from apps.stack.models import Lifecycle, StackEntry
from tests.conftest import NOW

SECRET = "tok-s3cret-7f3a9c"


class Echo(BaseHTTPRequestHandler):
    """Hand-written, for a fault a real server will not produce: it refuses the request and
    quotes the Authorization header back in its error body and in a header."""

    def log_message(self, *args):
        pass

    def do_GET(self):
        body = f"bad credentials: {self.headers.get('Authorization')}".encode()
        self.send_response(401)
        self.send_header("WWW-Authenticate", f"Bearer error=\"{self.headers.get('Authorization')}\"")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def echo():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Echo)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_the_credential_leaks_nowhere(lead_client, catalog, alice, echo, settings, caplog):
    settings.PROBE_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    entry = StackEntry.objects.create(tool=Tool.objects.get(name="MLflow"), lifecycle=Lifecycle.ADOPTED, owner=alice)
    response = lead_client.post(f"/stack/{entry.pk}/probe/", {
        "kind": "http_json", "url": f"{echo}/status", "interval_minutes": "30", "unused_after_days": "60",
        "failures_before_unknown": "3", "enabled": "on", "credential": SECRET, "param_timestamp_path": "last",
    })
    assert response.status_code == 302

    with caplog.at_level(logging.DEBUG):
        sweep(force=True, tool="MLflow", now=NOW)
        call_command("probe", "--entry", "MLflow")
    result = ProbeResult.objects.filter(ok=False).first()
    assert result is not None and "401" in result.error  # the server did refuse it

    seen = {
        "log": caplog.text,
        "error texts": " ".join(ProbeResult.objects.values_list("error", flat=True)),
        "probe": Probe.objects.values_list("last_error", flat=True).get(),
        "database": _database_dump(),
    }
    for url in [f"/stack/{entry.pk}/", f"/stack/{entry.pk}/probe/", "/stack/export.yaml", "/stack/export.csv",
                "/api/stack.json", "/findings/", "/"]:
        seen[url] = lead_client.get(url).content.decode()
    leaked = [where for where, text in seen.items() if SECRET in text]
    assert leaked == []
    assert Probe.objects.get().credential() == SECRET  # and it is still there, encrypted


def _database_dump() -> str:
    from io import StringIO

    out = StringIO()
    call_command("dumpdata", "probes", "stack", "notifications", stdout=out)
    return out.getvalue()
