"""The consultations rows of the DESIGN.md role table, for every member of the cast,
through the access function, the API and the portal. The denials are the feature."""

from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import Http404
from django.urls import reverse
from guardian.shortcuts import assign_perm, remove_perm

from consultations import services
from consultations.access import get_consultation_for, is_participant, may_know_of
from consultations.models import Consultation, ConsultationUserObjectPermission
from consultations.permissions import EMPLOYEE_PERMS, PRACTITIONER_PERMS, has_object_perm
from tests.consultations.conftest import NOW, paris
from tests.consultations.factories import book

pytestmark = pytest.mark.django_db
TUESDAY_9 = paris(2026, 3, 3, 9)

DETAILS_ALLOWED = ["employee_a", "practitioner_p", "staff_r2", "operator_r1", "superuser"]
DETAILS_DENIED = ["employee_b", "employee_c", "practitioner_q", "hr_acme", "hr_globex"]


@pytest.fixture
def consultation(cast, p_open, frozen):
    return book(cast["employee_a"], p_open, at=TUESDAY_9, now=NOW)


def _client(api_client, user):
    api_client.force_authenticate(user)
    return api_client


# --- consultation details (who, when, status) -----------------------------------------


@pytest.mark.parametrize("who", DETAILS_ALLOWED)
def test_details_are_visible_to_participants_and_staff(cast, consultation, who):
    assert get_consultation_for(cast[who], consultation.pk) == consultation


@pytest.mark.parametrize("who", DETAILS_DENIED)
def test_details_are_not_found_for_everybody_else(cast, consultation, who):
    with pytest.raises(Http404):
        get_consultation_for(cast[who], consultation.pk)


@pytest.mark.parametrize("who", DETAILS_ALLOWED)
def test_api_details_allowed(cast, consultation, api_client, who):
    response = _client(api_client, cast[who]).get(f"/api/v1/consultations/{consultation.pk}")
    assert response.status_code == 200
    assert response.json()["status"] == "scheduled"


@pytest.mark.parametrize("who", DETAILS_DENIED)
def test_api_details_404(cast, consultation, api_client, who):
    response = _client(api_client, cast[who]).get(f"/api/v1/consultations/{consultation.pk}")
    assert response.status_code == 404


@pytest.mark.parametrize("who", DETAILS_ALLOWED)
def test_portal_details_allowed(cast, consultation, client, who):
    client.force_login(cast[who])
    response = client.get(reverse("consultations:detail", args=[consultation.pk]))
    assert response.status_code == 200


@pytest.mark.parametrize("who", DETAILS_DENIED)
def test_portal_details_404(cast, consultation, client, who):
    client.force_login(cast[who])
    response = client.get(reverse("consultations:detail", args=[consultation.pk]))
    assert response.status_code == 404


def test_anonymous_gets_nothing(consultation, client, api_client):
    assert api_client.get(f"/api/v1/consultations/{consultation.pk}").status_code in (401, 403)
    response = client.get(reverse("consultations:detail", args=[consultation.pk]))
    assert response.status_code == 302 and "/login" in response["Location"]


def test_an_unknown_id_is_404(cast, api_client):
    url = "/api/v1/consultations/00000000-0000-0000-0000-000000000000"
    assert _client(api_client, cast["staff_r2"]).get(url).status_code == 404


def test_staff_see_who_when_status_but_not_the_cancel_reason(cast, consultation, api_client):
    services.consultation_cancel(
        actor=cast["employee_a"], consultation=consultation, reason="personnel", now=NOW
    )
    staff = (
        _client(api_client, cast["staff_r2"]).get(f"/api/v1/consultations/{consultation.pk}").json()
    )
    assert staff["cancelReason"] is None and staff["status"] == "cancelled"
    assert "roomName" not in staff
    own = (
        _client(api_client, cast["employee_a"])
        .get(f"/api/v1/consultations/{consultation.pk}")
        .json()
    )
    assert own["cancelReason"] == "personnel"


# --- The participant rule --------------------------------------------------------------

PARTICIPANTS = ["employee_a", "practitioner_p"]


@pytest.mark.parametrize("who", [*PARTICIPANTS, *DETAILS_DENIED, "staff_r2", "operator_r1"])
def test_only_the_two_people_of_the_consultation_are_participants(cast, consultation, who):
    assert is_participant(cast[who], consultation) is (who in PARTICIPANTS)


def test_a_superuser_is_no_participant_through_the_blanket_grant(cast, consultation):
    assert cast["superuser"].has_perm("consultations.view_consultation", consultation)
    assert not is_participant(cast["superuser"], consultation)


