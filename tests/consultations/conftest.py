import zoneinfo
from datetime import datetime, time

import pytest
import time_machine

from consultations import services

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
# A Monday, before the spring daylight-saving change of 2026-03-29.
NOW = datetime(2026, 3, 2, 10, 0, tzinfo=PARIS)


def paris(*args) -> datetime:
    return datetime(*args, tzinfo=PARIS)


@pytest.fixture
def frozen():
    """The clock stopped at NOW (Monday 2 March 2026, 10:00 in Paris)."""
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def open_weekdays(
    practitioner, *, start=time(9), end=time(12), length=50, buffer=10, time_zone="Europe/Paris"
):
    """Monday to Friday `start`-`end` for `practitioner`, through the services."""
    services.availability_update(
        actor=practitioner, time_zone=time_zone, length_minutes=length, buffer_minutes=buffer
    )
    services.weekly_hours_set(actor=practitioner, openings=[(day, start, end) for day in range(5)])


@pytest.fixture
def p_open(practitioner_p):
    open_weekdays(practitioner_p)
    return practitioner_p
