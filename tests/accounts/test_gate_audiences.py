"""Every gate's audience, role by role (R1 operator, R2 staff, HR, practitioner, employee,
superuser, anonymous): the predicate, the portal pages and API endpoints it guards, and
the links templates show for it. The denial is the feature: each refused role is tested."""

import uuid

import pytest
from django.contrib.auth.models import AnonymousUser
from django.template.loader import render_to_string
from django.urls import reverse

from accounts.gates import get_gate, registered_gates
from metrics.consent import usage_sharing_set

pytestmark = pytest.mark.django_db

ROLES = ["operator_r1", "staff_r2", "hr_acme", "practitioner_p", "employee_a", "superuser"]
STAFF = {"operator_r1", "staff_r2", "superuser"}

AUDIENCE = {
    "employee_space": {"employee_a"},
    "practitioner_space": {"practitioner_p"},
    "hr_space": {"hr_acme"},
    "invite_employees": {"hr_acme"},
    # Decided once for the portal and the API: employees, and staff who curate profiles.
    "browse_practitioners": {"employee_a", *STAFF},
    "list_companies": {"hr_acme", *STAFF},
    "create_companies": STAFF,
    "activate_companies": STAFF,
    "book": {"employee_a"},
    "read_own_consultations": {"employee_a", "practitioner_p"},
    "run_consultations": {"practitioner_p"},
    "read_practitioner_metrics": {"practitioner_p", *STAFF},
    "export_practitioner_metrics": {"practitioner_p", *STAFF},
    "read_employee_metrics": {"hr_acme", *STAFF},
    "read_company_metrics": {"hr_acme", *STAFF},
    "export_company_metrics": {"hr_acme", *STAFF},
    "read_all_counters": STAFF,
    "keep_journal": {"employee_a"},
    "keep_notes": {"practitioner_p"},
}


@pytest.fixture
def everyone(cast):
    return {name: cast[name] for name in ROLES}


def test_this_module_covers_every_gate():
    assert set(AUDIENCE) == set(registered_gates())


@pytest.mark.parametrize("name", sorted(AUDIENCE))
def test_the_predicate_admits_its_audience_only(everyone, name):
    gate = get_gate(name)
    admitted = {who for who, user in everyone.items() if gate(user)}
    assert admitted == AUDIENCE[name]
    assert gate(AnonymousUser()) is False


@pytest.mark.parametrize("name", sorted(AUDIENCE))
def test_the_predicate_refuses_a_deactivated_member_of_its_audience(everyone, name):
    user = everyone[sorted(AUDIENCE[name])[0]]
    user.is_active = False
    assert get_gate(name)(user) is False


# --- Portal pages: the audience gets in, every other role gets the gate's 403 -----------

PERIOD = "from=2026-01-01&to=2026-01-31"


def _pages(cast, acme, practitioner_q):
    """(gate, url, method, status for the audience): every page behind a gate."""
    p, q, a = cast["practitioner_p"].pk, practitioner_q.pk, acme.pk
    random = uuid.uuid4()
    return [
        ("employee_space", reverse("accounts:employee_home"), "get", 200),
        ("practitioner_space", reverse("accounts:practitioner_home"), "get", 200),
        ("practitioner_space", reverse("companies:practitioner_profile"), "get", 200),
        ("hr_space", reverse("accounts:hr_home"), "get", 200),
        ("hr_space", reverse("companies:hr_company"), "get", 200),
        ("hr_space", reverse("companies:hr_company_edit"), "get", 200),
        ("hr_space", reverse("companies:hr_employee_list"), "get", 200),
        (
            "hr_space",
            reverse("companies:hr_employee_deactivate", args=[cast["employee_a"].pk]),
            "get",
            200,
        ),
        ("invite_employees", reverse("accounts:invitation_list"), "get", 200),
        ("invite_employees", reverse("accounts:invitation_create"), "get", 200),
        ("invite_employees", reverse("accounts:invitation_import"), "get", 200),
        ("invite_employees", reverse("accounts:invitation_revoke", args=[random]), "post", 404),
        ("invite_employees", reverse("accounts:invitation_resend", args=[random]), "post", 404),
        ("browse_practitioners", reverse("companies:practitioner_list"), "get", 200),
        ("browse_practitioners", reverse("companies:practitioner_detail", args=[q]), "get", 200),
        ("book", reverse("consultations:book", args=[q]), "get", 200),
        ("book", reverse("consultations:book_confirm", args=[q]), "get", 404),  # no slot
        ("read_own_consultations", reverse("consultations:my"), "get", 200),
        ("run_consultations", reverse("consultations:agenda"), "get", 200),
        ("run_consultations", reverse("consultations:availability"), "get", 200),
        ("run_consultations", reverse("consultations:availability_settings"), "post", 400),
        ("run_consultations", reverse("consultations:availability_hours"), "post", 302),
        ("run_consultations", reverse("consultations:availability_exception_add"), "post", 400),
        (
            "run_consultations",
            reverse("consultations:availability_exception_remove", args=[999999]),
            "post",
            404,
        ),
        ("read_practitioner_metrics", reverse("metrics:practitioner", args=[p]), "get", 200),
        (
            "export_practitioner_metrics",
            reverse("metrics:practitioner_export", args=[p]) + "?" + PERIOD,
            "get",
            200,
        ),
        ("read_company_metrics", reverse("metrics:company", args=[a]), "get", 200),
        (
            "export_company_metrics",
            reverse("metrics:company_export", args=[a]) + "?" + PERIOD,
            "get",
            200,
        ),
        ("read_employee_metrics", reverse("metrics:company_employees", args=[a]), "get", 200),
        ("read_all_counters", reverse("metrics:staff"), "get", 200),
        ("read_all_counters", reverse("metrics:staff_practitioners_export"), "get", 200),
        ("read_all_counters", reverse("metrics:staff_companies_export"), "get", 200),
    ]