@pytest.mark.parametrize("who", PARTICIPANTS)
def test_a_participant_who_is_also_a_superuser_stays_a_participant(cast, consultation, who):
    """The consultation rule only; the medical rule bars them (tests/medical)."""
    user = cast[who]
    user.is_superuser = True
    user.save(update_fields=["is_superuser"])
    assert is_participant(user, consultation)


@pytest.mark.parametrize("who", PARTICIPANTS)
def test_an_inactive_participant_is_no_participant(cast, consultation, who):
    user = cast[who]
    user.is_active = False
    user.save(update_fields=["is_active"])
    assert not is_participant(user, consultation)
    assert not may_know_of(user, consultation)


def test_a_participant_is_asked_for_the_permission_in_question(cast, consultation):
    employee, practitioner = cast["employee_a"], cast["practitioner_p"]
    assert is_participant(practitioner, consultation, perm="start_consultation")
    assert not is_participant(employee, consultation, perm="start_consultation")
    remove_perm("consultations.chat_consultation", employee, consultation)
    assert not is_participant(employee, consultation, perm="chat_consultation")
    assert is_participant(employee, consultation)


def test_a_permission_granted_by_mistake_makes_no_participant(cast, consultation):
    assign_perm("consultations.view_consultation", cast["employee_b"], consultation)
    assert not is_participant(cast["employee_b"], consultation)


def test_the_participant_check_is_one_query_and_none_for_others(
    cast, consultation, django_assert_num_queries
):
    with django_assert_num_queries(1):
        assert is_participant(cast["employee_a"], consultation)
    with django_assert_num_queries(0):
        for who in DETAILS_DENIED + ["staff_r2", "superuser"]:
            assert not is_participant(cast[who], consultation)


@pytest.mark.parametrize("who", DETAILS_ALLOWED)
def test_participants_and_staff_may_know_of_the_consultation(cast, consultation, who):
    assert may_know_of(cast[who], consultation)


@pytest.mark.parametrize("who", DETAILS_DENIED)
def test_nobody_else_may_know_of_it(cast, consultation, who):
    assert not may_know_of(cast[who], consultation)


def test_anonymous_may_not_know_of_it(consultation):
    assert not may_know_of(AnonymousUser(), consultation)
    assert not may_know_of(None, consultation)


# --- BOOKING_CREATE -------------------------------------------------------------------


def _booking_body(practitioner):
    return {
        "practitionerId": str(practitioner.pk),
        "scheduledAt": TUESDAY_9.isoformat(),
        "kind": "video",
    }


def test_booking_allowed_for_an_employee(cast, p_open, api_client, frozen):
    response = _client(api_client, cast["employee_a"]).post(
        "/api/v1/consultations", _booking_body(p_open), format="json"
    )
    assert response.status_code == 201, response.json()
    assert response.json()["companyId"] == str(cast["employee_a"].company_id)


@pytest.mark.parametrize(
    "who", ["practitioner_q", "hr_acme", "hr_globex", "staff_r2", "operator_r1", "superuser"]
)
def test_booking_forbidden_for_other_roles(cast, p_open, api_client, frozen, who):
    response = _client(api_client, cast[who]).post(
        "/api/v1/consultations", _booking_body(p_open), format="json"
    )
    assert response.status_code == 403
    assert not Consultation.objects.exists()


# --- CONSULTATIONS_MY_READ ---------------------------------------------------------------


@pytest.mark.parametrize("who", ["employee_a", "practitioner_p"])
def test_my_consultations_lists_own(cast, consultation, api_client, who):
    body = _client(api_client, cast[who]).get("/api/v1/consultations/my").json()
    assert [c["id"] for c in body["results"]] == [str(consultation.pk)]


@pytest.mark.parametrize("who", ["employee_b", "employee_c", "practitioner_q"])
def test_my_consultations_of_others_are_empty(cast, consultation, api_client, who):
    body = _client(api_client, cast[who]).get("/api/v1/consultations/my").json()
    assert body["results"] == []


# A superuser holds its role's permissions (R1), not Django's blanket grant (accounts.gates).
@pytest.mark.parametrize("who", ["hr_acme", "hr_globex", "staff_r2", "operator_r1", "superuser"])
def test_my_consultations_forbidden_without_the_permission(cast, consultation, api_client, who):
    assert _client(api_client, cast[who]).get("/api/v1/consultations/my").status_code == 403


@pytest.mark.parametrize("who", ["hr_acme", "staff_r2", "operator_r1", "superuser"])
def test_my_consultations_page_forbidden(cast, client, who):
    client.force_login(cast[who])
    assert client.get(reverse("consultations:my")).status_code == 403


# --- CONSULTATIONS_OWN_WRITE (start, end, no-show) and BOOKING_CANCEL_OWN -----------------

