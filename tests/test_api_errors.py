"""The API's one exception handler: services raise, API views never catch by hand."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import translation
from rest_framework.exceptions import Throttled
from rest_framework.exceptions import ValidationError as DRFValidationError
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory
from rest_framework.views import APIView

from consultations.exceptions import BookingRefused, IllegalTransition, SlotTaken
from huntzen.exceptions import Refusal, StateConflict
from medical.exceptions import NoteNotWritable


def _answer(exc):
    class Raising(APIView):
        authentication_classes = []
        permission_classes = [AllowAny]

        def get(self, request):
            raise exc

    return Raising.as_view()(APIRequestFactory().get("/"))


def test_a_field_validation_error_names_the_api_field_in_camel_case():
    with translation.override("fr"):
        response = _answer(ValidationError({"entry_date": ["Date invalide."]}))
    assert response.status_code == 400
    assert response.data == {
        "code": "invalid",
        "message": "Les données envoyées sont invalides.",
        "fields": {"entryDate": ["Date invalide."]},
    }


def test_an_error_tied_to_no_field_is_under_non_field_errors():
    for error in (ValidationError("Non."), ValidationError({"__all__": ["Non."]})):
        response = _answer(error)
        assert response.status_code == 400
        assert response.data["fields"] == {"nonFieldErrors": ["Non."]}


def test_an_illegal_transition_is_409_with_the_current_status():
    response = _answer(IllegalTransition("Déjà terminée.", current_status="completed"))
    assert response.status_code == 409
    assert response.data == {
        "code": "illegal_transition",
        "message": "Déjà terminée.",
        "currentStatus": "completed",
    }


def test_a_note_not_writable_is_the_same_409():
    response = _answer(NoteNotWritable("Pas encore.", current_status="scheduled"))
    assert response.status_code == 409
    assert response.data["code"] == "note_not_writable"
    assert response.data["currentStatus"] == "scheduled"


def test_a_state_conflict_without_status_says_no_status():
    response = _answer(StateConflict("Déjà écrite.", code="note_exists"))
    assert response.status_code == 409
    assert response.data == {"code": "note_exists", "message": "Déjà écrite."}


@pytest.mark.parametrize(
    ("refusal", "status"),
    [
        (SlotTaken(), 409),
        (BookingRefused("Entreprise inactive.", code="company_inactive"), 403),
        (BookingRefused("Quota atteint.", code="allowance_exhausted"), 403),
        (BookingRefused("Créneau inconnu.", code="no_such_slot"), 400),
    ],
)
def test_a_booking_refusal_answers_its_own_status_and_code(refusal, status):
    response = _answer(refusal)
    assert response.status_code == status
    assert response.data["code"] == refusal.code
    assert response.data["message"] == str(refusal.message)


def test_a_404_refusal_says_nothing_but_not_found():
    class Unknown(Refusal):
        http_status = 404
        message = "La consultation de Alice n'existe pas."

    for exc in (Unknown(), Http404("secret detail")):
        response = _answer(exc)
        assert response.status_code == 404
        assert "Alice" not in str(response.data) and "secret" not in str(response.data)


def test_django_permission_denied_keeps_its_message():
    response = _answer(PermissionDenied("Réservé aux salariés."))
    assert response.status_code == 403
    assert response.data == {"code": "permission_denied", "message": "Réservé aux salariés."}


# --- DRF's own 4xx answer the same body -----------------------------------------

ERROR_KEYS = {"code", "message"}


@pytest.mark.django_db
def test_an_anonymous_request_is_refused_with_the_error_body(api_client):
    response = api_client.get("/api/v1/auth/me")
    assert response.status_code in (401, 403)
    assert set(response.json()) == ERROR_KEYS
    assert response.json()["code"] == "not_authenticated"


@pytest.mark.django_db
def test_a_wrong_method_is_405_with_the_error_body(api_client, employee_a):
    api_client.force_authenticate(employee_a)
    response = api_client.delete("/api/v1/auth/me")
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"
    assert set(response.json()) == ERROR_KEYS


@pytest.mark.django_db
def test_malformed_json_is_400_with_the_error_body(api_client, employee_a):
    api_client.force_authenticate(employee_a)
    response = api_client.post(
        "/api/v1/consultations", data=b"{not json", content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"
    assert set(response.json()) == ERROR_KEYS


@pytest.mark.django_db
def test_an_unsupported_media_type_is_415_with_the_error_body(api_client, employee_a):
    api_client.force_authenticate(employee_a)
    response = api_client.post("/api/v1/consultations", data=b"a=b", content_type="text/plain")
    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"


@pytest.mark.django_db
def test_a_body_over_the_cap_is_413_with_the_error_body(api_client, employee_a, settings):
    settings.HUNTZEN_API_MAX_BODY_BYTES = 10
    api_client.force_authenticate(employee_a)
    response = api_client.post("/api/v1/consultations", {"kind": "x" * 50}, format="json")
    assert response.status_code == 413
    assert response.json() == {
        "code": "request_too_large",
        "message": "Le corps de la requête est trop volumineux.",
    }


def test_a_throttled_request_is_429_with_retry_after_and_the_error_body():
    response = _answer(Throttled(wait=12))
    assert response.status_code == 429
    assert response["Retry-After"] == "12"
    assert response.data["code"] == "throttled"
    assert set(response.data) == ERROR_KEYS


def test_nested_validation_errors_are_flattened_under_their_field():
    response = _answer(DRFValidationError({"slot": {"start": ["Invalide."]}, "x": "Non."}))
    assert response.data["fields"] == {"slot": ["start: Invalide."], "x": ["Non."]}


@pytest.mark.django_db
def test_the_message_is_english_when_asked(api_client, employee_a):
    api_client.force_authenticate(employee_a)
    response = api_client.post(
        "/api/v1/consultations", {"nope": 1}, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400
    assert response.json()["message"] == "The data sent is invalid."
    assert "nope" in response.json()["fields"]


def test_the_schema_documents_every_error_answer_with_the_one_error_body(api_client, db):
    schema = api_client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    assert schema["components"]["schemas"]["Error"]["required"] == ["code", "message"]
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            assert {"401", "403", "429"} <= set(responses), (method, path)
            if "requestBody" in operation:
                assert {"400", "413", "415"} <= set(responses), (method, path)
            for code, answer in responses.items():
                if code.startswith("4"):
                    body = answer["content"]["application/json"]["schema"]
                    assert body == {"$ref": "#/components/schemas/Error"}, (method, path, code)
            assert "Retry-After" in responses["429"]["headers"]


# --- Strict paging ----------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "name"),
    [
        ("page=0", "page"),
        ("page=0.5", "page"),
        ("page=abc", "page"),
        ("page=-1", "page"),
        ("page=1&page=2", "page"),
        ("pageSize=false", "pageSize"),
        ("pageSize=0", "pageSize"),
        ("pageSize=201", "pageSize"),
        ("pageSize=5&pageSize=5", "pageSize"),
    ],
)
def test_bad_paging_parameters_are_400_naming_them(api_client, employee_a, query, name):
    api_client.force_authenticate(employee_a)
    response = api_client.get(f"/api/v1/consultations/my?{query}")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert list(response.json()["fields"]) == [name]


@pytest.mark.django_db
def test_good_paging_parameters_are_accepted(api_client, employee_a):
    api_client.force_authenticate(employee_a)
    response = api_client.get("/api/v1/consultations/my?page=1&pageSize=200")
    assert response.status_code == 200


def test_the_schema_states_the_paging_bounds(api_client, db):
    schema = api_client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    parameters = {
        p["name"]: p for p in schema["paths"]["/api/v1/consultations/my"]["get"]["parameters"]
    }
    assert parameters["page"]["schema"]["minimum"] == 1
    assert parameters["pageSize"]["schema"]["minimum"] == 1
    assert parameters["pageSize"]["schema"]["maximum"] == 200


def test_request_bodies_say_they_refuse_unknown_fields(api_client, db):
    schema = api_client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    components = schema["components"]["schemas"]
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            for media in operation.get("requestBody", {}).get("content", {}).values():
                name = media["schema"]["$ref"].rsplit("/", 1)[-1]
                assert components[name]["additionalProperties"] is False, (method, path)


# --- Rate limits ------------------------------------------------------------------


@pytest.fixture
def low_limits(settings, monkeypatch):
    from rest_framework.throttling import SimpleRateThrottle

    rates = {"api": "3/m", "booking": "1/m"}
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", rates)
    return rates


@pytest.mark.django_db
def test_the_api_limit_answers_429_with_retry_after_per_user(
    api_client, employee_a, employee_b, low_limits
):
    api_client.force_authenticate(employee_a)
    answers = [api_client.get("/api/v1/auth/me").status_code for _ in range(4)]
    assert answers == [200, 200, 200, 429]
    refused = api_client.get("/api/v1/auth/me")
    assert int(refused["Retry-After"]) > 0
    assert refused.json()["code"] == "throttled"
    api_client.force_authenticate(employee_b)
    assert api_client.get("/api/v1/auth/me").status_code == 200


def test_anonymous_requests_are_limited_per_address(low_limits):
    """Where anonymous requests are allowed at all (the public schema): DRF refuses the
    anonymous with 401 before it counts them anywhere else."""

    class Open(APIView):
        authentication_classes = []
        permission_classes = [AllowAny]

        def get(self, request):
            return Response({})

    def get(address):
        return Open.as_view()(APIRequestFactory().get("/", REMOTE_ADDR=address)).status_code

    assert [get("10.0.0.1") for _ in range(4)] == [200, 200, 200, 429]
    assert get("10.0.0.2") == 200


@pytest.mark.django_db
def test_bookings_have_their_own_lower_limit(api_client, employee_a, low_limits):
    api_client.force_authenticate(employee_a)
    assert api_client.post("/api/v1/consultations", {}, format="json").status_code == 400
    assert api_client.post("/api/v1/consultations", {}, format="json").status_code == 429


def test_the_limit_falls_back_to_this_process_when_the_cache_is_down(caplog):
    from django.core.cache.backends.redis import RedisCache

    from huntzen.throttling import FallbackCache

    closed = RedisCache("redis://127.0.0.1:1/0", {"OPTIONS": {"socket_connect_timeout": 0.2}})
    cache = FallbackCache(primary=closed)
    cache.set("k", [1, 2], 60)
    assert cache.get("k") == [1, 2]
    assert "Rate-limit cache unavailable" in caplog.text


@pytest.mark.django_db
def test_a_request_with_redis_down_is_still_answered_and_still_limited(
    api_client, employee_a, low_limits, settings, caplog
):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 0.2},
        }
    }
    from huntzen.throttling import fallback_cache

    fallback_cache.local.clear()
    api_client.force_authenticate(employee_a)
    answers = [api_client.get("/api/v1/auth/me").status_code for _ in range(4)]
    assert answers == [200, 200, 200, 429]
    assert "Rate-limit cache unavailable" in caplog.text
