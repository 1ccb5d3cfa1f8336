"""Weights & Biases: the runs of the project `params.project` of `params.entity`, by
heartbeat, through the GraphQL API. The credential is an API key."""

import base64

from apps.lib.http import fetch
from apps.probes.drivers import ProbeError, ProbeSpec, Reading, to_count
from apps.probes.drivers.timestamps import to_utc

API = "https://api.wandb.ai/graphql"
QUERY = """
query Runs($entity: String!, $project: String!, $since: JSONString) {
  project(name: $project, entityName: $entity) {
    runs(first: 1, order: "-heartbeatAt") { edges { node { heartbeatAt } } }
    recent: runs(filters: $since) { totalCount }
  }
}
"""


def read(spec: ProbeSpec) -> Reading:
    entity, project = spec.params.get("entity"), spec.params.get("project")
    if not entity or not project:
        raise ProbeError("set params.entity and params.project", permanent=True)
    key = base64.b64encode(f"api:{spec.credential}".encode()).decode()
    since = '{"heartbeatAt": {"$gt": "%s"}}' % spec.since.strftime("%Y-%m-%dT%H:%M:%S")
    answer = fetch("POST", spec.url or API, json_body={
        "query": QUERY, "variables": {"entity": entity, "project": project, "since": since},
    }, headers={"Authorization": f"Basic {key}"}, guard=spec.guard).json()
    try:
        found = answer["data"]["project"]
        if found is None:
            raise ProbeError(f"no project {entity}/{project}", permanent=True)
        edges = found["runs"]["edges"]
        last = to_utc(edges[0]["node"]["heartbeatAt"]) if edges else None
        return Reading(last_activity_at=last, activity_count=to_count(found["recent"]["totalCount"]))
    except (KeyError, TypeError, ValueError):
        # W&B's own error texts are not repeated: they are whatever the server at the URL says.
        errors = isinstance(answer, dict) and answer.get("errors")
        raise ProbeError("W&B answered with errors instead of runs" if errors
                         else "W&B's answer has no project runs or totalCount") from None
