"""Per-employee counters only with the employee's consent (issue 11, item 1).

Off by default, revocable, each change dated in the access log; only the employee
herself decides. HR of her company reads her counters (API and page) only while she
shares them, and can tell "does not share" from "does not exist" by nothing; HuntZen
staff read everyone's (DESIGN's table); nobody else reads any.
"""

import re
import uuid
from datetime import UTC, datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from medical.models import AccessLogEntry
from metrics.consent import usage_sharing_of, usage_sharing_set
from metrics.models import UsageSharing
from tests.consultations.factories import completed
from tests.metrics.helpers import paris

pytestmark = pytest.mark.django_db

ROLES = [
    "employee_a",
    "employee_b",
    "employee_c",
    "practitioner_p",
    "practitioner_q",
    "hr_acme",
    "hr_globex",
    "staff_r2",
    "operator_r1",
    "superuser",
]
NOT_EMPLOYEES = [r for r in ROLES if not r.startswith("employee")]
STAFF = ["staff_r2", "operator_r1", "superuser"]
MONTH = {"from": "2026-03-01", "to": "2026-03-31"}
T1 = datetime(2026, 4, 2, 8, 0, tzinfo=UTC)
T2 = datetime(2026, 4, 9, 17, 30, tzinfo=UTC)


def consent_rows(employee):
    return list(
        AccessLogEntry.objects.filter(object_type="usage_sharing", subject=employee)
        .order_by("id")
        .values_list("user_id", "action", "allowed", "at")
    )


# --- The choice --------------------------------------------------------------------


def test_sharing_is_off_until_the_employee_switches_it_on(employee_a):
    state = usage_sharing_of(employee=employee_a)
    assert (state.shared, state.changed_at) == (False, None)


def test_switching_on_then_off_is_dated_here_and_in_the_access_log(employee_a, time_machine):
    time_machine.move_to(T1, tick=False)
    state = usage_sharing_set(employee=employee_a, shared=True)
    assert (state.shared, state.changed_at) == (True, T1)
    time_machine.move_to(T2, tick=False)
    usage_sharing_set(employee=employee_a, shared=False)
    state = usage_sharing_of(employee=employee_a)
    assert (state.shared, state.changed_at) == (False, T2)
    assert consent_rows(employee_a) == [
        (employee_a.pk, "consent", True, T1),
        (employee_a.pk, "withdraw", True, T2),
    ]


def test_choosing_what_is_in_force_changes_and_logs_nothing(employee_a, time_machine):
    time_machine.move_to(T1, tick=False)
    usage_sharing_set(employee=employee_a, shared=False)  # already off by default
    assert not UsageSharing.objects.exists() and consent_rows(employee_a) == []
    usage_sharing_set(employee=employee_a, shared=True)
    time_machine.move_to(T2, tick=False)
    assert usage_sharing_set(employee=employee_a, shared=True).changed_at == T1
    assert len(consent_rows(employee_a)) == 1


@pytest.mark.parametrize("role", NOT_EMPLOYEES)
def test_only_employees_may_choose(role, cast):
    with pytest.raises(PermissionDenied):
        usage_sharing_set(employee=cast[role], shared=True)
    assert not UsageSharing.objects.exists()
    assert not AccessLogEntry.objects.filter(object_type="usage_sharing").exists()


def test_a_deactivated_employee_may_not_choose(employee_a):
    employee_a.is_active = False
    employee_a.save(update_fields=["is_active"])
    with pytest.raises(PermissionDenied):
        usage_sharing_set(employee=employee_a, shared=True)


# --- The API: GET /api/v1/metrics/employees/{id} -----------------------------------


@pytest.fixture
def visits(employee_a, employee_b, practitioner_p):
    completed(employee_a, practitioner_p, at=paris(2026, 3, 2, 9), minutes=45)
    completed(employee_b, practitioner_p, at=paris(2026, 3, 3, 9), minutes=30)


def statuses(api_client, cast, employee, params=MONTH):
    url = reverse("api-metrics-employee", args=[employee.pk])
    got = {}
    for role in ROLES:
        api_client.force_authenticate(cast[role])
        got[role] = api_client.get(url, params).status_code
    return got


def expected(*, hr_acme: int):
    return (
        {r: 403 for r in ROLES} | {"hr_acme": hr_acme, "hr_globex": 404} | dict.fromkeys(STAFF, 200)
    )


def test_api_without_consent(api_client, cast, visits):
    assert statuses(api_client, cast, cast["employee_a"]) == expected(hr_acme=404)


def test_api_with_consent(api_client, cast, visits):
    usage_sharing_set(employee=cast["employee_a"], shared=True)
    assert statuses(api_client, cast, cast["employee_a"]) == expected(hr_acme=200)


