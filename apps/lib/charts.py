"""The charts the pages draw, as pure functions: plain values in, an SVG string (marked safe,
every name escaped) or plain data out. They read no database and no clock."""

import math
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe

# The radar --------------------------------------------------------------------------------------

SIZE, RADIUS = 640, 250  # the radius leaves room for the sector names around the circle
CELL_DOTS = 12  # a cell with more dots than this draws one numbered circle, linking to their list


@dataclass(frozen=True)
class Ring:
    """A ring of the radar: where the dots whose `lifecycle` is `key` sit, from `inner` to
    `outer` as fractions of the radius."""

    key: str
    label: str
    inner: float
    outer: float


def radar_svg(sectors: Sequence, dots: Iterable, *, rings: Sequence[Ring], usage_labels: Mapping[str, str],
              cluster_url: Callable[[str, str], str]) -> str:
    """A tech radar: one sector per item of `sectors` (each with `key` and `name`), one ring per
    item of `rings` (the first in the middle), one linked dot per item of `dots`.

    A dot has `name`, `url`, `category_keys`, `lifecycle` and `usage_state`: it sits in the
    sector of its first category key and the ring of its lifecycle, coloured by its usage (whose
    label `usage_labels` gives); one with neither is left out. A cell of more than CELL_DOTS dots
    draws their number instead, linking to `cluster_url(sector key, ring key)`."""
    centre = SIZE / 2
    count = max(len(sectors), 1)
    sector = 2 * math.pi / count
    parts = []
    for ring in reversed(rings):
        parts.append(f'<circle class="radar-ring" cx="{centre}" cy="{centre}" r="{ring.outer * RADIUS:.1f}"/>')
    for index, category in enumerate(sectors):
        angle = -math.pi / 2 + index * sector
        x, y = _point(centre, RADIUS, angle)
        parts.append(f'<line class="radar-axis" x1="{centre}" y1="{centre}" x2="{x:.1f}" y2="{y:.1f}"/>')
        middle = angle + sector / 2
        lx, ly = _point(centre, RADIUS + 14, middle)
        anchor = "middle" if abs(math.cos(middle)) < 0.3 else ("start" if math.cos(middle) > 0 else "end")
        parts.append(format_html('<text class="radar-sector" x="{}" y="{}" text-anchor="{}">{}</text>',
                                 f"{lx:.1f}", f"{ly + 4:.1f}", anchor, category.name))
    for ring in rings:
        parts.append(format_html('<text class="radar-ring-label" x="{}" y="{}" text-anchor="middle">{}</text>',
                                 centre, f"{centre - ring.outer * RADIUS + 11:.1f}", ring.label))
    keys = [c.key for c in sectors]
    ring_of = {ring.key: ring for ring in rings}
    cells: dict[tuple[int, str], list] = {}
    for dot in dots:
        if dot.category_keys and dot.category_keys[0] in keys and dot.lifecycle in ring_of:
            cells.setdefault((keys.index(dot.category_keys[0]), dot.lifecycle), []).append(dot)
    for (index, lifecycle), tools in sorted(cells.items()):
        ring = ring_of[lifecycle]
        inner, outer = max(ring.inner, 0.12), ring.outer
        start = -math.pi / 2 + index * sector
        if len(tools) > CELL_DOTS:
            parts.append(_cluster(_point(centre, (inner + outer) / 2 * RADIUS, start + sector / 2),
                                  sectors[index], ring, tools, usage_labels, cluster_url))
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
                tool.url, tool.name, tool.usage_state, f"{x:.1f}", f"{y:.1f}", tool.name, ring.label.lower(),
                usage_labels[tool.usage_state].lower(), text,
            ))
    placed = sum(len(tools) for tools in cells.values())
    label = escape(f"Radar of {placed} tools in {len(sectors)} categories")
    return mark_safe(  # built from numbers and escaped names above
        f'<svg class="radar" viewBox="-110 0 {SIZE + 220} {SIZE}" role="img" aria-label="{label}">{"".join(parts)}</svg>'
    )


