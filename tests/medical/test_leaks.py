"""Nothing medical leaks: not in any column of any table, not in error reports, logs,
emails, API errors, or the HTML of pages other people can open."""

import logging
import sys
from datetime import timedelta

import pytest
from django.core import mail
from django.test import RequestFactory, override_settings
from django.urls import NoReverseMatch, reverse
from django.utils.log import AdminEmailHandler
from django.views.debug import ExceptionReporter

from chat.models import ChatMessage
from chat.services import message_send
from huntzen.errors import MedicalSafeExceptionReporterFilter
from medical import services, views

from .conftest import CANARY, ROLES
from .scan import rows_containing

pytestmark = pytest.mark.django_db


@pytest.fixture
def canary_everywhere(client, employee_a, practitioner_p, consultation):
    """The canary written through every medical path: note, amendment (a version),
    journal entry by service and by the portal, chat message."""
    note = services.note_create(
        author=practitioner_p,
        consultation=consultation,
        reason=CANARY,
        observations=CANARY,
        plan=CANARY,
    )
    services.note_amend(
        author=practitioner_p, consultation=note.consultation_id, observations=f"{CANARY} 2"
    )
    entry = services.journal_entry_create(owner=employee_a, mood=1, text=CANARY)
    message_send(
        sender=employee_a,
        consultation=consultation,
        body=f"{CANARY} chat",
        client_message_id="canary-1",
        now=consultation.started_at + timedelta(minutes=5),
    )
    client.force_login(employee_a)
    client.post(
        reverse("medical:journal_new"),
        {"entry_date": "2026-01-02", "mood": "2", "text": f"{CANARY} portail"},
    )
    client.logout()
    return note, entry


def test_the_canary_is_in_no_column_of_any_table(canary_everywhere):
    assert ChatMessage.objects.count() == 1
    assert rows_containing("CANARY") == []
    assert rows_containing("7f3e9b1c") == []


def test_the_scan_does_find_plaintext_when_there_is_some(employee_a):
    """The scanner itself works: a plaintext canary in an ordinary column is found."""
    employee_a.last_name = CANARY
    employee_a.save(update_fields=["last_name"])
    assert ("accounts_user", "last_name") in rows_containing(CANARY)


def test_no_email_carries_medical_text(canary_everywhere):
    for message in mail.outbox:
        assert CANARY not in message.subject + message.body
        for body, _type in getattr(message, "alternatives", []):
            assert CANARY not in body


def test_writes_and_reads_log_no_medical_text(caplog, client, employee_a):
    caplog.set_level(logging.DEBUG)
    client.force_login(employee_a)
    client.post(reverse("medical:journal_new"), {"mood": "9", "text": CANARY})
    client.post(
        reverse("medical:journal_new"),
        {"entry_date": "2026-01-02", "mood": "2", "text": CANARY},
    )
    client.get(reverse("medical:journal"))
    assert CANARY not in caplog.text


@pytest.mark.parametrize("debug", [True, False])
def test_error_reports_hide_post_bodies_and_frame_variables(debug, settings):
    assert settings.DEFAULT_EXCEPTION_REPORTER_FILTER == (
        "huntzen.errors.MedicalSafeExceptionReporterFilter"
    )
    settings.DEBUG = debug
    request = RequestFactory().post("/journal/new/", {"text": CANARY, "mood": "2"})
    secret_local = CANARY  # noqa: F841 -- a frame variable the report must not show
    try:
        raise ValueError("boom")
    except ValueError:
        reporter = ExceptionReporter(request, *sys.exc_info())
        html = reporter.get_traceback_html()
        text = reporter.get_traceback_text()
    assert isinstance(reporter.filter, MedicalSafeExceptionReporterFilter)
    assert CANARY not in html and CANARY not in text
    assert "boom" in text


@override_settings(ADMINS=[("Ops", "ops@huntzen.test")], DEBUG=False)
def test_the_admin_error_email_carries_no_medical_text(client, employee_a, monkeypatch):
    def explode(*args, **kwargs):
        raise RuntimeError("simulated failure")

    monkeypatch.setattr(views.services, "journal_entry_create", explode)
    client.raise_request_exception = False
    client.force_login(employee_a)
    handler = logging.getLogger("django.request")

    email_handler = AdminEmailHandler(include_html=True)
    handler.addHandler(email_handler)
    try:
        response = client.post(
            reverse("medical:journal_new"),
            {"entry_date": "2026-01-02", "mood": "2", "text": CANARY},
        )
    finally:
        handler.removeHandler(email_handler)
    assert response.status_code == 500
    assert mail.outbox, "the error email was sent"
    for message in mail.outbox:
        assert CANARY not in message.body
        assert all(CANARY not in body for body, _type in message.alternatives)


def _pages_for(user, consultation, note, entry):
    names = [
        ("home", []),
        ("medical:journal", []),
        ("medical:notes", []),
        ("medical:note", [consultation.pk]),
        ("medical:journal_entry", [entry.pk]),
        ("accounts:employee_home", []),
        ("accounts:practitioner_home", []),
        ("consultations:detail", [consultation.pk]),
        ("consultations:my", []),
    ]
    urls = []
    for name, args in names:
        try:
            urls.append(reverse(name, args=args))
        except NoReverseMatch:
            continue
    return urls


@pytest.mark.parametrize("role", [r for r in ROLES if r != "practitioner_p"])
def test_no_page_open_to_someone_else_shows_the_note(role, cast, login, canary_everywhere):
    note, entry = canary_everywhere
    client = login(cast[role])
    urls = _pages_for(cast[role], note.consultation, note, entry)
    assert reverse("medical:note", args=[note.consultation_id]) in urls
    for url in urls:
        html = client.get(url, follow=True).content.decode()
        if role == "employee_a" and url.startswith("/journal"):
            continue  # her own journal
        assert CANARY not in html, url
