"""Demo data of consultations: opening hours for psy1 and psy2, and about four months
of history for Acme's ten employees and Globex's carol (mostly completed, some
cancelled, a few no-shows) plus a few upcoming bookings. Acme's habits make weeks of
five people or more beside quieter ones, so its HR dashboard shows real figures and
withheld ones; at least three months are over (published to HR) whatever the day the
demo is seeded. Everything goes through the real services, with an explicit `now` for
the past. Idempotent: a second run adds nothing.

So that a newcomer can try the room at once, alice has two consultations with psy1 around
the moment the demo is seeded (`seed_demo` runs on every `make demo`): a video one whose
room is open (it started ten minutes ago, psy1 has not started it yet) and a chat one an
hour later, whose room is about to open (its countdown). A run adds them again only when
neither is still open or about to open."""

import random
from datetime import time, timedelta

from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone

from accounts.models import User
from consultations import room, selectors, services
from consultations.exceptions import BookingRefused
from consultations.models import Availability, AvailabilityException, Consultation

HOURS = {
    "psy1@huntzen.demo": [
        (day, start, end)
        for day in range(5)
        for start, end in ((time(9), time(12)), (time(14), time(18)))
    ],
    "psy2@huntzen.demo": [
        (day, start, end)
        for day in range(1, 6)
        for start, end in ((time(10), time(13)), (time(15), time(19)))
        if not (day == 5 and start == time(15))
    ],
}

# (employee, practitioner, weeks between consultations, in which of them, weekday)
HABITS = [
    ("alice@acme.demo", "psy1@huntzen.demo", 1, 0, 1),
    ("bob@acme.demo", "psy2@huntzen.demo", 2, 0, 3),
    ("chloe@acme.demo", "psy1@huntzen.demo", 1, 0, 0),
    ("david@acme.demo", "psy2@huntzen.demo", 2, 1, 2),
    ("emma@acme.demo", "psy1@huntzen.demo", 1, 0, 4),
    ("farid@acme.demo", "psy2@huntzen.demo", 3, 1, 1),
    ("gabrielle@acme.demo", "psy1@huntzen.demo", 3, 0, 3),
    ("hugo@acme.demo", "psy2@huntzen.demo", 4, 2, 4),
    ("ines@acme.demo", "psy1@huntzen.demo", 1, 0, 2),
    ("jules@acme.demo", "psy2@huntzen.demo", 4, 0, 2),
    ("carol@globex.demo", "psy1@huntzen.demo", 2, 0, 4),
]
HISTORY_WEEKS = 18


def _users(emails):
    found = {u.email: u for u in User.objects.filter(email__in=list(emails))}
    return found if len(found) == len(set(emails)) else None


def seed(*, stdout, password):
    people = _users(list(HOURS) + [h[0] for h in HABITS])
    if people is None:
        stdout.write("  skipped consultations: demo accounts missing")
        return
    # Demo history must not email anybody (past bookings, console noise).
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
        with transaction.atomic():
            hours_set = _opening_hours(people)
            already = _with_history(people)
            room_now = _room_demo(people, timezone.now())
            made = _history(people, already)
    stdout.write(
        f"  consultations: opening hours for {hours_set} practitioner(s), "
        f"{made} consultation(s) created"
    )
    stdout.write(room_now)


def _opening_hours(people) -> int:
    count = 0
    for email, openings in HOURS.items():
        practitioner = people[email]
        if Availability.objects.filter(practitioner=practitioner).exists():
            continue
        services.availability_update(
            actor=practitioner, time_zone="Europe/Paris", length_minutes=50, buffer_minutes=10
        )
        services.weekly_hours_set(actor=practitioner, openings=openings)
        count += 1
    return count


def _slot_in_week(practitioner, week_start, weekday, rng):
    availability = selectors.availability_for(practitioner)
    start = week_start + timedelta(days=weekday)
    slots = selectors.opening_slots(
        availability=availability, start=start, end=start + timedelta(days=1)
    ) or selectors.opening_slots(
        availability=availability, start=week_start, end=week_start + timedelta(days=7)
    )
    return rng.choice(slots) if slots else None


def _with_history(people) -> set[str]:
    """The employees who already have consultations (a previous run): no history again."""
    return set(
        Consultation.objects.filter(employee__in=[people[h[0]] for h in HABITS]).values_list(
            "employee__email", flat=True
        )
    )


ROOM_EMPLOYEE = "alice@acme.demo"
ROOM_PRACTITIONER = "psy1@huntzen.demo"
LIVE = (Consultation.Status.SCHEDULED, Consultation.Status.IN_PROGRESS)


