"""Consultation writes: booking and the lifecycle.

scheduled -> in_progress -> completed, plus cancelled and no_show. Every transition
locks the row, checks the current status, records a StatusChange, and raises
IllegalTransition (409) without changing anything when the step is not allowed.
"""

import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, User
from consultations.exceptions import BookingRefused, IllegalTransition, SlotTaken
from consultations.models import Consultation, StatusChange
from consultations.permissions import grant_participants

Status = Consultation.Status

START_EARLY_ALLOWANCE = timedelta(minutes=10)


def _setting(name: str, default):
    return getattr(settings, name, default)


def new_room_name() -> str:
    """Unguessable: 192 bits from `secrets`, nothing derived from time or ids."""
    return f"huntzen-{secrets.token_urlsafe(24)}"


def _record(consultation: Consultation, *, actor, from_status: str, to_status: str, at):
    StatusChange.objects.create(
        consultation=consultation,
        actor=actor,
        from_status=from_status,
        to_status=to_status,
        at=at,
    )


def _overlapping(qs, start: datetime, end: datetime):
    return qs.filter(
        status__in=Consultation.BLOCKING_STATUSES, scheduled_at__lt=end, scheduled_end__gt=start
    )


@transaction.atomic
def consultation_book(
    *,
    employee: User,
    practitioner: User,
    scheduled_at: datetime,
    kind: str,
    length: timedelta | None = None,
) -> Consultation:
    """Book a consultation for `employee` (the acting user) in their own company.

    No double booking: the practitioner's row is locked while checking, and on
    PostgreSQL exclusion constraints refuse any overlap that slips through.
    """
    if employee.role != Role.EMPLOYEE or not employee.has_perm("accounts.booking_create"):
        raise PermissionDenied(_("Seuls les salariés peuvent réserver une consultation."))
    company = employee.company
    if not company.is_active:
        raise BookingRefused(
            _(
                "L'accès de votre entreprise n'est pas encore activé : la réservation est "
                "impossible pour le moment."
            ),
            code="company_inactive",
        )
    if practitioner.role != Role.PRACTITIONER or not practitioner.is_active:
        raise BookingRefused(
            _("Ce praticien n'est pas disponible."), code="practitioner_unavailable"
        )
    if kind not in Consultation.Kind.values:
        raise BookingRefused(_("Type de consultation inconnu."), code="invalid_kind")
    length = length or timedelta(minutes=_setting("HUNTZEN_DEFAULT_CONSULTATION_MINUTES", 50))
    end = scheduled_at + length
    if scheduled_at <= timezone.now():
        raise BookingRefused(_("Ce créneau est déjà passé."), code="slot_in_past")

    # Serialise bookings per practitioner and per employee (row locks; SQLite has one writer).
    list(
        User.objects.select_for_update()
        .filter(pk__in=[practitioner.pk, employee.pk])
        .order_by("pk")
    )

    if _overlapping(
        Consultation.objects.filter(practitioner=practitioner), scheduled_at, end
    ).exists():
        raise SlotTaken()
    if _overlapping(Consultation.objects.filter(employee=employee), scheduled_at, end).exists():
        raise BookingRefused(
            _("Vous avez déjà une consultation sur ce créneau."), code="employee_busy"
        )
    allowance = company.yearly_allowance_per_employee
    if allowance is not None:
        year_start = scheduled_at.astimezone(timezone.get_current_timezone()).replace(
            month=1, day=1, hour=0, minute=0, second=0, microsecond=0
        )
        used = (
            Consultation.objects.filter(
                employee=employee,
                scheduled_at__gte=year_start,
                scheduled_at__lt=year_start.replace(year=year_start.year + 1),
            )
            .exclude(status=Status.CANCELLED)
            .count()
        )
        if used >= allowance:
            raise BookingRefused(
                _(
                    "Vous avez utilisé les %(n)d consultations prévues par votre entreprise "
                    "pour cette année."
                )
                % {"n": allowance},
                code="allowance_exhausted",
            )
    try:
        with transaction.atomic():
            consultation = Consultation.objects.create(
                employee=employee,
                practitioner=practitioner,
                company=company,
                kind=kind,
                scheduled_at=scheduled_at,
                scheduled_end=end,
                room_name=new_room_name(),
            )
    except IntegrityError as exc:
        # The exclusion constraint: another booking won the race.
        raise SlotTaken() from exc
    grant_participants(consultation)
    _record(
        consultation,
        actor=employee,
        from_status="",
        to_status=Status.SCHEDULED,
        at=consultation.created_at,
    )
    return consultation


