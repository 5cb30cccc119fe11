"""The API's one exception handler: services raise, API views never catch by hand."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from rest_framework.permissions import AllowAny
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
    response = _answer(ValidationError({"entry_date": ["Date invalide."]}))
    assert response.status_code == 400
    assert response.data == {"entryDate": ["Date invalide."]}


def test_an_error_tied_to_no_field_is_under_non_field_errors():
    for error in (ValidationError("Non."), ValidationError({"__all__": ["Non."]})):
        response = _answer(error)
        assert response.status_code == 400
        assert response.data == {"nonFieldErrors": ["Non."]}


def test_an_illegal_transition_is_409_with_the_current_status():
    response = _answer(IllegalTransition("Déjà terminée.", current_status="completed"))
    assert response.status_code == 409
    assert response.data == {
        "detail": "Déjà terminée.",
        "code": "illegal_transition",
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
    assert response.data == {"detail": "Déjà écrite.", "code": "note_exists"}


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
    assert response.data["detail"] == str(refusal.message)


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
    assert response.data == {"detail": "Réservé aux salariés."}
