"""DRF's text of an instant (DateTimeField.to_representation: ISO 8601 in the current
time zone, `Z` for UTC, None for None), for the many instants of a list, from datetimes
or from PostgreSQL's own text of a timestamptz.

A page of fifty consultations writes 150 instants, and datetime.astimezone and
isoformat (about 20,000 instructions a value: isoformat writes through
PyUnicode_FromFormat) were a quarter of the request's instructions
(bench/profiles/jb/SUMMARY.md). PostgreSQL has already written each instant as text,
"2026-12-23 00:30:00.5+00" in the UTC Django keeps the connection in; a statement may
read them so (huntzen.statements, `as_text`). Such an instant's local text is then its
UTC hour's local text, worked out once per hour and time zone (`_hour`), followed by the
minutes and seconds PostgreSQL wrote: a zone's offset is the same through a UTC hour and
a whole number of hours (Europe/Paris: every hour of the year) unless it changes within
that hour or has minutes (+05:30): the instants of such an hour, and any text of
another shape, are converted one by one, as datetimes are
(tests/test_datetime_text.py). The hours written as JSON are kept with their quotes
(`'"2026-12-23T01'`, `'+01:00"'`): the common instant, a whole second, is then one slice
for its hour, one comparison for its shape and one f-string of three pieces (its
JSON text was a fifth of a page of my consultations' instructions, bench/profiles/pb/).
"""

import datetime
import re

from django.utils import timezone

# The first 13 characters of PostgreSQL's timestamptz text (DateStyle ISO: PostgreSQL's
# default, which Django keeps): date and hour.
_UTC_HOUR = re.compile(r"\d{4}-\d\d-\d\d \d\d")
_AN_HOUR = datetime.timedelta(hours=1)
_LAST_OF_AN_HOUR = _AN_HOUR - datetime.timedelta(microseconds=1)

# Per time zone and quote ("" or '"' for JSON), per UTC hour text: its local text
# ("2026-12-23T01") and the offset's ("+01:00", "Z"), each with the quote on its outer
# side, or False for an hour converted value by value. A calendar fact, the same for
# every request; started afresh past _HOURS_KEPT hours (years of instants).
_HOURS: dict = {}
_HOURS_KEPT = 20_000


def datetime_text(tz=None, *, json: bool = False):
    """A function writing an instant as DRF's DateTimeField does, the time zone (`tz`,
    else the current one) looked up once for many values: each value a datetime, None,
    or PostgreSQL's text of a timestamptz read in UTC. With `json`, as JSON text: the
    same text between quotes (digits, "-", ":", "+", ".", "T", "Z": nothing to escape),
    "null" for None (a list written straight to JSON, huntzen.json_rows)."""
    tz = tz or timezone.get_current_timezone()
    none, quote = ("null", '"') if json else (None, "")
    hours = _HOURS.get((tz, quote))
    if hours is None or len(hours) > _HOURS_KEPT:
        hours = _HOURS[tz, quote] = {}

    def text(value):
        if value is None:
            return none
        if value.__class__ is str:
            key = value[:13]
            hour = hours.get(key)
            if hour is None:
                hour = hours[key] = _quoted(_hour(key, tz), quote)
            if hour and value[19:] == "+00":  # "YYYY-MM-DD HH:MM:SS+00": a whole second
                return f"{hour[0]}{value[13:19]}{hour[1]}"
            # With a fraction of 1 to 6 digits before "+00": PostgreSQL drops its trailing
            # zeros; isoformat writes six.
            if hour and value[-3:] == "+00" and 24 <= len(value) <= 29 and value[19] == ".":
                return f"{hour[0]}{value[13:19]}{value[19:-3]:0<7}{hour[1]}"
            value = datetime.datetime.fromisoformat(value)
        value = value.astimezone(tz).isoformat()
        return f"{quote}{value[:-6]}Z{quote}" if value.endswith("+00:00") else quote + value + quote

    return text


def _quoted(hour: tuple[str, str] | bool, quote: str) -> tuple[str, str] | bool:
    """`_hour`'s texts with `quote` before the local hour and after the offset."""
    return hour and (quote + hour[0], hour[1] + quote)


def _hour(key: str, tz) -> tuple[str, str] | bool:
    """The local text of the UTC hour `key` ("2026-12-23 00") in `tz` and its offset's
    text, when one whole-hour offset holds through that hour; else False."""
    if not _UTC_HOUR.fullmatch(key):
        return False
    start = datetime.datetime.fromisoformat(f"{key}:00:00+00:00")
    local = start.astimezone(tz)
    offset = local.utcoffset()
    if (start + _LAST_OF_AN_HOUR).astimezone(tz).utcoffset() != offset or offset % _AN_HOUR:
        return False
    written = local.isoformat()  # "2026-12-23T01:00:00+01:00"
    return written[:13], "Z" if written.endswith("+00:00") else written[19:]
