"""Discovery readers: one module per kind of source, each `read(source, signatures, ...)`
returning what it saw. A reader touches no database; it says where it found each tool (a
file and line, a scrape target, a registered model) and, when the source says, when the tool
was last used. A source it cannot read at all raises SourceError; a part of it that it
cannot read (one malformed file) is a problem with its place, and the rest is still read."""

from dataclasses import dataclass, field
from datetime import datetime

from packaging.utils import canonicalize_name


class SourceError(Exception):
    """Why a source could not be read at all; shown to leads on the sources page."""


SHOWN = 300  # characters of a place kept


def shown(text: str) -> str:
    """Text from a source as evidence shows it, one line a place on the command line and the
    pages: control characters (tabs, newlines, terminal escapes, direction overrides) and bytes
    of no encoding written as escapes, cut short when long."""
    text = text.encode("utf-8", "backslashreplace").decode("utf-8")  # an undecodable file name
    text = "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
    return text[:SHOWN] + ("…" if len(text) > SHOWN else "")


@dataclass(frozen=True)
class Sighting:
    tool_id: int
    place: str  # where, in a line: "team-a/requirements.txt:3 wandb==0.16"
    used_at: datetime | None = None
    # What the place is in: a file, a scrape target, a registered model. A dismissed tool found
    # in one it was not in before is shown again; a new version or line in the same one is not.
    key: str = ""

    def __post_init__(self):
        object.__setattr__(self, "place", shown(self.place))
        object.__setattr__(self, "key", shown(self.key or self.place))


@dataclass
class Sweep:
    """What a reader saw of one source."""

    sightings: list[Sighting] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


class Signatures:
    """The catalogue's tools by what recognises them: package, Prometheus job, metric prefix
    and, for serving tags, any of their names."""

    def __init__(self, tools):
        self.packages, self.jobs, self.prefixes, self.names = {}, {}, [], {}
        for tool in tools:
            for package in tool.packages:
                self.packages[canonicalize_name(package)] = tool.pk
            for job in tool.prometheus_jobs:
                self.jobs[job.lower()] = tool.pk
            self.prefixes += [(prefix, tool.pk) for prefix in tool.metric_prefixes if prefix]
            for name in [tool.name, tool.slug, *tool.prometheus_jobs, *tool.packages]:
                self.names[name.lower()] = tool.pk
        self.prefixes.sort(key=lambda item: -len(item[0]))  # the longest prefix that matches wins

    def package(self, name: str) -> int | None:
        return self.packages.get(canonicalize_name(name))

    def job(self, name: str) -> int | None:
        """The tool a scrape job is named after: `triton`, `triton-eu`, `triton_inference`."""
        name = name.lower()
        for job, tool in self.jobs.items():
            if name == job or name.startswith((f"{job}-", f"{job}_")):
                return tool
        return None

    def metric(self, name: str) -> int | None:
        return next((tool for prefix, tool in self.prefixes if name.startswith(prefix)), None)

    def named(self, value: str) -> int | None:
        return self.names.get(value.strip().lower())
