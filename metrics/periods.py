"""Reporting periods: parsing and validating `from` / `to`, cutting weeks and months,
and the fixed buckets (ISO weeks, calendar months) an employer reads."""

import re
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

from django.db import models
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

MAX_DAYS = 366
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class PeriodError(ValueError):
    """A bad period; `errors` maps the query parameter to a message for the user."""

    def __init__(self, errors: dict):
        super().__init__(errors)
        self.errors = errors


@dataclass(frozen=True)
class Period:
    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def dates(self):
        for offset in range(self.days):
            yield self.start + timedelta(days=offset)

    def weeks(self) -> list["Period"]:
        """ISO weeks (Monday to Sunday) cut to the period."""
        out, cursor = [], self.start
        while cursor <= self.end:
            week_end = cursor + timedelta(days=6 - cursor.weekday())
            out.append(Period(cursor, min(week_end, self.end)))
            cursor = week_end + timedelta(days=1)
        return out

    def months(self) -> list["Period"]:
        """Calendar months cut to the period."""
        out, cursor = [], self.start
        while cursor <= self.end:
            month_end = _next_month(cursor) - timedelta(days=1)
            out.append(Period(cursor, min(month_end, self.end)))
            cursor = month_end + timedelta(days=1)
        return out

    @property
    def is_whole_months(self) -> bool:
        return self.start.day == 1 and (self.end + timedelta(days=1)).day == 1

    def snapped(self, granularity: "Granularity") -> "Period":
        """The smallest run of whole buckets covering the period."""
        if granularity == Granularity.DAY:
            return self
        first = bucket_of(self.start, granularity)
        last = bucket_of(self.end, granularity)
        return Period(first.start, last.end)

    def buckets(self, granularity: "Granularity") -> list["Period"]:
        """The whole buckets covering the period, in order."""
        return list(_buckets(self, granularity))


class Granularity(models.TextChoices):
    DAY = "day", _("Jour")
    WEEK = "week", _("Semaine")
    MONTH = "month", _("Mois")


# Weeks, months and a period's buckets are pure functions of dates, asked for hundreds
# of times by one year's report (metrics.suppression judges every month's table): kept.
@lru_cache(maxsize=4096)
def iso_week(day: date) -> Period:
    monday = day - timedelta(days=day.weekday())
    return Period(monday, monday + timedelta(days=6))


@lru_cache(maxsize=4096)
def calendar_month(day: date) -> Period:
    first = day.replace(day=1)
    return Period(first, _next_month(first) - timedelta(days=1))


@lru_cache(maxsize=1024)
def _buckets(period: Period, granularity: "Granularity") -> tuple[Period, ...]:
    out, cursor = [], period.start
    while cursor <= period.end:
        bucket = bucket_of(cursor, granularity)
        out.append(bucket)
        cursor = bucket.end + timedelta(days=1)
    return tuple(out)


def bucket_of(day: date, granularity: Granularity) -> Period:
    if granularity == Granularity.WEEK:
        return iso_week(day)
    if granularity == Granularity.MONTH:
        return calendar_month(day)
    return Period(day, day)


def bucket_label(bucket: Period, granularity: Granularity) -> str:
    """`2026-W49` (ISO year and week), `2026-12`, `2026-12-03`: the first CSV column."""
    if granularity == Granularity.WEEK:
        year, week, _weekday = bucket.start.isocalendar()
        return f"{year}-W{week:02d}"
    if granularity == Granularity.MONTH:
        return bucket.start.strftime("%Y-%m")
    return bucket.start.isoformat()


def published_until(today: date) -> date:
    """An employer's figures are published month by month, once the month is over: the
    last day they may cover. Until then a month's figures still grow day by day, and
    reading them on two days tells what happened in between."""
    return today.replace(day=1) - timedelta(days=1)


