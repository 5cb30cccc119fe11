"""The outbox (huntzen/outbox): every email is committed with its change, one row per
recipient, and delivered exactly once whatever the SMTP server does meanwhile (F2)."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from accounts.models import Role
from accounts.services import invitation_create
from consultations import services
from consultations.exceptions import SlotTaken
from consultations.models import Consultation
from huntzen.outbox import services as outbox
from huntzen.outbox.models import OutboxMessage
from huntzen.outbox.tasks import outbox_sweep
from tests.consultations.conftest import NOW, paris
from tests.consultations.factories import book

pytestmark = pytest.mark.django_db
TUESDAY_9 = paris(2026, 3, 3, 9)
State = OutboxMessage.State


def _book_by_api(api_client, employee, practitioner, *, key=None):
    api_client.force_authenticate(employee)
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return api_client.post(
        "/api/v1/consultations",
        {
            "practitionerId": str(practitioner.pk),
            "scheduledAt": TUESDAY_9.isoformat(),
            "kind": "video",
        },
        format="json",
        **headers,
    )


def test_a_booking_queues_one_row_per_participant_with_its_change(
    employee_a, p_open, frozen, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        book(employee_a, p_open, at=TUESDAY_9, now=NOW)
        rows = list(OutboxMessage.objects.filter(kind__startswith="consultations/email/booked_"))
        assert sorted(r.recipient for r in rows) == sorted([employee_a.email, p_open.email])
        assert {r.state for r in rows} == {State.PENDING}
        assert mail.outbox == []  # nothing leaves before the commit
    # One broker message for both rows; the worker gives each its own delivery task.
    # (The other callbacks start new slots generations: consultations/slots_cache.py.)
    dispatches = [c for c in callbacks if getattr(c, "func", None) is outbox.dispatch]
    assert len(dispatches) == 1
    assert sorted(dispatches[0].args[0]) == sorted(r.pk for r in rows)
    for callback in callbacks:
        callback()
    assert sorted(m.to[0] for m in mail.outbox) == sorted([employee_a.email, p_open.email])
    assert set(OutboxMessage.objects.values_list("state", flat=True)) == {State.SENT}


def test_a_refused_booking_queues_nothing(employee_a, employee_b, p_open, frozen):
    book(employee_a, p_open, at=TUESDAY_9, now=NOW)
    OutboxMessage.objects.all().delete()
    with pytest.raises(SlotTaken):
        services.consultation_book(
            employee=employee_b, practitioner=p_open, scheduled_at=TUESDAY_9, kind="video"
        )
    assert not OutboxMessage.objects.exists()


def test_smtp_refusing_costs_no_error_and_every_email_arrives_once_after(
    api_client, employee_a, p_open, hr_acme, frozen, smtp, django_capture_on_commit_callbacks
):
    """F2: booking, cancel and invitation answer success while SMTP refuses; the
    retries of the requests do not hit 409; once SMTP accepts, each email arrives once."""
    smtp.refusing = True
    with django_capture_on_commit_callbacks(execute=True):
        booked = _book_by_api(api_client, employee_a, p_open, key="book-1")
        again = _book_by_api(api_client, employee_a, p_open, key="book-1")
    assert booked.status_code == 201 and again.status_code == 201
    assert again.json() == booked.json() and again["Idempotent-Replayed"] == "true"
    pk = booked.json()["id"]
    with django_capture_on_commit_callbacks(execute=True):
        cancelled = api_client.post(
            f"/api/v1/consultations/{pk}/cancel", {}, format="json", HTTP_IDEMPOTENCY_KEY="c-1"
        )
        cancelled_again = api_client.post(
            f"/api/v1/consultations/{pk}/cancel", {}, format="json", HTTP_IDEMPOTENCY_KEY="c-1"
        )
    assert cancelled.status_code == 200 and cancelled_again.status_code == 200
    assert cancelled_again.json()["status"] == "cancelled"
    with django_capture_on_commit_callbacks(execute=True):
        invitation = invitation_create(
            inviter=hr_acme, email="new.hire@acme.test", role=Role.EMPLOYEE, company=hr_acme.company
        )
    assert invitation.pk
    assert smtp.messages == [] and smtp.refused == 5  # 2 booked, 2 cancelled, 1 invitation
    rows = OutboxMessage.objects.all()
    assert rows.count() == 5
    assert {(r.state, r.attempts) for r in rows} == {(State.PENDING, 1)}
    assert all("451" in r.last_error for r in rows)

    # Not due before its backoff: the sweep leaves them alone.
    assert outbox.due_message_ids() == []
    frozen.shift(timedelta(seconds=31))
    smtp.refusing = False
    assert outbox_sweep() == 5  # eager here: each delivered in the sweep
    assert outbox_sweep() == 0
    assert len(smtp.messages) == 5
    for address, count in ((employee_a.email, 2), (p_open.email, 2), ("new.hire@acme.test", 1)):
        assert len(smtp.to(address)) == count
    assert {(r.state, r.attempts) for r in OutboxMessage.objects.all()} == {(State.SENT, 2)}
    assert Consultation.objects.count() == 1


def test_the_participants_are_mailed_independently(
    employee_a, p_open, frozen, smtp, django_capture_on_commit_callbacks
):
    """F2: the practitioner's address refusing does not keep the employee's email."""
    smtp.refused_recipients = {p_open.email}
    with django_capture_on_commit_callbacks(execute=True):
        book(employee_a, p_open, at=TUESDAY_9, now=NOW)
    assert [m["To"] for _, m in smtp.messages] == [employee_a.email]
    practitioner_row = OutboxMessage.objects.get(recipient=p_open.email)
    assert practitioner_row.state == State.PENDING
    smtp.refused_recipients = set()
    frozen.shift(timedelta(minutes=1))
    outbox_sweep()
    assert len(smtp.to(employee_a.email)) == 1 and len(smtp.to(p_open.email)) == 1


def test_retries_back_off_exponentially_then_give_up(settings, employee_a, frozen, smtp):
    settings.HUNTZEN_OUTBOX_MAX_ATTEMPTS = 4
    assert [outbox.retry_delay(n).total_seconds() for n in (1, 2, 3, 4)] == [30, 60, 120, 240]
    settings.HUNTZEN_OUTBOX_RETRY_MAX_SECONDS = 100
    assert outbox.retry_delay(10).total_seconds() == 100
    smtp.refusing = True
    row = _queue_one(employee_a.email)
    states = []
    for _ in range(4):
        states.append(outbox.message_deliver(row.pk))
        frozen.shift(timedelta(seconds=101))
    assert states == [State.PENDING] * 3 + [State.FAILED]
    assert outbox.due_message_ids() == []  # given up: the admin shows it


def _queue_one(address: str) -> OutboxMessage:
    from django.core.mail import EmailMessage

    [row] = outbox.message_queue(message=EmailMessage("Hello", "Body", to=[address]), kind="test")
    return row


def test_the_message_id_is_the_same_on_every_attempt_and_content_is_erased_once_sent(
    employee_a, frozen, smtp
):
    row = _queue_one(employee_a.email)
    smtp.refused_recipients = {employee_a.email}
    outbox.message_deliver(row.pk)
    frozen.shift(timedelta(minutes=1))
    smtp.refused_recipients = set()
    assert outbox.message_deliver(row.pk) == State.SENT
    [message] = smtp.to(employee_a.email)
    assert message["Message-ID"] == f"<{row.pk.hex}@huntzen.care>"
    row.refresh_from_db()
    assert (row.subject, row.text, row.html, row.attachments) == ("", "", "", [])
    assert outbox.message_deliver(row.pk) is None  # sent: nothing to do, never twice
    assert len(smtp.messages) == 1


def test_a_worker_killed_mid_delivery_is_replaced_once_its_lease_is_over(
    settings, employee_a, frozen, smtp
):
    """A worker claimed the row and died before sending: nobody else sends it while the
    lease runs; after it, the sweep delivers it once, and only once."""
    row = _queue_one(employee_a.email)
    assert outbox.message_claim(row.pk) is not None  # the worker that dies
    assert outbox.message_deliver(row.pk) is None  # a second worker: claimed, hands off
    assert outbox.due_message_ids() == []
    frozen.shift(timedelta(seconds=settings.HUNTZEN_OUTBOX_LEASE_SECONDS + 1))
    assert outbox.due_message_ids() == [row.pk]
    assert outbox_sweep() == 1
    assert outbox_sweep() == 0
    assert len(smtp.messages) == 1
    row.refresh_from_db()
    assert (row.state, row.attempts) == (State.SENT, 2)


def test_the_command_delivers_what_is_due_and_fails_loudly(employee_a, frozen, smtp):
    _queue_one(employee_a.email)
    smtp.refusing = True
    with pytest.raises(CommandError, match="1 email"):
        call_command("outbox_deliver")
    frozen.shift(timedelta(minutes=1))
    smtp.refusing = False
    call_command("outbox_deliver")
    assert len(smtp.messages) == 1


def test_a_no_show_answers_200_while_smtp_refuses(
    api_client, employee_a, p_open, frozen, smtp, django_capture_on_commit_callbacks
):
    consultation = book(employee_a, p_open, at=TUESDAY_9, now=NOW)
    smtp.refusing = True
    frozen.move_to(TUESDAY_9 + timedelta(minutes=20))
    api_client.force_authenticate(p_open)
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client.post(f"/api/v1/consultations/{consultation.pk}/no-show")
    assert response.status_code == 200 and response.json()["status"] == "no_show"
    assert (
        OutboxMessage.objects.filter(
            kind="consultations/email/no_show", state=State.PENDING
        ).count()
        == 2
    )


# --- The admin: staff see states, never content ----------------------------------------


def test_staff_see_the_outbox_without_content(client, staff_r2, employee_a, frozen):
    row = _queue_one(employee_a.email)
    client.force_login(staff_r2)
    listing = client.get(reverse("admin:outbox_outboxmessage_changelist"))
    assert listing.status_code == 200 and employee_a.email in listing.text
    page = client.get(reverse("admin:outbox_outboxmessage_change", args=[row.pk]))
    assert page.status_code == 200
    assert "Body" not in page.text and "Hello" not in page.text
    assert (
        client.post(reverse("admin:outbox_outboxmessage_delete", args=[row.pk])).status_code == 403
    )


@pytest.mark.parametrize("who", ["hr_acme", "employee_a", "practitioner_p"])
def test_other_roles_do_not_see_the_outbox(client, request, who):
    client.force_login(request.getfixturevalue(who))
    response = client.get(reverse("admin:outbox_outboxmessage_changelist"))
    assert response.status_code in (302, 403)


def test_sent_rows_are_forgotten_after_their_time_and_others_are_kept(
    settings, employee_a, frozen, smtp
):
    sent = _queue_one(employee_a.email)
    outbox.message_deliver(sent.pk)
    smtp.refusing = True
    pending = _queue_one(employee_a.email)
    outbox.message_deliver(pending.pk)
    frozen.shift(timedelta(days=settings.HUNTZEN_OUTBOX_KEEP_SENT_DAYS, seconds=1))
    assert outbox.purge_sent() == 1
    assert list(OutboxMessage.objects.values_list("pk", flat=True)) == [pending.pk]
