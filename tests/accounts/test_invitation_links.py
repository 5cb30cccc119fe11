"""Invitation links point at HUNTZEN_SITE_URL, whatever Host header the request carried:
a client that chooses the Host must not choose where an invitee's link leads."""

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from tests.accounts.conftest import BASE_URL, link_token

pytestmark = pytest.mark.django_db

SPOOFED = "evil.example"


@pytest.fixture
def spoofing_client(client, settings):
    # Even with a host check that lets anything through, the Host is never used for links.
    settings.ALLOWED_HOSTS = ["*"]
    client.defaults["HTTP_HOST"] = SPOOFED
    return client


def _assert_links_to_the_site(message):
    token = link_token(message)
    url = f"{BASE_URL}/invitation/{token}/"
    assert url in message.body
    assert f'href="{url}"' in message.alternatives[0][0]
    assert SPOOFED not in message.body and SPOOFED not in message.alternatives[0][0]


def test_hr_invitation_sent_through_a_spoofed_host_links_to_the_site(
    spoofing_client, hr_acme, django_capture_on_commit_callbacks
):
    spoofing_client.force_login(hr_acme)
    with django_capture_on_commit_callbacks(execute=True):
        response = spoofing_client.post(
            reverse("accounts:invitation_create"),
            {"email": "nina@acme.test", "first_name": "Nina", "last_name": "N", "language": "fr"},
        )
    assert response.status_code == 302
    [message] = mail.outbox
    _assert_links_to_the_site(message)


def test_csv_import_through_a_spoofed_host_links_to_the_site(
    spoofing_client, hr_acme, django_capture_on_commit_callbacks
):
    spoofing_client.force_login(hr_acme)
    upload = SimpleUploadedFile("staff.csv", b"nina@acme.test,Nina,N\n", "text/csv")
    with django_capture_on_commit_callbacks(execute=True):
        response = spoofing_client.post(
            reverse("accounts:invitation_import"), {"file": upload, "language": "fr"}
        )
    assert response.status_code == 200
    [message] = mail.outbox
    _assert_links_to_the_site(message)


def test_hr_resend_through_a_spoofed_host_links_to_the_site(
    spoofing_client, hr_acme, invite, django_capture_on_commit_callbacks, time_machine
):
    invitation = invite("nina@acme.test")
    time_machine.move_to(timezone.now() + timezone.timedelta(minutes=2))
    spoofing_client.force_login(hr_acme)
    with django_capture_on_commit_callbacks(execute=True):
        spoofing_client.post(reverse("accounts:invitation_resend", kwargs={"pk": invitation.pk}))
    [message] = mail.outbox
    _assert_links_to_the_site(message)


def test_admin_invitation_through_a_spoofed_host_links_to_the_site(
    spoofing_client, staff_r2, django_capture_on_commit_callbacks
):
    spoofing_client.force_login(staff_r2)
    with django_capture_on_commit_callbacks(execute=True):
        response = spoofing_client.post(
            reverse("admin:accounts_invitation_add"),
            {
                "email": "psy@huntzen.test",
                "first_name": "P",
                "last_name": "S",
                "role": Role.PRACTITIONER,
                "company": "",
                "language": "fr",
            },
        )
    assert response.status_code == 302
    [message] = mail.outbox
    _assert_links_to_the_site(message)


def test_admin_resend_through_a_spoofed_host_links_to_the_site(
    spoofing_client, staff_r2, invite, django_capture_on_commit_callbacks, time_machine
):
    invitation = invite("nina@acme.test")
    time_machine.move_to(timezone.now() + timezone.timedelta(minutes=2))
    spoofing_client.force_login(staff_r2)
    with django_capture_on_commit_callbacks(execute=True):
        spoofing_client.post(
            reverse("admin:accounts_invitation_changelist"),
            {"action": "resend_selected", "_selected_action": [invitation.pk]},
        )
    [message] = mail.outbox
    _assert_links_to_the_site(message)
