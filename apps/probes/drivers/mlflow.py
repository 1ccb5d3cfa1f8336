"""MLflow tracking server: the newest run across the active experiments, runs started in the
window, and the newest model-registry version.

Experiments' last_update_time does not move when runs are logged, and runs/search with no
experiment ids returns nothing, so the experiments are listed first.
"""

from apps.lib.http import HttpError, fetch
from apps.probes.drivers import ProbeError, ProbeSpec, Reading
from apps.probes.drivers.timestamps import to_utc

PAGE = 1000
MAX_PAGES = 20  # counts stop at 20,000 runs in the window: plenty to call a tool used


def _api(spec: ProbeSpec, path: str, payload: dict) -> dict:
    headers = {"Authorization": f"Bearer {spec.credential}"} if spec.credential else {}
    return fetch("POST", spec.url.rstrip("/") + "/api/2.0/mlflow/" + path, json_body=payload,
                 headers=headers, guard=spec.guard).json()


def experiment_ids(spec: ProbeSpec) -> list[str]:
    configured = spec.params.get("experiment_ids")
    if configured:
        return [str(e) for e in configured]
    ids, token = [], None
    for _ in range(MAX_PAGES):
        page = _api(spec, "experiments/search", {"max_results": PAGE, "view_type": "ACTIVE_ONLY",
                                                  **({"page_token": token} if token else {})})
        ids += [e["experiment_id"] for e in page.get("experiments", [])]
        token = page.get("next_page_token")
        if not token:
            break
    return ids


def read(spec: ProbeSpec) -> Reading:
    ids = experiment_ids(spec)
    last, count = None, 0
    for start in range(0, len(ids), 100):  # runs/search takes at most 100 experiments
        chunk = ids[start:start + 100]
        newest = _api(spec, "runs/search", {"experiment_ids": chunk, "max_results": 1,
                                            "order_by": ["attributes.start_time DESC"]})
        for run in newest.get("runs", []):
            started = to_utc(int(run["info"]["start_time"]))
            last = max(last, started) if last else started
        since_ms = int(spec.since.timestamp() * 1000)
        token = None
        for _ in range(MAX_PAGES):
            page = _api(spec, "runs/search", {
                "experiment_ids": chunk, "max_results": PAGE, "filter": f"attributes.start_time >= {since_ms}",
                **({"page_token": token} if token else {}),
            })
            count += len(page.get("runs", []))
            token = page.get("next_page_token")
            if not token:
                break
    registered = _newest_model_version(spec)
    if registered and (last is None or registered > last):
        last = registered
        count += 1 if registered >= spec.since else 0
    return Reading(last_activity_at=last, activity_count=count)


def _newest_model_version(spec: ProbeSpec):
    try:
        page = fetch(
            "GET",
            spec.url.rstrip("/") + "/api/2.0/mlflow/model-versions/search?max_results=1"
            "&order_by=last_updated_timestamp%20DESC",
            headers={"Authorization": f"Bearer {spec.credential}"} if spec.credential else {},
            guard=spec.guard,
        ).json()
    except HttpError as error:
        if error.status == 404:  # a server without the model registry
            return None
        raise
    versions = page.get("model_versions", [])
    if not versions:
        return None
    try:
        return to_utc(int(versions[0].get("last_updated_timestamp") or versions[0]["creation_timestamp"]))
    except (KeyError, ValueError, TypeError):
        raise ProbeError("MLflow returned a model version without a timestamp") from None
