"""Consultation reads: bookable slots, lists of one's consultations, the agenda, and
what each portal page shows.

Slots are computed, never stored: weekly opening hours (local wall-clock time in the
practitioner's time zone, so 09:00 stays 09:00 across daylight-saving changes), plus
extra openings, minus closures, cut into consultations of the practitioner's length
separated by their buffer, minus the live consultations (widened by the buffer), minus
what is in the past or closer than the booking notice.
"""

import bisect
import functools
import logging
import re
import zoneinfo
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from operator import itemgetter
from typing import NamedTuple, TypeVar

from django.conf import settings
from django.db import connection
from django.db.models import (
    CharField,
    DateField,
    F,
    PositiveSmallIntegerField,
    Q,
    QuerySet,
    Value,
)
from django.utils import timezone

from accounts.models import User
from consultations import room, video
from consultations.access import is_participant, may_book, may_cancel
from consultations.models import (
    MAX_BUFFER_MINUTES,
    MAX_LENGTH_MINUTES,
    Availability,
    AvailabilityException,
    Consultation,
    WeeklyOpening,
)
from consultations.permissions import consultations_with_perm, has_object_perm
from medical import crypto

logger = logging.getLogger(__name__)

Status = Consultation.Status
ExceptionKind = AvailabilityException.Kind


@dataclass(frozen=True, order=True)
class Slot:
    start: datetime  # aware, UTC
    end: datetime


def booking_notice() -> timedelta:
    return timedelta(minutes=settings.HUNTZEN_BOOKING_NOTICE_MINUTES)


def cancellation_notice() -> timedelta:
    return timedelta(hours=settings.HUNTZEN_CANCELLATION_NOTICE_HOURS)


def within_cancellation_notice(consultation: Consultation, *, now: datetime) -> bool:
    """Whether `now` is past the notice: an employee's cancellation then is late, and
    she may no longer reschedule."""
    return now > consultation.scheduled_at - cancellation_notice()


def next_free_slots(
    *, practitioner: User, count: int = 3, now: datetime | None = None
) -> list[Slot]:
    """The practitioner's next `count` bookable slots (within two weeks), to offer
    again after a cancellation."""
    now = now or timezone.now()
    return practitioner_slots(
        practitioner=practitioner, start=now, end=now + timedelta(weeks=2), now=now
    )[:count]


def booking_horizon() -> timedelta:
    return timedelta(weeks=settings.HUNTZEN_BOOKING_HORIZON_WEEKS)


def availability_for(practitioner: User) -> Availability | None:
    return Availability.objects.filter(practitioner=practitioner).first()


# --- Pure interval arithmetic on one local day ----------------------------------------


def _merge(windows: list[tuple[time, time]]) -> list[tuple[time, time]]:
    merged: list[tuple[time, time]] = []
    for start, end in sorted(windows):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _subtract(
    windows: list[tuple[time, time]], holes: list[tuple[time, time]]
) -> list[tuple[time, time]]:
    for hole_start, hole_end in holes:
        remaining = []
        for start, end in windows:
            if hole_end <= start or hole_start >= end:
                remaining.append((start, end))
                continue
            if start < hole_start:
                remaining.append((start, hole_start))
            if hole_end < end:
                remaining.append((hole_end, end))
        windows = remaining
    return windows


def _day_windows(
    day: date,
    weekly: dict[int, list[tuple[time, time]]],
    exceptions: "list[AvailabilityException] | list[ExceptionHours]",
) -> list[tuple[time, time]]:
    """The open windows of one local date after its exceptions. Weekly hours are merged
    into one grid; an extra opening keeps its own start (so "an extra slot at 12:15"
    is offered at 12:15 even inside weekly hours)."""
    closed_all_day = any(e.kind == ExceptionKind.CLOSED and e.is_whole_day for e in exceptions)
    holes = [
        (e.start_time, e.end_time)
        for e in exceptions
        if e.kind == ExceptionKind.CLOSED and not e.is_whole_day
    ]
    weekly_windows = [] if closed_all_day else _merge(list(weekly.get(day.weekday(), [])))
    extra = [(e.start_time, e.end_time) for e in exceptions if e.kind == ExceptionKind.OPEN]
    return _subtract(weekly_windows, holes) + _subtract(extra, holes)


def _aware(day: date, at: time, tz: zoneinfo.ZoneInfo) -> datetime | None:
    """`day at` in `tz`, as UTC; None when that wall-clock time does not exist (the hour
    skipped when clocks go forward). An ambiguous time (clocks going back) takes its
    first occurrence."""
    wall = datetime.combine(day, at)
    aware = wall.replace(tzinfo=tz)
    if aware.astimezone(UTC).astimezone(tz).replace(tzinfo=None) != wall:
        return None
    return aware.astimezone(UTC)


_WEEKLY = "weekly"


