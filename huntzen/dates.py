"""The portal's date styles, defined once per language: a short one for lists and cards
("mar. 1 déc."), a long one for headings and facts ("mardi 1 décembre 2026"). Templates
use them through the built-in filters of huntzen/date_filters.py."""

from django.utils import dateformat
from django.utils.translation import get_language

FORMATS = {
    "fr": {"short": r"D. j N", "long": "l j F Y", "time": "H:i"},
    "en": {"short": "D, N j", "long": "l, F j, Y", "time": "H:i"},
}


def _format(style: str) -> str:
    language = (get_language() or "fr")[:2]
    return FORMATS.get(language, FORMATS["fr"])[style]


def date_short(value) -> str:
    return dateformat.format(value, _format("short")) if value else ""


def date_long(value) -> str:
    return dateformat.format(value, _format("long")) if value else ""


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
