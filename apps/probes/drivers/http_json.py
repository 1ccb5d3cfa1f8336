"""Any HTTP endpoint that answers JSON: `params.timestamp_path` and/or `params.count_path`
name where the last activity time and the count are (dotted, e.g. `data.last_run.at`;
list items by number, `runs.0.started`)."""

from apps.lib.http import fetch
from apps.probes.drivers import ProbeError, ProbeSpec, Reading
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


def read(spec: ProbeSpec) -> Reading:
    timestamp_path, count_path = spec.params.get("timestamp_path"), spec.params.get("count_path")
    if not timestamp_path and not count_path:
        raise ProbeError("set params.timestamp_path or params.count_path", permanent=True)
    headers = {"Authorization": f"Bearer {spec.credential}"} if spec.credential else {}
    document = fetch("GET", spec.url, headers=headers, guard=spec.guard).json()
    try:
        last = to_utc(dig(document, timestamp_path)) if timestamp_path else None
        count = int(dig(document, count_path)) if count_path else None
    except (ValueError, TypeError) as error:
        raise ProbeError(f"the answer's value is not a time or a count: {error}", permanent=True) from None
    return Reading(last_activity_at=last, activity_count=count)