def _hours_rows(availability: Availability, first_day: date, last_day: date):
    """The weekly hours and the exceptions of [first_day, last_day] in one query (UNION
    ALL): (kind or "weekly", weekday or None, date or None, start_time, end_time)."""

    def columns(kind, weekday, day):
        return {
            "h_kind": kind,
            "h_weekday": weekday,
            "h_date": day,
            "h_start": F("start_time"),
            "h_end": F("end_time"),
        }

    weekly = (
        WeeklyOpening.objects.filter(availability=availability)
        .order_by()
        .annotate(
            **columns(
                Value(_WEEKLY, output_field=CharField()),
                F("weekday"),
                Value(None, output_field=DateField()),
            )
        )
        .values_list("h_kind", "h_weekday", "h_date", "h_start", "h_end")
    )
    exceptions = (
        AvailabilityException.objects.filter(
            availability=availability, date__gte=first_day, date__lte=last_day
        )
        .order_by()
        .annotate(
            **columns(F("kind"), Value(None, output_field=PositiveSmallIntegerField()), F("date"))
        )
        .values_list("h_kind", "h_weekday", "h_date", "h_start", "h_end")
    )
    return weekly.union(exceptions, all=True)


def _hours(availability: Availability, first_day: date, last_day: date):
    """The weekly windows by weekday, and the exceptions of [first_day, last_day] by
    date (one query)."""
    weekly: dict[int, list[tuple[time, time]]] = defaultdict(list)
    exceptions: dict[date, list[AvailabilityException]] = defaultdict(list)
    for kind, weekday, day, start_time, end_time in _hours_rows(availability, first_day, last_day):
        if kind == _WEEKLY:
            weekly[weekday].append((start_time, end_time))
        else:
            exceptions[day].append(
                AvailabilityException(kind=kind, date=day, start_time=start_time, end_time=end_time)
            )
    return weekly, exceptions


def opening_slots(*, availability: Availability, start: datetime, end: datetime) -> list[Slot]:
    """Every slot the hours offer with `start <= slot.start < end`, before consultations
    and notice are taken into account. One query (weekly hours and exceptions)."""
    tz = availability.tz
    first_day = start.astimezone(tz).date()
    last_day = end.astimezone(tz).date()
    weekly, exceptions = _hours(availability, first_day, last_day)
    return _opening_slots(
        availability=availability, start=start, end=end, weekly=weekly, exceptions=exceptions
    )


def _opening_slots(
    *,
    availability: Availability,
    start: datetime,
    end: datetime,
    weekly: dict[int, list[tuple[time, time]]],
    exceptions: "dict[date, list[AvailabilityException]] | dict[date, list[ExceptionHours]]",
) -> list[Slot]:
    """`opening_slots` from the weekly hours and the exceptions by local date (dates
    outside [start, end) are ignored)."""
    tz = availability.tz
    first_day = start.astimezone(tz).date()
    last_day = end.astimezone(tz).date()
    length = timedelta(minutes=availability.length_minutes)
    step = length + timedelta(minutes=availability.buffer_minutes)
    slots: set[Slot] = set()
    day = first_day
    while day <= last_day:
        for window_start, window_end in _day_windows(day, weekly, exceptions.get(day, [])):
            window_end_utc = _aware(day, window_end, tz) or (
                datetime.combine(day, window_end).replace(tzinfo=tz).astimezone(UTC)
            )
            wall = datetime.combine(day, window_start)
            while wall + length <= datetime.combine(day, window_end):
                slot_start = _aware(day, wall.time(), tz)
                if slot_start is not None and slot_start + length <= window_end_utc:
                    if start <= slot_start < end:
                        slots.add(Slot(slot_start, slot_start + length))
                wall += step
        day += timedelta(days=1)
    return sorted(slots)


def _busy_intervals(
    *,
    practitioner: User,
    start: datetime,
    end: datetime,
    buffer: timedelta,
    exclude: Consultation | None = None,
) -> list[tuple[datetime, datetime]]:
    """The practitioner's live consultations that can touch [start, end), widened by the
    buffer before them and, after them, by the larger of the buffer and their own
    (recorded when booked; the database's exclusion constraint keeps that one), sorted.
    `exclude` (a consultation being moved) does not count. One indexed query on
    (practitioner, scheduled_at): a year of history costs nothing, the lower bound
    relies on MAX_LENGTH_MINUTES and MAX_BUFFER_MINUTES."""
    low, high, end_after = _busy_bounds(start=start, end=end, buffer=buffer)
    rows = (
        Consultation.objects.filter(
            practitioner=practitioner,
            status__in=Consultation.BLOCKING_STATUSES,
            scheduled_at__gt=low,
            scheduled_at__lt=high,
            scheduled_end__gt=end_after,
        )
        .order_by("scheduled_at")
        .values_list("scheduled_at", "scheduled_end", "buffer_minutes", "pk")
    )
    return _busy_from(rows, start=start, buffer=buffer, exclude=exclude)


def _busy_bounds(
    *, start: datetime, end: datetime, buffer: timedelta
) -> tuple[datetime, datetime, datetime]:
    """(scheduled_at >, scheduled_at <, scheduled_end >) of a consultation that can
    touch [start, end) with `buffer`."""
    widest = max(buffer, timedelta(minutes=MAX_BUFFER_MINUTES))
    return (
        start - widest - timedelta(minutes=MAX_LENGTH_MINUTES),
        end + buffer,
        start - widest,
    )


def _busy_from(
    rows: Iterable[tuple[datetime, datetime, int, object]],
    *,
    start: datetime,
    buffer: timedelta,
    exclude: Consultation | None = None,
) -> list[tuple[datetime, datetime]]:
    busy = []
    for s, e, own, pk in rows:
        if exclude is not None and pk == exclude.pk:
            continue
        after = e + max(buffer, timedelta(minutes=own))
        if after > start:
            busy.append((s - buffer, after))
    return busy


