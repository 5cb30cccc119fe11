from datetime import date, time, timedelta

import pytest
import time_machine
from django.urls import reverse

from companies.models import PractitionerProfile
from consultations import services
from consultations.models import Availability, AvailabilityException, Consultation, WeeklyOpening
from consultations.selectors import cancel_reason_for
from tests.consultations.conftest import NOW, paris
from tests.consultations.factories import book

pytestmark = pytest.mark.django_db
TUESDAY_9 = paris(2026, 3, 3, 9)


@pytest.fixture
def listed(p_open):
    PractitionerProfile.objects.update_or_create(
        user=p_open, defaults={"profession": "coach", "is_active": True}
    )
    return p_open


@pytest.fixture
def as_alice(client, employee_a, frozen):
    client.force_login(employee_a)
    return client


def test_the_slot_picker_lists_this_weeks_free_slots(as_alice, listed):
    response = as_alice.get(reverse("consultations:book", args=[listed.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count("/confirm/?start=") == 12  # Tuesday to Friday, three a day
    assert "2026-03-03T08%3A00%3A00%2B00%3A00" in page  # Tuesday 9:00 Paris


def test_the_slot_picker_pages_through_weeks(as_alice, listed):
    page = as_alice.get(reverse("consultations:book", args=[listed.pk]) + "?week=1")
    assert page.content.decode().count("/confirm/?start=") == 15
    assert (
        as_alice.get(reverse("consultations:book", args=[listed.pk]) + "?week=nope").status_code
        == 200
    )


def test_confirming_books_and_shows_the_consultation(as_alice, listed, employee_a):
    url = reverse("consultations:book_confirm", args=[listed.pk])
    confirm = as_alice.get(url, {"start": TUESDAY_9.isoformat()})
    assert confirm.status_code == 200
    response = as_alice.post(url, {"start": TUESDAY_9.isoformat(), "kind": "video"})
    consultation = Consultation.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("consultations:detail", args=[consultation.pk])
    assert consultation.employee == employee_a and consultation.scheduled_at == TUESDAY_9


def test_a_taken_slot_sends_back_to_the_picker_with_409(as_alice, listed, employee_b):
    book(employee_b, listed, at=TUESDAY_9, now=NOW)
    url = reverse("consultations:book_confirm", args=[listed.pk])
    assert as_alice.get(url, {"start": TUESDAY_9.isoformat()}).status_code == 409
    response = as_alice.post(url, {"start": TUESDAY_9.isoformat(), "kind": "video"})
    assert response.status_code == 409
    assert "plus disponible" in response.content.decode()
    assert Consultation.objects.count() == 1


def test_a_malformed_start_is_404_and_a_bad_kind_400(as_alice, listed):
    url = reverse("consultations:book_confirm", args=[listed.pk])
    assert as_alice.get(url, {"start": "soon"}).status_code == 404
    response = as_alice.post(url, {"start": TUESDAY_9.isoformat(), "kind": "phone"})
    assert response.status_code == 400
    assert not Consultation.objects.exists()


def test_an_inactive_company_is_told_it_cannot_book(client, listed, employee_a, acme, frozen):
    acme.is_active = False
    acme.save()
    client.force_login(employee_a)
    page = client.get(reverse("consultations:book", args=[listed.pk])).content.decode()
    assert "pas encore activé" in page
    response = client.post(
        reverse("consultations:book_confirm", args=[listed.pk]),
        {"start": TUESDAY_9.isoformat(), "kind": "video"},
    )
    assert response.status_code == 403 and not Consultation.objects.exists()


@pytest.mark.parametrize("who", ["practitioner_q", "hr_acme", "staff_r2"])
def test_only_employees_reach_the_booking_pages(cast, client, listed, who):
    client.force_login(cast[who])
    assert client.get(reverse("consultations:book", args=[listed.pk])).status_code == 403


def test_an_unlisted_practitioner_or_another_user_is_404(as_alice, practitioner_q, employee_b):
    PractitionerProfile.objects.filter(user=practitioner_q).update(is_active=False)
    for other in (practitioner_q, employee_b):
        assert as_alice.get(reverse("consultations:book", args=[other.pk])).status_code == 404


def test_my_consultations_splits_upcoming_and_past(as_alice, employee_a, listed):
    upcoming = book(employee_a, listed, at=TUESDAY_9, now=NOW)
    past = book(employee_a, listed, at=paris(2026, 2, 24, 9))
    page = as_alice.get(reverse("consultations:my")).content.decode()
    upcoming_part, past_part = page.split('id="past-title"')
    assert str(upcoming.pk) in upcoming_part and str(past.pk) in past_part


def test_my_consultations_page_has_a_fixed_number_of_queries(
    as_alice, employee_a, listed, django_assert_max_num_queries
):
    services.weekly_hours_set(actor=listed, openings=[(d, time(8), time(20)) for d in range(7)])
    for day in range(10):
        book(employee_a, listed, at=TUESDAY_9 + timedelta(days=day), now=NOW)
    with django_assert_max_num_queries(12):
        assert as_alice.get(reverse("consultations:my")).status_code == 200


def test_the_home_card_lists_upcoming(as_alice, employee_a, listed):
    consultation = book(employee_a, listed, at=TUESDAY_9, now=NOW)
    page = as_alice.get(reverse("accounts:employee_home")).content.decode()
    assert "Prochaines consultations" in page
    assert reverse("consultations:detail", args=[consultation.pk]) in page


def test_the_detail_offers_cancel_to_the_employee_and_cancel_keeps_the_reason(
    as_alice, employee_a, listed
):
    consultation = book(employee_a, listed, at=TUESDAY_9, now=NOW)
    url = reverse("consultations:detail", args=[consultation.pk])
    page = as_alice.get(url).content.decode()
    assert reverse("consultations:cancel", args=[consultation.pk]) in page
    assert reverse("consultations:start", args=[consultation.pk]) not in page
    response = as_alice.post(
        reverse("consultations:cancel", args=[consultation.pk]), {"reason": "Réunion imprévue"}
    )
    assert response.status_code == 302
    consultation.refresh_from_db()
    assert consultation.status == "cancelled"
    assert cancel_reason_for(user=employee_a, consultation=consultation) == "Réunion imprévue"


def test_the_practitioner_runs_the_consultation_from_its_room(client, employee_a, listed):
    consultation = book(employee_a, listed, at=TUESDAY_9, now=NOW)
    client.force_login(listed)
    room = reverse("consultations:room", args=[consultation.pk])
    with time_machine.travel(TUESDAY_9 - timedelta(minutes=5), tick=False):
        page = client.get(reverse("consultations:detail", args=[consultation.pk]))
        assert room in page.content.decode()
        assert reverse("consultations:start", args=[consultation.pk]) not in page.content.decode()
        page = client.get(room)
        assert reverse("consultations:room_start", args=[consultation.pk]) in page.content.decode()
        client.post(reverse("consultations:room_start", args=[consultation.pk]))
    with time_machine.travel(TUESDAY_9 + timedelta(minutes=45), tick=False):
        page = client.get(room)
        assert reverse("consultations:room_end", args=[consultation.pk]) in page.content.decode()
        client.post(reverse("consultations:room_end", args=[consultation.pk]))
    consultation.refresh_from_db()
    assert consultation.status == "completed" and consultation.duration_seconds == 50 * 60


def test_an_illegal_button_press_is_409_showing_the_status(client, employee_a, listed):
    consultation = book(employee_a, listed, at=TUESDAY_9, now=NOW)
    client.force_login(listed)
    with time_machine.travel(TUESDAY_9 - timedelta(minutes=30), tick=False):
        response = client.post(reverse("consultations:no_show", args=[consultation.pk]))
    assert response.status_code == 409
    assert "Planifiée" in response.content.decode()
    consultation.refresh_from_db()
    assert consultation.status == "scheduled"


def test_transitions_are_post_only(client, employee_a, listed):
    consultation = book(employee_a, listed, at=TUESDAY_9, now=NOW)
    client.force_login(listed)
    assert client.get(reverse("consultations:start", args=[consultation.pk])).status_code == 405


def test_staff_see_details_without_actions(client, employee_a, listed, staff_r2, frozen):
    consultation = book(employee_a, listed, at=TUESDAY_9, now=NOW)
    services.consultation_cancel(
        actor=employee_a, consultation=consultation, reason="privé", now=NOW
    )
    client.force_login(staff_r2)
    page = client.get(reverse("consultations:detail", args=[consultation.pk])).content.decode()
    assert "Annulée" in page and "privé" not in page
    assert "<form" not in page.split("<main")[1].split("</main>")[0]


def test_the_agenda_shows_the_day_and_the_week(client, employee_a, listed, frozen):
    consultation = book(employee_a, listed, at=TUESDAY_9, now=NOW)
    client.force_login(listed)
    day = client.get(reverse("consultations:agenda"), {"day": "2026-03-03"}).content.decode()
    assert str(consultation.pk) in day and employee_a.get_full_name() in day
    today = client.get(reverse("consultations:agenda")).content.decode()
    assert str(consultation.pk) not in today
    week = client.get(reverse("consultations:agenda"), {"view": "week"}).content.decode()
    assert str(consultation.pk) in week


NOT_PRACTITIONERS = ["employee_a", "hr_acme", "staff_r2", "operator_r1", "superuser"]
AVAILABILITY_FORMS = {
    "consultations:availability_settings": {
        "time_zone": "Europe/Paris",
        "length_minutes": 45,
        "buffer_minutes": 15,
    },
    "consultations:availability_hours": {"d0_0_start": "09:00", "d0_0_end": "12:00"},
    "consultations:availability_exception_add": {"kind": "closed", "date": "2026-03-09"},
}


# The superuser passes @permission_required to an empty page (the gating rework's
# business); the services refuse every write below to anyone but a practitioner.
@pytest.mark.parametrize("who", ["employee_a", "hr_acme", "staff_r2", "operator_r1"])
def test_the_agenda_and_editor_are_practitioners_only(cast, client, who):
    client.force_login(cast[who])
    assert client.get(reverse("consultations:agenda")).status_code == 403
    assert client.get(reverse("consultations:availability")).status_code == 403


@pytest.mark.parametrize("who", NOT_PRACTITIONERS)
@pytest.mark.parametrize("name", list(AVAILABILITY_FORMS))
def test_only_practitioners_post_the_availability_forms(cast, client, who, name, frozen):
    client.force_login(cast[who])
    assert client.post(reverse(name), AVAILABILITY_FORMS[name]).status_code == 403
    assert not Availability.objects.exists()


@pytest.mark.parametrize("who", NOT_PRACTITIONERS)
def test_only_practitioners_remove_exceptions(cast, client, who, p_open):
    [exception] = services.availability_exception_add(
        actor=p_open, kind="closed", day=date(2026, 3, 9)
    )
    client.force_login(cast[who])
    url = reverse("consultations:availability_exception_remove", args=[exception.pk])
    assert client.post(url).status_code == 403
    assert AvailabilityException.objects.filter(pk=exception.pk).exists()


@pytest.mark.parametrize("name", list(AVAILABILITY_FORMS))
def test_each_availability_form_posts_to_its_own_url_and_returns_to_the_page(
    client, practitioner_p, name, frozen
):
    client.force_login(practitioner_p)
    assert client.get(reverse(name)).status_code == 405
    response = client.post(reverse(name), AVAILABILITY_FORMS[name])
    assert response.status_code == 302
    assert response["Location"] == reverse("consultations:availability")
    page = client.get(reverse("consultations:availability")).content.decode()
    assert f'action="{reverse(name)}"' in page
    assert 'name="action"' not in page


def test_the_availability_page_takes_no_post(client, practitioner_p):
    client.force_login(practitioner_p)
    response = client.post(reverse("consultations:availability"), {"action": "settings"})
    assert response.status_code == 405


def test_the_availability_editor_saves_settings_hours_and_exceptions(
    client, practitioner_p, frozen
):
    client.force_login(practitioner_p)
    url = reverse("consultations:availability")
    assert client.get(url).status_code == 200
    client.post(
        reverse("consultations:availability_settings"),
        {
            "time_zone": "Europe/Paris",
            "length_minutes": 45,
            "buffer_minutes": 15,
        },
    )
    client.post(
        reverse("consultations:availability_hours"),
        {
            "d0_0_start": "09:00",
            "d0_0_end": "12:00",
            "d0_1_start": "14:00",
            "d0_1_end": "17:00",
        },
    )
    assert WeeklyOpening.objects.filter(availability__practitioner=practitioner_p).count() == 2
    client.post(
        reverse("consultations:availability_exception_add"),
        {"kind": "closed", "date": "2026-03-09", "until": "2026-03-13"},
    )
    assert AvailabilityException.objects.count() == 5
    exception = AvailabilityException.objects.first()
    client.post(reverse("consultations:availability_exception_remove", args=[exception.pk]))
    assert AvailabilityException.objects.count() == 4
    page = client.get(url).content.decode()
    assert 'value="09:00"' in page


def test_the_availability_editor_reports_errors_with_400(client, practitioner_p, frozen):
    client.force_login(practitioner_p)
    hours = reverse("consultations:availability_hours")
    overlapping = client.post(
        hours,
        {
            "d1_0_start": "09:00",
            "d1_0_end": "12:00",
            "d1_1_start": "11:00",
            "d1_1_end": "13:00",
        },
    )
    assert overlapping.status_code == 400
    half = client.post(hours, {"d2_0_start": "09:00"})
    assert half.status_code == 400
    extra = client.post(
        reverse("consultations:availability_exception_add"), {"kind": "open", "date": "2026-03-09"}
    )
    assert extra.status_code == 400
    assert not WeeklyOpening.objects.exists() and not AvailabilityException.objects.exists()


def test_one_cannot_remove_another_practitioners_exception(client, practitioner_q, p_open):
    [exception] = services.availability_exception_add(
        actor=p_open, kind="closed", day=date(2026, 3, 9)
    )
    client.force_login(practitioner_q)
    response = client.post(
        reverse("consultations:availability_exception_remove", args=[exception.pk])
    )
    assert response.status_code == 404
    assert AvailabilityException.objects.filter(pk=exception.pk).exists()
