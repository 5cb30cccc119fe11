"""The mood-over-time chart, drawn on the server as inline SVG.

Only numbers and dates reach the SVG; styling is by class (static/medical/journal.css)
because the CSP forbids inline style attributes and scripts. Coordinates are strings
formatted here, never by the template: Django would localise a float, and a French
decimal comma ("172,0") is not an SVG number.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from html import escape
from typing import NamedTuple

from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, ngettext

from huntzen import dates
from huntzen.numbers import number_text
from medical import limits

WIDTH = 640
HEIGHT = 200
PAD_LEFT = 36
PAD_RIGHT = 12
PAD_TOP = 12
PAD_BOTTOM = 28


def svg_number(value: float) -> str:
    """A coordinate as SVG reads it, whatever the active language."""
    return f"{value:.1f}"


class Dot(NamedTuple):  # one per day: cheaper to build than a frozen dataclass
    x: str
    y: str
    day: date
    mood: float
    count: int
    label: str


class Tick(NamedTuple):
    pos: str
    label: str


@dataclass(frozen=True)
class MoodChart:
    width: int
    height: int
    plot_left: int
    plot_right: int
    plot_top: int
    plot_bottom: int
    polyline: str
    dots: list[Dot]
    y_ticks: tuple[Tick, ...]
    x_ticks: tuple[Tick, ...]
    first_day: date
    last_day: date
    # The marks repeated per tick and per day, built once in Python (`_marks`): the
    # template's loops over them were most of the journal page's time.
    y_grid: SafeString = field(default=SafeString(""))
    x_axis: SafeString = field(default=SafeString(""))
    dot_marks: SafeString = field(default=SafeString(""))
    value_rows: SafeString = field(default=SafeString(""))
    description: SafeString = field(default=SafeString(""))  # the SVG's <desc>

    @property
    def view_box(self) -> str:
        """The SVG's viewBox, written here as the coordinates are: one lookup in the
        template, not two integers localised there (0.1 M instructions a journal page:
        bench/profiles/tc/)."""
        return f"0 0 {self.width} {self.height}"


def mood_chart(points, *, first_day: date, last_day: date) -> MoodChart:
    """Coordinates for `points` (MoodPoint, oldest first) between two days."""
    x_of, y_of = _x_of(first_day, last_day), _y_of
    date_long = dates.days_long()
    # A day's mood is one of few values (whole numbers but on days of several entries):
    # each one's coordinate and rounding worked out once per chart (never kept longer).
    by_mood: dict[float, tuple[str, float]] = {}
    dots = []
    for p in points:
        mood = p.mood
        y_rounded = by_mood.get(mood)
        if y_rounded is None:
            y_rounded = by_mood[mood] = (y_of(mood), round(mood, 1))
        dots.append(Dot(x_of(p.day), y_rounded[0], p.day, y_rounded[1], p.count, date_long(p.day)))
    y_ticks, x_ticks, axes = _axes(first_day, last_day, get_language())
    return MoodChart(
        width=WIDTH,
        height=HEIGHT,
        plot_left=PAD_LEFT,
        plot_right=WIDTH - PAD_RIGHT,
        plot_top=PAD_TOP,
        plot_bottom=HEIGHT - PAD_BOTTOM,
        polyline=" ".join(f"{d.x},{d.y}" for d in dots),
        dots=dots,
        y_ticks=y_ticks,
        x_ticks=x_ticks,
        first_day=first_day,
        last_day=last_day,
        **axes,
        **_marks(dots),
        description=_description(first_day, last_day, len(dots), date_long),
    )


def _description(
    first_day: date, last_day: date, days: int, date_long: Callable[[date], str]
) -> SafeString:
    """The chart's <desc>, as the template's `{% blocktranslate with first=…|date_long
    last=…|date_long count days=… %}` wrote it (tests/medical/test_journal_page.py
    renders both, in French and English): the same message and plural, the days'
    labels escaped and the count localised as a template does, without the tag's
    context and filter walk (a tenth of a millisecond a page)."""
    message = ngettext(
        "Humeur moyenne par jour, de 1 (très difficile) à 5 (très bien), du %(first)s au "
        "%(last)s : %(days)s jour renseigné.",
        "Humeur moyenne par jour, de 1 (très difficile) à 5 (très bien), du %(first)s au "
        "%(last)s : %(days)s jours renseignés.",
        days,
    )
    values = {
        "first": escaped_label(date_long(first_day)),
        "last": escaped_label(date_long(last_day)),
        "days": number_text()(days),
    }
    return mark_safe(message % values)  # noqa: S308 # nosec B308, B703 -- values escaped


def _x_of(first_day: date, last_day: date) -> Callable[[date], str]:
    """A day's x coordinate on a chart from `first_day` to `last_day`."""
    plot_w = WIDTH - PAD_LEFT - PAD_RIGHT
    span = max((last_day - first_day).days, 1)

    def x_of(day: date) -> str:
        return svg_number(PAD_LEFT + plot_w * (day - first_day).days / span)

    return x_of