def _without_busy(slots: list[Slot], busy: list[tuple[datetime, datetime]]) -> list[Slot]:
    starts = [b[0] for b in busy]
    running_max_end: list[datetime] = []
    for _start, busy_end in busy:
        running_max_end.append(max(busy_end, running_max_end[-1]) if running_max_end else busy_end)
    free = []
    for slot in slots:
        # Busy intervals starting before the slot ends; one of them overlaps it iff the
        # latest end among them is after the slot's start.
        before = bisect.bisect_left(starts, slot.end)
        if before and running_max_end[before - 1] > slot.start:
            continue
        free.append(slot)
    return free


def _bookable_window(*, start: datetime, end: datetime, now: datetime) -> tuple[datetime, datetime]:
    """[start, end) cut to what may be booked at `now`: after the notice, within the
    horizon (empty when start >= end)."""
    return max(start, now + booking_notice()), min(end, now + booking_horizon())


def practitioner_slots(
    *,
    practitioner: User,
    start: datetime,
    end: datetime,
    now: datetime | None = None,
    availability: Availability | None = None,
    exclude: Consultation | None = None,
) -> list[Slot]:
    """Bookable slots of `practitioner` starting in [start, end): offered by the hours,
    at least the booking notice ahead of `now`, within the booking horizon, free
    (`exclude`, a consultation being moved, leaves its own time free)."""
    now = now or timezone.now()
    availability = availability or availability_for(practitioner)
    if availability is None:
        return []
    start, end = _bookable_window(start=start, end=end, now=now)
    if start >= end:
        return []
    slots = opening_slots(availability=availability, start=start, end=end)
    if not slots:
        return []
    buffer = timedelta(minutes=availability.buffer_minutes)
    busy = _busy_intervals(
        practitioner=practitioner,
        start=slots[0].start,
        end=slots[-1].end,
        buffer=buffer,
        exclude=exclude,
    )
    return _without_busy(slots, busy)


def bookable_slot(
    *, practitioner: User, start: datetime, now: datetime | None = None
) -> Slot | None:
    """The bookable slot starting exactly at `start` right now, if there is one."""
    slots = practitioner_slots(
        practitioner=practitioner, start=start, end=start + timedelta(seconds=1), now=now
    )
    return slots[0] if slots and slots[0].start == start else None


def slot_is_bookable(*, practitioner: User, start: datetime, now: datetime | None = None) -> bool:
    """Whether a bookable slot starts exactly at `start` right now."""
    return bookable_slot(practitioner=practitioner, start=start, now=now) is not None


def slot_is_offered(
    *, availability: Availability, start: datetime, inputs: "SlotInputs | None" = None
) -> bool:
    """Whether the hours offer a slot starting exactly at `start` (taken or not): what
    `opening_slots` answers for [start, start + 1 s), without listing the day's slots.
    `inputs`: the hours already read (`slot_inputs` around `start`'s day), else one query.

    A slot of a window starts a whole number of steps after the window's start (wall
    clock), ends within it, and its wall-clock time maps back to `start` (a skipped hour
    offers nothing; of a repeated hour, only the first occurrence counts)."""
    tz = availability.tz
    wall = start.astimezone(tz).replace(tzinfo=None, fold=0)
    day = wall.date()
    length = timedelta(minutes=availability.length_minutes)
    step = length + timedelta(minutes=availability.buffer_minutes)
    if inputs is not None:
        weekly, exceptions = inputs.weekly, inputs.exceptions
    else:
        weekly, exceptions = _hours(availability, day, day)
    for window_start, window_end in _day_windows(day, weekly, exceptions.get(day, [])):
        first = datetime.combine(day, window_start)
        if wall < first or wall + length > datetime.combine(day, window_end):
            continue
        if (wall - first) % step:
            continue
        if _aware(day, wall.time(), tz) != start:
            continue
        window_end_utc = _aware(day, window_end, tz) or (
            datetime.combine(day, window_end).replace(tzinfo=tz).astimezone(UTC)
        )
        if start + length <= window_end_utc:
            return True
    return False


def slot_is_free(
    *,
    practitioner: User,
    availability: Availability,
    start: datetime,
    end: datetime,
    exclude: Consultation | None = None,
) -> bool:
    """No live consultation of the practitioner (but `exclude`) within the buffer of
    [start, end)."""
    buffer = timedelta(minutes=availability.buffer_minutes)
    return not _busy_intervals(
        practitioner=practitioner, start=start, end=end, buffer=buffer, exclude=exclude
    )


