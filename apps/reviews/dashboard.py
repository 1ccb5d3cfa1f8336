"""The stack at a glance, for the overview (live) and a review (as frozen when it opened):
tools by category against the minimum stack, cost per category, usage states, the radar,
and what was added, moved and removed since the last review."""

import math
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property, lru_cache

from django.core.cache import cache
from django.db.models import Count
from django.urls import reverse
from django.utils.html import escape, format_html
from django.utils.http import urlencode
from django.utils.safestring import mark_safe

from apps.catalog.models import Category, Tool
from apps.findings.models import Finding
from apps.reviews.models import Review, ReviewItem
from apps.reviews.services import band_of
from apps.stack.models import (
    IN_USE,
    Lifecycle,
    OrganisationProfile,
    StackEntry,
    StackVersion,
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


def live_rows(categories, profile) -> list[ToolRow]:
    """Every current entry as the dashboard draws it, read as plain values: a few queries and
    no model instances, whatever the size of the stack."""
    key_of = {c.id: c.key for c in categories}
    keys_of_tool: dict[int, list[str]] = {}
    links = Tool.categories.through.objects.order_by("category__position", "category__name")
    for tool_id, category_id in links.values_list("tool_id", "category_id"):
        keys_of_tool.setdefault(tool_id, []).append(key_of[category_id])
    findings = dict(Finding.objects.filter(entry__isnull=False).order_by().values_list("entry").annotate(Count("id")))
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

    cost: Decimal = Decimal("0")

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
    cache_key: str = ""  # names rows that never change (a review's evidence): the radar is drawn once an hour

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
        return sum((row.monthly_cost for row in self.in_use), Decimal("0"))

    @cached_property
    def radar(self) -> str:
        if not self.cache_key:
            return radar_svg(self.categories, self.rows)
        # Keyed by the categories too: a renamed one draws it anew.
        key = f"radar:{self.cache_key}:{hash(tuple((c.key, c.name) for c in self.categories))}"
        return mark_safe(cache.get_or_set(key, lambda: radar_svg(self.categories, self.rows), 3600))

    @cached_property
    def cost_chart(self) -> str:
        bars = [(cover.category.name, cover.cost) for cover in self.cover]
        keys = {c.key for c in self.categories}
        loose = sum((r.monthly_cost for r in self.in_use if not r.category_keys or r.category_keys[0] not in keys), Decimal("0"))
        return cost_bars_svg(bars + ([("Uncategorised", loose)] if loose else []))


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


def live_dashboard() -> Dashboard:
    """The stack as it is now, compared with the evidence of the latest review opened. Worked
    out once per version of the stack (apps.findings.signals moves it) and kept in the process."""
    return _live_dashboard(StackVersion.current())


@lru_cache(maxsize=2)
def _live_dashboard(version: int) -> Dashboard:
    categories = list(Category.objects.all())
    rows = live_rows(categories, OrganisationProfile.load())
    last = Review.objects.filter(opened_at__isnull=False).order_by("-opened_at").first()
    changes = None
    if last:
        changes = stack_changes(last, _picture(last), {row.entry_id: (row.name, row.lifecycle) for row in rows})
    return Dashboard(rows, categories, changes)


def review_dashboard(review, categories) -> Dashboard:
    """The stack as the review froze it, compared with the review before."""
    rows = frozen_evidence(review).rows
    changes = None
    if review.previous_id:
        changes = stack_changes(review.previous, _picture(review.previous),
                                {row.entry_id: (row.name, row.lifecycle) for row in rows})
    return Dashboard(rows, categories, changes, cache_key=f"review-{review.pk}-{review.opened_at.timestamp()}")


# A review's frozen evidence, as its page reads it -------------------------------------------------

@dataclass(frozen=True)
class Evidence:
    rows: list[ToolRow]  # in agenda order
    bands: list[tuple[str, list[int]]]  # (label, item ids in agenda order): each risk, other findings, healthy


def frozen_evidence(review) -> Evidence:
    """Read once and kept in the process: what a review froze when it opened never changes."""
    return _frozen_evidence(review.pk, review.opened_at)


@lru_cache(maxsize=8)
def _frozen_evidence(review_id: int, opened_at) -> Evidence:
    rows, bands = [], {}
    items = ReviewItem.objects.filter(review_id=review_id).order_by("position")
    for pk, entry_id, name, keys, lifecycle, usage, cost, findings, risks in items.values_list(
        "pk", "entry_id", "tool_name", "category_keys", "lifecycle", "usage_state", "monthly_cost", "findings", "risks"
    ):
        rows.append(ToolRow(entry_id, name, tuple(keys), lifecycle, usage, cost, len(findings)))
        bands.setdefault(band_of(risks, findings), []).append(pk)
    return Evidence(rows, list(bands.items()))


def _picture(review) -> dict[int, tuple[str, str]]:
    return {row.entry_id: (row.name, row.lifecycle) for row in frozen_evidence(review).rows}


# The radar -----------------------------------------------------------------------------------------

# Rings from the centre out, as fractions of the radius: what is in use sits in the middle,
# candidates further out, and what is on its way out at the edge.
RINGS = [
    (Lifecycle.ADOPTED, 0.0, 0.46),
    (Lifecycle.EVALUATING, 0.46, 0.66),
    (Lifecycle.PROPOSED, 0.66, 0.83),
    (Lifecycle.FLAGGED, 0.83, 1.0),
]
SIZE, RADIUS = 640, 250  # the radius leaves room for the category names around the circle
CELL_DOTS = 12  # a cell with more tools than this draws one numbered circle, linking to their list


def radar_svg(categories, rows: list[ToolRow]) -> str:
    """A tech radar: one sector per category, one ring per lifecycle, one dot per tool
    (coloured by usage) linking to its stack entry."""
    centre = SIZE / 2
    count = max(len(categories), 1)
    sector = 2 * math.pi / count
    parts = []
    for _, _, outer in reversed(RINGS):
        parts.append(f'<circle class="radar-ring" cx="{centre}" cy="{centre}" r="{outer * RADIUS:.1f}"/>')
    for index, category in enumerate(categories):
        angle = -math.pi / 2 + index * sector
        x, y = _point(centre, RADIUS, angle)
        parts.append(f'<line class="radar-axis" x1="{centre}" y1="{centre}" x2="{x:.1f}" y2="{y:.1f}"/>')
        middle = angle + sector / 2
        lx, ly = _point(centre, RADIUS + 14, middle)
        anchor = "middle" if abs(math.cos(middle)) < 0.3 else ("start" if math.cos(middle) > 0 else "end")
        parts.append(format_html('<text class="radar-sector" x="{}" y="{}" text-anchor="{}">{}</text>',
                                 f"{lx:.1f}", f"{ly + 4:.1f}", anchor, category.name))
    for lifecycle, _, outer in RINGS:
        parts.append(format_html('<text class="radar-ring-label" x="{}" y="{}" text-anchor="middle">{}</text>',
                                 centre, f"{centre - outer * RADIUS + 11:.1f}", lifecycle.label))
    keys = [c.key for c in categories]
    ring_of = {lifecycle: (inner, outer) for lifecycle, inner, outer in RINGS}
    cells: dict[tuple[int, str], list[ToolRow]] = {}
    for row in rows:
        if row.category_keys and row.category_keys[0] in keys and row.lifecycle in ring_of:
            cells.setdefault((keys.index(row.category_keys[0]), row.lifecycle), []).append(row)
    for (index, lifecycle), tools in sorted(cells.items()):
        inner, outer = ring_of[lifecycle]
        inner = max(inner, 0.12)
        start = -math.pi / 2 + index * sector
        if len(tools) > CELL_DOTS:
            parts.append(_cluster(_point(centre, (inner + outer) / 2 * RADIUS, start + sector / 2),
                                  categories[index], lifecycle, tools))
            continue
        tools.sort(key=lambda t: t.name.lower())
        label = len(tools) <= 4
        for n, tool in enumerate(tools):
            angle = start + sector * (n + 1) / (len(tools) + 1)
            depth = inner + (outer - inner) * (0.3 + 0.4 * (n % 3) / 2)
            x, y = _point(centre, depth * RADIUS, angle)
            text = format_html('<text class="radar-label" x="{}" y="{}">{}</text>', f"{x + 8:.1f}", f"{y + 4:.1f}", tool.name) if label else ""
            parts.append(format_html(
                '<a href="{}" aria-label="{}"><circle class="radar-dot usage-{}" cx="{}" cy="{}" r="6">'
                '<title>{} · {} · usage {}</title></circle>{}</a>',
                tool.url, tool.name, tool.usage_state, f"{x:.1f}", f"{y:.1f}", tool.name, Lifecycle(tool.lifecycle).label.lower(),
                UsageState(tool.usage_state).label.lower(), text,
            ))
    placed = sum(len(tools) for tools in cells.values())
    label = escape(f"Radar of {placed} tools in {len(categories)} categories")
    return mark_safe(  # built from numbers and escaped names above
        f'<svg class="radar" viewBox="-110 0 {SIZE + 220} {SIZE}" role="img" aria-label="{label}">{"".join(parts)}</svg>'
    )


def _cluster(at: tuple[float, float], category, lifecycle: str, tools: list[ToolRow]) -> str:
    """Too many tools for dots: their number, linking to the stack list of that category and ring."""
    x, y = at
    lifecycle = Lifecycle(lifecycle)
    counts = Counter(tool.usage_state for tool in tools)
    usage = ", ".join(f"{counts[state]} {state.label.lower()}" for state in UsageState if counts[state])
    url = reverse("entry-list") + "?" + urlencode({"category": category.key, "lifecycle": lifecycle.value})
    return format_html(
        '<a href="{}" aria-label="{} {} tools in {}"><circle class="radar-cluster" cx="{}" cy="{}" r="15">'
        '<title>{} {} tools in {} · usage {}</title></circle>'
        '<text class="radar-count" x="{}" y="{}" text-anchor="middle">{}</text></a>',
        url, len(tools), lifecycle.label.lower(), category.name, f"{x:.1f}", f"{y:.1f}",
        len(tools), lifecycle.label.lower(), category.name, usage, f"{x:.1f}", f"{y + 4:.1f}", len(tools),
    )


def _point(centre: float, radius: float, angle: float) -> tuple[float, float]:
    return centre + radius * math.cos(angle), centre + radius * math.sin(angle)


def cost_bars_svg(bars: list[tuple[str, Decimal]], width: int = 520) -> str:
    """A horizontal bar per category: what its tools in use cost a month."""
    row_height, label_width, value_width = 26, 190, 70
    top = max((value for _, value in bars), default=0) or 1
    track = width - label_width - value_width
    parts = []
    for n, (name, value) in enumerate(bars):
        y = n * row_height
        bar = float(value) / float(top) * track
        parts.append(format_html(
            '<g><text class="bar-label" x="0" y="{}">{}</text><rect class="bar" x="{}" y="{}" width="{}" height="16" rx="2"/>'
            '<text class="bar-value" x="{}" y="{}">{}</text></g>',
            y + 17, name, label_width, y + 4, f"{max(bar, 1):.1f}", f"{label_width + bar + 6:.1f}", y + 17, f"{value:,.0f}",
        ))
    height = max(len(bars), 1) * row_height
    return mark_safe(  # built from numbers and escaped names above
        f'<svg class="bars" viewBox="0 0 {width} {height}" role="img" aria-label="Cost a month per category">'
        f'{"".join(parts)}</svg>'
    )
