"""Probe drivers: one module per external API, each `read(spec) -> Reading`.

A driver gets a frozen spec (where, with what credential, over which window), talks to the
tool only through apps.lib.http.fetch, and returns what it saw: the time of the last activity
and how many activities fell in the window. It never touches the database. When it cannot
tell, it raises ProbeError; `permanent` says whether trying again could help.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from apps.lib.http import Guard, HttpError


@dataclass(frozen=True)
class ProbeSpec:
    kind: str
    url: str
    now: datetime
    window: timedelta
    params: dict = field(default_factory=dict, hash=False)
    credential: str = field(default="", repr=False)
    guard: Guard | None = None

    @property
    def since(self) -> datetime:
        return self.now - self.window


@dataclass(frozen=True)
class Reading:
    last_activity_at: datetime | None
    activity_count: int | None


class ProbeError(Exception):
    def __init__(self, message: str, *, permanent: bool = False):
        super().__init__(message)
        self.permanent = permanent

    @classmethod
    def from_http(cls, error: HttpError) -> "ProbeError":
        return cls(str(error), permanent=error.permanent)


def read(spec: ProbeSpec) -> Reading:
    from apps.probes.drivers import (
        airflow,
        github_actions,
        http_json,
        mlflow,
        prefect,
        prometheus,
        wandb,
    )

    drivers = {
        "mlflow": mlflow.read,
        "prefect": prefect.read,
        "airflow": airflow.read,
        "prometheus": prometheus.read,
        "http_json": http_json.read,
        "github_actions": github_actions.read,
        "wandb": wandb.read,
    }
    if spec.kind not in drivers:
        raise ProbeError(f"{spec.kind} probes are not read over HTTP", permanent=True)
    try:
        return drivers[spec.kind](spec)
    except HttpError as error:
        raise ProbeError.from_http(error) from None
