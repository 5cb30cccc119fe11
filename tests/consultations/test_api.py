from datetime import date, time, timedelta

import pytest
import time_machine

from consultations import services
from consultations.models import Consultation
from tests.consultations.conftest import NOW, paris
from tests.consultations.factories import book

pytestmark = pytest.mark.django_db
TUESDAY_9 = paris(2026, 3, 3, 9)
STARTED = TUESDAY_9 + timedelta(minutes=1)


def _as(api_client, user):
    api_client.force_authenticate(user)
    return api_client


def _in_state(state, employee, practitioner):
    consultation = book(employee, practitioner, at=TUESDAY_9, now=NOW)
    if state in ("in_progress", "completed"):
        services.consultation_start(actor=practitioner, consultation=consultation, now=STARTED)
    if state == "completed":
        services.consultation_end(
            actor=practitioner, consultation=consultation, now=STARTED + timedelta(minutes=45)
        )
    if state == "cancelled":
        services.consultation_cancel(actor=employee, consultation=consultation, now=NOW)
    if state == "no_show":
        services.consultation_mark_no_show(
            actor=practitioner, consultation=consultation, now=STARTED + timedelta(minutes=15)
        )
    consultation.refresh_from_db()
    return consultation


ILLEGAL = [
    # (state, action, actor, when)
    ("scheduled", "start", "practitioner", TUESDAY_9 - timedelta(minutes=16)),
    ("scheduled", "start", "practitioner", TUESDAY_9 + timedelta(minutes=65)),
    ("in_progress", "start", "practitioner", STARTED),
    ("completed", "start", "practitioner", STARTED),
    ("cancelled", "start", "practitioner", STARTED),
    ("no_show", "start", "practitioner", STARTED),
    ("scheduled", "end", "practitioner", STARTED),
    ("completed", "end", "practitioner", STARTED + timedelta(hours=1)),
    ("cancelled", "end", "practitioner", STARTED),
    ("no_show", "end", "practitioner", STARTED),
    ("scheduled", "cancel", "employee", TUESDAY_9),
    ("scheduled", "cancel", "practitioner", TUESDAY_9 + timedelta(minutes=5)),
    ("in_progress", "cancel", "employee", STARTED),
    ("completed", "cancel", "employee", STARTED + timedelta(hours=1)),
    ("cancelled", "cancel", "employee", NOW),
    ("no_show", "cancel", "employee", STARTED),
    ("scheduled", "no-show", "practitioner", TUESDAY_9 - timedelta(minutes=1)),
    ("in_progress", "no-show", "practitioner", STARTED),
    ("completed", "no-show", "practitioner", STARTED + timedelta(hours=1)),
    ("cancelled", "no-show", "practitioner", STARTED),
    ("no_show", "no-show", "practitioner", STARTED + timedelta(hours=1)),
]


@pytest.mark.parametrize("state,action,actor,when", ILLEGAL)
def test_each_illegal_transition_is_409_with_the_status_and_changes_nothing(
    employee_a, p_open, api_client, state, action, actor, when
):
    consultation = _in_state(state, employee_a, p_open)
    before = Consultation.objects.filter(pk=consultation.pk).values().get()
    changes = consultation.status_changes.count()
    user = employee_a if actor == "employee" else p_open
    with time_machine.travel(when, tick=False):
        response = _as(api_client, user).post(
            f"/api/v1/consultations/{consultation.pk}/{action}", {}, format="json"
        )
    assert response.status_code == 409, response.json()
    assert response.json()["currentStatus"] == state
    assert response.json()["message"]
    assert Consultation.objects.filter(pk=consultation.pk).values().get() == before
    assert consultation.status_changes.count() == changes


def test_the_whole_lifecycle_through_the_api(employee_a, p_open, api_client):
    with time_machine.travel(NOW, tick=False):
        created = _as(api_client, employee_a).post(
            "/api/v1/consultations",
            {
                "practitionerId": str(p_open.pk),
                "scheduledAt": "2026-03-03T09:00:00+01:00",
                "kind": "chat",
            },
            format="json",
        )
    assert created.status_code == 201
    pk = created.json()["id"]
    assert created.json()["kind"] == "chat" and created.json()["scheduledEnd"].startswith(
        "2026-03-03T09:50"
    )
    with time_machine.travel(TUESDAY_9 - timedelta(minutes=10), tick=False):
        started = _as(api_client, p_open).post(f"/api/v1/consultations/{pk}/start")
    assert started.status_code == 200 and started.json()["status"] == "in_progress"
    with time_machine.travel(TUESDAY_9 + timedelta(minutes=47), tick=False):
        ended = _as(api_client, p_open).post(f"/api/v1/consultations/{pk}/end")
    assert ended.json()["status"] == "completed"
    assert ended.json()["durationSeconds"] == 57 * 60
    assert list(
        Consultation.objects.get(pk=pk).status_changes.values_list("to_status", flat=True)
    ) == ["scheduled", "in_progress", "completed"]


