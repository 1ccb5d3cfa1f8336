"""The stack as a technology radar others read: Backstage's tech radar (`/stack/radar.json`, the
TechRadarLoaderResponse of @backstage-community/plugin-tech-radar-common) and Thoughtworks'
build-your-own-radar (`/stack/radar.csv`: name, ring, quadrant, isNew, description).

Rings are lifecycles, by how far a tool is from being the stack's own: adopted is Adopt,
evaluating is Trial, proposed is Assess, and flagged, retired and rejected are Hold. Both
radars draw four quadrants, so the eight categories of the seed go two to a quadrant, along
a model's way from data to production (QUADRANTS); a tool sits in the quadrant of its first
category, and a category leads add themselves goes to OTHER_QUADRANT.
"""

import csv
import io
from dataclasses import dataclass
from datetime import timedelta
from html import escape

from django.db.models import Prefetch
from django.urls import reverse

from apps.reviews.models import Review
from apps.stack.models import Lifecycle, LifecycleTransition, StackEntry
from apps.stackfile.exporter import cell

RINGS = [  # innermost first
    ("adopt", "Adopt", "#5ba300", "In the stack: adopted, with an owner and a pain point it answers."),
    ("trial", "Trial", "#009eb0", "Being evaluated in a time-boxed trial."),
    ("assess", "Assess", "#c7ba00", "Proposed against a pain point; not yet evaluated."),
    ("hold", "Hold", "#e09b96", "Flagged for removal, retired or rejected: do not start with it."),
]
RING_OF = {
    Lifecycle.ADOPTED: "adopt", Lifecycle.EVALUATING: "trial", Lifecycle.PROPOSED: "assess",
    Lifecycle.FLAGGED: "hold", Lifecycle.RETIRED: "hold", Lifecycle.REJECTED: "hold",
}
QUADRANTS = [  # (id, name, the seed's categories in it)
    ("data", "Data and features", ["feature-store", "vector-database"]),
    ("experiments", "Experiments and models", ["experiment-tracking", "model-registry"]),
    ("pipelines", "Pipelines and delivery", ["pipeline-orchestration", "ml-ci-cd"]),
    ("production", "Serving and monitoring", ["model-serving", "monitoring"]),
]
OTHER_QUADRANT = "pipelines"
QUADRANT_OF = {key: quadrant for quadrant, _, keys in QUADRANTS for key in keys}
QUADRANT_NAME = {quadrant: name for quadrant, name, _ in QUADRANTS}
NEW_WITHOUT_REVIEW = timedelta(days=90)  # "new" with no review to compare with
UP, NO_CHANGE, DOWN = 1, 0, -1  # Backstage's MovedState: up is towards Adopt


@dataclass
class Blip:
    entry: StackEntry
    ring: str
    quadrant: str
    timeline: list[dict]  # newest first, as Backstage reads it
    moved_at: object  # when it came into its ring


def quadrant_of(entry: StackEntry) -> str:
    categories = sorted(entry.tool.categories.all(), key=lambda c: (c.position, c.name))
    return QUADRANT_OF.get(categories[0].key, OTHER_QUADRANT) if categories else OTHER_QUADRANT


def blips() -> list[Blip]:
    """Every stack entry on the radar, with its moves from ring to ring, in tool name order."""
    entries = StackEntry.objects.select_related("tool", "owner").prefetch_related(
        "tool__categories", Prefetch("transitions", queryset=LifecycleTransition.objects.order_by("at", "id"))
    ).order_by("tool__name")
    found = []
    for entry in entries:
        timeline, ring_at = [], None
        for transition in entry.transitions.all():
            ring = RING_OF[transition.to_lifecycle]
            if timeline and timeline[-1]["ringId"] == ring:
                continue  # a move within a ring (flagged, then retired) is no move on the radar
            moved = NO_CHANGE
            if timeline:
                before = _ring_index(timeline[-1]["ringId"])
                moved = UP if _ring_index(ring) < before else DOWN
            timeline.append({"date": transition.at.isoformat(), "ringId": ring, "moved": moved,
                             "description": Lifecycle(transition.to_lifecycle).label + (f": {transition.note}" if transition.note else "")})
            ring_at = transition.at
        ring = RING_OF[entry.lifecycle]
        if not timeline or timeline[-1]["ringId"] != ring:  # a history that does not tell how it got here
            moved = NO_CHANGE if not timeline else UP if _ring_index(ring) < _ring_index(timeline[-1]["ringId"]) else DOWN
            ring_at = max(entry.created_at, ring_at) if ring_at else entry.created_at
            timeline.append({"date": ring_at.isoformat(), "ringId": ring, "moved": moved,
                             "description": entry.get_lifecycle_display()})
        found.append(Blip(entry, ring, quadrant_of(entry), list(reversed(timeline)), ring_at))
    return found


def _ring_index(ring: str) -> int:
    return [r for r, *_ in RINGS].index(ring)


def _description(entry: StackEntry) -> str:
    parts = [entry.get_lifecycle_display(), ", ".join(c.name for c in entry.tool.categories.all())]
    if entry.owner:
        parts.append(f"owner {entry.owner}")
    if entry.lifecycle == Lifecycle.ADOPTED:
        parts.append(f"usage {entry.get_usage_state_display().lower()}")
    return " · ".join(part for part in parts if part)


def backstage(*, site_url: str) -> dict:
    """The TechRadarLoaderResponse Backstage's tech radar loads."""
    return {
        "quadrants": [{"id": quadrant, "name": name} for quadrant, name, _ in QUADRANTS],
        "rings": [{"id": ring, "name": name, "color": color, "description": text} for ring, name, color, text in RINGS],
        "entries": [
            {
                "key": blip.entry.tool.slug, "id": blip.entry.tool.slug, "title": blip.entry.tool.name,
                "quadrant": blip.quadrant, "url": site_url + reverse("entry-detail", kwargs={"pk": blip.entry.pk}),
                "description": _description(blip.entry), "timeline": blip.timeline,
                **({"links": [{"url": blip.entry.tool.website, "title": "Website"}]} if blip.entry.tool.website else {}),
            }
            for blip in blips()
        ],
    }


CSV_COLUMNS = ["name", "ring", "quadrant", "isNew", "description"]


def thoughtworks(*, now) -> str:
    """The build-your-own-radar CSV: a row a tool; isNew when it came into its ring since the
    last review opened (in the last 90 days, before any review)."""
    reviews = Review.objects.filter(opened_at__isnull=False, team__isnull=True)  # the organisation's
    last = reviews.order_by("-opened_at").values_list("opened_at", flat=True).first()
    since = last or now - NEW_WITHOUT_REVIEW
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    ring_name = {ring: name for ring, name, *_ in RINGS}
    for blip in blips():
        writer.writerow([
            cell(blip.entry.tool.name), ring_name[blip.ring], QUADRANT_NAME[blip.quadrant],
            "true" if blip.moved_at >= since else "false", cell(escape(_description(blip.entry))),
        ])
    return out.getvalue()
