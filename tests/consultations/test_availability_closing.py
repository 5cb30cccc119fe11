"""Closing a period that holds bookings warns and lists them (nothing changes), and one
confirmation cancels them with the practitioner's message to each employee; errors are
in plain words on the faulty row; common time zones come first."""

import re
from datetime import date, time

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from consultations import services
from consultations.exceptions import ClosingHasBookings
from consultations.forms import AvailabilitySettingsForm
from consultations.models import AvailabilityException, Consultation, WeeklyOpening
from consultations.selectors import cancel_reason_for
from tests.consultations.conftest import NOW, paris
from tests.consultations.factories import book

pytestmark = pytest.mark.django_db
TUESDAY = date(2026, 3, 3)
THURSDAY = date(2026, 3, 5)


@pytest.fixture
def two_bookings(employee_a, employee_b, p_open):
    return [
        book(employee_a, p_open, at=paris(2026, 3, 5, 9), now=NOW),
        book(employee_b, p_open, at=paris(2026, 3, 6, 11), now=NOW),
    ]


def _close(p_open, **kwargs):
    return services.availability_exception_add(
        actor=p_open, kind="closed", day=THURSDAY, now=NOW, **kwargs
    )


def test_closing_a_day_with_a_booking_is_refused_and_lists_it(p_open, two_bookings):
    with pytest.raises(ClosingHasBookings) as refused:
        _close(p_open)
    assert refused.value.consultations == [two_bookings[0]]
    assert refused.value.http_status == 409
    assert not AvailabilityException.objects.exists()
    assert Consultation.objects.filter(status="scheduled").count() == 2


def test_a_period_lists_every_booking_in_it(p_open, two_bookings):
    with pytest.raises(ClosingHasBookings) as refused:
        _close(p_open, until=date(2026, 3, 6))
    assert refused.value.consultations == two_bookings


def test_closed_hours_only_list_what_they_overlap(p_open, two_bookings):
    with pytest.raises(ClosingHasBookings):
        _close(p_open, start_time=time(9, 30), end_time=time(12))
    rows = _close(p_open, start_time=time(10), end_time=time(12))  # 9:00-9:50 untouched
    assert len(rows) == 1


def test_a_day_without_bookings_closes_at_once(p_open, two_bookings):
    [row] = services.availability_exception_add(
        actor=p_open, kind="closed", day=date(2026, 3, 4), now=NOW
    )
    assert row.date == date(2026, 3, 4)


def test_confirming_needs_a_message(p_open, two_bookings):
    with pytest.raises(ValidationError) as refused:
        _close(p_open, cancel_bookings=True, message="  ")
    assert "message" in refused.value.error_dict
    assert not AvailabilityException.objects.exists()
    assert Consultation.objects.filter(status="scheduled").count() == 2


