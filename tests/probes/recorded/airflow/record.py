"""Record what a real Airflow answers to the requests of apps/probes/drivers/airflow.py.

Usage:
    python record.py BASE_URL VERSION_TAG OUTPUT_DIR [--username U] [--password P] [--since ISO_Z]

    e.g. python record.py http://127.0.0.1:18082 airflow-2.10.5 tests/probes/recorded/airflow/airflow-2.10.5

Standard library only. Every request goes to BASE_URL and nowhere else; redirects are
recorded, never followed. Each exchange is written as OUTPUT_DIR/<name>.json:

    {"description", "airflow", "request": {"method", "path", "headers", "body"},
     "response": {"status", "content_type", "headers", "body"}}

The password, the basic-auth header and the access token are replaced with the placeholders
<password>, <basic-auth> and <access_token> (in the request and in the response body alike).
The response body is otherwise verbatim (decoded from gzip when the server compressed it:
the request asks for "gzip, deflate" like the driver does; response.headers keeps the
Content-Encoding that was seen).
"""

import argparse
import base64
import gzip
import json
import os
import sys
import urllib.error
import urllib.request
import zlib
from pathlib import Path
from urllib.parse import urlsplit

USER_AGENT = "Stackledger usage probe"  # as apps/lib/http.py sends it
KEPT_RESPONSE_HEADERS = ("content-type", "content-encoding", "www-authenticate", "location", "set-cookie")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a 3xx comes back as an HTTPError and is recorded as it is


_OPENER = urllib.request.build_opener(_NoRedirect)