def booking_conflicts(
    *,
    practitioner: User,
    employee: User,
    availability: Availability,
    start: datetime,
    end: datetime,
    inputs: "SlotInputs | None" = None,
) -> tuple[bool, bool]:
    """(the slot is free, the employee is free then), under the booking's row locks: the
    practitioner's live consultations within the buffer of [start, end) (`slot_is_free`)
    and the employee's live ones overlapping it, in one statement on PostgreSQL (two
    queries elsewhere); none when `inputs` (`slot_inputs` with `booking` of this
    employee and `start`, read under the same locks) holds them already."""
    buffer = timedelta(minutes=availability.buffer_minutes)
    if inputs is not None and inputs.employee_busy is not None:
        low, high, end_after = _busy_bounds(start=start, end=end, buffer=buffer)
        rows = [row for row in inputs.busy if low < row[0] < high and row[1] > end_after]
        return not _busy_from(rows, start=start, buffer=buffer), not inputs.employee_busy
    if connection.vendor != "postgresql":
        employee_busy = (
            Consultation.objects.filter(
                employee=employee,
                status__in=Consultation.BLOCKING_STATUSES,
                scheduled_at__lt=end,
                scheduled_end__gt=start,
            )
            .order_by()
            .exists()
        )
        free = slot_is_free(
            practitioner=practitioner, availability=availability, start=start, end=end
        )
        return free, not employee_busy
    low, high, end_after = _busy_bounds(start=start, end=end, buffer=buffer)
    with connection.cursor() as cursor:
        cursor.execute(
            _booking_conflicts_sql(),
            {
                "practitioner": practitioner.pk,
                "employee": employee.pk,
                "statuses": list(Consultation.BLOCKING_STATUSES),
                "busy_low": low,
                "busy_high": high,
                "busy_end_after": end_after,
                "start": start,
                "end": end,
            },
        )
        rows = cursor.fetchall()
    practitioner_rows = [row[1:] for row in rows if row[0] == "p"]
    employee_busy = any(row[0] == "e" for row in rows)
    busy = _busy_from(practitioner_rows, start=start, buffer=buffer)
    return not busy, not employee_busy


@functools.cache
def _booking_conflicts_sql() -> str:
    """`booking_conflicts`' statement: `_busy_intervals`' rows (on the (practitioner,
    scheduled_at) index, ordered by it, as `_slot_inputs_sql` explains), then at most one
    row of the employee's overlapping consultations."""
    consultation = connection.ops.quote_name(Consultation._meta.db_table)
    # The table's name from the model, values as parameters.
    return f"""
        (SELECT 'p', scheduled_at, scheduled_end, buffer_minutes, id FROM {consultation}
         WHERE practitioner_id = %(practitioner)s AND status = ANY(%(statuses)s)
           AND scheduled_at > %(busy_low)s AND scheduled_at < %(busy_high)s
           AND scheduled_end > %(busy_end_after)s
         ORDER BY scheduled_at)
        UNION ALL
        (SELECT 'e', scheduled_at, scheduled_end, buffer_minutes, id FROM {consultation}
         WHERE employee_id = %(employee)s AND status = ANY(%(statuses)s)
           AND scheduled_at < %(end)s AND scheduled_end > %(start)s
         LIMIT 1)
    """  # noqa: S608 # nosec B608


def slot_bounds_for_days(
    *, availability: Availability, first_day: date, last_day: date
) -> tuple[datetime, datetime]:
    """[first_day 00:00, last_day + 1 00:00) in the practitioner's time zone, as UTC."""
    tz = availability.tz
    start = datetime.combine(first_day, time.min).replace(tzinfo=tz).astimezone(UTC)
    end = (
        datetime.combine(last_day + timedelta(days=1), time.min).replace(tzinfo=tz).astimezone(UTC)
    )
    return start, end


# --- The slots API: its inputs in one query, no model instance -----------------------


class ExceptionHours(NamedTuple):
    """What the day windows read of an AvailabilityException."""

    kind: str
    start_time: time | None
    end_time: time | None

    @property
    def is_whole_day(self) -> bool:
        return self.start_time is None


@dataclass(frozen=True)
class SlotInputs:
    """A practitioner's availability with what bears on their slots around a span of
    days: weekly hours, exceptions by local date, live consultations (scheduled_at,
    scheduled_end, buffer_minutes, id) sorted by start."""

    availability: Availability
    weekly: dict[int, list[tuple[time, time]]]
    exceptions: dict[date, list[ExceptionHours]]
    busy: list[tuple[datetime, datetime, int, object]]
    # With `slot_inputs(booking=...)`: whether the employee has a live consultation
    # overlapping the slot (None otherwise).
    employee_busy: bool | None = None


_PLAIN_STATUS = re.compile(r"[a-z_]+")


@functools.cache
def _live_statuses_sql() -> str:
    """`Consultation.BLOCKING_STATUSES` as an SQL list of literals (plain words,
    checked), as the exclusion constraints' partial indexes are defined with them."""
    statuses = [str(status) for status in Consultation.BLOCKING_STATUSES]
    if not all(_PLAIN_STATUS.fullmatch(status) for status in statuses):
        raise ValueError(f"Not a plain status among {statuses!r}")
    return ", ".join(f"'{status}'" for status in statuses)


