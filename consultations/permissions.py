"""Guardian object permissions of a consultation, in one module."""

from django.contrib.auth.models import Permission

from consultations.models import Consultation, ConsultationUserObjectPermission

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
    """Guardian's direct-FK rows for both participants, in two queries (assign_perm
    would cost three per permission, the bulk of a booking's time)."""
    permissions = {
        p.codename: p
        for p in Permission.objects.filter(
            content_type__app_label="consultations",
            codename__in=set(EMPLOYEE_PERMS) | set(PRACTITIONER_PERMS),
        )
    }
    ConsultationUserObjectPermission.objects.bulk_create(
        [
            ConsultationUserObjectPermission(
                user_id=user_id, permission=permissions[codename], content_object=consultation
            )
            for user_id, codenames in (
                (consultation.employee_id, EMPLOYEE_PERMS),
                (consultation.practitioner_id, PRACTITIONER_PERMS),
            )
            for codename in codenames
        ]
    )


def consultations_with_perm(user, codename: str):
    """Consultations on which `user` holds `codename` as an object permission; never
    through a global or superuser grant.

    What `get_objects_for_user(..., with_superuser=False, accept_global_perms=False)`
    answers, without its OR over group object permissions (none is ever granted on a
    consultation), which made PostgreSQL scan every consultation: here one semi-join on
    the direct-FK table's (user, permission, object) index, whatever the table's size."""
    if getattr(user, "pk", None) is None:
        return Consultation.objects.none()
    return Consultation.objects.filter(
        pk__in=ConsultationUserObjectPermission.objects.filter(
            user_id=user.pk,
            permission__content_type__app_label="consultations",
            permission__codename=codename,
        ).values("content_object_id")
    )


def has_object_perm(user, codename: str, consultation: Consultation) -> bool:
    """The object permission itself: a superuser's or a global grant does not count
    (staff and superusers never start, end or cancel somebody's consultation).

    One indexed query on guardian's direct-FK table (its unique index starts with the
    user), where get_objects_for_user would build a subquery over the consultations;
    only the rows granted to the user count (no global, group or superuser grant)."""
    if not getattr(user, "is_active", False):
        return False
    return ConsultationUserObjectPermission.objects.filter(
        user_id=user.pk,
        content_object_id=consultation.pk,
        permission__content_type__app_label="consultations",
        permission__codename=codename,
    ).exists()
