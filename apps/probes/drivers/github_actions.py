"""GitHub Actions: workflow runs of `params.repository` (owner/name), optionally one
`params.workflow` (file name or id). The credential is a token with actions:read."""

from urllib.parse import quote

from apps.lib.http import fetch
from apps.probes.drivers import ProbeError, ProbeSpec, Reading, to_count
from apps.probes.drivers.timestamps import to_utc

API = "https://api.github.com"


def read(spec: ProbeSpec) -> Reading:
    repository = spec.params.get("repository", "")
    if repository.count("/") != 1:
        raise ProbeError("set params.repository to owner/name", permanent=True)
    base = (spec.url or API).rstrip("/") + f"/repos/{repository}/actions"
    if spec.params.get("workflow"):
        base += f"/workflows/{quote(str(spec.params['workflow']), safe='')}"
    headers = {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28"}
    if spec.credential:
        headers["Authorization"] = f"Bearer {spec.credential}"
    since = spec.since.date().isoformat()
    newest = fetch("GET", f"{base}/runs?per_page=1", headers=headers, guard=spec.guard).json()
    window = fetch("GET", f"{base}/runs?per_page=1&created=%3E%3D{since}", headers=headers, guard=spec.guard).json()
    try:
        runs = newest["workflow_runs"]
        last = to_utc(runs[0].get("run_started_at") or runs[0]["created_at"]) if runs else None
        return Reading(last_activity_at=last, activity_count=to_count(window["total_count"]))
    except (KeyError, TypeError, ValueError):
        raise ProbeError("GitHub's answer has no workflow_runs or total_count") from None
