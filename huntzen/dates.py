"""The portal's date styles, defined once per language: a short one for lists and cards
("mar. 1 déc."), a long one for headings and facts ("mardi 1 décembre 2026"). Templates
use them through the built-in filters of huntzen/date_filters.py."""

from datetime import date
from functools import lru_cache

from django.utils import dateformat
from django.utils.translation import get_language

FORMATS = {
    "fr": {"short": r"D. j N", "long": "l j F Y", "time": "H:i"},
    "en": {"short": "D, N j", "long": "l, F j, Y", "time": "H:i"},
}


def _format(style: str) -> str:
    language = (get_language() or "fr")[:2]
    return FORMATS.get(language, FORMATS["fr"])[style]


def _formatted(value, style: str) -> str:
    if type(value) is date:  # a day reads the same all year in a language: kept
        return _day_formatted(value, style, get_language())
    return dateformat.format(value, _format(style))


@lru_cache(maxsize=4096)
def _day_formatted(value: date, style: str, language: str | None) -> str:
    # Day and month names go through gettext: about 0.1 ms a date, fifty on a journal page.
    return dateformat.format(value, _format(style))


def days_long():
    """`date_long` for many days (`date`s) of one page, the language looked up once."""
    language = get_language()

    def text(day: date) -> str:
        return _day_formatted(day, "long", language) if day else ""

    return text


def date_short(value) -> str:
    return _formatted(value, "short") if value else ""


def date_long(value) -> str:
    return _formatted(value, "long") if value else ""


def datetime_short(value) -> str:
    """Short date and time: "mar. 1 déc., 14:30"."""
    if not value:
        return ""
    return f"{date_short(value)}, {dateformat.format(value, _format('time'))}"


def datetime_long(value) -> str:
    """Long date and time: "mardi 1 décembre 2026, 14:30"."""
    if not value:
        return ""
    return f"{date_long(value)}, {dateformat.format(value, _format('time'))}"
