"""Export the stack as a version 1 stack file, deterministically (the same database always
gives the same bytes, whatever the database's collation, and importing the file into an
empty database gives them back); and as a CSV of usage and cost for finance."""

import csv
import io
from decimal import Decimal
from functools import cache

import yaml
from django.db.models import Prefetch

from apps.accounts.models import Team, User
from apps.catalog.models import Category, Tool
from apps.catalog.seed import FIXTURE
from apps.discovery.models import DiscoverySource
from apps.findings.models import Acceptance
from apps.lib import yamlio
from apps.painpoints.models import PainPoint
from apps.probes.models import Probe
from apps.stack.models import MLModel, StackEntry, Verdict
from apps.stack.selectors import StackState
from apps.stackfile.schema import SCHEMA, VERSION, acceptance_name

HEADER = "# Stackledger stack file. Import with: python manage.py import_stack FILE\n"
# A catalogue row's file keys, which are also its model's (and its seed fixture's) fields.
CATEGORY_FIELDS = list(SCHEMA["categories"])
TOOL_FIELDS = list(SCHEMA["tools"])


@cache
def seed_catalogue() -> tuple[dict, dict]:
    """The seed catalogue's categories by key and tools by name, as the export writes them."""
    fixture = yaml.safe_load(FIXTURE.read_text())
    categories, tools = {}, {}
    for record in fixture:
        fields = record["fields"]
        if record["model"] == "catalog.category":
            categories[fields["key"]] = _compact({name: fields.get(name) for name in CATEGORY_FIELDS})
        else:
            fields = {**fields, "categories": sorted(key for [key] in fields["categories"])}
            tools[fields["name"]] = _compact({name: fields.get(name) for name in TOOL_FIELDS})
    return categories, tools


def _number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def _compact(record: dict) -> dict:
    """Leave out empty values, so files stay short."""
    return {key: value for key, value in record.items() if value not in (None, "", [], {})}


def _sorted(rows, key):
    return sorted(rows, key=lambda row: (key(row).lower(), key(row)))


def _channel(channel) -> str | dict:
    """A team channel as the file names it: the URL when it holds no secret, else the
    environment variable the import reads it from."""
    return {"url_env": channel.url_env} if channel.url_env else channel.label


def stack_document() -> dict:
    """The whole stack as plain data, in a stable order."""
    seed_categories, seed_tools = seed_catalogue()
    categories = [
        _compact({name: getattr(c, name) for name in CATEGORY_FIELDS}) for c in Category.objects.all()
    ]
    tools = [
        _compact({**{name: getattr(t, name) for name in TOOL_FIELDS if name != "categories"},
                  "categories": sorted(c.key for c in t.categories.all())})
        for t in Tool.objects.prefetch_related("categories")
    ]
    document = {
        "version": VERSION,
        # Catalogue rows only where they differ from the seed catalogue, or are not in it.
        "categories": _sorted([c for c in categories if seed_categories.get(c["key"]) != c], lambda c: c["key"]),
        "tools": _sorted([t for t in tools if seed_tools.get(t["name"]) != t], lambda t: t["name"]),
        "teams": _sorted(
            [_compact({"name": t.name, "description": t.description, "notify": [_channel(c) for c in t.channels.all()]})
             for t in Team.objects.prefetch_related("channels")],
            lambda t: t["name"],
        ),
        "users": _sorted(
            [
                _compact({
                    "email": u.email, "name": u.name, "role": u.role, "team": u.team and u.team.name,
                    "active": None if u.is_active else False,
                })
                for u in User.objects.select_related("team").prefetch_related("groups")
            ],
            lambda u: u["email"],
        ),
        "pain_points": _sorted(
            [
                _compact({
                    "title": p.title, "description": p.description,
                    "category": p.category and p.category.key, "team": p.team and p.team.name,
                    "evidence": p.evidence, "severity": p.severity, "anticipated": p.anticipated,
                    "status": p.status, "reported_by": p.reported_by and p.reported_by.email,
                })
                for p in PainPoint.objects.select_related("category", "team", "reported_by")
            ],
            lambda p: p["title"],
        ),
        "stack": _sorted(
            [
                _entry(entry)
                for entry in StackEntry.objects.select_related("tool", "owner", "team").prefetch_related(
                    "pain_points", Prefetch("probe", queryset=Probe.objects.all())
                )
            ],
            lambda e: e["tool"],
        ),
        "models": _sorted(
            [
                _compact({
                    "name": m.name, "description": m.description, "stage": m.stage,
                    "team": m.team and m.team.name, "owner": m.owner and m.owner.email,
                    **{role: getattr(m, role) and getattr(m, role).tool.name
                       for role in ("tracker", "registry", "serving", "monitoring")},
                })
                for m in MLModel.objects.select_related(
                    "team", "owner", "tracker__tool", "registry__tool", "serving__tool", "monitoring__tool"
                )
            ],
            lambda m: m["name"],
        ),
        "accepted_findings": _sorted(
            [_acceptance(a) for a in Acceptance.objects.select_related("entry__tool", "category", "pain_point", "owner")],
            lambda a: acceptance_name(a["rule"], a),
        ),
        "discovery": [
            _compact({"name": source.name, "kind": source.kind, "url": source.url, "path": source.path,
                      "credential_env": source.credential_env, "enabled": None if source.enabled else False})
            for source in DiscoverySource.objects.all()
        ],
    }
    return {key: value for key, value in document.items() if value != []}


