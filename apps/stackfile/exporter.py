"""Export the stack as a version 1 stack file, deterministically: the same database always
gives the same bytes, and importing the file into an empty database gives them back."""

from decimal import Decimal
from functools import cache

import yaml
from django.db.models import Prefetch

from apps.accounts.models import Team, User
from apps.catalog.models import Category, Tool
from apps.catalog.seed import FIXTURE
from apps.lib import yamlio
from apps.painpoints.models import PainPoint
from apps.probes.models import Probe
from apps.stack.models import MLModel, StackEntry, Verdict

HEADER = "# Stackledger stack file. Import with: python manage.py import_stack FILE\n"


@cache
def seed_catalogue() -> tuple[frozenset, frozenset]:
    """Category keys and tool names of the seed catalogue: the export lists only the others."""
    fixture = yaml.safe_load(FIXTURE.read_text())
    keys = frozenset(o["fields"]["key"] for o in fixture if o["model"] == "catalog.category")
    names = frozenset(o["fields"]["name"] for o in fixture if o["model"] == "catalog.tool")
    return keys, names


def _number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def _compact(record: dict) -> dict:
    """Leave out empty values, so files stay short and omitted means default."""
    return {key: value for key, value in record.items() if value not in (None, "", [], {})}


def stack_document() -> dict:
    """The whole stack as plain data, in a stable order."""
    seed_keys, seed_tools = seed_catalogue()
    document = {"version": 1}
    document["categories"] = [
        _compact({
            "key": c.key, "name": c.name, "description": c.description, "position": c.position,
            "in_minimum_stack": c.in_minimum_stack, "max_adopted": c.max_adopted,
            "trigger": c.trigger,
        })
        for c in Category.objects.exclude(key__in=seed_keys).order_by("key")
    ]
    document["tools"] = [
        _compact({
            "name": t.name, "categories": sorted(c.key for c in t.categories.all()),
            "hosting": t.hosting, "complexity": t.complexity, "complexity_note": t.complexity_note,
            "strengths": t.strengths, "weaknesses": t.weaknesses, "best_for": t.best_for,
            "kubernetes_native": t.kubernetes_native, "discontinued": t.discontinued,
            "discontinued_note": t.discontinued_note, "website": t.website,
        })
        for t in Tool.objects.exclude(name__in=seed_tools).prefetch_related("categories").order_by("name")
    ]
    document["teams"] = [
        _compact({"name": t.name, "description": t.description}) for t in Team.objects.order_by("name")
    ]
    document["users"] = [
        _compact({
            "email": u.email, "name": u.name, "role": u.role, "team": u.team and u.team.name,
            "active": None if u.is_active else False,
        })
        for u in User.objects.select_related("team").prefetch_related("groups").order_by("email")
    ]
    document["pain_points"] = [
        _compact({
            "title": p.title, "description": p.description,
            "category": p.category and p.category.key, "team": p.team and p.team.name,
            "evidence": p.evidence, "severity": p.severity, "anticipated": p.anticipated,
            "status": p.status, "reported_by": p.reported_by and p.reported_by.email,
        })
        for p in PainPoint.objects.select_related("category", "team", "reported_by").order_by("title")
    ]
    entries = (
        StackEntry.objects.select_related("tool", "owner", "team")
        .prefetch_related(
            Prefetch("pain_points", queryset=PainPoint.objects.order_by("title")),
            Prefetch("probe", queryset=Probe.objects.all()),
        )
        .order_by("tool__name")
    )
    document["stack"] = [_entry(entry) for entry in entries]
    document["models"] = [
        _compact({
            "name": m.name, "description": m.description, "stage": m.stage,
            "team": m.team and m.team.name, "owner": m.owner and m.owner.email,
            **{role: getattr(m, role) and getattr(m, role).tool.name
               for role in ("tracker", "registry", "serving", "monitoring")},
        })
        for m in MLModel.objects.select_related(
            "team", "owner", "tracker__tool", "registry__tool", "serving__tool", "monitoring__tool"
        ).order_by("name")
    ]
    return {key: value for key, value in document.items() if value != []}


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
        "pain_points": [p.title for p in entry.pain_points.all()],
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
        }),
    })


def export_stack() -> str:
    return HEADER + yamlio.dump(stack_document())

