"""Guardian object permissions of a consultation, in one module."""

import functools
import re

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connections, router
from django.db.models.expressions import RawSQL

from consultations.models import Consultation, ConsultationUserObjectPermission

User = get_user_model()

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
    """Guardian's direct-FK rows for both participants, in one INSERT ... SELECT that
    finds the permissions by codename itself (assign_perm would cost three queries per
    permission; no per-process memo of their ids, which a rebuilt database changes)."""
    connection = connections[router.db_for_write(ConsultationUserObjectPermission)]
    sql, params, count = participants_grant(consultation, connection)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        if cursor.rowcount != count:
            raise RuntimeError(f"Granted {cursor.rowcount} of {count} permissions.")


def participants_grant(consultation: Consultation, connection) -> tuple[str, list, int]:
    """`grant_participants`' INSERT ... SELECT, its parameters (the consultation and
    its two participants) and the number of rows it must insert: for a caller that runs
    it within a statement of its own (the booking's one statement on PostgreSQL)."""
    user_field = ConsultationUserObjectPermission._meta.get_field("user")
    object_field = ConsultationUserObjectPermission._meta.get_field("content_object")
    params = [
        object_field.get_db_prep_value(consultation.pk, connection),
        user_field.get_db_prep_value(consultation.employee_id, connection),
        user_field.get_db_prep_value(consultation.practitioner_id, connection),
    ]
    return _grant_sql(connection.alias), params, len(EMPLOYEE_PERMS) + len(PRACTITIONER_PERMS)


_CODENAME = re.compile(r"[a-z_]+")


def _codenames(codenames) -> str:
    """This module's codenames as an SQL list of literals (plain identifiers, checked)."""
    if not all(_CODENAME.fullmatch(codename) for codename in codenames):
        raise ValueError(f"Not a plain codename among {codenames!r}")
    return ", ".join(f"'{codename}'" for codename in codenames)


@functools.cache
def _grant_sql(alias: str) -> str:
    """The INSERT ... SELECT of EMPLOYEE_PERMS for the employee (the second parameter)
    and PRACTITIONER_PERMS for the practitioner (the third) on one consultation (the
    first): the codenames are this module's constants, written in the statement, so
    that it takes three parameters, not one per (user, codename) pair."""
    quote = connections[alias].ops.quote_name
    table, permission, content_type, user = (
        quote(model._meta.db_table)
        for model in (ConsultationUserObjectPermission, Permission, ContentType, User)
    )
    employee, practitioner = _codenames(EMPLOYEE_PERMS), _codenames(PRACTITIONER_PERMS)
    # Only quoted table names, checked codenames and placeholders are formatted in.
    return (
        f"INSERT INTO {table} (permission_id, user_id, content_object_id) "  # noqa: S608  # nosec B608
        f"SELECT p.id, u.id, %s FROM {permission} p "
        f"JOIN {content_type} ct ON ct.id = p.content_type_id, {user} u "
        f"WHERE ct.app_label = 'consultations' AND ("
        f"(u.id = %s AND p.codename IN ({employee})) "
        f"OR (u.id = %s AND p.codename IN ({practitioner})))"
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


def _held(user, codenames):
    return ConsultationUserObjectPermission.objects.filter(
        user_id=user.pk,
        permission__content_type__app_label="consultations",
        permission__codename__in=codenames,
    ).values_list("permission__codename", flat=True)


HELD_PERMS = "held_perms_read_with_row"


def with_held_perms(queryset, user, codenames):
    """`queryset` whose consultations come with which of `codenames` `user` holds on
    each, read in the same statement (PostgreSQL: an array subquery, attribute
    HELD_PERMS) for `load_object_perms`; elsewhere `queryset` itself (it then asks).
    Written out: the ORM's ArraySubquery cost more CPU to build than the round trip
    it saves."""
    connection = connections[queryset.db]
    if connection.vendor != "postgresql":
        return queryset
    user_field = ConsultationUserObjectPermission._meta.get_field("user")
    sql = _held_perms_sql(len(codenames))
    params = (user_field.get_db_prep_value(user.pk, connection), *codenames)
    return queryset.annotate(**{HELD_PERMS: RawSQL(sql, params)})  # noqa: S611 # nosec B611


@functools.cache
def _held_perms_sql(count: int) -> str:
    """The codenames (among `count`) the user holds on the outer query's consultation,
    as an array, on the direct-FK table's (user, permission, object) index."""
    quote = connections["default"].ops.quote_name
    table, permission, content_type, consultation = (
        quote(model._meta.db_table)
        for model in (ConsultationUserObjectPermission, Permission, ContentType, Consultation)
    )
    marks = ", ".join(["%s"] * count)
    # Only quoted table names and placeholders are formatted in.
    return (
        f"ARRAY(SELECT p.codename FROM {table} g "  # noqa: S608  # nosec B608
        f"JOIN {permission} p ON p.id = g.permission_id "
        f"JOIN {content_type} ct ON ct.id = p.content_type_id "
        f"WHERE g.user_id = %s AND g.content_object_id = {consultation}.id "
        f"AND ct.app_label = 'consultations' AND p.codename IN ({marks}))"
    )


def load_object_perms(user, consultation: Consultation, codenames) -> None:
    """Which of `codenames` `user` holds on `consultation`, in one query (none when
    `with_held_perms` read them with the row), remembered on this instance for
    `has_object_perm`: what a write request loads with the consultation, so that the
    view's visibility check and the service's rule cost nothing more. Only the request
    that loaded the instance uses it (another load asks again)."""
    codenames = frozenset(codenames)
    held = consultation.__dict__.pop(HELD_PERMS, None)
    if held is None:
        held = _held(user, codenames).filter(content_object_id=consultation.pk)
    consultation._loaded_perms = (user.pk, codenames, frozenset(held))


def has_object_perm(user, codename: str, consultation: Consultation) -> bool:
    """The object permission itself: a superuser's or a global grant does not count
    (staff and superusers never start, end or cancel somebody's consultation).

    One indexed query on guardian's direct-FK table (its unique index starts with the
    user), where get_objects_for_user would build a subquery over the consultations;
    only the rows granted to the user count (no global, group or superuser grant).
    None when `load_object_perms` already asked for it on this instance."""
    if not getattr(user, "is_active", False):
        return False
    loaded = consultation.__dict__.get("_loaded_perms")
    if loaded is not None and loaded[0] == user.pk and codename in loaded[1]:
        return codename in loaded[2]
    return ConsultationUserObjectPermission.objects.filter(
        user_id=user.pk,
        content_object_id=consultation.pk,
        permission__content_type__app_label="consultations",
        permission__codename=codename,
    ).exists()
