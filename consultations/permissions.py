"""Guardian object permissions of a consultation, in one module."""

from guardian.shortcuts import assign_perm, get_objects_for_user

from consultations.models import Consultation

EMPLOYEE_PERMS = ("view_consultation", "chat_consultation", "cancel_consultation")
PRACTITIONER_PERMS = (
    "view_consultation",
    "chat_consultation",
    "cancel_consultation",
    "start_consultation",
    "end_consultation",
    "mark_no_show_consultation",
    "write_clinical_note",
)


def grant_participants(consultation: Consultation) -> None:
    for codename in EMPLOYEE_PERMS:
        assign_perm(f"consultations.{codename}", consultation.employee, consultation)
    for codename in PRACTITIONER_PERMS:
        assign_perm(f"consultations.{codename}", consultation.practitioner, consultation)


def consultations_with_perm(user, codename: str):
    """Consultations on which `user` holds `codename` as an object permission; never
    through a global or superuser grant."""
    return get_objects_for_user(
        user,
        f"consultations.{codename}",
        klass=Consultation,
        with_superuser=False,
        accept_global_perms=False,
    )


def has_object_perm(user, codename: str, consultation: Consultation) -> bool:
    """The object permission itself: a superuser's or a global grant does not count
    (staff and superusers never start, end or cancel somebody's consultation)."""
    if not getattr(user, "is_active", False):
        return False
    return consultations_with_perm(user, codename).filter(pk=consultation.pk).exists()