def _cluster(at: tuple[float, float], category, ring: Ring, tools: list, usage_labels: Mapping[str, str],
             cluster_url: Callable[[str, str], str]) -> str:
    """Too many tools for dots: their number, linking to the list of that sector and ring."""
    x, y = at
    counts = Counter(tool.usage_state for tool in tools)
    usage = ", ".join(f"{counts[state]} {label.lower()}" for state, label in usage_labels.items() if counts[state])
    lifecycle = ring.label.lower()
    return format_html(
        '<a href="{}" aria-label="{} {} tools in {}"><circle class="radar-cluster" cx="{}" cy="{}" r="15">'
        '<title>{} {} tools in {} · usage {}</title></circle>'
        '<text class="radar-count" x="{}" y="{}" text-anchor="middle">{}</text></a>',
        cluster_url(category.key, ring.key), len(tools), lifecycle, category.name, f"{x:.1f}", f"{y:.1f}",
        len(tools), lifecycle, category.name, usage, f"{x:.1f}", f"{y + 4:.1f}", len(tools),
    )


def _point(centre: float, radius: float, angle: float) -> tuple[float, float]:
    return centre + radius * math.cos(angle), centre + radius * math.sin(angle)


# Bars, sparklines and the trial calendar ----------------------------------------------------------

def cost_bars_svg(bars: Sequence[tuple[str, Decimal]], width: int = 520) -> str:
    """A horizontal bar per (name, cost a month), as long as the cost against the largest."""
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


def sparkline(values: Sequence[int | None], width: int = 270, height: int = 40) -> str:
    """An inline SVG of a probe's activity a day (a line where the probe ran, gaps where it did
    not, None), and a sentence instead when no day has a value."""
    known = [v for v in values if v is not None]
    if not known:
        return format_html('<span class="muted trend-empty">No successful probe run in {} days yet.</span>', len(values))
    top = max(known)
    step = width / max(len(values) - 1, 1)
    segments, current = [], []
    for n, value in enumerate(values):
        if value is None:
            if current:
                segments.append(current)
            current = []
            continue
        current.append(f"{n * step:.1f},{height - 2 - (value / (top or 1)) * (height - 4):.1f}")
    if current:
        segments.append(current)
    lines = "".join(
        f'<polyline fill="none" stroke="currentColor" stroke-width="1.5" points="{" ".join(points)}"/>'
        if len(points) > 1 else f'<circle r="1.5" cx="{points[0].split(",")[0]}" cy="{points[0].split(",")[1]}" fill="currentColor"/>'
        for points in segments
    )
    active_days = sum(1 for v in known if v)
    if active_days:
        label = f"Activity on {active_days} of {len(values)} days, highest {top} in a day"
    else:
        label = f"No activity in {len(values)} days"
    return format_html(
        '<svg class="sparkline" width="{}" height="{}" viewBox="0 0 {} {}" role="img" aria-label="{}">{}</svg>'
        ' <span class="muted small">{}</span>',
        width, height, width, height, label, mark_safe(lines), label,  # numbers only: coordinates we computed
    )


def calendar_bars(spans: Iterable) -> list[dict]:
    """The rows of a calendar of time boxes: for each item with a `start_on` (and an `ends_on`),
    {"trial": the item, "left": where its bar starts, "width": how long it is}, both in percent
    of the days from the earliest start to the latest end, formatted to one decimal. Items
    without a start are left out; none with one gives an empty list."""
    dated = [span for span in spans if span.start_on]
    if not dated:
        return []
    first, last = min(s.start_on for s in dated), max(s.ends_on for s in dated)
    days = max((last - first).days, 1)
    return [
        {"trial": s, "left": f"{100 * (s.start_on - first).days / days:.1f}",
         "width": f"{100 * (s.ends_on - s.start_on).days / days:.1f}"}
        for s in dated
    ]
