"""Charts drawn on the server as SVG geometry: bars and a weekly trend line. No Django.

Templates draw the shapes (`templates/reports/_bars.svg.html`, `_trend.svg.html`); every chart
has a title and sits beside a table of the same numbers, for screen readers and for exact reading.
"""

from __future__ import annotations

from dataclasses import dataclass, field

WIDTH = 320
BAR_ROW = 36
BAR_HEIGHT = 14
LABEL_ROOM = 44  # room right of the longest bar for its value


@dataclass
class Bar:
    label: str
    value: float | None
    shown: str
    y: float
    width: float


@dataclass
class BarChart:
    title: str
    bars: list[Bar]
    height: int
    width: int = WIDTH


def bar_chart(title: str, items: list[tuple[str, float | None]], unit: str = "") -> BarChart:
    """One horizontal bar per item, longest for the largest value; no value, no bar ("—")."""
    top = max((value for _, value in items if value is not None), default=0) or 1
    bars = []
    for index, (label, value) in enumerate(items):
        width = 0.0 if not value else max(1.0, (WIDTH - LABEL_ROOM) * value / top)
        shown = "—" if value is None else f"{value:g}{unit}"
        bars.append(Bar(label, value, shown, index * BAR_ROW, round(width, 1)))
    return BarChart(title, bars, max(1, len(items)) * BAR_ROW)


@dataclass
class Point:
    label: str
    value: float | None
    x: float
    y: float | None
    show_label: bool


@dataclass
class TrendChart:
    title: str
    points: list[Point]
    line: str  # "x,y x,y …" of the points with a value
    top_label: str
    width: int = WIDTH
    height: int = 170
    plot_top: int = 14
    plot_bottom: int = 140
    plot_left: int = 8
    plot_right: int = WIDTH - 8
    ticks: list[tuple[float, str]] = field(default_factory=list)


def trend_chart(title: str, items: list[tuple[str, float | None]], unit: str = "") -> TrendChart:
    """A line through the values, left to right; a missing value breaks nothing, it is skipped."""
    chart = TrendChart(title, [], "", "")
    top = max((value for _, value in items if value is not None), default=0) or 1
    span = chart.plot_right - chart.plot_left
    step = span / max(1, len(items) - 1)
    every = max(1, round(len(items) / 4))
    for index, (label, value) in enumerate(items):
        x = round(chart.plot_left + index * step, 1) if len(items) > 1 else chart.plot_left + span / 2
        y = None
        if value is not None:
            y = round(chart.plot_bottom - (chart.plot_bottom - chart.plot_top) * value / top, 1)
        # Labels counted back from the last week, so the latest always has one and none collide.
        chart.points.append(Point(label, value, x, y, (len(items) - 1 - index) % every == 0))
    chart.line = " ".join(f"{p.x},{p.y}" for p in chart.points if p.y is not None)
    chart.top_label = f"{top:g}{unit}"
    chart.ticks = [(chart.plot_top, f"{top:g}{unit}"), (chart.plot_bottom, f"0{unit}")]
    return chart