PAGE_COUNT = 32


def _gated_views():
    from django.urls import get_resolver

    def walk(patterns):
        for pattern in patterns:
            if hasattr(pattern, "url_patterns"):
                yield from walk(pattern.url_patterns)
            else:
                yield pattern.callback

    return {view for view in walk(get_resolver().url_patterns) if hasattr(view, "gate")}


def test_the_list_holds_every_gated_page_under_its_gate(everyone, acme, practitioner_q):
    from django.urls import resolve

    pages = _pages(everyone, acme, practitioner_q)
    assert len(pages) == PAGE_COUNT
    listed = set()
    for name, url, _method, _status in pages:
        view = resolve(url.split("?")[0]).func
        assert view.gate.name == name, url
        listed.add(view)
    assert listed == _gated_views()


@pytest.mark.parametrize("row", range(PAGE_COUNT))
def test_each_gated_page_admits_its_audience_and_refuses_every_other_role(
    client, everyone, acme, practitioner_q, row
):
    name, url, method, allowed_status = _pages(everyone, acme, practitioner_q)[row]
    gate = get_gate(name)
    anonymous = getattr(client, method)(url)
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    for who, user in everyone.items():
        client.force_login(user)
        response = getattr(client, method)(url)
        if who in AUDIENCE[name]:
            assert response.status_code == allowed_status, (url, who)
        else:
            assert response.status_code == 403, (url, who)
            assert str(gate.message) in response.text.replace("&#x27;", "'"), (url, who)


# --- API endpoints ----------------------------------------------------------------------


def _endpoints(cast, acme, practitioner_q):
    """(gate, method, url, body, status for the audience): every endpoint behind a gate."""
    p, q, a, e = cast["practitioner_p"].pk, practitioner_q.pk, acme.pk, cast["employee_a"].pk
    usage_sharing_set(employee=cast["employee_a"], shared=True)  # HR sees her counters only then
    api = "/api/v1"
    return [
        ("browse_practitioners", "get", f"{api}/practitioners", None, 200),
        ("browse_practitioners", "get", f"{api}/practitioners/{q}", None, 200),
        ("browse_practitioners", "get", f"{api}/practitioners/{q}/slots", None, 200),
        ("list_companies", "get", f"{api}/companies", None, 200),
        ("create_companies", "post", f"{api}/companies", {}, 400),  # past the gate
        ("book", "post", f"{api}/consultations", {}, 400),  # past the gate
        ("read_own_consultations", "get", f"{api}/consultations/my", None, 200),
        (
            "read_practitioner_metrics",
            "get",
            f"{api}/metrics/practitioners/{p}?{PERIOD}",
            None,
            200,
        ),
        (
            "export_practitioner_metrics",
            "get",
            f"{api}/metrics/practitioners/{p}/export?{PERIOD}",
            None,
            200,
        ),
        ("read_employee_metrics", "get", f"{api}/metrics/employees/{e}?{PERIOD}", None, 200),
        ("read_company_metrics", "get", f"{api}/metrics/companies/{a}?{PERIOD}", None, 200),
        (
            "export_company_metrics",
            "get",
            f"{api}/metrics/companies/{a}/export?{PERIOD}",
            None,
            200,
        ),
    ]


