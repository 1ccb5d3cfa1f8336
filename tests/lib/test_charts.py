"""The charts as a reader sees them: where the dots, bars and lines fall, and what they say."""

import math
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from apps.lib.charts import (
    CELL_DOTS,
    RADIUS,
    SIZE,
    Ring,
    calendar_bars,
    cost_bars_svg,
    radar_svg,
    sparkline,
)

# The radar ----------------------------------------------------------------------------------------

RINGS = [Ring("adopted", "Adopted", 0.0, 0.46), Ring("evaluating", "Evaluating", 0.46, 0.66),
         Ring("proposed", "Proposed", 0.66, 0.83), Ring("flagged", "Flagged for removal", 0.83, 1.0)]
USAGE = {"active": "Active", "idle": "Idle", "unused": "Unused", "unknown": "Unknown"}
SECTORS = [("tracking", "Experiment tracking"), ("registry", "Model registry"), ("serving", "Serving")]


@dataclass(frozen=True)
class Sector:
    key: str
    name: str


@dataclass(frozen=True)
class Dot:
    name: str
    category_keys: tuple
    lifecycle: str = "adopted"
    usage_state: str = "active"

    @property
    def url(self) -> str:
        return f"/tools/{self.name.lower().replace(' ', '-')}/"


def radar(dots, sectors=SECTORS) -> ET.Element:
    svg = radar_svg([Sector(*s) for s in sectors], dots, rings=RINGS, usage_labels=USAGE,
                    cluster_url=lambda sector, ring: f"/list/?sector={sector}&ring={ring}")
    return ET.fromstring(svg)