def test_confirming_cancels_each_with_the_message_and_tells_each_employee(
    p_open, employee_a, two_bookings, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        _close(p_open, cancel_bookings=True, message="Formation ce jour-là, désolée.")
    first, second = two_bookings
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == "cancelled" and first.cancelled_by == p_open
    assert not first.cancelled_late
    assert cancel_reason_for(user=employee_a, consultation=first) == (
        "Formation ce jour-là, désolée."
    )
    assert second.status == "scheduled"
    assert AvailabilityException.objects.get().date == THURSDAY
    to_alice = next(m for m in mail.outbox if m.to == [employee_a.email])
    assert "créneaux libres" in to_alice.body
    # The closed day is no longer offered.
    assert "jeudi 5 mars" not in to_alice.body.split("créneaux libres")[1]


def test_a_past_or_started_consultation_is_not_listed(p_open, employee_a):
    held = book(employee_a, p_open, at=paris(2026, 3, 5, 9), now=NOW)
    services.consultation_start(actor=p_open, consultation=held, now=paris(2026, 3, 5, 9))
    rows = services.availability_exception_add(
        actor=p_open, kind="closed", day=THURSDAY, now=paris(2026, 3, 5, 9, 5)
    )
    assert len(rows) == 1


# --- Portal -----------------------------------------------------------------------


def test_the_page_warns_lists_and_confirms(client, p_open, employee_a, two_bookings, frozen):
    client.force_login(p_open)
    url = reverse("consultations:availability_exception_add")
    warned = client.post(url, {"kind": "closed", "date": "2026-03-05"})
    assert warned.status_code == 409
    text = warned.content.decode()
    box = text[text.index('id="closing-bookings"') :]
    box = box[: box.index("</form>")]
    assert employee_a.get_full_name() in box
    assert "Exception ajoutée" not in text
    assert not AvailabilityException.objects.exists()
    data = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', box))
    assert data["date"] == "2026-03-05" and data["cancel_bookings"] == "on"
    data["message"] = ""
    missing = client.post(url, data)
    assert missing.status_code == 400
    assert "Écrivez un message" in missing.content.decode()
    assert not AvailabilityException.objects.exists()
    data["message"] = "Formation"
    done = client.post(url, data)
    assert done.status_code == 302
    assert AvailabilityException.objects.count() == 1
    two_bookings[0].refresh_from_db()
    assert two_bookings[0].status == "cancelled"


def _row_of(content, label):
    """The hours table's row whose header is `label`."""
    rows = content.decode().split("<tr>")
    return next(row for row in rows if f'<th scope="row">{label}</th>' in row)


@pytest.mark.parametrize(
    "data,day,words",
    [
        (
            {
                "d1_0_start": "09:00",
                "d1_0_end": "12:00",
                "d1_1_start": "11:00",
                "d1_1_end": "13:00",
            },
            "Mardi",
            "se chevauchent",
        ),
        ({"d3_0_start": "12:00", "d3_0_end": "09:00"}, "Jeudi", "l'heure de fin doit suivre"),
    ],
)
def test_an_hours_error_is_on_its_own_row_in_plain_words(
    client, practitioner_p, frozen, data, day, words
):
    client.force_login(practitioner_p)
    response = client.post(reverse("consultations:availability_hours"), data)
    assert response.status_code == 400
    text = response.content.decode()
    assert words in _row_of(response.content, day).replace("&#x27;", "'")
    assert "weekly_opening" not in text and "Constraint" not in text and "contrainte" not in text
    assert not WeeklyOpening.objects.exists()


def test_no_constraint_name_ever_reaches_a_message():
    """Every check constraint of the availability models says what is wrong in words."""
    from consultations.models import Availability

    for model in (Availability, WeeklyOpening, AvailabilityException):
        for constraint in model._meta.constraints:
            message = str(constraint.get_violation_error_message())
            assert constraint.name not in message, constraint.name


def test_common_time_zones_come_first(practitioner_p):
    form = AvailabilitySettingsForm(instance=None)
    groups = form.fields["time_zone"].choices
    common = [name for name, _label in groups[0][1]]
    assert common[0] == "Europe/Paris"
    assert {"America/Martinique", "Indian/Reunion", "America/Cayenne", "Europe/Brussels"} <= set(
        common
    )
    others = [name for name, _label in groups[1][1]]
    assert others == sorted(others) and not set(common) & set(others)


def test_the_settings_page_lists_paris_first(client, practitioner_p):
    client.force_login(practitioner_p)
    page = client.get(reverse("consultations:availability")).content.decode()
    select = page[page.index('name="time_zone"') :]
    first = re.search(r'<option value="([^"]+)"', select).group(1)
    assert first == "Europe/Paris"


def test_an_unknown_time_zone_is_refused_with_400(client, practitioner_p):
    client.force_login(practitioner_p)
    response = client.post(
        reverse("consultations:availability_settings"),
        {"time_zone": "Mars/Olympus", "length_minutes": 50, "buffer_minutes": 10},
    )
    assert response.status_code == 400