@functools.cache
def _slot_inputs_sql(booking: bool = False) -> str:
    """One statement, written once per process (the ORM spent longer building it than
    PostgreSQL running it): the availability, its weekly hours and exceptions, the
    practitioner's live consultations, each list as parallel arrays. Every condition
    compares a column with a constant, so the (practitioner, scheduled_at) index bounds
    the consultations whatever the history's size. With `booking`, one more column:
    whether the employee (`employee`) has a live consultation overlapping the slot
    starting at `start` of the availability's length.

    `slot_inputs` runs it prepared on the connection, so its plan must not depend on
    the values (PostgreSQL keeps planning each run while a plan of the values looks
    cheaper than its generic plan): the live statuses are written in the statement,
    as the exclusion constraints' partial indexes are defined (a parameter there hides
    those indexes from the generic plan), and the employee's overlap is the employee
    constraint's own range test, answered by its index alone (as two bounds on
    scheduled_at and scheduled_end, the generic plan scanned the employee's history on
    the (employee, scheduled_at) index)."""
    quote = connection.ops.quote_name
    live = _live_statuses_sql()
    availability = quote(Availability._meta.db_table)
    opening = quote(WeeklyOpening._meta.db_table)
    exception = quote(AvailabilityException._meta.db_table)
    consultation = quote(Consultation._meta.db_table)
    employee_busy = (
        f""",
               EXISTS (
                   SELECT FROM {consultation}
                   WHERE employee_id = %(employee)s AND status IN ({live})
                     AND tstzrange(scheduled_at, scheduled_end, '[)')
                         && tstzrange(
                             %(start)s, %(start)s + a.length_minutes * interval '1 minute', '[)'
                         )
               )"""  # noqa: S608 # nosec B608
        if booking
        else ""
    )
    # Table names from the models, the checked statuses, values as parameters.
    return f"""
        SELECT a.time_zone, a.length_minutes, a.buffer_minutes,
               o.weekdays, o.starts, o.ends,
               e.kinds, e.dates, e.starts, e.ends,
               c.starts, c.ends, c.buffers{employee_busy}
        FROM {availability} a
        CROSS JOIN LATERAL (
            SELECT array_agg(weekday) AS weekdays, array_agg(start_time) AS starts,
                   array_agg(end_time) AS ends
            FROM {opening} WHERE availability_id = %(practitioner)s
        ) o
        CROSS JOIN LATERAL (
            SELECT array_agg(kind) AS kinds, array_agg(date) AS dates,
                   array_agg(start_time) AS starts, array_agg(end_time) AS ends
            FROM {exception}
            WHERE availability_id = %(practitioner)s
              AND date >= %(first_date)s AND date <= %(last_date)s
        ) e
        CROSS JOIN LATERAL (
            SELECT array_agg(scheduled_at) AS starts, array_agg(scheduled_end) AS ends,
                   array_agg(buffer_minutes) AS buffers
            FROM (
                -- Ordered by the index's own order: PostgreSQL then takes the
                -- (practitioner, scheduled_at) index rather than scanning all of the
                -- practitioner's history in the exclusion constraint's.
                SELECT scheduled_at, scheduled_end, buffer_minutes FROM {consultation}
                WHERE practitioner_id = %(practitioner)s AND status IN ({live})
                  AND scheduled_at > %(busy_low)s AND scheduled_at < %(busy_high)s
                  AND scheduled_end > %(busy_end_after)s
                ORDER BY scheduled_at
            ) live
        ) c
        WHERE a.practitioner_id = %(practitioner)s
    """  # noqa: S608 # nosec B608


def _slot_inputs_row_orm(params: dict) -> tuple | None:
    """The row of `_slot_inputs_sql` through the ORM, in four queries: the embedded
    SQLite (`make demo`, a run of the tests without DATABASE_URL) has no LATERAL join
    nor arrays. tests/consultations/test_slots_api.py holds both equal."""
    practitioner = params["practitioner"]
    availability = (
        Availability.objects.filter(practitioner_id=practitioner)
        .values_list("time_zone", "length_minutes", "buffer_minutes")
        .first()
    )
    if availability is None:
        return None
    openings = list(
        WeeklyOpening.objects.filter(availability_id=practitioner).values_list(
            "weekday", "start_time", "end_time"
        )
    )
    exceptions = list(
        AvailabilityException.objects.filter(
            availability_id=practitioner,
            date__gte=params["first_date"],
            date__lte=params["last_date"],
        ).values_list("kind", "date", "start_time", "end_time")
    )
    busy = list(
        Consultation.objects.filter(
            practitioner_id=practitioner,
            status__in=Consultation.BLOCKING_STATUSES,
            scheduled_at__gt=params["busy_low"],
            scheduled_at__lt=params["busy_high"],
            scheduled_end__gt=params["busy_end_after"],
        )
        .order_by("scheduled_at")
        .values_list("scheduled_at", "scheduled_end", "buffer_minutes")
    )

    def columns(rows, width):
        return [list(column) for column in zip(*rows, strict=True)] if rows else [None] * width

    row = (*availability, *columns(openings, 3), *columns(exceptions, 4), *columns(busy, 3))
    if "employee" not in params:
        return row
    start = params["start"]
    employee_busy = (
        Consultation.objects.filter(
            employee_id=params["employee"],
            status__in=Consultation.BLOCKING_STATUSES,
            scheduled_at__lt=start + timedelta(minutes=availability[1]),
            scheduled_end__gt=start,
        )
        .order_by()
        .exists()
    )
    return (*row, employee_busy)


