"""Any HTTP endpoint that answers JSON: `params.timestamp_path` and/or `params.count_path`
name where the last activity time and the count are (dotted, e.g. `data.last_run.at`;
list items by number, `runs.0.started`).

Errors name the setting, the path and what was expected, never the value found: the answer
is whatever the endpoint holds, and error texts are shown on the entry page."""

from apps.lib.http import fetch
from apps.probes.drivers import ProbeError, ProbeSpec, Reading, to_count
from apps.probes.drivers.timestamps import to_utc


def dig(document, path: str):
    value = document
    for part in path.split("."):
        if isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        elif isinstance(value, dict) and part in value:
            value = value[part]
        else:
            raise ProbeError(f"the answer has nothing at {path!r}", permanent=True)
    return value


def timestamp_at(document, path: str):
    value = dig(document, path)
    try:
        return to_utc(value)
    except ValueError as refused:
        # to_utc's message describes the value ("expected a time, got a list"), never quotes it.
        raise ProbeError(f"timestamp_path {path!r}: {refused}", permanent=True) from None


def count_at(document, path: str) -> int:
    value = dig(document, path)
    try:
        return to_count(value)
    except ValueError as refused:
        # to_count's message describes the value ("got a string"), never quotes it.
        raise ProbeError(f"count_path {path!r}: expected a number, {refused}", permanent=True) from None


def read(spec: ProbeSpec) -> Reading:
    timestamp_path, count_path = spec.params.get("timestamp_path"), spec.params.get("count_path")
    if not timestamp_path and not count_path:
        raise ProbeError("set params.timestamp_path or params.count_path", permanent=True)
    headers = {"Authorization": f"Bearer {spec.credential}"} if spec.credential else {}
    document = fetch("GET", spec.url, headers=headers, guard=spec.guard).json()
    last = timestamp_at(document, timestamp_path) if timestamp_path else None
    count = count_at(document, count_path) if count_path else None
    return Reading(last_activity_at=last, activity_count=count)