def test_duration_is_capped(employee_a, p_open, api_client, settings):
    settings.HUNTZEN_MAX_CONSULTATION_SECONDS = 3600
    consultation = _in_state("in_progress", employee_a, p_open)
    with time_machine.travel(STARTED + timedelta(hours=5), tick=False):
        body = _as(api_client, p_open).post(f"/api/v1/consultations/{consultation.pk}/end").json()
    assert body["durationSeconds"] == 3600


@pytest.mark.parametrize("name", ["type", "kind"])
def test_booking_takes_the_sketchs_type_or_our_kind(employee_a, p_open, api_client, name):
    with time_machine.travel(NOW, tick=False):
        response = _as(api_client, employee_a).post(
            "/api/v1/consultations",
            {
                "practitionerId": str(p_open.pk),
                "scheduledAt": "2026-03-03T09:00:00+01:00",
                name: "chat",
            },
            format="json",
        )
    assert response.status_code == 201, response.json()
    assert response.json()["type"] == response.json()["kind"] == "chat"


@pytest.mark.parametrize(
    "kinds", [{}, {"type": "chat", "kind": "video"}], ids=["neither", "differing"]
)
def test_booking_needs_one_kind_and_refuses_two_that_differ(
    employee_a, p_open, api_client, frozen, kinds
):
    body = {"practitionerId": str(p_open.pk), "scheduledAt": "2026-03-03T09:00:00+01:00", **kinds}
    response = _as(api_client, employee_a).post("/api/v1/consultations", body, format="json")
    assert response.status_code == 400
    assert "type" in response.json()["fields"]
    assert not Consultation.objects.exists()


@pytest.mark.parametrize(
    "body,field",
    [
        (
            {"practitionerId": "x", "scheduledAt": "2026-03-03T09:00:00+01:00", "kind": "video"},
            "practitionerId",
        ),
        ({"scheduledAt": "2026-03-03T09:00:00+01:00", "kind": "video"}, "practitionerId"),
        ({"practitionerId": "P", "scheduledAt": "tomorrow", "kind": "video"}, "scheduledAt"),
        (
            {"practitionerId": "P", "scheduledAt": "2026-03-03T09:00:00+01:00", "kind": "phone"},
            "kind",
        ),
        (
            {
                "practitionerId": "P",
                "scheduledAt": "2026-03-03T09:00:00+01:00",
                "kind": "video",
                "companyId": "00000000-0000-0000-0000-000000000000",
            },
            "companyId",
        ),
    ],
)
def test_bad_booking_bodies_are_400_naming_the_field(
    employee_a, p_open, api_client, frozen, body, field
):
    body = {k: (str(p_open.pk) if v == "P" else v) for k, v in body.items()}
    response = _as(api_client, employee_a).post("/api/v1/consultations", body, format="json")
    assert response.status_code == 400
    assert field in response.json()["fields"]
    assert not Consultation.objects.exists()


def test_booking_another_role_by_id_is_400(employee_a, employee_b, api_client, frozen):
    response = _as(api_client, employee_a).post(
        "/api/v1/consultations",
        {
            "practitionerId": str(employee_b.pk),
            "scheduledAt": TUESDAY_9.isoformat(),
            "kind": "video",
        },
        format="json",
    )
    assert response.status_code == 400 and "practitionerId" in response.json()["fields"]


def test_a_taken_slot_is_409_with_a_clear_message(
    employee_a, employee_b, p_open, api_client, frozen
):
    book(employee_a, p_open, at=TUESDAY_9, now=NOW)
    response = _as(api_client, employee_b).post(
        "/api/v1/consultations",
        {"practitionerId": str(p_open.pk), "scheduledAt": TUESDAY_9.isoformat(), "kind": "video"},
        format="json",
    )
    assert response.status_code == 409
    assert response.json()["code"] == "slot_taken" and response.json()["message"]


def test_a_time_that_is_not_a_slot_is_400(employee_a, p_open, api_client, frozen):
    response = _as(api_client, employee_a).post(
        "/api/v1/consultations",
        {
            "practitionerId": str(p_open.pk),
            "scheduledAt": "2026-03-03T09:10:00+01:00",
            "kind": "video",
        },
        format="json",
    )
    assert response.status_code == 400 and response.json()["code"] == "not_a_slot"


def test_unknown_fields_on_transitions_are_400(employee_a, p_open, api_client):
    consultation = _in_state("scheduled", employee_a, p_open)
    with time_machine.travel(NOW, tick=False):
        response = _as(api_client, employee_a).post(
            f"/api/v1/consultations/{consultation.pk}/cancel",
            {"reason": "x", "status": "completed"},
            format="json",
        )
    assert response.status_code == 400 and "status" in response.json()["fields"]
    consultation.refresh_from_db()
    assert consultation.status == "scheduled"


