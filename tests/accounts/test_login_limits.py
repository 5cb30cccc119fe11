"""Failed sign-in limits behind a reverse proxy, and an account owner never locked out
for long by someone who knows her email (accounts.adapter, HUNTZEN_*PROXY* settings).

The portal form and the API (allauth headless) share the adapter; both are driven here.
"""

import json
from datetime import timedelta

import pytest
import time_machine
from allauth.account.adapter import get_adapter
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = reverse("account_login")
API_LOGIN = "/_allauth/app/v1/auth/login"
VICTIM_HOME = "203.0.113.10"
PROXY = "10.0.0.2"


def _login(email, password=PASSWORD, **meta):
    client = Client()
    client.post(LOGIN, {"login": email, "password": password}, **meta)
    return "_auth_user_id" in client.session


def _api_login(email, password=PASSWORD, **meta):
    return Client().post(
        API_LOGIN,
        json.dumps({"email": email, "password": password}),
        content_type="application/json",
        **meta,
    )


def _client_ip(**meta):
    return get_adapter().get_client_ip(RequestFactory().get("/", **meta))


# --- Which address is counted ----------------------------------------------------------


def test_without_a_trusted_proxy_x_forwarded_for_is_ignored(settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 0
    assert _client_ip(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.7") == PROXY


def test_with_one_trusted_proxy_the_rightmost_hop_is_the_client(settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    spoofed = "6.6.6.6, 198.51.100.7"  # the client wrote 6.6.6.6; the proxy appended the rest
    assert _client_ip(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=spoofed) == "198.51.100.7"


def test_with_two_trusted_proxies_the_second_hop_from_the_right(settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 2
    chain = "6.6.6.6, 198.51.100.7, 10.0.0.9"
    assert _client_ip(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=chain) == "198.51.100.7"


def test_a_header_the_proxy_alone_sets_can_be_trusted_instead(settings):
    settings.ALLAUTH_TRUSTED_CLIENT_IP_HEADER = "X-Real-IP"
    meta = {
        "REMOTE_ADDR": PROXY,
        "HTTP_X_REAL_IP": "198.51.100.7",
        "HTTP_X_FORWARDED_FOR": "6.6.6.6",
    }
    assert _client_ip(**meta) == "198.51.100.7"


def test_spoofed_x_forwarded_for_does_not_escape_the_per_address_limit(cast, settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 0
    for n, user in enumerate(list(cast.values())[:10]):  # "10/m/ip", a new lie each time
        assert not _login(user.email, "wrong", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}")
    assert not _login(cast["employee_c"].email, HTTP_X_FORWARDED_FOR="198.51.100.200")


def test_spoofed_leftmost_hops_do_not_escape_it_behind_a_trusted_proxy(cast, settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    for n, user in enumerate(list(cast.values())[:10]):
        xff = f"198.51.100.{n}, {VICTIM_HOME}"
        assert not _login(user.email, "wrong", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=xff)
    xff = f"198.51.100.200, {VICTIM_HOME}"
    assert not _login(cast["employee_c"].email, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=xff)


def test_behind_a_trusted_proxy_one_address_failing_does_not_lock_out_everyone(cast, settings):
    """The reported hole: every visitor had the proxy's address, so ten failures a
    minute anywhere locked every account out."""
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    for user in list(cast.values())[:10]:
        _login(user.email, "wrong", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.66")
    assert _login(cast["employee_c"].email, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=VICTIM_HOME)
    assert not _login(
        cast["employee_b"].email, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.66"
    )


# --- The account owner under attack -----------------------------------------------------


def test_failures_from_another_address_never_block_the_owner(employee_a):
    for _ in range(8):
        _login(employee_a.email, "wrong", REMOTE_ADDR="198.51.100.66")
    assert not _login(employee_a.email, REMOTE_ADDR="198.51.100.66")  # that address is blocked
    assert _login(employee_a.email, REMOTE_ADDR=VICTIM_HOME)  # she is not
    response = _api_login(employee_a.email, REMOTE_ADDR=VICTIM_HOME)
    assert response.status_code == 200, response.content


def test_many_addresses_slow_the_account_down_for_one_minute_at_most(employee_a):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        for n in range(10):  # "10/m/key" over the account, one failure per address
            _login(employee_a.email, "wrong", REMOTE_ADDR=f"198.51.100.{n}")
        assert not _login(employee_a.email, REMOTE_ADDR=VICTIM_HOME)
        response = _api_login(employee_a.email, REMOTE_ADDR=VICTIM_HOME)
        assert response.json()["errors"][0]["code"] == "too_many_login_attempts"
    with time_machine.travel(start + timedelta(seconds=61), tick=False):
        assert _login(employee_a.email, REMOTE_ADDR=VICTIM_HOME)


def test_the_owners_refused_attempt_does_not_count_against_her(employee_a):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        for n in range(10):
            _login(employee_a.email, "wrong", REMOTE_ADDR=f"198.51.100.{n}")
        for _ in range(6):  # she keeps trying while the account is slowed down
            assert not _login(employee_a.email, REMOTE_ADDR=VICTIM_HOME)
    with time_machine.travel(start + timedelta(seconds=61), tick=False):
        assert _login(employee_a.email, REMOTE_ADDR=VICTIM_HOME)


def test_one_address_still_gets_five_guesses_per_account_per_five_minutes(employee_a):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        for _ in range(5):
            _login(employee_a.email, "wrong", REMOTE_ADDR="198.51.100.66")
    with time_machine.travel(start + timedelta(minutes=4), tick=False):
        assert not _login(employee_a.email, REMOTE_ADDR="198.51.100.66")
    with time_machine.travel(start + timedelta(minutes=5, seconds=1), tick=False):
        assert _login(employee_a.email, REMOTE_ADDR="198.51.100.66")


def test_successful_sign_ins_do_not_count_as_failures(employee_a):
    for _ in range(12):
        assert _login(employee_a.email, REMOTE_ADDR=VICTIM_HOME)


# --- Settings ---------------------------------------------------------------------------


def _settings_in_subprocess(**env):
    import os
    import subprocess
    import sys

    code = (
        "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'huntzen.settings'); "
        "django.setup(); from django.conf import settings as s; "
        "print(s.ALLAUTH_TRUSTED_PROXY_COUNT, s.ACCOUNT_RATE_LIMITS['login_failed_account'])"
    )
    base = {k: v for k, v in os.environ.items() if not k.startswith("HUNTZEN_LOGIN")}
    base.pop("HUNTZEN_BEHIND_PROXY", None)
    base.pop("HUNTZEN_TRUSTED_PROXY_COUNT", None)
    return subprocess.run(
        [sys.executable, "-c", code],
        env={**base, "DEBUG": "true", **env},
        capture_output=True,
        text=True,
        check=False,
    )


def test_the_proxy_count_defaults_to_zero_and_to_one_behind_a_proxy():
    assert _settings_in_subprocess().stdout.split() == ["0", "10/m/key"]
    assert _settings_in_subprocess(HUNTZEN_BEHIND_PROXY="true").stdout.split()[0] == "1"
    both = {"HUNTZEN_BEHIND_PROXY": "true", "HUNTZEN_TRUSTED_PROXY_COUNT": "2"}
    assert _settings_in_subprocess(**both).stdout.split()[0] == "2"


def test_nonsense_limits_stop_start_up():
    result = _settings_in_subprocess(HUNTZEN_LOGIN_ACCOUNT_RATE_LIMIT="ten per minute")
    assert result.returncode != 0 and "HUNTZEN_LOGIN_ACCOUNT_RATE_LIMIT" in result.stderr
