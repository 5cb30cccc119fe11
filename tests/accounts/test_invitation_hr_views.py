"""HR pages under /hr/invitations/: list, invite, CSV import, revoke, re-send."""

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from accounts.models import Invitation, Role
from tests.accounts.conftest import link_token

pytestmark = pytest.mark.django_db

LIST = reverse("accounts:invitation_list")
NEW = reverse("accounts:invitation_create")
IMPORT = reverse("accounts:invitation_import")
NOT_HR = ["employee_a", "practitioner_p", "staff_r2", "operator_r1", "superuser"]


def _revoke(pk):
    return reverse("accounts:invitation_revoke", kwargs={"pk": pk})


def _resend(pk):
    return reverse("accounts:invitation_resend", kwargs={"pk": pk})


@pytest.mark.parametrize("url", [LIST, NEW, IMPORT])
def test_hr_reaches_the_invitation_pages(client, hr_acme, url):
    client.force_login(hr_acme)
    assert client.get(url).status_code == 200


@pytest.mark.parametrize("url", [LIST, NEW, IMPORT])
@pytest.mark.parametrize("who", NOT_HR)
def test_other_roles_get_a_403_saying_why(client, cast, who, url):
    client.force_login(cast[who])
    response = client.get(url)
    assert response.status_code == 403
    assert "RH" in response.text


def test_hr_without_the_invite_permission_is_refused(client, hr_acme):
    from django.contrib.auth.models import Group

    Group.objects.get(name=Role.COMPANY_RH).permissions.remove(
        *Group.objects.get(name=Role.COMPANY_RH).permissions.filter(codename="employees_invite")
    )
    client.force_login(hr_acme)
    assert client.get(LIST).status_code == 403


@pytest.mark.parametrize("url", [LIST, NEW, IMPORT])
def test_anonymous_users_are_sent_to_sign_in(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_the_list_shows_only_the_own_company_with_statuses(client, hr_acme, hr_globex, invite):
    invite("mine@acme.test")
    invite("theirs@globex.test", inviter=hr_globex)
    client.force_login(hr_acme)
    response = client.get(LIST)
    assert "mine@acme.test" in response.text
    assert "theirs@globex.test" not in response.text
    assert "En attente" in response.text
    assert "Places utilisées : 1 sur 50" in response.text


def test_the_list_query_count_does_not_grow_with_rows(
    client, hr_acme, invite, django_assert_max_num_queries
):
    client.force_login(hr_acme)
    for n in range(3):
        invite(f"e{n}@acme.test")
    with django_assert_max_num_queries(12) as small:
        client.get(LIST)
    for n in range(3, 40):
        invite(f"e{n}@acme.test")
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(LIST)
    assert response.text.count("<tr>") == 41  # header + 40 rows


def test_inviting_sends_the_email_and_returns_to_the_list(
    client, hr_acme, acme, django_capture_on_commit_callbacks
):
    client.force_login(hr_acme)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            NEW,
            {"email": "Nina@Acme.test", "first_name": "Nina", "last_name": "N", "language": "en"},
        )
    assert response.status_code == 302 and response["Location"] == LIST
    invitation = Invitation.objects.get()
    assert (invitation.email, invitation.language) == ("nina@acme.test", "en")
    assert mail.outbox[0].to == ["nina@acme.test"]


def test_a_forged_role_or_company_in_the_form_has_no_effect(client, hr_acme, acme, globex):
    client.force_login(hr_acme)
    client.post(
        NEW,
        {
            "email": "nina@acme.test",
            "language": "fr",
            "role": Role.PSG_SUPER,
            "company": str(globex.pk),
            "company_id": str(globex.pk),
        },
    )
    invitation = Invitation.objects.get()
    assert (invitation.role, invitation.company) == (Role.EMPLOYEE, acme)


def test_reinviting_an_existing_user_is_refused_with_a_clear_message(client, hr_acme, employee_a):
    client.force_login(hr_acme)
    response = client.post(NEW, {"email": employee_a.email, "language": "fr"})
    assert response.status_code == 400
    assert "Un compte existe déjà pour cette adresse" in response.text
    assert not Invitation.objects.exists()


def test_a_bad_email_is_refused(client, hr_acme):
    client.force_login(hr_acme)
    response = client.post(NEW, {"email": "nope", "language": "fr"})
    assert response.status_code == 400
    assert not Invitation.objects.exists()


def test_the_seat_limit_shows_on_the_form(client, hr_acme, acme, employee_a):
    acme.seats = 1
    acme.save()
    client.force_login(hr_acme)
    response = client.post(NEW, {"email": "nina@acme.test", "language": "fr"})
    assert response.status_code == 400
    assert "Toutes les places" in response.text


