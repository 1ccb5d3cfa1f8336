"""Prometheus: did the tool's request counter change in the window, and when last?

Counters reset when a process restarts and increase() extrapolates, so the driver reads the
series itself over the window (a range query) and counts the steps at which it changed; the
last change is the last activity. When the server's retention (or the series) does not reach
back over the whole window and nothing changed, it says "not enough history" rather than
"unused".

Errors say what the answer lacked, never what it held: a Prometheus error text, or whatever
another JSON API behind the URL returns, stays out of the probe's error.
"""

import re
from datetime import timedelta
from urllib.parse import urlencode

from apps.lib.http import fetch
from apps.probes.drivers import ProbeError, ProbeSpec, Reading, json_type
from apps.probes.drivers.timestamps import to_utc

# Serving stacks' request counters, summed over every series.
PRESETS = {
    "fastapi": "sum(http_requests_total)",
    "bentoml": "sum(bentoml_service_request_total)",
    "triton": "sum(nv_inference_request_success)",
    "seldon": "sum(seldon_api_executor_server_requests_seconds_count)",
}
MAX_POINTS = 10_000
DURATION = re.compile(r"(\d+)([smhdwy])")
UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "y": 31536000}
# The errorType values of the Prometheus HTTP API: the only part of an error answer repeated.
ERROR_TYPES = {"bad_data", "execution", "timeout", "canceled", "internal", "unavailable", "not_found"}


def expression(spec: ProbeSpec) -> str:
    query = spec.params.get("query") or PRESETS.get(spec.params.get("preset", ""))
    if not query:
        raise ProbeError(f"set params.query, or params.preset to one of {', '.join(PRESETS)}", permanent=True)
    return query


def _get(spec: ProbeSpec, path: str, **query) -> dict:
    headers = {"Authorization": f"Bearer {spec.credential}"} if spec.credential else {}
    url = spec.url.rstrip("/") + path + ("?" + urlencode(query) if query else "")
    answer = fetch("GET", url, headers=headers, guard=spec.guard).json()
    if not isinstance(answer, dict) or answer.get("status") not in ("success", "error"):
        got = "an object without a Prometheus status" if isinstance(answer, dict) else json_type(answer)
        raise ProbeError(f"{path}: expected a Prometheus API answer, got {got}", permanent=True)
    if answer["status"] == "error":
        kind = answer.get("errorType")
        kind = kind if isinstance(kind, str) and kind in ERROR_TYPES else "an unknown errorType"
        hint = "; check params.query" if kind == "bad_data" else ""
        raise ProbeError(f"{path}: Prometheus refused the request ({kind}){hint}", permanent=True)
    if not isinstance(answer.get("data"), dict):
        raise ProbeError(f"{path}: expected data to be an object, got {json_type(answer.get('data'))}", permanent=True)
    return answer["data"]


def retention(spec: ProbeSpec) -> timedelta | None:
    try:
        text = _get(spec, "/api/v1/status/runtimeinfo").get("storageRetention", "")
    except ProbeError:
        return None
    if not isinstance(text, str):
        return None
    seconds = sum(int(n) * UNITS[unit] for n, unit in DURATION.findall(text.split(" or ")[0]))
    return timedelta(seconds=seconds) if seconds else None


def read(spec: ProbeSpec) -> Reading:
    step = max(int(spec.window.total_seconds() // MAX_POINTS) + 1, int(spec.params.get("step_seconds", 60)))
    data = _get(spec, "/api/v1/query_range", query=expression(spec), start=spec.since.timestamp(),
                end=spec.now.timestamp(), step=step)
    changes, last, first = 0, None, None
    result = data.get("result", [])
    if not isinstance(result, list):
        raise ProbeError(f"query_range: expected data.result to be a list, got {json_type(result)}", permanent=True)
    for series in result:
        try:
            values = [(float(t), float(v)) for t, v in series.get("values", [])]
        except (AttributeError, TypeError, ValueError):
            raise ProbeError("query_range: expected each series of data.result to hold values as "
                             "[time, number] pairs", permanent=True) from None
        if values:
            first = min(first, values[0][0]) if first is not None else values[0][0]
        for (_, before), (t, after) in zip(values, values[1:]):
            if after > before:  # an increase; a drop is a restart resetting the counter
                changes += 1
                last = max(last, t) if last is not None else t
    if last is None:
        kept = retention(spec)
        if (kept is not None and kept < spec.window) or first is None or first > spec.since.timestamp() + 2 * step:
            reach = f"retention {kept.days} days" if kept is not None and kept < spec.window else "the series"
            raise ProbeError(f"not enough history: {reach} does not cover the {spec.window.days}-day window")
    return Reading(last_activity_at=min(to_utc(last), spec.now) if last else None, activity_count=changes)
