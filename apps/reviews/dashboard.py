"""The stack at a glance, for the overview (live) and a review (as frozen when it opened):
tools by category against the minimum stack, cost per category, usage states, the radar,
and what was added, moved and removed since the last review."""

import hashlib
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property

from django.db.models import Count
from django.urls import reverse
from django.utils.http import urlencode

from apps.catalog.models import Category, Tool
from apps.discovery.models import DiscoveredTool
from apps.findings.models import Finding
from apps.lib.charts import Ring, cost_bars_svg, radar_svg
from apps.reviews.models import Review, ReviewItem
from apps.reviews.services import band_of
from apps.stack.cache import cached
from apps.stack.models import (
    IN_USE,
    Lifecycle,
    OrganisationProfile,
    StackEntry,
    UsageState,
)
from apps.stack.selectors import CURRENT, CategoryRow


@dataclass(frozen=True)
class ToolRow:
    """One tool as the dashboard draws it; a tool in several categories sits in its first."""

    entry_id: int
    name: str
    category_keys: tuple
    lifecycle: str
    usage_state: str
    monthly_cost: Decimal
    findings: int

    @property
    def url(self) -> str:
        return reverse("entry-detail", kwargs={"pk": self.entry_id})

    @property
    def in_use(self) -> bool:
        return self.lifecycle in IN_USE


def live_rows(categories, profile, today) -> list[ToolRow]:
    """Every current entry as the dashboard draws it on `today` (with the findings that stand
    that day), read as plain values: a few queries and no model instances, whatever the size of
    the stack."""
    key_of = {c.id: c.key for c in categories}
    keys_of_tool: dict[int, list[str]] = {}
    links = Tool.categories.through.objects.order_by("category__position", "category__name")
    for tool_id, category_id in links.values_list("tool_id", "category_id"):
        keys_of_tool.setdefault(tool_id, []).append(key_of[category_id])
    findings = dict(Finding.objects.standing(today).filter(entry__isnull=False).order_by().values_list("entry").annotate(Count("id")))
    entries = StackEntry.objects.filter(lifecycle__in=CURRENT).values_list(
        "pk", "tool_id", "tool__name", "lifecycle", "usage_state", "licence_per_month", "ops_hours_per_month"
    )
    return [
        ToolRow(pk, name, tuple(keys_of_tool.get(tool_id, ())), lifecycle, usage,
                profile.monthly_cost(licence, hours), findings.get(pk, 0))
        for pk, tool_id, name, lifecycle, usage, licence, hours in entries
    ]


@dataclass
class CategoryCover(CategoryRow):
    """A category's tools (ToolRows) and what those in use cost a month."""

    cost: Decimal = Decimal(0)

    @cached_property
    def in_use_first(self) -> list[ToolRow]:
        """Its tools in use first, then those on trial, then those proposed; by name within."""
        order = {lifecycle: n for n, lifecycle in enumerate(CURRENT)}
        return sorted(self.entries, key=lambda row: order.get(row.lifecycle, len(order)))


@dataclass
class Dashboard:
    rows: list[ToolRow]
    categories: list
    changes: "StackChanges | None" = None
    cache_key: str = ""  # names rows that never change (a review's evidence): its radar is kept in the cache
    unregistered: int = 0  # tools discovery found in use that the stack does not know

    @cached_property
    def in_use(self) -> list[ToolRow]:
        return [row for row in self.rows if row.in_use]

    @cached_property
    def cover(self) -> list[CategoryCover]:
        by_key = {c.key: CategoryCover(c) for c in self.categories}
        for row in self.rows:
            for key in row.category_keys:
                if key in by_key:
                    by_key[key].entries.append(row)
            if row.in_use and row.category_keys and row.category_keys[0] in by_key:
                by_key[row.category_keys[0]].cost += row.monthly_cost
        return list(by_key.values())

    @cached_property
    def usage_counts(self) -> list[tuple[str, str, int]]:
        """(state, label, tools in use in that state), unused first."""
        order = [UsageState.UNUSED, UsageState.UNKNOWN, UsageState.IDLE, UsageState.ACTIVE]
        return [(s.value, s.label, sum(1 for r in self.in_use if r.usage_state == s)) for s in order]

    @property
    def findings(self) -> int:
        return sum(row.findings for row in self.rows)

    @property
    def monthly_cost(self) -> Decimal:
        return sum((row.monthly_cost for row in self.in_use), Decimal(0))

    @cached_property
    def radar(self) -> str:
        if not self.cache_key:
            return _radar(self.categories, self.rows)
        # Keyed by the categories too: a renamed one draws it anew.
        names = repr([(c.key, c.name) for c in self.categories]).encode()
        key = f"radar:{self.cache_key}:{hashlib.sha256(names).hexdigest()[:16]}"
        return cached(key, lambda: _radar(self.categories, self.rows))

    @cached_property
    def cost_chart(self) -> str:
        bars = [(cover.category.name, cover.cost) for cover in self.cover]
        keys = {c.key for c in self.categories}
        loose = sum((r.monthly_cost for r in self.in_use if not r.category_keys or r.category_keys[0] not in keys), Decimal(0))
        return cost_bars_svg(bars + ([("Uncategorised", loose)] if loose else []))

    def drawn(self) -> "Dashboard":
        """The dashboard with every piece the pages show worked out, so that a pickled copy
        carries them."""
        for cover in self.cover:
            _ = cover.in_use_first
        _ = self.usage_counts, self.radar, self.cost_chart
        return self


# What changed since the last review ------------------------------------------------------------

