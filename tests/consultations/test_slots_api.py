"""The slots API reads its inputs in one statement and computes without model instances
(`selectors.slot_inputs`, `selectors.slots_from_inputs`): its answer must stay exactly
what `practitioner_slots` (the booking's own rule) gives for the same days, shaped as
DRF's walk over `SlotsSerializer` shapes it, whatever the time zone, daylight-saving
change, exceptions, bookings and requested span."""

from datetime import UTC, date, time, timedelta

import pytest
import time_machine
from rest_framework import serializers

from consultations import selectors, services
from consultations.models import Availability
from consultations.serializers import SlotsSerializer
from tests.consultations.conftest import NOW, paris
from tests.consultations.factories import book

pytestmark = pytest.mark.django_db

ZONES = ["Europe/Paris", "America/Los_Angeles", "Pacific/Kiritimati", "Etc/GMT+12"]
SPANS = [
    "",  # the coming week, in the practitioner's time zone
    "?from=2026-03-02",
    "?to=2026-03-06",
    "?from=2026-03-20&to=2026-04-19",  # across the spring change in Europe and the US
    "?from=2026-04-20&to=2026-05-20",  # through the end of the booking horizon
    "?from=2026-02-01&to=2026-03-03",  # mostly past
    "?from=2020-01-01&to=2020-01-31",  # all past
    "?from=2027-01-01&to=2027-01-31",  # beyond the horizon
]


@pytest.fixture
def busy_practitioner(practitioner_p, employee_a, employee_b, request):
    """Weekday hours in two windows with a buffer, a day off, closed hours, an extra
    opening on a Saturday and one over the skipped hour of the spring change, and
    bookings of two employees (one cancelled, which frees its slot)."""
    services.availability_update(
        actor=practitioner_p, time_zone=request.param, length_minutes=45, buffer_minutes=15
    )
    services.weekly_hours_set(
        actor=practitioner_p,
        openings=[
            *[(day, time(9), time(12, 30)) for day in range(5)],
            *[(day, time(14), time(18)) for day in (1, 3)],
        ],
    )
    add = services.availability_exception_add
    add(actor=practitioner_p, kind="closed", day=date(2026, 3, 4))
    add(
        actor=practitioner_p,
        kind="closed",
        day=date(2026, 3, 5),
        start_time=time(10),
        end_time=time(11, 30),
    )
    add(
        actor=practitioner_p,
        kind="closed",
        day=date(2026, 3, 10),
        start_time=time(8),
        end_time=time(10, 30),
    )
    add(
        actor=practitioner_p,
        kind="open",
        day=date(2026, 3, 7),
        start_time=time(10, 15),
        end_time=time(13),
    )
    add(
        actor=practitioner_p,
        kind="open",
        day=date(2026, 3, 29),
        start_time=time(1, 30),
        end_time=time(5),
    )
    tz = Availability.objects.get(practitioner=practitioner_p).tz
    first = book(employee_a, practitioner_p, at=paris(2026, 3, 3, 9).replace(tzinfo=tz), now=NOW)
    book(employee_b, practitioner_p, at=paris(2026, 3, 12, 14).replace(tzinfo=tz), now=NOW)
    book(employee_b, practitioner_p, at=paris(2026, 3, 31, 11).replace(tzinfo=tz), now=NOW)
    services.consultation_cancel(actor=employee_a, consultation=first, now=NOW)
    book(employee_a, practitioner_p, at=paris(2026, 3, 9, 10).replace(tzinfo=tz), now=NOW)
    return practitioner_p


def _expected(practitioner, query: str) -> dict:
    """What the API answered before it read its inputs in one statement: the booking's
    `practitioner_slots` for the requested local days, through DRF's walk."""
    availability = selectors.availability_for(practitioner)
    params = dict(part.split("=") for part in query.lstrip("?").split("&") if part)
    first = date.fromisoformat(params["from"]) if "from" in params else None
    first = first or NOW.astimezone(availability.tz).date()
    last = date.fromisoformat(params["to"]) if "to" in params else first + timedelta(days=6)
    start, end = selectors.slot_bounds_for_days(
        availability=availability, first_day=first, last_day=last
    )
    # The API's clock is UTC (NOW in Paris would move the horizon by wall-clock time).
    slots = selectors.practitioner_slots(
        practitioner=practitioner,
        start=start,
        end=end,
        now=NOW.astimezone(UTC),
        availability=availability,
    )
    data = {
        "practitioner_id": practitioner.pk,
        "time_zone": availability.time_zone,
        "length_minutes": availability.length_minutes,
        "slots": [{"start": s.start, "end": s.end} for s in slots],
    }
    return serializers.Serializer.to_representation(SlotsSerializer(data), data)


@pytest.mark.parametrize("busy_practitioner", ZONES, indirect=True)
@pytest.mark.parametrize("query", SPANS)
def test_the_answer_is_the_bookings_rule(busy_practitioner, employee_a, api_client, query):
    expected = _expected(busy_practitioner, query)
    api_client.force_authenticate(employee_a)
    with time_machine.travel(NOW, tick=False):
        response = api_client.get(f"/api/v1/practitioners/{busy_practitioner.pk}/slots{query}")
    assert response.status_code == 200, response.content
    assert response.json() == expected
    assert list(response.json()) == list(expected)


@pytest.mark.parametrize("busy_practitioner", ["Europe/Paris"], indirect=True)
def test_the_scenario_is_not_empty(busy_practitioner):
    """The comparisons above see slots, taken ones, closures and the skipped hour."""
    body = _expected(busy_practitioner, "?from=2026-03-02&to=2026-04-01")
    starts = [s["start"] for s in body["slots"]]
    assert len(starts) > 50
    assert "2026-03-03T09:00:00+01:00" in starts  # its booking was cancelled
    assert "2026-03-09T10:00:00+01:00" not in starts  # booked
    assert not [s for s in starts if s.startswith("2026-03-04")]  # day off
    assert "2026-03-07T10:15:00+01:00" in starts  # extra opening
    # 01:30, then 02:35 does not exist that night, then 03:40 (length 50, buffer 15).
    assert [s[11:] for s in starts if s.startswith("2026-03-29")] == [
        "01:30:00+01:00",
        "03:40:00+02:00",
    ]


def test_without_availability_there_are_no_slots(practitioner_q, employee_a, api_client):
    Availability.objects.filter(practitioner=practitioner_q).delete()
    api_client.force_authenticate(employee_a)
    with time_machine.travel(NOW, tick=False):
        body = api_client.get(f"/api/v1/practitioners/{practitioner_q.pk}/slots").json()
    assert body == {
        "practitionerId": str(practitioner_q.pk),
        "timeZone": "Europe/Paris",
        "lengthMinutes": 50,
        "slots": [],
    }


@pytest.mark.parametrize("busy_practitioner", ["Europe/Paris"], indirect=True)
def test_a_long_history_is_not_read(busy_practitioner, employee_a, django_assert_num_queries):
    """The statement's bounds follow the bookable window: old bookings are not fetched."""
    past = selectors.slot_inputs(
        practitioner_id=busy_practitioner.pk,
        first_day=date(2026, 3, 30),
        last_day=date(2026, 4, 5),
        now=NOW,
    )
    assert [b[0] for b in past.busy] == [paris(2026, 3, 31, 11)]
    assert set(past.exceptions) <= {date(2026, 3, 29) + timedelta(days=n) for n in range(9)}