def parse_report(
    raw_from: str | None,
    raw_to: str | None,
    raw_granularity: str | None,
    *,
    required: bool,
    default: tuple[Period, Granularity],
    allowed,
) -> tuple[Period, Granularity]:
    """A period (see `parse_period`) and a granularity among `allowed`; every error at
    once. Missing: `default`."""
    errors: dict = {}
    period, granularity = default
    try:
        period = parse_period(raw_from, raw_to, required=required, default=period)
    except PeriodError as exc:
        errors.update(exc.errors)
    if raw_granularity and raw_granularity not in allowed:
        errors["granularity"] = _("Valeurs possibles : %(values)s.") % {
            "values": ", ".join(str(value) for value in allowed)
        }
    elif raw_granularity:
        granularity = Granularity(raw_granularity)
    if errors:
        raise PeriodError(errors)
    return period, granularity


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def today() -> date:
    """Today in TIME_ZONE, the time zone the counters' days are dated in
    (metrics.services), whatever zone is active: a month is over for HR when it is
    over there. (The active zone was also the slower read: a thread-local lookup.)"""
    return timezone.localdate(timezone=timezone.get_default_timezone())


def default_period() -> Period:
    """The current calendar month up to its end: a period of whole months."""
    first = today().replace(day=1)
    return Period(first, _next_month(first) - timedelta(days=1))


def _parse_date(raw: str, name: str, errors: dict) -> date | None:
    if not _ISO_DATE.match(raw):
        errors[name] = _("Date invalide : utilisez le format AAAA-MM-JJ.")
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        errors[name] = _("Date invalide : ce jour n'existe pas.")
        return None


def parse_period(
    raw_from: str | None, raw_to: str | None, *, required: bool, default: Period | None = None
) -> Period:
    """Validate ISO dates `from` and `to` (inclusive): from <= to, at most 366 days.
    When not `required`, missing dates fall back to `default` (the current month)."""
    if not raw_from and not raw_to and not required:
        return default or default_period()
    errors: dict = {}
    start = _parse_required_date(raw_from, "from", errors)
    end = _parse_required_date(raw_to, "to", errors)
    if start and end:
        _check_span(start, end, errors)
    if errors:
        raise PeriodError(errors)
    return Period(start, end)


def _parse_required_date(raw: str | None, name: str, errors: dict) -> date | None:
    if not raw:
        errors[name] = _("Ce paramètre est obligatoire (AAAA-MM-JJ).")
        return None
    return _parse_date(raw.strip(), name, errors)


def _check_span(start: date, end: date, errors: dict) -> None:
    if start > end:
        errors["to"] = _("La fin de la période doit suivre son début.")
    elif (end - start).days + 1 > MAX_DAYS:
        errors["to"] = _("La période ne peut pas dépasser 366 jours.")


def require_whole_months(period: Period) -> Period:
    """Per-employee counters only cover whole calendar months, so that no date finer than
    a month can be read from them, not even by comparing two overlapping periods."""
    if not period.is_whole_months:
        raise PeriodError(
            {
                "from": _(
                    "Les compteurs par salarié portent sur des mois entiers : la période "
                    "doit commencer le premier jour d'un mois et finir le dernier jour d'un mois."
                )
            }
        )
    return period


def require_published(period: Period, *, until: date | None) -> Period:
    """An employer reads a month once it is over (`published_until`): a consenting
    employee's month read on two days would tell what she did in between."""
    if until is not None and period.end > until:
        raise PeriodError(
            {
                "to": _(
                    "Un mois est publié une fois terminé : la période doit finir au plus "
                    "tard le %(day)s."
                )
                % {"day": date_format(until)}
            }
        )
    return period


_ISO_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def parse_month_range(
    raw_from: str | None, raw_to: str | None, *, default: Period | None = None
) -> Period:
    """`from` / `to` as YYYY-MM (the portal's month fields): whole months, at most 12.
    Missing both: `default` (the current month)."""
    if not raw_from and not raw_to:
        return default or default_period()
    errors: dict = {}
    bounds = {}
    for name, raw in (("from", raw_from), ("to", raw_to)):
        match = _ISO_MONTH.match((raw or "").strip())
        if not match or not 1 <= int(match.group(2)) <= 12:
            errors[name] = _("Mois invalide : utilisez le format AAAA-MM.")
            continue
        bounds[name] = date(int(match.group(1)), int(match.group(2)), 1)
    if errors:
        raise PeriodError(errors)
    return parse_period(
        bounds["from"].isoformat(),
        (_next_month(bounds["to"]) - timedelta(days=1)).isoformat(),
        required=True,
    )
