"""Airflow: the newest DAG run and the runs started in the window.

Airflow 3 serves /api/v2 and takes a JWT from /auth/token; Airflow 2 serves /api/v1 with
basic auth. The credential is the password of `params.username`.

Only runs that have started are asked for: a queued run has no start date, sorts first on
PostgreSQL, and Airflow 3 counts it in any start-date window.
"""

import base64
from datetime import UTC
from urllib.parse import urlencode

from apps.lib.http import HttpError, fetch
from apps.probes.drivers import ProbeError, ProbeSpec, Reading, to_count
from apps.probes.drivers.timestamps import to_utc

STARTED = [("state", "running"), ("state", "success"), ("state", "failed")]


def _headers(spec: ProbeSpec) -> tuple[str, dict]:
    base = spec.url.rstrip("/")
    username = spec.params.get("username", "")
    try:
        token = fetch("POST", f"{base}/auth/token", json_body={"username": username, "password": spec.credential},
                      guard=spec.guard).json()
        if isinstance(token, dict) and token.get("access_token"):
            return f"{base}/api/v2", {"Authorization": f"Bearer {token['access_token']}"}
    except HttpError as error:
        if error.status not in (404, 405):
            raise
    basic = base64.b64encode(f"{username}:{spec.credential}".encode()).decode()
    return f"{base}/api/v1", {"Authorization": f"Basic {basic}"}


def _runs(api: str, params: list, headers: dict, spec: ProbeSpec) -> dict:
    query = urlencode([*params, *STARTED, ("limit", "1")], safe=":")
    return fetch("GET", f"{api}/dags/~/dagRuns?{query}", headers=headers, guard=spec.guard).json()


def read(spec: ProbeSpec) -> Reading:
    api, headers = _headers(spec)
    since = spec.since.astimezone(UTC).isoformat().replace("+00:00", "Z")
    newest = _runs(api, [("order_by", "-start_date")], headers, spec)
    in_window = _runs(api, [("start_date_gte", since)], headers, spec)
    try:
        runs = newest["dag_runs"]
        last = to_utc(runs[0].get("start_date")) if runs else None
        return Reading(last_activity_at=last, activity_count=to_count(in_window["total_entries"]))
    except (KeyError, TypeError, ValueError):
        raise ProbeError("Airflow's dagRuns answer has no dag_runs or total_entries") from None
