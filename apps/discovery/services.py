"""Discovery: read each source for the catalogue's tools, keep what was found where, and let
a lead register a found tool on the stack or dismiss it. Every path (the beat task, the
`discover` command, the pages) comes through here."""

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from apps.catalog.models import Tool
from apps.discovery.models import (
    CREDENTIAL_PREFIX,
    MAX_EVIDENCE,
    DiscoveredTool,
    DiscoverySource,
    Kind,
)
from apps.discovery.readers import (
    Signatures,
    SourceError,
    Sweep,
    mlflow,
    prometheus,
    requirements,
    shown,
)
from apps.probes.sweep import usage_update
from apps.stack.models import Lifecycle, StackEntry
from apps.stack.signals import tell_entry_edited

log = logging.getLogger(__name__)
REGISTER_AS = [Lifecycle.ADOPTED, Lifecycle.PROPOSED]


def check_path(path: str) -> Path:
    """The folder a requirements source reads, refused (ValidationError) unless it is an
    absolute path under one of DISCOVERY_ALLOWED_PATHS, links resolved."""
    if not path or not os.path.isabs(path):
        raise ValidationError("an absolute path to a folder on the worker's machine")
    real = Path(os.path.realpath(path))
    for allowed in settings.DISCOVERY_ALLOWED_PATHS:
        root = Path(os.path.realpath(allowed))
        if real == root or root in real.parents:
            return real
    raise ValidationError(f"{path} is outside DISCOVERY_ALLOWED_PATHS")


def read_source(source: DiscoverySource, signatures: Signatures) -> Sweep:
    token = os.environ.get(source.credential_env, "") if source.credential_env else ""
    if source.credential_env and not source.credential_env.startswith(CREDENTIAL_PREFIX):
        raise SourceError(f"credential_env: {source.credential_env} is not named {CREDENTIAL_PREFIX}…; "
                          "the worker sends no other variable")
    if source.credential_env and not token:
        raise SourceError(f"{source.credential_env} is not set on the worker")
    if source.kind == Kind.REQUIREMENTS:
        try:
            root = check_path(source.path)
        except ValidationError as refused:
            raise SourceError(f"path: {' '.join(refused.messages)}") from None
        return requirements.read(root, signatures)
    reader = prometheus if source.kind == Kind.PROMETHEUS else mlflow
    return reader.read(source.url, signatures, token=token)


