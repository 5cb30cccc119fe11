"""Bar charts as plain data for an inline SVG template: no script, no style attribute
(the CSP forbids both); colours come from classes in static/metrics/metrics.css."""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from metrics.small_groups import Hidden

WIDTH = 720
HEIGHT = 180
TOP = 16
BOTTOM = 24
LEFT = 36


@dataclass(frozen=True)
class Bar:
    """Coordinates pre-formatted as strings: no localisation (a French decimal comma
    would break the SVG) and no template filter per attribute (cheaper for 366 bars)."""

    x: str
    y: str
    width: str
    height: str
    title: str
    hidden: bool  # a withheld figure: a hatched slot the full height of the plot, no bar


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

    @property
    def has_hidden(self) -> bool:
        return any(bar.hidden for bar in self.bars)


def bar_chart(points: list[tuple[str, object]], *, unit: str = "") -> Chart:
    """points: (label, value) with value a number or Hidden. A withheld value is drawn as
    a hatched slot over the whole height, so that it reads neither as 0 nor as a size."""
    values = [v for _, v in points if not isinstance(v, Hidden)]
    top = max(values, default=0) or 1
    plot_height = HEIGHT - TOP - BOTTOM
    slot = (WIDTH - LEFT) / max(len(points), 1)
    bar_width = max(slot * 0.8, 1)
    bars = []
    withheld = _("masqué")
    width = f"{bar_width:.2f}"
    for i, (label, value) in enumerate(points):
        x = f"{LEFT + i * slot + (slot - bar_width) / 2:.2f}"
        hidden = isinstance(value, Hidden)
        h = plot_height if hidden else plot_height * value / top
        title = f"{label} : {withheld} ({value})" if hidden else f"{label} : {value}{unit}"
        bars.append(Bar(x, f"{HEIGHT - BOTTOM - h:.2f}", width, f"{h:.2f}", title, hidden))
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
