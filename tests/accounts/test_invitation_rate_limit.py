"""How many invitation emails one person may send (HUNTZEN_INVITATION_RATE_LIMIT,
accounts/limits.py): one invitation, a re-sent link and each imported row count; the
form says when to try again (429 + Retry-After), nothing is written or sent."""

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts import services
from accounts.limits import InvitationRateLimited, invitation_sends_left
from accounts.models import Invitation, Role

pytestmark = pytest.mark.django_db

NEW = reverse("accounts:invitation_create")
IMPORT = reverse("accounts:invitation_import")


@pytest.fixture
def limit(settings):
    settings.HUNTZEN_INVITATION_RATE_LIMIT = "3/h"


@pytest.fixture
def post(client, django_capture_on_commit_callbacks):
    """POST as it happens outside a test transaction: the commit hooks run."""

    def send(url, data):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(url, data)

    return send


def _invite(post, n):
    return post(NEW, {"email": f"person{n}@acme.test", "language": "fr"})


def test_hr_invites_up_to_the_limit_then_the_form_says_when_to_try_again(
    client, hr_acme, limit, post
):
    client.force_login(hr_acme)
    assert [_invite(post, n).status_code for n in range(3)] == [302, 302, 302]
    refused = _invite(post, 3)
    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 3600
    assert "Trop d&#x27;invitations envoyées en peu de temps" in refused.text
    assert "réessayez dans 60 minutes" in refused.text
    assert Invitation.objects.count() == 3
    assert len(mail.outbox) == 3


def test_the_window_slides(client, hr_acme, limit, post, time_machine):
    client.force_login(hr_acme)
    for n in range(3):
        _invite(post, n)
    time_machine.move_to(timezone.now() + timezone.timedelta(minutes=59))
    assert _invite(post, 3).status_code == 429
    time_machine.move_to(timezone.now() + timezone.timedelta(minutes=2))
    assert _invite(post, 3).status_code == 302


def test_the_limit_is_per_inviter(client, hr_acme, hr_globex, limit, post):
    client.force_login(hr_acme)
    for n in range(3):
        _invite(post, n)
    client.force_login(hr_globex)
    response = post(NEW, {"email": "someone@globex.test", "language": "fr"})
    assert response.status_code == 302


def test_refused_invitations_cost_nothing(client, hr_acme, employee_a, limit, post):
    client.force_login(hr_acme)
    for _ in range(5):
        assert post(NEW, {"email": employee_a.email, "language": "fr"}).status_code == 400
    assert invitation_sends_left(hr_acme) == 3


def test_a_rolled_back_invitation_costs_nothing(hr_acme, acme, limit, invite):
    """The admin checks an invitation in a savepoint it rolls back before saving it."""
    with pytest.raises(RuntimeError), transaction.atomic():
        invite("nina@acme.test")
        raise RuntimeError
    assert invitation_sends_left(hr_acme) == 3


def test_a_resent_link_counts_and_is_refused_past_the_limit(
    client, hr_acme, limit, post, invite, time_machine
):
    invitation = invite("nina@acme.test")
    client.force_login(hr_acme)
    for n in range(3):
        _invite(post, n)
    time_machine.move_to(timezone.now() + timezone.timedelta(minutes=2))  # resend cooldown
    response = post(reverse("accounts:invitation_resend", kwargs={"pk": invitation.pk}), {})
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert "Trop d&#x27;invitations envoyées en peu de temps" in page.text
    before = invitation.token_hash
    invitation.refresh_from_db()
    assert invitation.token_hash == before
    assert len(mail.outbox) == 3


def _csv(rows: int) -> SimpleUploadedFile:
    lines = ["email,first name,last name"] + [f"row{n}@acme.test,R,{n}" for n in range(rows)]
    return SimpleUploadedFile("staff.csv", "\n".join(lines).encode(), content_type="text/csv")


def test_an_import_invites_up_to_the_limit_and_reports_the_other_rows(
    client, hr_acme, limit, post, time_machine
):
    client.force_login(hr_acme)
    response = post(IMPORT, {"file": _csv(5), "language": "fr"})
    assert response.status_code == 200
    assert response.text.count('data-code="throttled"') == 2
    assert "importez ce fichier à nouveau plus tard" in response.text
    assert sorted(Invitation.objects.values_list("email", flat=True)) == [
        "row0@acme.test",
        "row1@acme.test",
        "row2@acme.test",
    ]
    assert len(mail.outbox) == 3
    # Later, the same file invites the rest and skips those already invited.
    time_machine.move_to(timezone.now() + timezone.timedelta(hours=1, minutes=1))
    again = post(IMPORT, {"file": _csv(5), "language": "fr"})
    assert again.text.count('data-code="already_invited"') == 3
    assert Invitation.objects.count() == 5


def test_an_import_with_no_sends_left_is_refused_whole(client, hr_acme, limit, post):
    client.force_login(hr_acme)
    for n in range(3):
        _invite(post, n)
    response = post(IMPORT, {"file": _csv(2), "language": "fr"})
    assert response.status_code == 429
    assert "Retry-After" in response
    assert "Trop d&#x27;invitations envoyées en peu de temps" in response.text
    assert Invitation.objects.count() == 3


def test_staff_inviting_through_the_service_are_limited_too(
    staff_r2, limit, django_capture_on_commit_callbacks
):
    def invite_practitioner(n):
        with django_capture_on_commit_callbacks(execute=True):
            return services.invitation_create(
                inviter=staff_r2, email=f"psy{n}@huntzen.test", role=Role.PRACTITIONER
            )

    for n in range(3):
        invite_practitioner(n)
    with pytest.raises(InvitationRateLimited) as refused:
        invite_practitioner(3)
    assert 3500 < refused.value.retry_after <= 3600
    assert Invitation.objects.count() == 3


def test_the_limit_survives_redis_going_down(client, hr_acme, limit, post, settings, caplog):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 0.2},
        }
    }
    from huntzen.throttling import fallback_cache

    fallback_cache.local.clear()
    client.force_login(hr_acme)
    answers = [_invite(post, n).status_code for n in range(4)]
    assert answers == [302, 302, 302, 429]
    assert "Rate-limit cache unavailable" in caplog.text


def test_the_refusal_is_a_429_with_retry_after_on_the_api():
    from rest_framework.test import APIRequestFactory
    from rest_framework.views import APIView

    class Raising(APIView):
        authentication_classes = []
        permission_classes = []

        def get(self, request):
            raise InvitationRateLimited(retry_after=125)

    response = Raising.as_view()(APIRequestFactory().get("/"))
    assert response.status_code == 429
    assert response["Retry-After"] == "125"
    assert response.data["code"] == "throttled"
    assert "réessayez dans 3 minutes" in response.data["message"]


def test_a_malformed_setting_stops_the_start():
    import os
    import subprocess
    import sys

    code = (
        "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', "
        "'huntzen.settings'); django.setup()"
    )
    for bad in ("500", "0/h", "500/w", "many"):
        result = subprocess.run(
            [sys.executable, "-c", code],
            env={**os.environ, "DEBUG": "true", "HUNTZEN_INVITATION_RATE_LIMIT": bad},
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode != 0 and "HUNTZEN_INVITATION_RATE_LIMIT" in result.stderr, bad
