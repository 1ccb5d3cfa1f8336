"""Probe drivers: one module per external API, each `read(spec) -> Reading`.

A driver gets a frozen spec (where, with what credential, over which window), talks to the
tool only through apps.lib.http.fetch, and returns what it saw: the time of the last activity
and how many activities fell in the window. It never touches the database. When it cannot
tell, it raises ProbeError; `permanent` says whether trying again could help.
"""

import math
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
    """Why a probe could not read a tool. The message is shown on the entry page and in the
    linter, so it says where and what was expected, never what the tool answered: a probe
    pointed at another internal API must not read that API out through its errors."""

    def __init__(self, message: str, *, permanent: bool = False):
        super().__init__(message)
        self.permanent = permanent

    @classmethod
    def from_http(cls, error: HttpError) -> "ProbeError":
        return cls(str(error), permanent=error.permanent)


# Counts are stored as PostgreSQL integers.
MAX_COUNT = 2**31 - 1


def json_type(value) -> str:
    """What kind of JSON value `value` is, for an error text that must not quote it."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def to_count(value) -> int:
    """A count a tool reported: a whole number from 0 to MAX_COUNT, as a number or in digits.
    Anything else raises ValueError, whose message describes the value without quoting it."""
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"got {json_type(value)}")  # noqa: TRY004  (one kind of error for every bad count)
    if not math.isfinite(value) or value != int(value):
        raise ValueError("got a number that is not a whole number")
    if value < 0:
        raise ValueError("got a negative number")
    if value > MAX_COUNT:
        raise ValueError(f"got a number above {MAX_COUNT}")
    return int(value)


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
