"""Portal sign-in through allauth: login, verification, reset, rate limit, logout,
closed sign-up, and the admin door."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse

from accounts.models import Role, User
from accounts.services import user_create
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = reverse("account_login")


def _login(client, email, password=PASSWORD, **extra):
    return client.post(LOGIN, {"login": email, "password": password, **extra})


@pytest.mark.parametrize(
    "who, home",
    [
        ("employee_a", "accounts:employee_home"),
        ("practitioner_p", "accounts:practitioner_home"),
        ("hr_acme", "accounts:hr_home"),
        ("staff_r2", "admin:index"),
        ("operator_r1", "admin:index"),
    ],
)
def test_each_role_signs_in_and_lands_on_its_home(client, cast, who, home):
    response = _login(client, cast[who].email.upper())  # the email ignores case
    assert response.status_code == 302
    assert client.get(response["Location"])["Location"] == reverse(home)
    assert client.get(reverse(home)).status_code == 200


def test_a_wrong_password_shows_an_error_and_does_not_sign_in(client, employee_a):
    response = _login(client, employee_a.email, "not-the-password")
    assert response.status_code == 200
    assert "incorrect" in response.text
    assert "_auth_user_id" not in client.session


def test_an_unverified_user_cannot_sign_in(client, acme):
    user_create(email="fresh@acme.test", role=Role.EMPLOYEE, company=acme, password=PASSWORD)
    response = _login(client, "fresh@acme.test")
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("accounts:employee_home")).status_code == 302


def test_a_deactivated_user_cannot_sign_in(client, employee_a):
    employee_a.is_active = False
    employee_a.save()
    _login(client, employee_a.email)
    assert "_auth_user_id" not in client.session


def test_failed_logins_are_rate_limited(client, employee_a, settings):
    for _ in range(5):  # "5/5m/key": five failures per account
        _login(client, employee_a.email, "wrong-password")
    response = _login(client, employee_a.email)  # even the right password now
    assert response.status_code == 200
    assert "Trop de tentatives" in response.text or "Too many" in response.text
    assert "_auth_user_id" not in client.session


def test_failed_logins_are_rate_limited_per_ip_too(client, cast):
    others = [u for u in cast.values()][:10]
    for user in others:  # "10/m/ip" over different accounts
        _login(client, user.email, "wrong-password")
    _login(client, cast["employee_c"].email)
    assert "_auth_user_id" not in client.session


def test_password_reset_answers_the_same_for_known_and_unknown_emails(
    client, employee_a, django_capture_on_commit_callbacks
):
    url = reverse("account_reset_password")
    with django_capture_on_commit_callbacks(execute=True):  # emails leave after commit
        known = client.post(url, {"email": employee_a.email})
        unknown = client.post(url, {"email": "nobody@acme.test"})
    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])
    assert _page(client, known["Location"]) == _page(client, unknown["Location"])
    assert [m.to for m in mail.outbox] == [[employee_a.email], ["nobody@acme.test"]]
    assert "/accounts/password/reset/key/" in mail.outbox[0].body
    assert "/accounts/password/reset/key/" not in mail.outbox[1].body


def _page(client, url):
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", client.get(url).text)


def test_password_reset_sets_a_new_password(client, employee_a, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("account_reset_password"), {"email": employee_a.email})
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/\S+/)", mail.outbox[0].body)
    form_url = client.get(link.group(1))["Location"]
    new = "a-brand-new-passphrase-2026"
    response = client.post(form_url, {"password1": new, "password2": new})
    assert response.status_code == 302
    employee_a.refresh_from_db()
    assert employee_a.check_password(new)


def test_logout_ends_the_session(client, employee_a):
    _login(client, employee_a.email)
    response = client.post(reverse("account_logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("accounts:employee_home")).status_code == 302


def test_signup_is_closed(client):
    response = client.get(reverse("account_signup"))
    assert "Inscription sur invitation" in response.text
    client.post(
        reverse("account_signup"),
        {
            "email": "self@evil.test",
            "password1": "a-long-passphrase-2026",
            "password2": "a-long-passphrase-2026",
        },
    )
    assert not User.objects.filter(email="self@evil.test").exists()


def test_headless_signup_is_closed(client):
    response = client.post(
        "/_allauth/app/v1/auth/signup",
        {"email": "self@evil.test", "password": "a-long-passphrase-2026"},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert not User.objects.filter(email="self@evil.test").exists()


def test_the_login_page_is_ours_and_french(client):
    response = client.get(LOGIN)
    text = response.text
    assert '<html lang="fr">' in text and "HuntZen Care" in text
    assert "<h1>Connexion</h1>" in text
    assert 'for="id_login"' in text and 'for="id_password"' in text  # visible labels
    assert reverse("account_signup") not in text  # no sign-up link
    assert reverse("account_reset_password") in text


# --- The admin door ----------------------------------------------------------------


def test_the_admin_login_goes_through_allauth(client):
    response = client.get(reverse("admin:login") + "?next=/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


def test_the_admin_login_form_cannot_sign_in_by_itself(client, staff_r2):
    response = client.post(
        reverse("admin:login"), {"username": staff_r2.email, "password": PASSWORD}
    )
    assert response["Location"].startswith(LOGIN)
    assert "_auth_user_id" not in client.session


def test_staff_reach_the_admin_after_signing_in_through_allauth(client, staff_r2):
    _login(client, staff_r2.email)
    assert client.get(reverse("admin:index")).status_code == 200


@pytest.mark.parametrize("who", ["employee_a", "hr_acme", "practitioner_p"])
def test_portal_users_are_refused_at_the_admin_login(client, cast, who):
    client.force_login(cast[who])
    assert client.get(reverse("admin:login")).status_code == 403


def test_an_unverified_staff_account_cannot_reach_the_admin(client):
    user = user_create(email="newstaff@huntzen.test", role=Role.HUNTZEN_ADMIN, password=PASSWORD)
    assert not EmailAddress.objects.get(user=user).verified
    _login(client, user.email)
    assert client.get(reverse("admin:index")).status_code == 302
