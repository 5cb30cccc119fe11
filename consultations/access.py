"""Who may see a consultation: the one access function every view and API view calls
first.

Participants (guardian object permission granted on booking) and HuntZen staff
(R1/R2: `accounts.consultations_read_all`) see its details: who, when, status, never
anything medical. Everybody else, HR included, gets 404: existence does not leak.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from consultations.models import Consultation
from consultations.permissions import has_object_perm


def get_consultation_for(user, pk) -> Consultation:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        raise Http404
    try:
        consultation = Consultation.objects.select_related(
            "employee", "practitioner", "company"
        ).get(pk=pk)
    except (Consultation.DoesNotExist, ValidationError, ValueError):
        raise Http404 from None
    if is_participant(user, consultation):
        return consultation
    if user.has_perm("accounts.consultations_read_all"):
        return consultation
    raise Http404


def is_participant(user, consultation: Consultation) -> bool:
    """One of the two people of the consultation, holding its object permission (a
    superuser's blanket grant does not make them a participant)."""
    return user.pk in (
        consultation.employee_id,
        consultation.practitioner_id,
    ) and has_object_perm(user, "view_consultation", consultation)


def require_participant(user, consultation: Consultation, message) -> None:
    """403 for someone who may see the consultation but is not in it (staff)."""
    if not is_participant(user, consultation):
        raise PermissionDenied(message)
