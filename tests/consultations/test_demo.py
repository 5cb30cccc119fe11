"""consultations/demo.py: whenever the demo is seeded, alice has a consultation with psy1
whose room is open (psy1 can start it) and one whose room is about to open."""

import io
from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command

from accounts.management.commands import seed_demo
from accounts.models import User
from consultations import room
from consultations.models import Consultation
from consultations.selectors import consultation_actions
from tests.consultations.conftest import paris

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(settings, monkeypatch):
    settings.DEBUG = True
    monkeypatch.setattr(seed_demo, "DEMO_MODULES", ["companies.demo", "consultations.demo"])

    def run(at):
        out = io.StringIO()
        with time_machine.travel(at, tick=False):
            call_command("seed_demo", stdout=out)
        return out.getvalue()

    return run


def _room_consultations(at):
    return list(
        Consultation.objects.filter(
            employee__email="alice@acme.demo",
            practitioner__email="psy1@huntzen.demo",
            status=Consultation.Status.SCHEDULED,
            scheduled_at__gte=at - timedelta(hours=1),
            scheduled_at__lte=at + timedelta(hours=3),
        ).order_by("scheduled_at")
    )


@pytest.mark.parametrize(
    "at",
    [
        paris(2026, 3, 3, 10, 2),  # a Tuesday morning, inside psy1's hours
        paris(2026, 3, 7, 21, 0),  # a Saturday evening, no hours at all
        paris(2026, 3, 4, 23, 58),  # just before midnight
        paris(2026, 3, 5, 0, 3),  # just after
    ],
)
def test_a_room_is_open_and_another_about_to_open(demo, at):
    out = demo(at)
    assert "room demo: alice@acme.demo with psy1@huntzen.demo" in out
    opened, coming = _room_consultations(at)
    assert opened.kind == Consultation.Kind.VIDEO
    assert room.state(opened, now=at) == room.State.OPEN
    psy1 = User.objects.get(email="psy1@huntzen.demo")
    alice = User.objects.get(email="alice@acme.demo")
    assert consultation_actions(user=psy1, consultation=opened, now=at).can_start
    assert consultation_actions(user=alice, consultation=opened, now=at).room_open
    assert coming.kind == Consultation.Kind.CHAT
    assert room.state(coming, now=at) == room.State.BEFORE
    assert room.opens_at(coming) - at <= timedelta(hours=1, minutes=30)
    for consultation in (opened, coming):  # never across midnight, like opening hours
        start, end = (consultation.scheduled_at, consultation.scheduled_end)
        assert start.astimezone(paris(2026, 1, 1).tzinfo).date() == (
            (end - timedelta(seconds=1)).astimezone(paris(2026, 1, 1).tzinfo).date()
        )


def test_a_second_run_adds_nothing_until_the_rooms_are_over(demo):
    at = paris(2026, 3, 3, 10, 2)
    demo(at)
    count = Consultation.objects.count()
    assert "still open or about to open" in demo(at + timedelta(minutes=30))
    assert Consultation.objects.count() == count
    later = at + timedelta(hours=4)
    demo(later)
    assert Consultation.objects.count() == count + 2
    opened, _coming = _room_consultations(later)
    assert room.state(opened, now=later) == room.State.OPEN
