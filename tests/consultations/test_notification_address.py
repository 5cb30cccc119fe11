"""Where appointment emails and their .ics go (accounts.selectors.notification_address):
the employee's verified personal address once she chose it, else her account (work)
address. Subjects and calendar titles stay neutral whatever the address."""

from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection
from icalendar import Calendar

from accounts.selectors import notification_address, notification_addresses
from accounts.services import notification_address_choose
from companies.models import Specialty
from consultations import services
from consultations.access import NOTIFICATION_ADDRESSES, get_consultation_for
from consultations.reminders import send_due_reminders
from tests.consultations.conftest import NOW, paris

pytestmark = pytest.mark.django_db
TUESDAY_9 = paris(2026, 3, 3, 9)
FRIDAY = paris(2026, 2, 27, 10)  # booked early enough for both reminders
PERSONAL = "alice.perso@example.org"


def add_address(user, email=PERSONAL, *, verified=True):
    return EmailAddress.objects.create(user=user, email=email, primary=False, verified=verified)


def book(employee, practitioner, capture):
    with capture(execute=True):
        return services.consultation_book(
            employee=employee,
            practitioner=practitioner,
            scheduled_at=TUESDAY_9,
            kind="video",
            now=FRIDAY,
        )


def attendee(message) -> str:
    [(_, content, _)] = message.attachments
    [event] = Calendar.from_ical(content).walk("VEVENT")
    return str(event["ATTENDEE"])


# --- The rule ----------------------------------------------------------------------


def test_by_default_the_account_address(employee_a):
    assert notification_address(employee_a) == "alice@acme.test"


def test_an_added_address_is_not_used_until_chosen(employee_a):
    add_address(employee_a)
    assert notification_address(employee_a) == "alice@acme.test"


def test_a_chosen_verified_address_is_used_and_switching_back_restores_the_account(employee_a):
    personal = add_address(employee_a)
    notification_address_choose(user=employee_a, email_address=personal)
    assert notification_address(employee_a) == PERSONAL
    notification_address_choose(user=employee_a, email_address=None)
    assert notification_address(employee_a) == "alice@acme.test"


def test_choosing_the_account_address_is_switching_back(employee_a):
    notification_address_choose(user=employee_a, email_address=add_address(employee_a))
    account = EmailAddress.objects.get(user=employee_a, primary=True)
    notification_address_choose(user=employee_a, email_address=account)
    assert notification_address(employee_a) == "alice@acme.test"


def test_an_unverified_address_cannot_be_chosen(employee_a):
    with pytest.raises(ValidationError):
        notification_address_choose(
            user=employee_a, email_address=add_address(employee_a, verified=False)
        )
    assert notification_address(employee_a) == "alice@acme.test"


def test_someone_elses_address_cannot_be_chosen(employee_a, employee_b):
    with pytest.raises(ValidationError):
        notification_address_choose(user=employee_a, email_address=add_address(employee_b))
    assert notification_address(employee_a) == "alice@acme.test"


def test_an_address_that_lost_its_verification_is_no_longer_used(employee_a):
    personal = add_address(employee_a)
    notification_address_choose(user=employee_a, email_address=personal)
    EmailAddress.objects.filter(pk=personal.pk).update(verified=False)
    assert notification_address(employee_a) == "alice@acme.test"


def test_removing_the_address_removes_the_choice(employee_a):
    personal = add_address(employee_a)
    notification_address_choose(user=employee_a, email_address=personal)
    personal.delete()
    assert notification_address(employee_a) == "alice@acme.test"


def test_the_addresses_of_several_users_in_one_query(
    employee_a, employee_b, practitioner_p, django_assert_num_queries
):
    """Each her own: a chosen verified address, an address that lost its verification,
    none chosen; an address moved to another user no longer counts for the first."""
    notification_address_choose(user=employee_a, email_address=add_address(employee_a))
    moved = add_address(employee_b, "bob.perso@example.org")
    notification_address_choose(user=employee_b, email_address=moved)
    EmailAddress.objects.filter(pk=moved.pk).update(verified=False)
    with django_assert_num_queries(1):
        addresses = notification_addresses([employee_a, employee_b, practitioner_p])
    assert addresses == {
        employee_a.pk: PERSONAL,
        employee_b.pk: employee_b.email,
        practitioner_p.pk: practitioner_p.email,
    }
    EmailAddress.objects.filter(pk=moved.pk).update(verified=True, user=practitioner_p)
    assert notification_addresses([employee_b, practitioner_p]) == {
        employee_b.pk: employee_b.email,
        practitioner_p.pk: practitioner_p.email,
    }


# --- The emails --------------------------------------------------------------------


