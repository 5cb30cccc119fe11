"""Every metrics row of the DESIGN.md role table, for each role of the cast, portal and API.

METRICS_PRACTITIONER_USAGE_READ / EXPORTS_PRACTITIONER_USAGE: R1, R2, the practitioner
themselves. METRICS_EMPLOYEE_USAGE_READ: R1, R2, HR of the employee's company (for an
employee who shares her counters: tests/metrics/test_consent.py covers the others).
METRICS_COMPANY_READ / EXPORTS_METRICS_COMPANY: R1, R2, HR of the company.
No permission -> 403; permission but someone else's -> 404.
"""

import pytest
from django.urls import reverse

from tests.metrics.helpers import share

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
STAFF = {"staff_r2": 200, "operator_r1": 200, "superuser": 200}
MONTH = {"from": "2026-03-01", "to": "2026-03-31"}

# (target, expected status per role; any role not listed gets 403)
PRACTITIONER_P = {"practitioner_p": 200, "practitioner_q": 404, **STAFF}
EMPLOYEE_A = {"hr_acme": 200, "hr_globex": 404, **STAFF}
EMPLOYEE_C = {"hr_acme": 404, "hr_globex": 200, **STAFF}
ACME = {"hr_acme": 200, "hr_globex": 404, **STAFF}
GLOBEX = {"hr_acme": 404, "hr_globex": 200, **STAFF}


def _cases(kind_targets):
    for kind, target, expected in kind_targets:
        yield pytest.param(
            kind, target, {role: expected.get(role, 403) for role in ROLES}, id=f"{kind}-{target}"
        )


def _check(get, cast, expected):
    """Ask as every role; report every role that got another status than its row says."""
    got = {role: get(cast[role]) for role in ROLES}
    assert got == expected


API_CASES = list(
    _cases(
        [
            ("api-metrics-practitioner", "practitioner_p", PRACTITIONER_P),
            ("api-metrics-practitioner-export", "practitioner_p", PRACTITIONER_P),
            ("api-metrics-employee", "employee_a", EMPLOYEE_A),
            ("api-metrics-employee", "employee_c", EMPLOYEE_C),
            ("api-metrics-company", "acme", ACME),
            ("api-metrics-company", "globex", GLOBEX),
            ("api-metrics-company-export", "acme", ACME),
            ("api-metrics-company-export", "globex", GLOBEX),
        ]
    )
)


def _target_id(cast, acme, globex, target):
    return {"acme": acme, "globex": globex}.get(target, cast.get(target)).pk


@pytest.mark.parametrize("name, target, expected", API_CASES)
def test_api_role_table(api_client, cast, acme, globex, name, target, expected):
    share(cast["employee_a"], cast["employee_c"])
    url = reverse(name, args=[_target_id(cast, acme, globex, target)])

    def get(user):
        api_client.force_authenticate(user)
        return api_client.get(url, MONTH).status_code

    _check(get, cast, expected)


PORTAL_CASES = list(
    _cases(
        [
            ("metrics:practitioner", "practitioner_p", PRACTITIONER_P),
            ("metrics:practitioner_export", "practitioner_p", PRACTITIONER_P),
            ("metrics:company", "acme", ACME),
            ("metrics:company", "globex", GLOBEX),
            ("metrics:company_export", "acme", ACME),
            ("metrics:company_employees", "acme", ACME),
            ("metrics:company_employees", "globex", GLOBEX),
        ]
    )
)


@pytest.mark.parametrize("name, target, expected", PORTAL_CASES)
def test_portal_role_table(client, cast, acme, globex, name, target, expected):
    share(cast["employee_a"], cast["employee_c"])
    url = reverse(name, args=[_target_id(cast, acme, globex, target)])
    params = {"from": "2026-03", "to": "2026-03"} if name.endswith("employees") else MONTH

    def get(user):
        client.force_login(user)
        return client.get(url, params).status_code

    _check(get, cast, expected)


def _portal_get(client, name, params=None):
    def get(user):
        client.force_login(user)
        return client.get(reverse(name), params or {}).status_code

    return get


@pytest.mark.parametrize(
    "name",
    ["metrics:staff", "metrics:staff_practitioners_export", "metrics:staff_companies_export"],
)
def test_staff_pages_are_for_r1_r2_only(client, cast, name):
    expected = {role: STAFF.get(role, 403) for role in ROLES}
    _check(_portal_get(client, name, MONTH), cast, expected)


def test_my_practitioner_dashboard_is_for_practitioners(client, cast):
    # Staff hold the permission but are no practitioner: nothing to show, 404.
    expected = {role: 403 for role in ROLES} | {
        "practitioner_p": 200,
        "practitioner_q": 200,
        **{r: 404 for r in STAFF},
    }
    _check(_portal_get(client, "metrics:my_practitioner"), cast, expected)


def test_my_company_dashboard_is_for_hr(client, cast):
    expected = {role: 403 for role in ROLES} | {
        "hr_acme": 200,
        "hr_globex": 200,
        **{r: 404 for r in STAFF},
    }
    _check(_portal_get(client, "metrics:my_company"), cast, expected)


def test_hr_gets_404_for_a_practitioner_id_on_the_employee_endpoint(
    api_client, hr_acme, practitioner_p
):
    api_client.force_authenticate(hr_acme)
    response = api_client.get(reverse("api-metrics-employee", args=[practitioner_p.pk]), MONTH)
    assert response.status_code == 404


@pytest.mark.parametrize(
    "name",
    ["api-metrics-practitioner", "api-metrics-employee", "api-metrics-company"],
)
def test_unknown_and_malformed_ids_are_404(api_client, staff_r2, name):
    api_client.force_authenticate(staff_r2)
    for ident in ["00000000-0000-0000-0000-000000000000", "not-a-uuid"]:
        assert api_client.get(reverse(name, args=[ident]), MONTH).status_code == 404


@pytest.mark.parametrize(
    "name", ["api-metrics-practitioner", "api-metrics-employee", "api-metrics-company"]
)
def test_anonymous_callers_are_refused(api_client, practitioner_p, name):
    response = api_client.get(reverse(name, args=[practitioner_p.pk]), MONTH)
    assert response.status_code in (401, 403)


def test_anonymous_portal_visitors_are_sent_to_sign_in(client, acme):
    response = client.get(reverse("metrics:company", args=[acme.pk]))
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]