def slot_inputs(
    *,
    practitioner_id,
    first_day: date | None,
    last_day: date | None,
    now: datetime,
    booking: tuple[object, datetime] | None = None,
) -> SlotInputs | None:
    """Everything `slots_from_inputs` needs for the local days `first_day` to
    `last_day` (their defaults: today in the practitioner's time zone, then six more
    days), in one query, or None without an availability. Its bounds hold whatever the
    time zone (UTC-12 to UTC+14) and are cut to the bookable window of `now`, so a
    long history or far future costs nothing; `slots_from_inputs` applies the exact
    bounds of `practitioner_slots`.

    `booking`: (an employee's key, a slot's start) of a booking, which reads this under
    its row locks: the live consultations then cover whatever can conflict with that
    slot too, and `employee_busy` answers for the employee (`booking_conflicts`, with
    no statement of its own)."""
    today = now.astimezone(UTC).date()
    first = first_day or today - timedelta(days=1)
    last = last_day or (first_day or today + timedelta(days=1)) + timedelta(days=6)
    low, high = _bookable_window(
        start=datetime.combine(first - timedelta(days=1), time.min, tzinfo=UTC),
        end=datetime.combine(last + timedelta(days=2), time.min, tzinfo=UTC),
        now=now,
    )
    high = max(high, low)
    busy_low, busy_high, busy_end_after = _busy_bounds(
        start=low, end=high, buffer=timedelta(minutes=MAX_BUFFER_MINUTES)
    )
    params = {
        "practitioner": practitioner_id,
        "first_date": low.date() - timedelta(days=1),
        "last_date": high.date() + timedelta(days=1),
        "busy_low": busy_low,
        "busy_high": busy_high,
        "busy_end_after": busy_end_after,
    }
    if booking is not None:
        employee_id, start = booking
        # Any length and buffer: the availability's are not known before the answer.
        widest = _busy_bounds(
            start=start,
            end=start + timedelta(minutes=MAX_LENGTH_MINUTES),
            buffer=timedelta(minutes=MAX_BUFFER_MINUTES),
        )
        params.update(
            employee=employee_id,
            start=start,
            busy_low=min(busy_low, widest[0]),
            busy_high=max(busy_high, widest[1]),
            busy_end_after=min(busy_end_after, widest[2]),
        )
    if connection.vendor == "postgresql":
        # Bound server-side and prepared once per connection (huntzen/postgresql
        # `prepared_cursor`): PostgreSQL takes the generic plan, the custom one's
        # (`_slot_inputs_sql`), instead of parsing and planning it on every booking.
        prepared = getattr(connection, "prepared_cursor", None)
        with prepared() if prepared is not None else connection.cursor() as cursor:
            cursor.execute(_slot_inputs_sql(booking is not None), params)
            row = cursor.fetchone()
    else:
        row = _slot_inputs_row_orm(params)
    if row is None:
        return None
    (time_zone, length, buffer, weekdays, opening_starts, opening_ends) = row[:6]
    kinds, dates, exception_starts, exception_ends, busy_starts, busy_ends, buffers = row[6:13]
    employee_busy = row[13] if booking is not None else None
    availability = Availability(
        practitioner_id=practitioner_id,
        time_zone=time_zone,
        length_minutes=length,
        buffer_minutes=buffer,
    )
    weekly: dict[int, list[tuple[time, time]]] = defaultdict(list)
    for weekday, opens, closes in zip(
        weekdays or (), opening_starts or (), opening_ends or (), strict=True
    ):
        weekly[weekday].append((opens, closes))
    exceptions: dict[date, list[ExceptionHours]] = defaultdict(list)
    for kind, day, opens, closes in zip(
        kinds or (), dates or (), exception_starts or (), exception_ends or (), strict=True
    ):
        exceptions[day].append(ExceptionHours(kind, opens, closes))
    busy = sorted(
        (
            (starts, ends, own, None)
            for starts, ends, own in zip(
                busy_starts or (), busy_ends or (), buffers or (), strict=True
            )
        ),
        key=itemgetter(0),
    )
    return SlotInputs(
        availability=availability,
        weekly=weekly,
        exceptions=exceptions,
        busy=busy,
        employee_busy=employee_busy,
    )


def slots_from_inputs(
    inputs: SlotInputs, *, start: datetime, end: datetime, now: datetime
) -> list[Slot]:
    """`practitioner_slots` for [start, end) from `inputs` read at `now` (the same
    result, held equal by tests/consultations/test_slots_api.py)."""
    availability = inputs.availability
    start, end = _bookable_window(start=start, end=end, now=now)
    if start >= end:
        return []
    slots = _opening_slots(
        availability=availability,
        start=start,
        end=end,
        weekly=inputs.weekly,
        exceptions=inputs.exceptions,
    )
    if not slots:
        return []
    buffer = timedelta(minutes=availability.buffer_minutes)
    low, high, end_after = _busy_bounds(start=slots[0].start, end=slots[-1].end, buffer=buffer)
    rows = (row for row in inputs.busy if low < row[0] < high and row[1] > end_after)
    return _without_busy(slots, _busy_from(rows, start=slots[0].start, buffer=buffer))


def slots_unchanged_until(
    slots: list[Slot], *, end: datetime, now: datetime, day_ends: datetime | None = None
) -> datetime | None:
    """Until when (excluded) `slots`, the bookable slots of a span ending at `end` read
    at `now`, stay the answer as time alone passes (bookings and hours aside), or None
    if that cannot be told. The first slot leaves when it comes within the booking
    notice; none joins, unless the horizon cuts the span (None: it moves on). `day_ends`:
    when the span itself moves (a span that starts "today" starts tomorrow then)."""
    if now + booking_horizon() < end:
        return None
    until = slots[0].start - booking_notice() if slots else datetime.max.replace(tzinfo=UTC)
    return min(until, day_ends) if day_ends is not None else until