@dataclass
class Outcome:
    """What one run of a source found: per tool, its places; or why it could not be read."""

    source: DiscoverySource
    found: dict[Tool, list[str]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    error: str = ""


def discover(*, now, names: list[str] | None = None) -> list[Outcome]:
    """Run the enabled sources (or those named, enabled or not) and record what they found."""
    sources = DiscoverySource.objects.all()
    sources = sources.filter(name__in=names) if names is not None else sources.filter(enabled=True)
    tools = Tool.objects.in_bulk()
    signatures = Signatures(tools.values())
    outcomes = []
    for source in sources:
        try:
            sweep = read_source(source, signatures)
            record(source, sweep, now=now)
        except Exception as error:  # one source's failure is its own: the others are still read
            if not isinstance(error, SourceError):
                log.exception("Discovery source %s failed", source)
                error = SourceError(f"could not be read ({type(error).__name__}); the worker's log says more")
            source.last_run_at, source.last_error = now, shown(str(error))
            source.save(update_fields=["last_run_at", "last_error"])
            outcomes.append(Outcome(source, error=source.last_error))
            continue
        outcome = Outcome(source, problems=[shown(problem) for problem in sweep.problems])
        for sighting in sweep.sightings:
            outcome.found.setdefault(tools[sighting.tool_id], []).append(sighting.place)
        outcomes.append(outcome)
    return outcomes


@transaction.atomic
def record(source: DiscoverySource, sweep: Sweep, *, now) -> None:
    """Keep what a run of `source` found. A tool it no longer finds is forgotten, unless a
    lead dismissed it (the dismissal stands); a dismissed tool found in a site it was not in
    (a file, a scrape target, a model) is shown again."""
    DiscoverySource.objects.select_for_update().filter(pk=source.pk).exists()  # one run of a source at a time
    places: dict[int, set[str]] = {}
    sites: dict[int, set[str]] = {}
    used: dict[int, object] = {}
    for sighting in sweep.sightings:
        places.setdefault(sighting.tool_id, set()).add(sighting.place)
        sites.setdefault(sighting.tool_id, set()).add(sighting.key)
        if sighting.used_at is not None:
            at = min(sighting.used_at, now)  # a clock ahead of ours does not keep a tool in use
            used[sighting.tool_id] = max(used.get(sighting.tool_id, at), at)
    stored = {d.tool_id: d for d in DiscoveredTool.objects.select_for_update().filter(source=source)}
    for tool_id, seen in places.items():
        found = stored.get(tool_id) or DiscoveredTool(tool_id=tool_id, source=source, first_seen_at=now)
        found.evidence, found.places, found.last_seen_at = sorted(seen)[:MAX_EVIDENCE], len(seen), now
        new_sites = sites[tool_id] - set(found.dismissed_sites)
        found.sites = sorted(sites[tool_id])[:MAX_EVIDENCE]
        if tool_id in used:
            found.last_used_at = max(filter(None, [found.last_used_at, used[tool_id]]))
        if found.is_dismissed and new_sites and len(found.dismissed_sites) < MAX_EVIDENCE:
            found.dismissed_at, found.dismissed_by, found.dismissed_reason, found.dismissed_sites = None, None, "", []
        found.save()
    for tool_id, gone in stored.items():
        if tool_id not in places and not gone.is_dismissed:
            gone.delete()
    count_as_activity(used, now=now)
    source.last_run_at, source.last_error, source.problems = now, "", [shown(p) for p in sweep.problems[:50]]
    source.save(update_fields=["last_run_at", "last_error", "problems"])


def count_as_activity(used: dict, *, now) -> None:
    """When a source says when a tool was used, that is activity of its stack entry: what the
    usage state of an entry no probe reads is judged by (apps.probes.usage.told)."""
    entries = StackEntry.objects.select_for_update(of=("self",)).select_related("probe").filter(tool_id__in=used)
    for entry in entries:
        seen = used[entry.tool_id]
        if entry.last_activity_at is None or seen > entry.last_activity_at:
            entry.last_activity_at = seen
            entry.save(update_fields=["last_activity_at"])
        probe = getattr(entry, "probe", None)
        if probe is None or not probe.enabled:
            usage_update(entry, None, now)


@transaction.atomic
def register(found: DiscoveredTool, *, lifecycle: str, owner, by, now, note: str = "") -> StackEntry:
    """Put a found tool on the stack: adopted as it is found in use (a legacy entry, its
    filters still to assess), with an owner, or proposed. Raises ValidationError when the
    stack has it already or the choice is incomplete."""
    if lifecycle not in REGISTER_AS:
        raise ValidationError({"lifecycle": "Register it as adopted (in use already) or proposed."})
    if lifecycle == Lifecycle.ADOPTED and owner is None:
        raise ValidationError({"owner": "An adopted tool needs an owner: one named person."})
    try:
        with transaction.atomic():
            entry = StackEntry.objects.create(tool=found.tool, lifecycle=lifecycle, owner=owner,
                                              team=getattr(owner, "team", None) or getattr(by, "team", None))
    except IntegrityError:  # registered already, or a moment ago by someone else
        raise ValidationError(f"{found.tool} is on the stack already.") from None
    evidence = f"Found by discovery source {found.source}: {found.evidence_text}."
    entry.record_arrival(by=by, now=now, note=" ".join(filter(None, [evidence, note.strip()]))[:2000])
    tell_entry_edited(entry, now=now)
    return entry


def dismiss(found: DiscoveredTool, *, reason: str, by, now) -> DiscoveredTool:
    """Set a found tool aside with the reason kept, until its source finds it somewhere new."""
    reason = reason.strip()
    if not reason:
        raise ValidationError("Say why it is dismissed: a test server, a vendored copy, ...")
    found.dismissed_at, found.dismissed_by, found.dismissed_reason = now, by, reason
    found.dismissed_sites = list(found.sites)
    found.save(update_fields=["dismissed_at", "dismissed_by", "dismissed_reason", "dismissed_sites"])
    return found