def test_api_after_consent_is_revoked(api_client, cast, visits):
    usage_sharing_set(employee=cast["employee_a"], shared=True)
    usage_sharing_set(employee=cast["employee_a"], shared=False)
    assert statuses(api_client, cast, cast["employee_a"]) == expected(hr_acme=404)


def test_one_employees_consent_opens_nobody_elses(api_client, cast, visits):
    usage_sharing_set(employee=cast["employee_a"], shared=True)
    assert statuses(api_client, cast, cast["employee_b"]) == expected(hr_acme=404)


@pytest.mark.parametrize("params", [MONTH, {"from": "2026-03-02", "to": "2026-03-09"}, {}])
def test_not_sharing_answers_exactly_like_an_unknown_id(api_client, hr_acme, employee_a, params):
    api_client.force_authenticate(hr_acme)
    hidden = api_client.get(reverse("api-metrics-employee", args=[employee_a.pk]), params)
    unknown = api_client.get(reverse("api-metrics-employee", args=[uuid.uuid4()]), params)
    assert hidden.status_code == unknown.status_code == 404  # even with a bad period
    assert hidden.content == unknown.content
    assert hidden.headers["Content-Type"] == unknown.headers["Content-Type"]


# --- The HR page: /metrics/companies/<id>/employees/ --------------------------------


def without_csrf(html: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html)


def employees_page(client, user, company):
    client.force_login(user)
    response = client.get(
        reverse("metrics:company_employees", args=[company.pk]),
        {"from": "2026-03", "to": "2026-03"},
    )
    assert response.status_code == 200
    return without_csrf(response.content.decode())


def test_hr_page_lists_only_employees_who_share(
    client, hr_acme, acme, employee_a, employee_b, visits
):
    assert "Alice" not in employees_page(client, hr_acme, acme)
    usage_sharing_set(employee=employee_a, shared=True)
    html = employees_page(client, hr_acme, acme)
    assert "Alice Test</th><td>1</td><td>45</td>" in html
    assert "Bob" not in html
    usage_sharing_set(employee=employee_a, shared=False)
    assert "Alice" not in employees_page(client, hr_acme, acme)


def test_hr_page_says_nothing_of_who_does_not_share(
    client, hr_acme, acme, employee_a, practitioner_p
):
    """The page is the same, byte for byte, whether a colleague who does not share
    exists or not: no name, no count, no "n employees not shown"."""
    usage_sharing_set(employee=employee_a, shared=True)
    completed(employee_a, practitioner_p, at=paris(2026, 3, 2, 9), minutes=45)
    before = employees_page(client, hr_acme, acme)
    from tests.metrics.helpers import make_employees

    for i, colleague in enumerate(make_employees(acme, 3, prefix="quiet")):
        completed(colleague, practitioner_p, at=paris(2026, 3, 4, 9 + i), minutes=30)
    assert employees_page(client, hr_acme, acme) == before


def test_staff_page_lists_every_employee(client, staff_r2, acme, employee_a, employee_b, visits):
    html = employees_page(client, staff_r2, acme)
    assert "Alice Test" in html and "Bob Test" in html


@pytest.mark.parametrize("role", ["employee_a", "practitioner_p", "hr_globex"])
def test_others_never_reach_the_hr_page(role, cast, client, acme, visits):
    usage_sharing_set(employee=cast["employee_a"], shared=True)
    client.force_login(cast[role])
    response = client.get(
        reverse("metrics:company_employees", args=[acme.pk]), {"from": "2026-03", "to": "2026-03"}
    )
    assert response.status_code == (404 if role == "hr_globex" else 403)


# --- Only months that are over -----------------------------------------------------


def test_hr_reads_a_sharing_employees_month_once_it_is_over(
    api_client, client, hr_acme, staff_r2, acme, employee_a, visits, time_machine
):
    """Read on two days of the month, her count would tell what she did in between."""
    time_machine.move_to(paris(2026, 3, 20, 12))
    usage_sharing_set(employee=employee_a, shared=True)
    url = reverse("api-metrics-employee", args=[employee_a.pk])
    api_client.force_authenticate(hr_acme)
    response = api_client.get(url, MONTH)
    assert response.status_code == 400 and "to" in response.json()["fields"]
    api_client.force_authenticate(staff_r2)
    assert api_client.get(url, MONTH).json()["consultations"] == 1
    page = reverse("metrics:company_employees", args=[acme.pk])
    client.force_login(hr_acme)
    assert client.get(page, {"from": "2026-03", "to": "2026-03"}).status_code == 400
    html = client.get(page).content.decode()  # by default: the last month over
    assert 'value="2026-02"' in html and "Alice Test</th><td>0</td>" in html
    time_machine.move_to(paris(2026, 4, 1, 0, 30))
    api_client.force_authenticate(hr_acme)
    assert api_client.get(url, MONTH).json()["consultations"] == 1