def _within_one_day(start, minutes, *, earlier):
    """`start`, or the nearest start whose consultation of `minutes` does not cross local
    midnight (opening hours never do): earlier for the open room, later for the next."""
    local = timezone.localtime(start)
    midnight = (local + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    if local + timedelta(minutes=minutes) < midnight:  # an opening ends by 23:59
        return start
    return midnight - timedelta(minutes=minutes + 5) if earlier else midnight


def _offered(practitioner, start, minutes):
    """psy1 offers a slot at `start` (an extra opening when the weekly hours do not)."""
    availability = selectors.availability_for(practitioner)
    if selectors.slot_is_offered(availability=availability, start=start):
        return
    local = timezone.localtime(start, availability.tz)
    services.availability_exception_add(
        actor=practitioner,
        kind=AvailabilityException.Kind.OPEN,
        day=local.date(),
        start_time=local.time(),
        end_time=(local + timedelta(minutes=minutes)).time(),
    )


def _room_demo(people, now) -> str:
    employee, practitioner = people[ROOM_EMPLOYEE], people[ROOM_PRACTITIONER]
    soon = Consultation.objects.filter(
        employee=employee,
        practitioner=practitioner,
        status__in=LIVE,
        scheduled_at__lte=now + timedelta(hours=2),
    )
    if any(room.state(c, now=now) != room.State.OVER for c in soon):
        return "  room demo: alice's consultations with psy1 are still open or about to open"
    minutes = selectors.availability_for(practitioner).length_minutes
    buffer = selectors.availability_for(practitioner).buffer_minutes
    five = now.replace(second=0, microsecond=0) - timedelta(minutes=now.minute % 5)
    opened = _within_one_day(five - timedelta(minutes=10), minutes, earlier=True)
    # After psy1's pause, and late enough that its room opens some minutes from now.
    coming = _within_one_day(
        max(
            opened + timedelta(minutes=minutes + buffer),
            five + room.OPENS_BEFORE + timedelta(minutes=10),
        ),
        minutes,
        earlier=False,
    )
    made = []
    for start, kind in ((opened, Consultation.Kind.VIDEO), (coming, Consultation.Kind.CHAT)):
        _offered(practitioner, start, minutes)
        made.append(
            services.consultation_book(
                employee=employee,
                practitioner=practitioner,
                scheduled_at=start,
                kind=kind,
                now=start - timedelta(days=1),
            )
        )
    first, second = made
    return (
        f"  room demo: {ROOM_EMPLOYEE} with {ROOM_PRACTITIONER}, video at "
        f"{timezone.localtime(first.scheduled_at):%H:%M} (room open now, until "
        f"{timezone.localtime(room.closes_at(first)):%H:%M}), chat at "
        f"{timezone.localtime(second.scheduled_at):%H:%M} (room opens at "
        f"{timezone.localtime(room.opens_at(second)):%H:%M})"
    )


def _history(people, already) -> int:
    rng = random.Random(2026)  # the same demo on every machine
    now = timezone.now()
    tz = timezone.get_current_timezone()
    this_monday = timezone.localtime(now, tz).replace(hour=0, minute=0, second=0, microsecond=0)
    this_monday -= timedelta(days=this_monday.weekday())
    made = 0
    for week in range(-HISTORY_WEEKS, 3):
        week_start = this_monday + timedelta(weeks=week)
        for employee_email, practitioner_email, every, offset, weekday in HABITS:
            if week % every != offset or employee_email in already:
                continue
            slot = _slot_in_week(people[practitioner_email], week_start, weekday, rng)
            if slot is None:
                continue
            made += _one(people[employee_email], people[practitioner_email], slot, now, rng)
    return made


def _one(employee, practitioner, slot, now, rng) -> int:
    future = slot.start > now + selectors.booking_notice()
    if not future and slot.end > now:
        return 0  # today's slot in progress: keep the demo simple
    booked_at = now if future else slot.start - timedelta(days=rng.randint(2, 9))
    try:
        consultation = services.consultation_book(
            employee=employee,
            practitioner=practitioner,
            scheduled_at=slot.start,
            kind=Consultation.Kind.VIDEO if rng.random() < 0.75 else Consultation.Kind.CHAT,
            now=booked_at,
        )
    except BookingRefused:
        return 0
    if future:
        return 1
    outcome = rng.random()
    if outcome < 0.15:
        services.consultation_cancel(
            actor=rng.choice([employee, practitioner]),
            consultation=consultation,
            reason="Empêchement",
            now=slot.start - timedelta(hours=rng.randint(3, 30)),
        )
    elif outcome < 0.24:
        services.consultation_mark_no_show(
            actor=practitioner, consultation=consultation, now=slot.start + timedelta(minutes=15)
        )
    else:
        started = slot.start + timedelta(minutes=rng.randint(0, 4))
        services.consultation_start(actor=practitioner, consultation=consultation, now=started)
        services.consultation_end(
            actor=practitioner,
            consultation=consultation,
            now=started + timedelta(minutes=rng.randint(38, 52)),
        )
    return 1
