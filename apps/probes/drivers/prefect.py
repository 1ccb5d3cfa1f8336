"""Prefect server: the newest flow run by start time, and the count of runs started in the
window (the count endpoint)."""

from apps.lib.http import fetch
from apps.probes.drivers import ProbeError, ProbeSpec, Reading, to_count
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
    try:
        last = to_utc(runs[0].get("start_time")) if runs else None
    except AttributeError:
        raise ProbeError("Prefect's flow_runs/filter returned a run that is not an object") from None
    except ValueError as refused:
        raise ProbeError(f"Prefect's flow_runs/filter start_time: {refused}") from None
    count = fetch("POST", f"{api}/flow_runs/count", json_body={
        "flow_runs": {"start_time": {"after_": spec.since.isoformat(), "is_null_": False}},
    }, headers=headers, guard=spec.guard).json()
    try:
        count = to_count(count)
    except ValueError as refused:
        raise ProbeError(f"Prefect's flow_runs/count: expected a number, {refused}") from None
    return Reading(last_activity_at=last, activity_count=count)