# --- Lists -------------------------------------------------------------------------


def consultations_of(user: User) -> QuerySet[Consultation]:
    """The consultations `user` takes part in (as employee or practitioner), through
    their object permission, with what a list shows joined."""
    return (
        consultations_with_perm(user, "view_consultation")
        .select_related("employee", "practitioner")
        .order_by("scheduled_at")
    )


def _upcoming_q(now: datetime) -> Q:
    return Q(status=Status.IN_PROGRESS) | Q(status=Status.SCHEDULED, scheduled_end__gt=now)


def upcoming_consultations(user: User, *, now: datetime | None = None) -> QuerySet[Consultation]:
    """Scheduled and not over yet, or in progress; soonest first."""
    return consultations_of(user).filter(_upcoming_q(now or timezone.now()))


def past_consultations(user: User, *, now: datetime | None = None) -> QuerySet[Consultation]:
    """Held, missed, or scheduled but over; latest first. Never a cancelled one: it did
    not take place, whenever it was planned (see `cancelled_consultations`)."""
    return (
        consultations_of(user)
        .exclude(_upcoming_q(now or timezone.now()))
        .exclude(status=Status.CANCELLED)
        .order_by("-scheduled_at")
    )


def cancelled_consultations(user: User) -> QuerySet[Consultation]:
    """Cancelled ones, future or past; the latest planned first."""
    return consultations_of(user).filter(status=Status.CANCELLED).order_by("-scheduled_at")


def agenda(practitioner: User, *, start: datetime, end: datetime) -> QuerySet[Consultation]:
    """The practitioner's consultations (every status) starting in [start, end)."""
    return (
        Consultation.objects.filter(
            practitioner=practitioner, scheduled_at__gte=start, scheduled_at__lt=end
        )
        .select_related("employee")
        .order_by("scheduled_at")
    )


# --- Portal pages: grouped by local day ------------------------------------------------

T = TypeVar("T")


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time.min).replace(tzinfo=timezone.get_current_timezone())


def _by_local_day(
    items: Iterable[T], *, first: date, days: int, at: Callable[[T], datetime]
) -> list[tuple[date, list[T]]]:
    """`days` consecutive days from `first`, each with its items (in order) whose `at`
    falls on it in the current time zone."""
    grouped: dict[date, list[T]] = defaultdict(list)
    for item in items:
        grouped[timezone.localtime(at(item)).date()].append(item)
    return [(first + timedelta(days=n), grouped[first + timedelta(days=n)]) for n in range(days)]


@dataclass(frozen=True)
class SlotWeek:
    """One week of the slot picker: `week` weeks after the current one."""

    week: int
    days: list[tuple[date, list[Slot]]]
    previous_week: int | None
    next_week: int | None

    @property
    def has_slots(self) -> bool:
        return any(slots for _day, slots in self.days)


def slot_week(*, practitioner: User, week: int, exclude: Consultation | None = None) -> SlotWeek:
    """The practitioner's bookable slots from Monday to Sunday of the week `week` weeks
    ahead, clamped between this week and the booking horizon (`exclude`: a consultation
    being moved, whose own time counts as free)."""
    horizon_weeks = settings.HUNTZEN_BOOKING_HORIZON_WEEKS
    week = min(max(week, 0), horizon_weeks)
    today = timezone.localdate()
    first = today - timedelta(days=today.weekday()) + timedelta(weeks=week)
    start = _local_midnight(first)
    slots = practitioner_slots(
        practitioner=practitioner, start=start, end=start + timedelta(days=7), exclude=exclude
    )
    if exclude is not None:
        slots = [slot for slot in slots if slot.start != exclude.scheduled_at]
    return SlotWeek(
        week=week,
        days=_by_local_day(slots, first=first, days=7, at=lambda slot: slot.start),
        previous_week=week - 1 if week > 0 else None,
        next_week=week + 1 if week < horizon_weeks else None,
    )


@dataclass(frozen=True)
class AgendaPeriod:
    """A day or a week of a practitioner's agenda."""

    period: str  # "day" or "week"
    first: date
    days: list[tuple[date, list[Consultation]]]
    previous: date
    next: date


def agenda_period(practitioner: User, *, day: date, week: bool) -> AgendaPeriod:
    """The practitioner's consultations of `day`, or of the Monday-to-Sunday week
    holding it, grouped by local day."""
    first = day - timedelta(days=day.weekday()) if week else day
    length = 7 if week else 1
    consultations = agenda(
        practitioner,
        start=_local_midnight(first),
        end=_local_midnight(first + timedelta(days=length)),
    )
    step = timedelta(days=length)
    return AgendaPeriod(
        period="week" if week else "day",
        first=first,
        days=_by_local_day(consultations, first=first, days=length, at=lambda c: c.scheduled_at),
        previous=first - step,
        next=first + step,
    )


@dataclass(frozen=True)
class ConsultationActions:
    """What `user` sees and may do on one consultation's page now. Display only: each
    service decides again when the user acts."""

    is_participant: bool = False
    is_practitioner: bool = False
    is_employee: bool = False
    room_open: bool = False
    can_cancel: bool = False
    can_start: bool = False
    can_end: bool = False
    can_mark_no_show: bool = False