@pytest.mark.parametrize("row", range(12))
def test_each_gated_endpoint_admits_its_audience_and_refuses_every_other_role(
    api_client, everyone, acme, practitioner_q, row
):
    name, method, url, body, allowed_status = _endpoints(everyone, acme, practitioner_q)[row]
    gate = get_gate(name)
    assert getattr(api_client, method)(url, body, format="json").status_code in (401, 403)
    for who, user in everyone.items():
        api_client.force_authenticate(user)
        response = getattr(api_client, method)(url, body, format="json")
        if who in AUDIENCE[name]:
            assert response.status_code == allowed_status, (url, who, response.content)
        else:
            assert response.status_code == 403, (url, who)
            assert response.json()["message"] == str(gate.message), (url, who)


def test_activation_is_gated_after_the_tenant_lookup(api_client, everyone, acme):
    """Staff activate; HR sees its company but may not (403); others do not know it (404)."""
    url = f"/api/v1/companies/{acme.pk}/activate"
    expected = {
        "operator_r1": 200,
        "staff_r2": 200,
        "superuser": 200,
        "hr_acme": 403,
        "practitioner_p": 404,
        "employee_a": 404,
    }
    for who, user in everyone.items():
        api_client.force_authenticate(user)
        assert api_client.post(url).status_code == expected[who], who
    api_client.force_authenticate(None)
    assert api_client.post(url).status_code in (401, 403)


# --- Templates: the links shown are the gates' answers ----------------------------------

NAV_LINKS = {
    "read_own_consultations": "consultations:my",
    "run_consultations": "consultations:agenda",
    "read_all_counters": "metrics:staff",
    "keep_journal": "medical:journal",
    "keep_notes": "medical:notes",
    "browse_practitioners": "companies:practitioner_list",
    "hr_space": "companies:hr_employee_list",
    "practitioner_space": "companies:practitioner_profile",
    "invite_employees": "accounts:invitation_list",
}


@pytest.mark.parametrize("name", sorted(NAV_LINKS))
def test_the_navigation_shows_a_link_to_its_gates_audience_only(everyone, name):
    link = f'href="{reverse(NAV_LINKS[name])}"'
    for who, user in [*everyone.items(), ("anonymous", AnonymousUser())]:
        shown = link in render_to_string("partials/nav.html", {"user": user})
        assert shown == (who in AUDIENCE[name]), who


def test_the_navigation_offers_one_counters_link_per_audience(everyone):
    links = {
        "metrics:staff": STAFF,
        "metrics:my_company": {"hr_acme"},
        "metrics:my_practitioner": {"practitioner_p"},
    }
    for who, user in everyone.items():
        nav = render_to_string("partials/nav.html", {"user": user})
        for url_name, audience in links.items():
            assert (f'href="{reverse(url_name)}"' in nav) == (who in audience), (who, url_name)


@pytest.mark.parametrize(
    "template, name, marker",
    [
        ("medical/_home_card.html", "keep_journal", "card-journal-title"),
        ("medical/_notes_home_card.html", "keep_notes", "card-notes-title"),
        ("consultations/_home_card.html", "book", "Prendre rendez-vous"),
        ("consultations/_home_card.html", "run_consultations", 'href="/practitioner/agenda/"'),
        ("consultations/my_consultations.html", "book", "Prendre rendez-vous"),
    ],
)
def test_home_cards_follow_their_gates(rf, everyone, template, name, marker):
    for who, user in everyone.items():
        request = rf.get("/")
        request.user = user
        html = render_to_string(template, {"user": user, "upcoming": [], "past": []}, request)
        assert (marker in html) == (who in AUDIENCE[name]), (template, who)


def test_the_hr_home_offers_invitations_to_inviting_hr(client, hr_acme):
    client.force_login(hr_acme)
    response = client.get(reverse("accounts:hr_home"))
    assert "card-invitations-title" in response.text


def test_the_admin_index_links_the_counters_for_staff(client, staff_r2, superuser):
    for user in (staff_r2, superuser):
        client.force_login(user)
        assert reverse("metrics:staff") in client.get(reverse("admin:index")).text