class Recorder:
    def __init__(self, base: str, tag: str, out: Path, password: str):
        self.base = base.rstrip("/")
        self.origin = urlsplit(self.base)[:2]
        self.tag = tag
        self.out = out
        self.secrets = {password: "<password>"}

    def secret(self, value: str, placeholder: str) -> None:
        self.secrets[value] = placeholder

    def redact(self, text: str) -> str:
        for value, placeholder in sorted(self.secrets.items(), key=lambda item: -len(item[0])):
            if value:
                text = text.replace(value, placeholder)
        return text

    def redact_file(self, name: str) -> None:
        """Apply the placeholders again to a file written before a secret was known."""
        path = self.out / f"{name}.json"
        record = json.loads(path.read_text())
        record["request"]["headers"] = {k: self.redact(v) for k, v in record["request"]["headers"].items()}
        record["response"]["headers"] = {k: self.redact(v) for k, v in record["response"]["headers"].items()}
        record["response"]["body"] = self.redact(record["response"]["body"])
        path.write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n")

    def exchange(self, name: str, description: str, method: str, path: str,
                 headers: dict | None = None, json_body=None) -> tuple[int, str]:
        url = self.base + path
        if urlsplit(url)[:2] != self.origin:
            raise SystemExit(f"refusing to leave {self.base}: {url}")
        sent = {"User-Agent": USER_AGENT, "Accept-Encoding": "gzip, deflate", **(headers or {})}
        data = None
        if json_body is not None:
            data = json.dumps(json_body).encode()
            sent["Content-Type"] = "application/json"
        request = urllib.request.Request(url, data=data, method=method, headers=sent)
        try:
            with _OPENER.open(request, timeout=30) as response:
                status, received, raw = response.status, response.headers, response.read()
        except urllib.error.HTTPError as error:
            status, received, raw = error.code, error.headers, error.read()
        encoding = (received.get("Content-Encoding") or "").lower()
        if encoding == "gzip":
            raw = gzip.decompress(raw)
        elif encoding == "deflate":
            raw = zlib.decompress(raw)
        body = self.redact(raw.decode("utf-8", errors="replace"))
        record = {
            "description": description,
            "airflow": self.tag,
            "request": {
                "method": method,
                "path": path,
                "headers": {key: self.redact(value) for key, value in sent.items()},
                "body": self.redact(json.dumps(json_body)) if json_body is not None else None,
            },
            "response": {
                "status": status,
                "content_type": received.get("Content-Type"),
                "headers": {key: self.redact(received.get(key)) for key in KEPT_RESPONSE_HEADERS
                            if received.get(key) is not None},
                "body": body,
            },
        }
        self.out.mkdir(parents=True, exist_ok=True)
        (self.out / f"{name}.json").write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n")
        print(f"{name:32} {method:4} {path} -> {status}")
        return status, raw.decode("utf-8", errors="replace")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("base_url")
    parser.add_argument("version_tag")
    parser.add_argument("output_dir", type=Path)
    parser.add_argument("--username", default="stackledger")
    parser.add_argument("--password", default=os.environ.get("AIRFLOW_PASSWORD", "s3cret"))
    parser.add_argument("--since", default="2026-10-15T00:00:00Z", help="the driver's start_date_gte, ending in Z")
    args = parser.parse_args()

    rec = Recorder(args.base_url, args.version_tag, args.output_dir, args.password)
    wrong = args.password + "-wrong"
    rec.secret(wrong, "<wrong-password>")
    basic = base64.b64encode(f"{args.username}:{args.password}".encode()).decode()
    rec.secret(basic, "<basic-auth>")
    wrong_basic = base64.b64encode(f"{args.username}:{wrong}".encode()).decode()
    rec.secret(wrong_basic, "<wrong-basic-auth>")
    started = "state=running&state=success&state=failed"  # every state a run with a start_date can be in
    newest_path = f"/dags/~/dagRuns?order_by=-start_date&{started}&limit=1"
    window_path = f"/dags/~/dagRuns?start_date_gte={args.since}&{started}&limit=1"

    # 1. The driver's first request: the Airflow 3 token exchange.
    status, text = rec.exchange(
        "auth-token", "The driver's first request: POST /auth/token with the right password.",
        "POST", "/auth/token", json_body={"username": args.username, "password": args.password})
    token = None
    if 200 <= status < 300:
        try:
            token = json.loads(text).get("access_token")
        except (ValueError, AttributeError):
            token = None
    if token:
        rec.secret(token, "<access_token>")
        rec.redact_file("auth-token")
        api, auth = "/api/v2", {"Authorization": f"Bearer {token}"}
    else:
        api, auth = "/api/v1", {"Authorization": f"Basic {basic}"}

    rec.exchange("auth-token-wrong-password", "POST /auth/token with a wrong password.",
                 "POST", "/auth/token", json_body={"username": args.username, "password": wrong})

    # 2. The driver's two reads.
    rec.exchange("newest", f"The driver's newest-run read on {api}.", "GET", api + newest_path, auth)
    rec.exchange("in-window", f"The driver's in-window count on {api} (since {args.since}).",
                 "GET", api + window_path, auth)

    # 3. Failures.
    if token:
        rec.exchange("wrong-password", "What the driver meets first with a wrong password on Airflow 3: "
                     "the token POST (same exchange as auth-token-wrong-password).",
                     "POST", "/auth/token", json_body={"username": args.username, "password": wrong})
        rec.exchange("bad-token", "The newest-run read with a Bearer token the server did not issue.",
                     "GET", api + newest_path, {"Authorization": "Bearer not-a-token"})
    else:
        rec.exchange("wrong-password", "The newest-run read with basic auth and a wrong password "
                     "(what the driver meets with a wrong password on Airflow 2).",
                     "GET", api + newest_path, {"Authorization": f"Basic {wrong_basic}"})
    rec.exchange("no-auth", "The newest-run read without any Authorization header.", "GET", api + newest_path)

    # 4. Checks of how the server reads the driver's parameters.
    rec.exchange("check-list-all", "Every run, oldest start first, to see what the server holds.",
                 "GET", api + "/dags/~/dagRuns?order_by=start_date&limit=100", auth)
    rec.exchange("check-newest-started-only",
                 "The newest-run read with a start_date_gte bound far in the past: Airflow 2 drops runs "
                 "whose start_date is NULL; Airflow 3 keeps them (its lower bounds let NULL through).",
                 "GET", api + "/dags/~/dagRuns?order_by=-start_date&start_date_gte=1970-01-01T00:00:00Z&limit=1", auth)
    rec.exchange("check-newest-any-state",
                 "The newest-run read without a state filter: on PostgreSQL a queued run (no start_date) "
                 "sorts first in DESC order.",
                 "GET", api + "/dags/~/dagRuns?order_by=-start_date&limit=1", auth)
    rec.exchange("check-in-window-any-state",
                 "The in-window count without a state filter: Airflow 3's start_date_gte also matches runs "
                 "whose start_date is NULL.",
                 "GET", api + f"/dags/~/dagRuns?start_date_gte={args.since}&limit=1", auth)
    rec.exchange("check-since-offset-unencoded",
                 "start_date_gte with a '+00:00' offset left unencoded in the URL (the driver sends "
                 "this when since is not in UTC): '+' arrives as a space.",
                 "GET", api + "/dags/~/dagRuns?start_date_gte=2026-10-15T00:00:00+00:00&limit=1", auth)
    rec.exchange("check-since-microseconds-inclusive",
                 "start_date_gte equal to the newest run's start, with microseconds: gte is inclusive.",
                 "GET", api + "/dags/~/dagRuns?start_date_gte=2026-10-30T04:00:00.123456Z&limit=1", auth)
    rec.exchange("check-since-microseconds-after",
                 "start_date_gte one microsecond after the newest run's start.",
                 "GET", api + "/dags/~/dagRuns?start_date_gte=2026-10-30T04:00:00.123457Z&limit=1", auth)
    rec.exchange("check-order-by-unknown",
                 "order_by with a field that does not exist, to see how bad parameters are answered.",
                 "GET", api + "/dags/~/dagRuns?order_by=-no_such_field&limit=1", auth)
    return 0


if __name__ == "__main__":
    sys.exit(main())