def _y_of(mood: float) -> str:
    plot_h = HEIGHT - PAD_TOP - PAD_BOTTOM
    scale = (mood - limits.MOOD_MIN) / (limits.MOOD_MAX - limits.MOOD_MIN)
    return svg_number(PAD_TOP + plot_h * (1 - scale))


@lru_cache(maxsize=16)
def _axes(first_day: date, last_day: date, language: str | None) -> tuple:
    """The ticks of both axes and their marks (`y_grid`, `x_axis`), for a chart between
    two days in `language`: the same for every chart drawn between those days (no
    one's data: the mood scale and the calendar), so worked out once per process and
    day range (a journal page's is today's). The ticks are tuples: shared, never
    changed."""
    y_ticks = tuple(Tick(_y_of(m), str(m)) for m in range(limits.MOOD_MIN, limits.MOOD_MAX + 1))
    x_of = _x_of(first_day, last_day)
    step = max(max((last_day - first_day).days, 1) // 4, 1)
    x_ticks = []
    day = first_day
    while day <= last_day:
        x_ticks.append(Tick(x_of(day), day.strftime("%d/%m")))
        day += timedelta(days=step)
    x_ticks = tuple(x_ticks)
    number = number_text()
    left, right, bottom = number(PAD_LEFT), number(WIDTH - PAD_RIGHT), number(HEIGHT - 8)
    label_x = number(PAD_LEFT - 8)
    # Coordinates are svg_number's digits, sign and point: nothing to escape in them.
    y_grid = "".join(
        f'<line class="mood-grid" x1="{left}" x2="{right}" y1="{t.pos}" y2="{t.pos}"/><text '
        f'class="mood-axis" x="{label_x}" y="{t.pos}" text-anchor="end" '
        f'dominant-baseline="middle">{escape(t.label)}</text>'
        for t in y_ticks
    )
    x_axis = "".join(
        f'<text class="mood-axis" x="{t.pos}" y="{bottom}" text-anchor="middle">'
        f"{escape(t.label)}</text>"
        for t in x_ticks
    )
    # Every value above is escaped or a number.
    marks = {"y_grid": mark_safe(y_grid), "x_axis": mark_safe(x_axis)}  # noqa: S308 # nosec B308, B703
    return y_ticks, x_ticks, marks


def _marks(dots) -> dict[str, SafeString]:
    """The SVG dots and the table's rows, as the template's loops wrote them
    (tests/medical/test_journal_page.py renders both; the axes' marks likewise, in
    `_axes`): values escaped and numbers localised as a template does (the table's
    "3,5" in French). Plain string formatting with html.escape, which Django's escape
    is: format_html and localize, per value, were most of the chart's time
    (bench/profiles/ha/)."""
    number = number_text()
    mood_texts: dict[float, str] = {}  # per chart, as above
    labels = []
    for d in dots:
        mood = mood_texts.get(d.mood)
        if mood is None:
            mood = mood_texts[d.mood] = number(d.mood)
        labels.append((d, escaped_label(d.label), mood))
    dot_marks = "".join(
        f'<circle class="mood-dot" cx="{d.x}" cy="{d.y}" r="4"><title>'
        f"{label} : {mood}</title></circle>"
        for d, label, mood in labels
    )
    value_rows = "".join(
        f"<tr><td>{label}</td><td>{mood}</td><td>{number(d.count)}</td></tr>"
        for d, label, mood in labels
    )
    # Every value above is escaped or a number.
    return {
        name: mark_safe(markup)  # noqa: S308 # nosec B308, B703
        for name, markup in (
            ("dot_marks", dot_marks),
            ("value_rows", value_rows),
        )
    }


@lru_cache(maxsize=4096)
def escaped_label(label: str) -> str:
    """html.escape of a day's label (huntzen.dates' long style, itself kept per day and
    language: a calendar's words, no one's data), escaped once per process."""
    return escape(label)