def _acceptance(acceptance: Acceptance) -> dict:
    return _compact({
        "rule": acceptance.code, "tool": acceptance.entry and acceptance.entry.tool.name,
        "category": acceptance.category and acceptance.category.key,
        "pain_point": acceptance.pain_point and acceptance.pain_point.title,
        "rationale": acceptance.rationale, "owner": acceptance.owner.email,
        "expires": acceptance.expires_on.isoformat(),
    })


def _entry(entry: StackEntry) -> dict:
    filters = {
        name: _compact({"verdict": verdict, "rationale": rationale})
        for name, _, verdict, rationale in entry.verdicts()
        if verdict != Verdict.PENDING or rationale
    }
    probe = getattr(entry, "probe", None)
    return _compact({
        "tool": entry.tool.name,
        "status": entry.lifecycle,
        "owner": entry.owner and entry.owner.email,
        "team": entry.team and entry.team.name,
        "pain_points": sorted((p.title for p in entry.pain_points.all()), key=lambda t: (t.lower(), t)),
        "filters": filters,
        "cost": {
            "licence_per_month": _number(entry.licence_per_month),
            "ops_hours_per_month": _number(entry.ops_hours_per_month),
        },
        "notes": entry.notes,
        "adopted_on": entry.adopted_on and entry.adopted_on.isoformat(),
        "retired_on": entry.retired_on and entry.retired_on.isoformat(),
        "probe": probe and _compact({
            "kind": probe.kind,
            "url": probe.url,
            "credential_env": probe.credential_env,
            "interval_minutes": probe.interval_minutes,
            "unused_after_days": probe.unused_after_days,
            "params": dict(sorted(probe.params.items())),
            "demo": probe.demo or None,
        }),
    })


def export_stack() -> str:
    return HEADER + yamlio.dump(stack_document())


CSV_COLUMNS = [
    "Tool", "Categories", "Lifecycle", "Owner", "Team", "Usage", "Last activity",
    "Licence a month", "Upkeep hours a month", "Upkeep cost a month", "Total a month", "Total a year",
]


def cell(value) -> str:
    """A spreadsheet cell that a spreadsheet will not run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def export_csv(*, now) -> str:
    """The tools in use today with their usage and cost, a row a tool, for finance (with a
    byte-order mark, so spreadsheets read it as UTF-8)."""
    stack = StackState.load(now)
    rate = stack.profile.engineer_hourly_cost
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for entry in stack.in_use():
        upkeep = entry.ops_hours_per_month * rate
        total = entry.licence_per_month + upkeep
        writer.writerow([cell(value) for value in [
            entry.tool.name, "; ".join(c.name for c in entry.tool.categories.all()), entry.get_lifecycle_display(),
            entry.owner or "", entry.team or "", entry.get_usage_state_display(),
            entry.last_activity_at.date().isoformat() if entry.last_activity_at else "",
            f"{entry.licence_per_month:.2f}", f"{entry.ops_hours_per_month:.1f}", f"{upkeep:.2f}", f"{total:.2f}",
            f"{total * 12:.2f}",
        ]])
    return out.getvalue()
