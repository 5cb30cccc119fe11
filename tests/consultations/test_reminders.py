import threading
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.db import connection

from consultations import notifications, services
from consultations.models import Consultation
from consultations.reminders import send_due_reminders
from tests.consultations.conftest import NOW, paris
from tests.consultations.factories import book

TUESDAY_9 = paris(2026, 3, 3, 9)
FRIDAY = paris(2026, 2, 27, 10)


@pytest.fixture
def consultation(db, employee_a, p_open):
    return book(employee_a, p_open, at=TUESDAY_9, now=FRIDAY)


@pytest.mark.django_db
def test_nothing_is_due_two_days_ahead(consultation):
    assert send_due_reminders(now=paris(2026, 3, 1, 9)) == {24: 0, 1: 0}
    assert mail.outbox == []


@pytest.mark.django_db
def test_the_24h_reminder_goes_once_to_both(consultation, employee_a, p_open):
    at = TUESDAY_9 - timedelta(hours=23, minutes=59)
    assert send_due_reminders(now=at) == {24: 1, 1: 0}
    assert sorted(m.to[0] for m in mail.outbox) == [employee_a.email, p_open.email]
    assert send_due_reminders(now=at + timedelta(minutes=1)) == {24: 0, 1: 0}
    assert len(mail.outbox) == 2


@pytest.mark.django_db
def test_the_1h_reminder_goes_once(consultation):
    at = TUESDAY_9 - timedelta(minutes=59)
    assert send_due_reminders(now=at) == {24: 0, 1: 1}
    assert send_due_reminders(now=at) == {24: 0, 1: 0}
    consultation.refresh_from_db()
    assert consultation.reminder_1h_sent_at == at and consultation.reminder_24h_sent_at is None


@pytest.mark.django_db
def test_the_command_run_twice_sends_once(consultation, time_machine_at_23h):
    call_command("send_reminders")
    call_command("send_reminders")
    assert len(mail.outbox) == 2


@pytest.fixture
def time_machine_at_23h():
    with time_machine.travel(TUESDAY_9 - timedelta(hours=23), tick=False):
        yield


@pytest.mark.django_db
def test_a_cancelled_consultation_is_not_reminded(consultation, employee_a):
    services.consultation_cancel(actor=employee_a, consultation=consultation, now=NOW)
    assert send_due_reminders(now=TUESDAY_9 - timedelta(minutes=30)) == {24: 0, 1: 0}


@pytest.mark.django_db
def test_a_booking_made_inside_the_window_gets_no_24h_reminder(employee_a, p_open):
    book(employee_a, p_open, at=TUESDAY_9, now=TUESDAY_9 - timedelta(hours=5))
    assert send_due_reminders(now=TUESDAY_9 - timedelta(hours=4)) == {24: 0, 1: 0}
    assert send_due_reminders(now=TUESDAY_9 - timedelta(minutes=50)) == {24: 0, 1: 1}


@pytest.mark.django_db
def test_a_failed_send_is_retried_next_run(consultation, monkeypatch):
    def broken(*args, **kwargs):
        raise OSError("SMTP down")

    monkeypatch.setattr(notifications, "send_reminder", broken)
    at = TUESDAY_9 - timedelta(minutes=30)
    assert send_due_reminders(now=at) == {24: 0, 1: 0}
    monkeypatch.undo()
    assert send_due_reminders(now=at) == {24: 0, 1: 1}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_runs_send_each_reminder_once(employee_a, employee_b, p_open):
    for employee, hour in ((employee_a, 9), (employee_b, 10)):
        book(employee, p_open, at=paris(2026, 3, 3, hour), now=FRIDAY)
    mail.outbox.clear()  # the booking confirmations (sent on commit here)
    at = paris(2026, 3, 3, 8, 30)  # 1 h reminder due for 9:00 only, 24 h one for 10:00
    results, barrier = [], threading.Barrier(6)

    def run():
        try:
            barrier.wait()
            results.append(send_due_reminders(now=at))
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(r[1] for r in results) == 1
    assert sum(r[24] for r in results) == 0  # 10:00 is 1.5 h away: below the 24 h floor
    assert len(mail.outbox) == 2
    assert Consultation.objects.filter(reminder_1h_sent_at__isnull=False).count() == 1


@pytest.mark.django_db
def test_one_recipient_failing_is_retried_alone_and_the_command_says_so(
    consultation, employee_a, p_open, settings, capsys
):
    """F10: the practitioner's address refusing never sends the reminder again to the
    employee; the command exits non-zero and names what was not delivered."""
    from django.core.management.base import CommandError

    from huntzen.outbox.models import OutboxMessage
    from tests.outbox.smtp_sink import SmtpSink

    sink = SmtpSink().start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", sink.port
    sink.refused_recipients = {p_open.email}
    try:
        with time_machine.travel(TUESDAY_9 - timedelta(minutes=50), tick=False) as clock:
            with pytest.raises(CommandError, match="1 reminder email"):
                call_command("send_reminders")
            out, err = capsys.readouterr()
            assert "1h=1" in out and "sent=1" in out and "pending=1" in out
            assert f"not delivered: consultations/email/reminder_1h to {p_open.email}" in err
            for _ in range(3):  # later runs: nothing new is queued
                clock.shift(timedelta(seconds=5))
                call_command("send_reminders")
            assert len(sink.to(employee_a.email)) == 1
            sink.refused_recipients = set()
            clock.shift(timedelta(minutes=1))
            call_command("outbox_deliver")
        assert len(sink.to(employee_a.email)) == 1 and len(sink.to(p_open.email)) == 1
        assert OutboxMessage.objects.filter(kind__endswith="reminder_1h").count() == 2
    finally:
        sink.stop()


@pytest.mark.django_db
def test_a_rescheduled_consultation_is_reminded_again_for_its_new_time(
    consultation, employee_a, settings
):
    settings.HUNTZEN_CANCELLATION_NOTICE_HOURS = 12
    reminded_at = TUESDAY_9 - timedelta(hours=23)
    assert send_due_reminders(now=reminded_at) == {24: 1, 1: 0}
    thursday_9 = paris(2026, 3, 5, 9)
    services.consultation_reschedule(
        actor=employee_a,
        consultation=consultation,
        scheduled_at=thursday_9,
        now=reminded_at + timedelta(minutes=5),
    )
    mail.outbox.clear()
    assert send_due_reminders(now=thursday_9 - timedelta(hours=23)) == {24: 1, 1: 0}
    assert len(mail.outbox) == 2