ACTIONS = {
    "start": (TUESDAY_9 - timedelta(minutes=5), {}),
    "no-show": (TUESDAY_9 + timedelta(minutes=20), {}),
    "cancel": (NOW, {"reason": "x"}),
}


@pytest.mark.parametrize("action", ["start", "no-show"])
def test_the_practitioner_may_start_or_mark_no_show(cast, consultation, api_client, action):
    at, body = ACTIONS[action]
    with time_machine.travel(at, tick=False):
        response = _client(api_client, cast["practitioner_p"]).post(
            f"/api/v1/consultations/{consultation.pk}/{action}", body, format="json"
        )
    assert response.status_code == 200, response.json()


@pytest.mark.parametrize("who", ["employee_a", "practitioner_p"])
def test_participants_may_cancel(cast, consultation, api_client, who):
    response = _client(api_client, cast[who]).post(
        f"/api/v1/consultations/{consultation.pk}/cancel", {"reason": "x"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"


@pytest.mark.parametrize("action", ["start", "end", "no-show"])
@pytest.mark.parametrize(
    "who,expected",
    [
        ("employee_a", 403),
        ("staff_r2", 403),
        ("operator_r1", 403),
        ("superuser", 403),
        ("employee_b", 404),
        ("employee_c", 404),
        ("practitioner_q", 404),
        ("hr_acme", 404),
        ("hr_globex", 404),
    ],
)
def test_lifecycle_writes_are_the_practitioners(
    cast, consultation, api_client, action, who, expected
):
    with time_machine.travel(TUESDAY_9 + timedelta(minutes=1), tick=False):
        response = _client(api_client, cast[who]).post(
            f"/api/v1/consultations/{consultation.pk}/{action}", {}, format="json"
        )
    assert response.status_code == expected
    consultation.refresh_from_db()
    assert consultation.status == "scheduled"
    assert consultation.status_changes.count() == 1


@pytest.mark.parametrize(
    "who,expected",
    [
        ("staff_r2", 403),
        ("operator_r1", 403),
        ("superuser", 403),
        ("employee_b", 404),
        ("employee_c", 404),
        ("practitioner_q", 404),
        ("hr_acme", 404),
        ("hr_globex", 404),
    ],
)
def test_cancel_is_the_participants(cast, consultation, api_client, who, expected):
    response = _client(api_client, cast[who]).post(
        f"/api/v1/consultations/{consultation.pk}/cancel", {}, format="json"
    )
    assert response.status_code == expected
    consultation.refresh_from_db()
    assert consultation.status == "scheduled"


def _without_role_perm(user, codename: str):
    """`user` afresh (no permission cache) after their role group lost `codename`."""
    from django.contrib.auth.models import Permission

    from accounts.models import User
    from accounts.roles import group_for

    group_for(user.role).permissions.remove(
        Permission.objects.get(content_type__app_label="accounts", codename=codename)
    )
    return User.objects.get(pk=user.pk)


@pytest.mark.parametrize("who", ["employee_a", "practitioner_p"])
def test_cancel_needs_booking_cancel_own_besides_being_a_participant(
    cast, consultation, api_client, client, who
):
    user = _without_role_perm(cast[who], "booking_cancel_own")
    client.force_login(user)
    assert (
        client.get(reverse("consultations:detail", args=[consultation.pk])).context["can_cancel"]
        is False
    )
    response = _client(api_client, user).post(
        f"/api/v1/consultations/{consultation.pk}/cancel", {"reason": "x"}, format="json"
    )
    assert response.status_code == 403
    consultation.refresh_from_db()
    assert consultation.status == "scheduled"


@pytest.mark.parametrize("who", ["employee_a", "practitioner_p"])
def test_participants_holding_booking_cancel_own_see_the_cancel_button(
    cast, consultation, client, who
):
    client.force_login(cast[who])
    page = client.get(reverse("consultations:detail", args=[consultation.pk]))
    assert page.context["can_cancel"] is True


@pytest.mark.parametrize("action", ["start", "no-show"])
def test_lifecycle_writes_need_consultations_own_write_besides_the_object_permission(
    cast, consultation, api_client, action
):
    import time_machine

    user = _without_role_perm(cast["practitioner_p"], "consultations_own_write")
    at, body = ACTIONS[action]
    with time_machine.travel(at, tick=False):
        response = _client(api_client, user).post(
            f"/api/v1/consultations/{consultation.pk}/{action}", body, format="json"
        )
    assert response.status_code == 403
    consultation.refresh_from_db()
    assert consultation.status == "scheduled"


@pytest.mark.parametrize(
    "who,expected",
    [
        ("employee_a", 403),
        ("staff_r2", 403),
        ("employee_b", 404),
        ("hr_acme", 404),
    ],
)
def test_portal_lifecycle_buttons_refuse_the_same(cast, consultation, client, who, expected):
    client.force_login(cast[who])
    response = client.post(reverse("consultations:start", args=[consultation.pk]))
    assert response.status_code == expected
    consultation.refresh_from_db()
    assert consultation.status == "scheduled"


def test_services_refuse_a_superuser_who_is_not_a_participant(cast, consultation):
    with pytest.raises(PermissionDenied):
        services.consultation_cancel(actor=cast["superuser"], consultation=consultation)


# --- One permission query per write (the view's visibility, the service's rule) --------


def test_booking_grants_each_side_its_object_permissions_only(cast, consultation):
    rows = ConsultationUserObjectPermission.objects.filter(content_object=consultation)
    granted = {}
    for user_id, codename in rows.values_list("user_id", "permission__codename"):
        granted.setdefault(user_id, []).append(codename)
    assert {user_id: sorted(codenames) for user_id, codenames in granted.items()} == {
        cast["employee_a"].pk: sorted(EMPLOYEE_PERMS),
        consultation.practitioner_id: sorted(PRACTITIONER_PERMS),
    }
    assert rows.count() == len(EMPLOYEE_PERMS) + len(PRACTITIONER_PERMS)


def test_a_write_loads_the_visibility_and_the_action_permission_in_one_query(
    cast, consultation, django_assert_num_queries
):
    practitioner = cast["practitioner_p"]
    # PostgreSQL: the consultation with both permissions (an array subquery); elsewhere
    # the consultation, then both permissions.
    with django_assert_num_queries(1 if connection.vendor == "postgresql" else 2):
        loaded = get_consultation_for(practitioner, consultation.pk, perms=("start_consultation",))
    with django_assert_num_queries(0):
        assert has_object_perm(practitioner, "start_consultation", loaded)
        assert has_object_perm(practitioner, "view_consultation", loaded)
    with django_assert_num_queries(1):  # not loaded: asked
        assert has_object_perm(practitioner, "end_consultation", loaded)
    with django_assert_num_queries(1):  # somebody else: asked
        assert not has_object_perm(cast["employee_a"], "start_consultation", loaded)


def test_a_permission_read_with_the_row_serves_its_participant_only(
    cast, consultation, django_assert_num_queries
):
    """The employee holds no start permission: known without a query. Staff may see
    the consultation but is no participant: nothing read with the row is used for her,
    her own grants are asked."""
    employee = cast["employee_a"]
    loaded = get_consultation_for(employee, consultation.pk, perms=("start_consultation",))
    with django_assert_num_queries(0):
        assert not has_object_perm(employee, "start_consultation", loaded)
        assert has_object_perm(employee, "view_consultation", loaded)
    staff = cast["staff_r2"]
    seen = get_consultation_for(staff, consultation.pk, perms=("start_consultation",))
    assert "_loaded_perms" not in seen.__dict__
    with django_assert_num_queries(1):
        assert not has_object_perm(staff, "start_consultation", seen)


def test_what_a_write_loaded_stays_with_that_instance(cast, consultation):
    practitioner = cast["practitioner_p"]
    loaded = get_consultation_for(practitioner, consultation.pk, perms=("start_consultation",))
    remove_perm("consultations.start_consultation", practitioner, consultation)
    assert is_participant(practitioner, loaded, perm="start_consultation")
    again = get_consultation_for(practitioner, consultation.pk, perms=("start_consultation",))
    assert not is_participant(practitioner, again, perm="start_consultation")
    assert not is_participant(practitioner, consultation, perm="start_consultation")


@pytest.mark.parametrize("action", ["start", "no-show", "cancel"])
def test_a_write_without_its_object_permission_is_403_without_the_view_one_404(
    cast, consultation, api_client, action
):
    """The view loads both, the service decides: losing the action's object permission
    refuses the write (403); losing the view permission hides the consultation (404)."""
    practitioner = cast["practitioner_p"]
    codename = {"start": "start", "no-show": "mark_no_show", "cancel": "cancel"}[action]
    at, body = ACTIONS[action]
    remove_perm(f"consultations.{codename}_consultation", practitioner, consultation)
    with time_machine.travel(at, tick=False):
        response = _client(api_client, practitioner).post(
            f"/api/v1/consultations/{consultation.pk}/{action}", body, format="json"
        )
    assert response.status_code == 403
    assign_perm(f"consultations.{codename}_consultation", practitioner, consultation)
    remove_perm("consultations.view_consultation", practitioner, consultation)
    with time_machine.travel(at, tick=False):
        response = _client(api_client, practitioner).post(
            f"/api/v1/consultations/{consultation.pk}/{action}", body, format="json"
        )
    assert response.status_code == 404
    consultation.refresh_from_db()
    assert consultation.status == "scheduled"
    assert consultation.status_changes.count() == 1
