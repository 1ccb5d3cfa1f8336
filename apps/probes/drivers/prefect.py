"""Prefect server: the newest flow run by start time, and the count of runs started in the
window (the count endpoint)."""

from apps.lib.http import fetch
from apps.probes.drivers import ProbeError, ProbeSpec, Reading
from apps.probes.drivers.timestamps import to_utc


def read(spec: ProbeSpec) -> Reading:
    api = spec.url.rstrip("/")
    if not api.endswith("/api"):
        api += "/api"
    headers = {"Authorization": f"Bearer {spec.credential}"} if spec.credential else {}
    runs = fetch("POST", f"{api}/flow_runs/filter", json_body={
        "sort": "START_TIME_DESC", "limit": 1,
        "flow_runs": {"start_time": {"is_null_": False}},
    }, headers=headers, guard=spec.guard).json()
    if not isinstance(runs, list):
        raise ProbeError("Prefect's flow_runs/filter did not return a list")
    last = to_utc(runs[0].get("start_time")) if runs else None
    count = fetch("POST", f"{api}/flow_runs/count", json_body={
        "flow_runs": {"start_time": {"after_": spec.since.isoformat(), "is_null_": False}},
    }, headers=headers, guard=spec.guard).json()
    if not isinstance(count, int):
        raise ProbeError("Prefect's flow_runs/count did not return a number")
    return Reading(last_activity_at=last, activity_count=count)