def test_booking_emails_and_their_ics_go_to_the_chosen_address(
    employee_a, p_open, django_capture_on_commit_callbacks
):
    notification_address_choose(user=employee_a, email_address=add_address(employee_a))
    book(employee_a, p_open, django_capture_on_commit_callbacks)
    recipients = sorted(m.to[0] for m in mail.outbox)
    assert recipients == [PERSONAL, p_open.email]  # the work address gets nothing
    message = next(m for m in mail.outbox if m.to == [PERSONAL])
    assert attendee(message) == f"mailto:{PERSONAL}"


def test_an_unverified_address_receives_nothing(
    employee_a, p_open, django_capture_on_commit_callbacks
):
    personal = add_address(employee_a)
    notification_address_choose(user=employee_a, email_address=personal)
    EmailAddress.objects.filter(pk=personal.pk).update(verified=False)
    book(employee_a, p_open, django_capture_on_commit_callbacks)
    assert sorted(m.to[0] for m in mail.outbox) == sorted([employee_a.email, p_open.email])


def test_cancellation_and_reminders_follow_the_choice(
    employee_a, p_open, django_capture_on_commit_callbacks
):
    consultation = book(employee_a, p_open, django_capture_on_commit_callbacks)
    notification_address_choose(user=employee_a, email_address=add_address(employee_a))
    mail.outbox.clear()
    send_due_reminders(now=TUESDAY_9 - timedelta(hours=23))
    assert sorted(m.to[0] for m in mail.outbox) == [PERSONAL, p_open.email]
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.consultation_cancel(actor=employee_a, consultation=consultation, now=NOW)
    message = next(m for m in mail.outbox if m.to == [PERSONAL])
    assert attendee(message) == f"mailto:{PERSONAL}"


def test_no_subject_nor_calendar_title_names_psychology_the_practitioner_or_a_specialty(
    employee_a, p_open, django_capture_on_commit_callbacks
):
    """Every message an employee can receive: booked, both reminders, cancelled,
    and no-show (on a second booking)."""
    first = book(employee_a, p_open, django_capture_on_commit_callbacks)
    send_due_reminders(now=TUESDAY_9 - timedelta(hours=23))
    send_due_reminders(now=TUESDAY_9 - timedelta(minutes=50))
    with django_capture_on_commit_callbacks(execute=True):
        services.consultation_cancel(actor=employee_a, consultation=first, now=NOW)
    second = book(employee_a, p_open, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        services.consultation_mark_no_show(
            actor=p_open, consultation=second, now=TUESDAY_9 + timedelta(minutes=20)
        )
    to_employee = [m for m in mail.outbox if m.to == [employee_a.email]]
    subjects = {m.subject for m in to_employee}
    assert len(subjects) == 5, subjects
    titles = set()
    for message in to_employee:
        for _, content, _ in message.attachments:
            titles |= {str(e["SUMMARY"]) for e in Calendar.from_ical(content).walk("VEVENT")}
    assert titles == {"Rendez-vous HuntZen Care"}
    forbidden = ["psych", p_open.first_name.lower(), p_open.last_name.lower(), p_open.email]
    forbidden += [str(label).lower() for label in Specialty.Code.labels]
    forbidden += [code.lower() for code in Specialty.Code.values]
    for text in subjects | titles:
        for word in forbidden:
            assert word not in text.lower(), (word, text)


def test_the_addresses_read_with_a_consultation_follow_the_same_rule(
    employee_a, employee_b, p_open, django_capture_on_commit_callbacks
):
    """What a cancellation's handler reads with the row (access.get_consultation_for,
    `addresses`, PostgreSQL) is what notification_addresses answers: a chosen verified
    address, one that lost its verification, one moved to another user, none chosen."""
    consultation = book(employee_a, p_open, django_capture_on_commit_callbacks)
    personal = add_address(employee_a)
    notification_address_choose(user=employee_a, email_address=personal)

    def read():
        found = get_consultation_for(employee_a, consultation.pk, addresses=True)
        return found.__dict__.get(NOTIFICATION_ADDRESSES)

    expected = notification_addresses([employee_a, p_open])
    assert expected == {employee_a.pk: PERSONAL, p_open.pk: p_open.email}
    if connection.vendor != "postgresql":
        assert read() is None  # asked when the emails are queued
        return
    assert read() == expected
    EmailAddress.objects.filter(pk=personal.pk).update(verified=False)
    assert (
        read()
        == notification_addresses([employee_a, p_open])
        == {
            employee_a.pk: employee_a.email,
            p_open.pk: p_open.email,
        }
    )
    EmailAddress.objects.filter(pk=personal.pk).update(verified=True, user=employee_b)
    assert read() == notification_addresses([employee_a, p_open])
