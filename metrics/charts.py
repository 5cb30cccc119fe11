"""Bar charts as plain data for an inline SVG template: no script, no style attribute
(the CSP forbids both); colours come from classes in static/metrics/metrics.css."""

from dataclasses import dataclass

from metrics.selectors import Hidden

WIDTH = 720
HEIGHT = 180
TOP = 16
BOTTOM = 24
LEFT = 36


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    title: str
    hidden: bool


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    bars: list[Bar]
    max_value: float
    baseline: float
    left: int
    top: int
    first_label: str
    last_label: str


def bar_chart(points: list[tuple[str, object]], *, unit: str = "") -> Chart:
    """points: (label, value) with value a number or Hidden (drawn as a hatched stub)."""
    values = [v for _, v in points if not isinstance(v, Hidden)]
    top = max(values, default=0) or 1
    plot_height = HEIGHT - TOP - BOTTOM
    slot = (WIDTH - LEFT) / max(len(points), 1)
    bar_width = max(slot * 0.8, 1)
    bars = []
    for i, (label, value) in enumerate(points):
        x = round(LEFT + i * slot + (slot - bar_width) / 2, 2)
        if isinstance(value, Hidden):
            h = round(plot_height * 0.08, 2)
            title = f"{label} : {value}"
            bars.append(Bar(x, HEIGHT - BOTTOM - h, round(bar_width, 2), h, title, True))
            continue
        h = round(plot_height * value / top, 2)
        title = f"{label} : {value}{unit}"
        bars.append(Bar(x, round(HEIGHT - BOTTOM - h, 2), round(bar_width, 2), h, title, False))
    return Chart(
        width=WIDTH,
        height=HEIGHT,
        bars=bars,
        max_value=top if values else 0,
        baseline=HEIGHT - BOTTOM,
        left=LEFT,
        top=TOP,
        first_label=points[0][0] if points else "",
        last_label=points[-1][0] if points else "",
    )
