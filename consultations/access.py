"""Who may see a consultation: the one access function every view and API view calls
first, and the participant rule every app asks.

Participants (guardian object permission granted on booking) and HuntZen staff
(R1/R2: `accounts.consultations_read_all`) see its details: who, when, status, never
anything medical. Everybody else, HR included, gets 404: existence does not leak.
Medical content (chat, notes) adds its own rule on top of `is_participant`:
`medical.access.is_medical_participant`, which bars staff, HR and superusers first.
"""

import functools

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connections, router
from django.db.models.expressions import RawSQL
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from accounts.gates import gate, has_role_perm
from accounts.models import User
from accounts.selectors import addresses_from, chosen_address_sql
from consultations.models import Consultation
from consultations.permissions import (
    HELD_PERMS,
    has_object_perm,
    load_object_perms,
    with_held_perms,
)
from huntzen.instance_statements import InstanceStatement
from huntzen.transactions import lock_here, mark_locked


def get_consultation_for(
    user, pk, *, perms: tuple[str, ...] = (), lock: bool = False, addresses: bool = False
) -> Consultation:
    """The consultation `user` may know of, else 404. `perms`: the object permissions
    the caller's service will check next (a write), loaded with the visibility one in a
    single query. `lock`: inside a handler's whole transaction (huntzen/transactions.py),
    the row is read FOR UPDATE, so that the service does not read it again under its
    lock. `addresses`: on PostgreSQL, both participants' notification addresses read in
    the same query, for the emails of the change the caller makes next
    (`NOTIFICATION_ADDRESSES` on the instance, by key, as `notification_addresses`
    answers)."""
    locking = lock and lock_here()
    using = router.db_for_write(Consultation) if locking else router.db_for_read(Consultation)
    postgresql = connections[using].vendor == "postgresql"
    addresses = addresses and postgresql
    codenames = ("view_consultation", *perms)
    active = getattr(user, "is_active", False)
    # The held permissions come with the row on PostgreSQL (elsewhere: asked next).
    held = bool(perms) and active and postgresql
    values = {"pk": pk, "user_id": user.pk} if held else {"pk": pk}
    try:
        found = _read(codenames, locking, addresses, held).instances(using=using, **values)
    except (ValidationError, ValueError):
        raise Http404 from None
    if not found:
        raise Http404
    (consultation,) = found
    if locking:
        mark_locked(consultation)
    if addresses:
        chosen = {
            consultation.employee_id: consultation.__dict__.pop(_CHOSEN["employee"]),
            consultation.practitioner_id: consultation.__dict__.pop(_CHOSEN["practitioner"]),
        }
        consultation.__dict__[NOTIFICATION_ADDRESSES] = addresses_from(
            (consultation.employee, consultation.practitioner), chosen
        )
    if perms and active and user.pk in _participants(consultation):
        load_object_perms(user, consultation, codenames)
    consultation.__dict__.pop(HELD_PERMS, None)  # a non-participant's: never used
    if may_know_of(user, consultation):
        return consultation
    raise Http404


@functools.cache
def _read(codenames: tuple, locking: bool, addresses: bool, held: bool) -> InstanceStatement:
    """`get_consultation_for`'s query (by `pk`, and `user_id` when the permissions it
    holds are `held` with the row), built by the rule below and compiled once per
    process: building it cost a write request more CPU than PostgreSQL's answer."""

    def build(pk, user_id=None):
        queryset = Consultation.objects.select_related("employee", "practitioner", "company")
        if locking:
            queryset = queryset.select_for_update(of=("self",))
        if addresses:
            queryset = queryset.annotate(**_chosen_addresses())
        if held:
            queryset = with_held_perms(queryset, User(pk=user_id), codenames)
        return queryset.filter(pk=pk)

    fields = {"pk": Consultation._meta.pk}
    if held:
        fields["user_id"] = User._meta.pk
    return InstanceStatement(build, **fields)


NOTIFICATION_ADDRESSES = "notification_addresses_read_with_row"
_CHOSEN = {side: f"{side}_chosen_address_read_with_row" for side in ("employee", "practitioner")}


def _chosen_addresses() -> dict:
    """The annotations of both participants' chosen addresses (accounts.selectors)."""
    quote = connections["default"].ops.quote_name
    table = quote(Consultation._meta.db_table)
    return {
        name: RawSQL(  # noqa: S611 # nosec B611 # identifiers from the models, no value
            chosen_address_sql(f"{table}.{quote(Consultation._meta.get_field(side).column)}"),
            (),
        )
        for side, name in _CHOSEN.items()
    }


def _participants(consultation: Consultation) -> tuple:
    return (consultation.employee_id, consultation.practitioner_id)


def is_participant(user, consultation: Consultation, *, perm: str = "view_consultation") -> bool:
    """Is `user` one of the two people of the consultation, holding its object
    permission `perm` (each of them gets hers on booking; revoking it ends that right)?
    A superuser's or a global grant does not make anyone a participant.

    Costs no query for anyone else, one indexed query for the two participants."""
    return (
        user is not None
        and user.pk in _participants(consultation)
        and has_object_perm(user, perm, consultation)
    )


def may_know_of(user, consultation: Consultation) -> bool:
    """Who may know that the consultation exists (who, when, status): its participants
    and HuntZen staff; nobody else, HR included."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return is_participant(user, consultation) or user.has_perm("accounts.consultations_read_all")


def require_participant(user, consultation: Consultation, message) -> None:
    """403 for someone who may see the consultation but is not in it (staff)."""
    if not is_participant(user, consultation):
        raise PermissionDenied(message)


# --- Gates (accounts.gates): which kinds of user use the consultation pages at all ------


@gate("book", _("Seuls les salariés peuvent réserver une consultation."))
def may_book(user) -> bool:
    """BOOKING_CREATE: employees (their company being active is the booking's rule)."""
    return has_role_perm(user, "accounts.booking_create")


@gate("read_own_consultations", _("Cette page est réservée à un autre rôle."))
def may_read_own_consultations(user) -> bool:
    """CONSULTATIONS_MY_READ: employees and practitioners, each their own."""
    return has_role_perm(user, "accounts.consultations_my_read")


@gate("run_consultations", _("Cette page est réservée à un autre rôle."))
def may_run_consultations(user) -> bool:
    """CONSULTATIONS_OWN_WRITE: practitioners (agenda, availability; start, end, no-show
    of their own consultations)."""
    return has_role_perm(user, "accounts.consultations_own_write")


def may_cancel(user, consultation: Consultation) -> bool:
    """BOOKING_CANCEL_OWN: a participant (object permission granted on booking) whose
    role may cancel its own bookings; the one answer for the service and the button."""
    return has_role_perm(user, "accounts.booking_cancel_own") and has_object_perm(
        user, "cancel_consultation", consultation
    )