@dataclass
class StackChanges:
    since: object  # the review compared with
    added: list = field(default_factory=list)    # (name, entry_id, lifecycle)
    moved: list = field(default_factory=list)    # (name, entry_id, from lifecycle, to lifecycle)
    removed: list = field(default_factory=list)  # (name, entry_id, lifecycle now)

    def __bool__(self):
        return bool(self.added or self.moved or self.removed)


def stack_changes(since, before: dict[int, tuple[str, str]], after: dict[int, tuple[str, str]]) -> StackChanges:
    """Compare two pictures of the stack, each {entry id: (tool name, lifecycle)}. A tool in
    `before` but not in `after` left the stack; its lifecycle today says how."""
    changes = StackChanges(since)
    for entry_id, (name, lifecycle) in after.items():
        if entry_id not in before:
            changes.added.append((name, entry_id, Lifecycle(lifecycle).label))
        elif before[entry_id][1] != lifecycle:
            changes.moved.append((name, entry_id, Lifecycle(before[entry_id][1]).label, Lifecycle(lifecycle).label))
    gone = [entry_id for entry_id in before if entry_id not in after]
    now = dict(StackEntry.objects.filter(pk__in=gone).values_list("pk", "lifecycle")) if gone else {}
    for entry_id in gone:
        changes.removed.append((before[entry_id][0], entry_id, Lifecycle(now.get(entry_id, Lifecycle.RETIRED)).label))
    for group in (changes.added, changes.moved, changes.removed):
        group.sort(key=lambda change: change[0].lower())
    return changes


def live_dashboard(today) -> Dashboard:
    """The stack as it is on `today`, compared with the evidence of the latest review opened.
    Worked out and drawn once per version of the stack (apps.findings.signals and
    apps.reviews.signals move it) and day (an accepted finding counts again on a day), and kept
    in the cache every process reads."""
    return cached(f"live-dashboard:{today:%Y-%m-%d}", lambda: _live_dashboard(today))


def _live_dashboard(today) -> Dashboard:
    categories = list(Category.objects.all())
    rows = live_rows(categories, OrganisationProfile.load(), today)
    last = Review.objects.filter(opened_at__isnull=False, team__isnull=True).order_by("-opened_at").first()
    changes = None
    if last:
        # Read, not looked up: the dashboard it goes into is kept at this stack version already.
        changes = stack_changes(last, _picture(_frozen_evidence(last.pk).rows), _picture(rows))
    unregistered = DiscoveredTool.objects.unregistered().values("tool").distinct().count()
    return Dashboard(rows, categories, changes, unregistered=unregistered).drawn()


def review_dashboard(review, categories) -> Dashboard:
    """The stack as the review froze it, compared with the review before."""
    rows = frozen_evidence(review).rows
    changes = None
    if review.previous_id:
        changes = stack_changes(review.previous, _picture(frozen_evidence(review.previous).rows), _picture(rows))
    return Dashboard(rows, categories, changes, cache_key=f"review-{review.pk}-{review.opened_at.timestamp()}")


# A review's frozen evidence, as its page reads it -------------------------------------------------

@dataclass(frozen=True)
class Evidence:
    rows: list[ToolRow]  # in agenda order
    bands: list[tuple[str, list[int]]]  # (label, item ids in agenda order): each risk, other findings, healthy


def frozen_evidence(review) -> Evidence:
    """What a review froze when it opened, read once per stack version and kept in the cache."""
    opened = review.opened_at.timestamp() if review.opened_at else "never"
    return cached(f"evidence:{review.pk}:{opened}", lambda: _frozen_evidence(review.pk))


def _frozen_evidence(review_id: int) -> Evidence:
    rows, bands = [], {}
    items = ReviewItem.objects.filter(review_id=review_id).order_by("position")
    for pk, entry_id, name, keys, lifecycle, usage, cost, findings, risks in items.values_list(
        "pk", "entry_id", "tool_name", "category_keys", "lifecycle", "usage_state", "monthly_cost", "findings", "risks"
    ):
        rows.append(ToolRow(entry_id, name, tuple(keys), lifecycle, usage, cost, len(findings)))
        bands.setdefault(band_of(risks, findings), []).append(pk)
    return Evidence(rows, list(bands.items()))


def _picture(rows: list[ToolRow]) -> dict[int, tuple[str, str]]:
    """{entry id: (tool name, lifecycle)}, as stack_changes compares them."""
    return {row.entry_id: (row.name, row.lifecycle) for row in rows}


# The radar -----------------------------------------------------------------------------------------

# Rings from the centre out, as fractions of the radius: what is in use sits in the middle,
# candidates further out, and what is on its way out at the edge.
RINGS = [
    Ring(lifecycle.value, lifecycle.label, inner, outer)
    for lifecycle, inner, outer in [
        (Lifecycle.ADOPTED, 0.0, 0.46),
        (Lifecycle.EVALUATING, 0.46, 0.66),
        (Lifecycle.PROPOSED, 0.66, 0.83),
        (Lifecycle.FLAGGED, 0.83, 1.0),
    ]
]
USAGE_LABELS = dict(UsageState.choices)


def _radar(categories, rows: list[ToolRow]) -> str:
    """The radar of the categories, one ring per lifecycle and one dot per tool (coloured by
    usage) linking to its stack entry; a crowded cell links to the stack list of that category
    and lifecycle."""
    return radar_svg(categories, rows, rings=RINGS, usage_labels=USAGE_LABELS, cluster_url=_entry_list_url)


def _entry_list_url(category: str, lifecycle: str) -> str:
    return reverse("entry-list") + "?" + urlencode({"category": category, "lifecycle": lifecycle})
