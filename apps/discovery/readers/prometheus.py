"""Prometheus: its scrape targets (job and instance labels, up or down) and the metric
names of the series it holds, matched against the tools' job names and metric prefixes.

What the server answered is never quoted in an error: only what the answer lacked."""

import json
from urllib.parse import urlencode

from apps.discovery.readers import Sighting, Signatures, SourceError, Sweep
from apps.lib.http import HttpError, fetch

MAX_NAMES = 50_000  # metric names read; the body cap (apps.lib.http) bounds them too


def _get(url: str, path: str, token: str, **query):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    address = url.rstrip("/") + path + ("?" + urlencode(query) if query else "")
    try:
        answer = fetch("GET", address, headers=headers).json()
    except HttpError as error:
        raise SourceError(str(error)) from None
    if not isinstance(answer, dict) or answer.get("status") != "success" or "data" not in answer:
        raise SourceError(f"{path}: expected a successful Prometheus API answer")
    return answer["data"]


def read(url: str, signatures: Signatures, *, token: str = "") -> Sweep:
    sweep = Sweep()
    targets = _get(url, "/api/v1/targets", token, state="active")
    active = targets.get("activeTargets") if isinstance(targets, dict) else None
    if not isinstance(active, list):
        raise SourceError("/api/v1/targets: expected data.activeTargets to be a list")
    for target in active:
        labels = target.get("labels") if isinstance(target, dict) else None
        if not isinstance(labels, dict) or not isinstance(labels.get("job"), str):
            continue
        tool = signatures.job(labels["job"])
        if tool is not None:
            site = f"job {labels['job']}, instance {labels.get('instance', '?')}"
            sweep.sightings.append(Sighting(tool, f"scrape {site}", key=site))
    names = _get(url, "/api/v1/label/__name__/values", token)
    if not isinstance(names, list):
        raise SourceError("/api/v1/label/__name__/values: expected data to be a list of names")
    by_tool: dict[int, list[str]] = {}
    for name in names[:MAX_NAMES]:
        tool = signatures.metric(name) if isinstance(name, str) else None
        if tool is not None:
            by_tool.setdefault(tool, []).append(name)
    for tool, metrics in by_tool.items():
        metrics.sort()
        named = ", ".join(metrics[:3]) + (f" and {len(metrics) - 3} more" if len(metrics) > 3 else "")
        try:
            sources = series_sources(url, token, metrics[0])
        except SourceError as error:
            sweep.problems.append(f"the series of {metrics[0]}: {error}")
            sources = [("?", "?")]
        for job, instance in sources:
            site = f"job {job}, instance {instance}"
            sweep.sightings.append(Sighting(tool, f"metrics {named} from {site}", key=site))
    return sweep


def series_sources(url: str, token: str, metric: str) -> list[tuple[str, str]]:
    """(job, instance) of the targets a metric's series come from, one query."""
    selector = "{__name__=" + json.dumps(metric) + "}"  # any name, quoted: PromQL's strings are JSON's
    data = _get(url, "/api/v1/query", token, query=f"count by (job, instance) ({selector})")
    result = data.get("result") if isinstance(data, dict) else None
    if not isinstance(result, list):
        raise SourceError("/api/v1/query: expected data.result to be a list")
    found = set()
    for series in result:
        labels = series.get("metric") if isinstance(series, dict) else None
        if isinstance(labels, dict):
            found.add((str(labels.get("job", "?")), str(labels.get("instance", "?"))))
    return sorted(found) or [("?", "?")]