def _csv(content: bytes, name="staff.csv"):
    return SimpleUploadedFile(name, content, content_type="text/csv")


def test_csv_upload_reports_accepted_and_rejected_rows(client, hr_acme, employee_a):
    client.force_login(hr_acme)
    data = b"email,first name,last name\nnina@acme.test,Nina,N\nbad,Bad,Row\nalice@acme.test,A,B\n"
    response = client.post(IMPORT, {"file": _csv(data), "language": "fr"})
    assert response.status_code == 200
    text = response.text
    assert "1 invitation envoyée" in text and "2 lignes refusées" in text
    assert 'data-code="invalid_email"' in text and 'data-code="already_user"' in text
    assert list(Invitation.objects.values_list("email", flat=True)) == ["nina@acme.test"]


def test_a_csv_that_cannot_be_read_is_refused_whole(client, hr_acme):
    client.force_login(hr_acme)
    response = client.post(IMPORT, {"file": _csv(b"\x00\x00binary"), "language": "fr"})
    assert response.status_code == 400
    assert not Invitation.objects.exists()


def test_revoke_kills_the_link(client, hr_acme, invite):
    invitation = invite("nina@acme.test")
    client.force_login(hr_acme)
    response = client.post(_revoke(invitation.pk))
    assert response.status_code == 302
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.REVOKED and invitation.revoked_by == hr_acme
    client.logout()
    url = reverse("accounts:invitation_accept", kwargs={"token": invitation.raw_token})
    assert client.get(url).status_code == 410


def test_resend_sends_a_fresh_link_and_the_old_one_dies(
    client, hr_acme, invite, django_capture_on_commit_callbacks, time_machine
):
    invitation = invite("nina@acme.test")
    time_machine.move_to(timezone.now() + timezone.timedelta(minutes=2))
    client.force_login(hr_acme)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(_resend(invitation.pk))
    new_token = link_token(mail.outbox[-1])
    assert new_token != invitation.raw_token
    client.logout()
    accept = "accounts:invitation_accept"
    assert client.get(reverse(accept, kwargs={"token": invitation.raw_token})).status_code == 404
    assert client.get(reverse(accept, kwargs={"token": new_token})).status_code == 200


def test_resend_revives_an_expired_invitation_for_seven_days(client, hr_acme, invite, time_machine):
    invitation = invite("nina@acme.test")
    time_machine.move_to(timezone.now() + timezone.timedelta(days=10))
    client.force_login(hr_acme)
    client.post(_resend(invitation.pk))
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.PENDING
    assert invitation.expires_at > timezone.now() + timezone.timedelta(days=6)


def test_an_accepted_invitation_can_be_neither_revoked_nor_resent(client, hr_acme, invite):
    invitation = invite("nina@acme.test")
    client.post(
        reverse("accounts:invitation_accept", kwargs={"token": invitation.raw_token}),
        {
            "first_name": "N",
            "last_name": "N",
            "password": "a-long-passphrase-for-nina",
            "password_confirm": "a-long-passphrase-for-nina",
        },
    )
    client.force_login(hr_acme)
    for url in (_revoke(invitation.pk), _resend(invitation.pk)):
        response = client.post(url, follow=True)
        assert "déjà été acceptée" in response.text
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.ACCEPTED


@pytest.mark.parametrize("action", [_revoke, _resend])
def test_hr_of_another_company_gets_404(client, hr_globex, invite, action):
    invitation = invite("nina@acme.test")
    client.force_login(hr_globex)
    assert client.post(action(invitation.pk)).status_code == 404
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.PENDING


@pytest.mark.parametrize("action", [_revoke, _resend])
@pytest.mark.parametrize("who", NOT_HR)
def test_other_roles_cannot_revoke_or_resend(client, cast, invite, action, who):
    invitation = invite("nina@acme.test")
    client.force_login(cast[who])
    assert client.post(action(invitation.pk)).status_code == 403
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.PENDING


@pytest.mark.parametrize("action", [_revoke, _resend])
def test_revoke_and_resend_need_post(client, hr_acme, invite, action):
    invitation = invite("nina@acme.test")
    client.force_login(hr_acme)
    assert client.get(action(invitation.pk)).status_code == 405


def test_resend_waits_a_minute_between_two_emails(
    client, hr_acme, invite, django_capture_on_commit_callbacks, time_machine
):
    invitation = invite("nina@acme.test")
    client.force_login(hr_acme)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_resend(invitation.pk), follow=True)
    assert "réessayez dans une minute" in response.text
    assert mail.outbox == []
    time_machine.move_to(timezone.now() + timezone.timedelta(seconds=61))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(_resend(invitation.pk))
    assert len(mail.outbox) == 1