def placed(svg: ET.Element) -> dict[str, tuple[int, float, ET.Element]]:
    """Each dot's link label: (the sector it falls in, its distance from the centre as a fraction
    of the radius, its link)."""
    sector = 2 * math.pi / len(svg.findall("text[@class='radar-sector']"))
    where = {}
    for link in svg.findall("a"):
        dot = link.find("circle")
        if not dot.get("class").startswith("radar-dot"):
            continue
        dx, dy = float(dot.get("cx")) - SIZE / 2, float(dot.get("cy")) - SIZE / 2
        clockwise_from_top = (math.atan2(dy, dx) + math.pi / 2) % (2 * math.pi)
        where[link.get("aria-label")] = (int(clockwise_from_top // sector), math.hypot(dx, dy) / RADIUS, link)
    return where


def test_each_dot_sits_in_its_categorys_sector_and_its_lifecycles_ring():
    dots = [Dot("MLflow", ("tracking",)), Dot("Neptune", ("tracking",), "flagged", "unused"),
            Dot("W and B", ("tracking",), "evaluating"), Dot("Seldon", ("serving",), "proposed", "idle"),
            Dot("Registry one", ("registry", "tracking"))]
    where = placed(radar(dots))
    assert {name: sector for name, (sector, _, _) in where.items()} == {
        "MLflow": 0, "Neptune": 0, "W and B": 0, "Seldon": 2, "Registry one": 1}  # its first category
    rings = {ring.key: ring for ring in RINGS}
    for dot in dots:
        _, distance, _ = where[dot.name]
        assert max(rings[dot.lifecycle].inner, 0.12) <= distance <= rings[dot.lifecycle].outer, dot.name


def test_a_dot_links_to_its_tool_and_is_coloured_and_titled_by_its_usage():
    link = placed(radar([Dot("Neptune", ("tracking",), "flagged", "unused")]))["Neptune"][2]
    assert link.get("href") == "/tools/neptune/"
    assert link.find("circle").get("class") == "radar-dot usage-unused"
    assert link.find("circle/title").text == "Neptune · flagged for removal · usage unused"


def test_tools_outside_the_sectors_or_rings_are_left_out_and_the_label_counts_the_rest():
    svg = radar([Dot("MLflow", ("tracking",)), Dot("Gone", ("tracking",), "retired"), Dot("Loose", ()),
                 Dot("Elsewhere", ("labelling",))])
    assert set(placed(svg)) == {"MLflow"}
    assert svg.get("aria-label") == "Radar of 1 tools in 3 categories"
    assert [t.text for t in svg.findall("text[@class='radar-sector']")] == [name for _, name in SECTORS]


def test_names_are_escaped():
    svg = radar_svg([Sector("x", "<b>Ops</b>")], [Dot("<script>", ("x",))], rings=RINGS, usage_labels=USAGE,
                    cluster_url=lambda sector, ring: "")
    assert "<script>" not in svg and "<b>" not in svg
    assert "&lt;script&gt;" in svg and "&lt;b&gt;Ops&lt;/b&gt;" in svg


def test_a_crowded_cell_draws_one_counted_link_to_its_list():
    dots = [Dot(f"Tracker {n}", ("tracking",), usage_state="idle" if n < 2 else "active") for n in range(CELL_DOTS + 1)]
    svg = radar(dots + [Dot("Registry", ("registry",))])
    assert set(placed(svg)) == {"Registry"}
    (cluster,) = [a for a in svg.findall("a") if a.find("circle").get("class") == "radar-cluster"]
    assert cluster.get("href") == "/list/?sector=tracking&ring=adopted"
    assert cluster.find("text").text == str(CELL_DOTS + 1)
    assert cluster.find("circle/title").text == f"{CELL_DOTS + 1} adopted tools in Experiment tracking · usage {CELL_DOTS - 1} active, 2 idle"


def test_a_cell_of_a_few_dots_names_them_and_a_fuller_one_does_not():
    few = radar([Dot(f"Tool {n}", ("tracking",)) for n in range(4)])
    assert sorted(t.text for t in few.iter("text") if t.get("class") == "radar-label") == [f"Tool {n}" for n in range(4)]
    more = radar([Dot(f"Tool {n}", ("tracking",)) for n in range(5)])
    assert not [t for t in more.iter("text") if t.get("class") == "radar-label"]


# The cost bars ------------------------------------------------------------------------------------

def bars(svg: str) -> dict[str, tuple[float, str]]:
    """Each bar's label: (its length, the value written beside it)."""
    root = ET.fromstring(svg)
    return {g.find("text[@class='bar-label']").text: (float(g.find("rect").get("width")), g.find("text[@class='bar-value']").text)
            for g in root.findall("g")}


def test_bars_are_as_long_as_their_cost_against_the_largest():
    drawn = bars(cost_bars_svg([("Tracking", Decimal(1200)), ("Serving", Decimal(300)), ("Registry", Decimal(600))]))
    track = 520 - 190 - 70
    assert drawn["Tracking"] == (track, "1,200")
    assert drawn["Serving"][0] == track / 4 and drawn["Registry"][0] == track / 2
    assert list(drawn) == ["Tracking", "Serving", "Registry"]  # in the order given, one row each


def test_a_category_that_costs_nothing_still_shows_a_sliver_and_its_zero():
    drawn = bars(cost_bars_svg([("Tracking", Decimal(50)), ("Free", Decimal(0))]))
    assert drawn["Free"] == (1.0, "0")


def test_no_bars_is_an_empty_chart_one_row_high():
    root = ET.fromstring(cost_bars_svg([]))
    assert root.get("viewBox") == "0 0 520 26" and not root.findall("g")
    assert root.get("aria-label") == "Cost a month per category"


# The sparkline -------------------------------------------------------------------------------------

def test_a_probe_that_never_ran_gets_a_sentence_not_a_chart():
    drawn = sparkline([None] * 90)
    assert "<svg" not in drawn
    assert drawn == '<span class="muted trend-empty">No successful probe run in 90 days yet.</span>'


def test_runs_that_saw_no_activity_draw_a_flat_line_that_says_so():
    drawn = sparkline([0, 0, None, 0, 0], width=100, height=40)
    svg = ET.fromstring(drawn[:drawn.index("</svg>") + 6])
    assert svg.get("aria-label") == "No activity in 5 days"
    assert drawn.endswith('<span class="muted small">No activity in 5 days</span>')
    lines = svg.findall("polyline")
    assert len(lines) == 2  # broken where the probe did not run
    assert {point.split(",")[1] for line in lines for point in line.get("points").split()} == {"38.0"}  # the floor


def test_the_busiest_day_touches_the_top_and_a_lone_day_is_a_dot():
    drawn = sparkline([None, 4, 2, None, 1], width=40, height=40)
    svg = ET.fromstring(drawn[:drawn.index("</svg>") + 6])
    assert svg.get("aria-label") == "Activity on 3 of 5 days, highest 4 in a day"
    (line,) = svg.findall("polyline")
    assert line.get("points") == "10.0,2.0 20.0,20.0"  # x by day; the highest at the top, half as much halfway
    (dot,) = svg.findall("circle")
    assert (dot.get("cx"), dot.get("cy")) == ("40.0", "29.0")
    assert re.search(r'width="40" height="40" viewBox="0 0 40 40"', drawn)


# The trial calendar ---------------------------------------------------------------------------------

@dataclass
class Span:
    start_on: date | None
    days: int = 7

    @property
    def ends_on(self) -> date | None:
        return self.start_on + timedelta(days=self.days) if self.start_on else None


def test_time_boxes_share_one_axis_from_the_first_start_to_the_last_end():
    first, second, undated = Span(date(2026, 11, 2), 10), Span(date(2026, 11, 7), 15), Span(None)
    rows = calendar_bars([first, undated, second])
    assert [row["trial"] for row in rows] == [first, second]  # the undated one has no bar
    assert [(row["left"], row["width"]) for row in rows] == [("0.0", "50.0"), ("25.0", "75.0")]  # 20 days in all


def test_a_single_time_box_fills_the_calendar():
    assert calendar_bars([Span(date(2026, 2, 28), 1)]) == [{"trial": Span(date(2026, 2, 28), 1), "left": "0.0", "width": "100.0"}]


def test_no_dated_time_box_means_no_calendar():
    assert calendar_bars([Span(None), Span(None)]) == []
    assert calendar_bars([]) == []