def _locked(consultation: Consultation) -> Consultation:
    return Consultation.objects.select_for_update().get(pk=consultation.pk)


def _require_object_perm(actor: User, codename: str, consultation: Consultation, message):
    if not actor.has_perm(f"consultations.{codename}", consultation):
        raise PermissionDenied(message)


def _illegal(consultation: Consultation, message) -> IllegalTransition:
    return IllegalTransition(message, current_status=consultation.status)


@transaction.atomic
def consultation_start(*, actor: User, consultation: Consultation) -> Consultation:
    _require_object_perm(
        actor,
        "start_consultation",
        consultation,
        _("Seul le praticien de la consultation peut la démarrer."),
    )
    consultation = _locked(consultation)
    now = timezone.now()
    if consultation.status != Status.SCHEDULED:
        raise _illegal(consultation, _("Cette consultation ne peut plus être démarrée."))
    if now < consultation.scheduled_at - START_EARLY_ALLOWANCE:
        raise _illegal(
            consultation,
            _("Une consultation ne peut démarrer que 10 minutes avant l'heure prévue."),
        )
    consultation.status = Status.IN_PROGRESS
    consultation.started_at = now
    consultation.save(update_fields=["status", "started_at"])
    _record(
        consultation,
        actor=actor,
        from_status=Status.SCHEDULED,
        to_status=Status.IN_PROGRESS,
        at=now,
    )
    return consultation


def duration_seconds(started_at: datetime, ended_at: datetime) -> int:
    """From start to end, never negative, capped at HUNTZEN_MAX_CONSULTATION_SECONDS."""
    cap = _setting("HUNTZEN_MAX_CONSULTATION_SECONDS", 3 * 3600)
    return max(0, min(int((ended_at - started_at).total_seconds()), cap))


@transaction.atomic
def consultation_end(*, actor: User, consultation: Consultation) -> Consultation:
    _require_object_perm(
        actor,
        "end_consultation",
        consultation,
        _("Seul le praticien de la consultation peut la terminer."),
    )
    consultation = _locked(consultation)
    if consultation.status != Status.IN_PROGRESS:
        raise _illegal(consultation, _("Seule une consultation en cours peut être terminée."))
    now = timezone.now()
    consultation.status = Status.COMPLETED
    consultation.ended_at = now
    consultation.duration_seconds = duration_seconds(consultation.started_at, now)
    consultation.save(update_fields=["status", "ended_at", "duration_seconds"])
    _record(
        consultation,
        actor=actor,
        from_status=Status.IN_PROGRESS,
        to_status=Status.COMPLETED,
        at=now,
    )
    return consultation


@transaction.atomic
def consultation_cancel(
    *, actor: User, consultation: Consultation, reason: str = ""
) -> Consultation:
    _require_object_perm(
        actor,
        "cancel_consultation",
        consultation,
        _("Seuls les participants peuvent annuler cette consultation."),
    )
    consultation = _locked(consultation)
    now = timezone.now()
    if consultation.status != Status.SCHEDULED:
        raise _illegal(consultation, _("Cette consultation ne peut plus être annulée."))
    if now >= consultation.scheduled_at:
        raise _illegal(
            consultation,
            _("L'heure de la consultation est passée : elle ne peut plus être annulée."),
        )
    consultation.status = Status.CANCELLED
    consultation.cancelled_at = now
    consultation.cancelled_by = actor
    consultation.cancel_reason = reason.strip()[:500]
    consultation.save(update_fields=["status", "cancelled_at", "cancelled_by", "cancel_reason"])
    _record(
        consultation, actor=actor, from_status=Status.SCHEDULED, to_status=Status.CANCELLED, at=now
    )
    return consultation


@transaction.atomic
def consultation_mark_no_show(*, actor: User, consultation: Consultation) -> Consultation:
    _require_object_perm(
        actor,
        "mark_no_show_consultation",
        consultation,
        _("Seul le praticien peut déclarer une absence."),
    )
    consultation = _locked(consultation)
    now = timezone.now()
    if consultation.status != Status.SCHEDULED:
        raise _illegal(
            consultation, _("Seule une consultation planifiée peut être déclarée en absence.")
        )
    if now < consultation.scheduled_at:
        raise _illegal(consultation, _("L'absence ne peut être déclarée qu'après l'heure prévue."))
    consultation.status = Status.NO_SHOW
    consultation.save(update_fields=["status"])
    _record(
        consultation, actor=actor, from_status=Status.SCHEDULED, to_status=Status.NO_SHOW, at=now
    )
    return consultation