def test_a_too_long_reason_is_400(employee_a, p_open, api_client):
    consultation = _in_state("scheduled", employee_a, p_open)
    with time_machine.travel(NOW, tick=False):
        response = _as(api_client, employee_a).post(
            f"/api/v1/consultations/{consultation.pk}/cancel",
            {"reason": "x" * 501},
            format="json",
        )
    assert response.status_code == 400 and "reason" in response.json()["fields"]


def test_my_list_is_paginated_with_a_fixed_number_of_queries(
    employee_a, p_open, api_client, frozen, django_assert_max_num_queries
):
    services.weekly_hours_set(actor=p_open, openings=[(d, time(8), time(20)) for d in range(7)])
    for day in range(12):
        book(employee_a, p_open, at=paris(2026, 3, 3, 9) + timedelta(days=day), now=NOW)
    client = _as(api_client, employee_a)
    with django_assert_max_num_queries(6):
        body = client.get("/api/v1/consultations/my?scope=upcoming").json()
    assert body["count"] == 12 and len(body["results"]) == 12


def test_my_list_rejects_an_unknown_scope(employee_a, api_client):
    response = _as(api_client, employee_a).get("/api/v1/consultations/my?scope=everything")
    assert response.status_code == 400


# --- slots -------------------------------------------------------------------------------


@pytest.fixture
def p_listed(p_open):
    from companies.models import PractitionerProfile

    PractitionerProfile.objects.update_or_create(
        user=p_open, defaults={"profession": "coach", "is_active": True}
    )
    return p_open


def test_slots_of_a_practitioner(employee_a, p_listed, api_client, frozen):
    response = _as(api_client, employee_a).get(
        f"/api/v1/practitioners/{p_listed.pk}/slots?from=2026-03-03&to=2026-03-04"
    )
    assert response.status_code == 200
    body = response.json()
    assert body["timeZone"] == "Europe/Paris" and body["lengthMinutes"] == 50
    assert len(body["slots"]) == 6
    assert body["slots"][0] == {
        "start": "2026-03-03T09:00:00+01:00",
        "end": "2026-03-03T09:50:00+01:00",
    }


def test_slots_default_to_the_coming_week(employee_a, p_listed, api_client, frozen):
    body = _as(api_client, employee_a).get(f"/api/v1/practitioners/{p_listed.pk}/slots").json()
    assert len(body["slots"]) == 4 * 3  # Tuesday to Friday; Monday's are within notice


def test_taken_slots_are_not_listed(employee_a, p_listed, api_client, frozen):
    book(employee_a, p_listed, at=TUESDAY_9, now=NOW)
    body = (
        _as(api_client, employee_a)
        .get(f"/api/v1/practitioners/{p_listed.pk}/slots?from=2026-03-03&to=2026-03-03")
        .json()
    )
    assert [s["start"][11:16] for s in body["slots"]] == ["10:00", "11:00"]


@pytest.mark.parametrize(
    "query,field",
    [
        ("from=yesterday", "from"),
        ("from=2026-03-10&to=2026-03-01", "to"),
        ("from=2026-03-01&to=2026-06-01", "to"),
        ("to=2026-13-01", "to"),
        ("since=2026-03-01", "since"),
    ],
)
def test_bad_slot_queries_are_400(employee_a, p_listed, api_client, frozen, query, field):
    response = _as(api_client, employee_a).get(f"/api/v1/practitioners/{p_listed.pk}/slots?{query}")
    assert response.status_code == 400 and field in response.json()["fields"]


def test_slots_of_an_unknown_practitioner_are_404(employee_a, employee_b, api_client):
    response = _as(api_client, employee_a).get(f"/api/v1/practitioners/{employee_b.pk}/slots")
    assert response.status_code == 404


@pytest.mark.parametrize("who", ["hr_acme", "practitioner_q"])
def test_slots_are_for_people_who_may_browse_practitioners(cast, p_listed, api_client, who):
    response = _as(api_client, cast[who]).get(f"/api/v1/practitioners/{p_listed.pk}/slots")
    assert response.status_code == 403


def test_the_schema_documents_the_endpoints_without_warnings(tmp_path, capsys):
    import yaml
    from django.core.management import call_command

    call_command("spectacular", "--file", str(tmp_path / "schema.yml"))
    warnings = capsys.readouterr().err
    assert "consultations" not in warnings and "Consultation" not in warnings
    paths = yaml.safe_load((tmp_path / "schema.yml").read_text())["paths"]
    for path in (
        "/api/v1/consultations",
        "/api/v1/consultations/my",
        "/api/v1/consultations/{id}",
        "/api/v1/consultations/{id}/no-show",
        "/api/v1/practitioners/{id}/slots",
    ):
        assert path in paths


def test_days_off_show_in_slots(employee_a, p_listed, api_client, frozen):
    services.availability_exception_add(actor=p_listed, kind="closed", day=date(2026, 3, 3))
    body = (
        _as(api_client, employee_a)
        .get(f"/api/v1/practitioners/{p_listed.pk}/slots?from=2026-03-03&to=2026-03-03")
        .json()
    )
    assert body["slots"] == []