def consultation_actions(
    *, user: User, consultation: Consultation, now: datetime | None = None
) -> ConsultationActions:
    if not is_participant(user, consultation):
        return ConsultationActions()  # staff: the details, no action
    now = now or timezone.now()
    scheduled = consultation.status == Status.SCHEDULED

    def holds(codename: str) -> bool:
        return has_object_perm(user, codename, consultation)

    return ConsultationActions(
        is_participant=True,
        is_practitioner=user.pk == consultation.practitioner_id,
        is_employee=user.pk == consultation.employee_id,
        room_open=video.room_is_open(consultation, now=now),
        can_cancel=scheduled and now < consultation.scheduled_at and may_cancel(user, consultation),
        can_start=scheduled
        and room.may_start_at(consultation, now)
        and holds("start_consultation"),
        can_end=consultation.status == Status.IN_PROGRESS and holds("end_consultation"),
        can_mark_no_show=scheduled
        and now >= consultation.scheduled_at
        and holds("mark_no_show_consultation"),
    )


def bookings_in_closure(
    *,
    availability: Availability,
    first_day: date,
    last_day: date,
    start_time: time | None,
    end_time: time | None,
    now: datetime,
) -> QuerySet[Consultation]:
    """The practitioner's scheduled, not yet started consultations that a closure would
    hit: the whole local days from `first_day` to `last_day` (no times), or
    `start_time` to `end_time` on `first_day`, in the availability's time zone."""
    if start_time is None:
        start, end = slot_bounds_for_days(
            availability=availability, first_day=first_day, last_day=last_day
        )
    else:  # hours are closed on one day only (availability_exception_add)
        start = datetime.combine(first_day, start_time).replace(tzinfo=availability.tz)
        end = datetime.combine(first_day, end_time).replace(tzinfo=availability.tz)
    return (
        Consultation.objects.filter(
            practitioner=availability.practitioner_id,
            scheduled_at__lt=end,
            scheduled_end__gt=start,
            status=Status.SCHEDULED,
            scheduled_at__gt=now,
        )
        .select_related("employee", "practitioner", "company")
        .order_by("scheduled_at")
    )


@dataclass(frozen=True)
class CancelTerms:
    """What the consultation page says about cancelling and moving it, for `user`.
    Display only: consultation_cancel and consultation_reschedule decide again."""

    cancel_is_late: bool = False
    can_reschedule: bool = False
    notice_hours: int = 0
    # For the employee whose practitioner cancelled a consultation still to come: that
    # practitioner's next free slots, to book again.
    rebook_slots: tuple[Slot, ...] = ()


def cancel_terms(
    *, user: User, consultation: Consultation, now: datetime | None = None
) -> CancelTerms:
    now = now or timezone.now()
    is_employee = user.pk == consultation.employee_id
    open_ = (
        consultation.status == Status.SCHEDULED
        and now < consultation.scheduled_at
        and is_employee
        and may_cancel(user, consultation)
    )
    within = within_cancellation_notice(consultation, now=now)
    rebook = (
        is_employee
        and consultation.status == Status.CANCELLED
        and consultation.cancelled_by_id == consultation.practitioner_id
        and consultation.scheduled_at > now
        and may_book(user)
    )
    return CancelTerms(
        cancel_is_late=open_ and within,
        can_reschedule=open_ and not within and may_book(user),
        notice_hours=settings.HUNTZEN_CANCELLATION_NOTICE_HOURS,
        rebook_slots=tuple(
            next_free_slots(practitioner=consultation.practitioner, now=now) if rebook else ()
        ),
    )


@dataclass(frozen=True)
class AvailabilityOverview:
    """The practitioner's availability page: settings, weekly hours, the exceptions to
    come and the bookable slots of the next 7 days."""

    availability: Availability | None
    openings: list[WeeklyOpening]
    exceptions: list[AvailabilityException]
    preview: list[Slot]


def availability_overview(practitioner: User) -> AvailabilityOverview:
    availability = availability_for(practitioner)
    if availability is None:
        return AvailabilityOverview(None, [], [], [])
    now = timezone.now()
    return AvailabilityOverview(
        availability=availability,
        openings=list(WeeklyOpening.objects.filter(availability=availability)),
        exceptions=list(availability.exceptions.filter(date__gte=timezone.localdate())),
        preview=practitioner_slots(
            practitioner=practitioner,
            start=now,
            end=now + timedelta(days=7),
            availability=availability,
        ),
    )


def cancel_reason_for(*, user: User, consultation: Consultation) -> str | None:
    """The cancellation reason in clear, for the two participants only: it can be
    personal, so staff and HR never read it (like medical text). None when there is
    none, for anyone else, or when its ciphertext does not decrypt (logged, no content):
    one bad row must not take the consultation's page down."""
    if not consultation.cancel_reason_sealed:
        return None
    if user.pk not in (consultation.employee_id, consultation.practitioner_id):
        return None
    try:
        return crypto.unseal(
            consultation.cancel_reason_sealed, aad=consultation.cancel_reason_aad()
        )
    except crypto.DecryptionError:
        logger.error("Cancellation reason of consultation %s failed to decrypt.", consultation.pk)
        return None
