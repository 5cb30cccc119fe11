"""Consultation writes: booking and the lifecycle.

scheduled -> in_progress -> completed, plus cancelled and no_show. Every transition
locks the row, checks the current status, records a StatusChange, and raises
IllegalTransition (409) without changing anything when the step is not allowed.
"""

import contextlib
import functools
from datetime import UTC, date, datetime, time, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models.signals import post_save, pre_save
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, User
from accounts.selectors import addresses_from, chosen_address_sql
from companies.models import Company
from consultations import live, notifications, room, selectors, slots_cache
from consultations.access import may_book, may_cancel, may_run_consultations
from consultations.exceptions import (
    BookingRefused,
    ClosingHasBookings,
    IllegalTransition,
    SlotTaken,
)
from consultations.models import (
    Availability,
    AvailabilityException,
    Consultation,
    StatusChange,
    WeeklyOpening,
)
from consultations.permissions import grant_participants, has_object_perm, participants_grant
from huntzen.instance_statements import insert_values
from huntzen.outbox import services as outbox
from huntzen.transactions import atomic, locked_here
from medical import crypto

Status = Consultation.Status
# Read once: the enum's `values` builds its list on every access.
_KINDS = frozenset(Consultation.Kind.values)


def _prepared_cursor():
    """A cursor whose statements PostgreSQL parses and plans once per connection
    (huntzen/postgresql `prepared_cursor`: bound server-side, prepared at their first
    run), for the writes' statements built once per process; Django's cursor
    elsewhere."""
    prepared = getattr(connection, "prepared_cursor", None)
    return prepared() if prepared is not None else connection.cursor()


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


class UnknownPractitioner(Exception):
    """`consultation_book`'s `practitioner_id` names no active practitioner (the API
    answers it as its body's field would)."""


@atomic
def consultation_book(
    *,
    employee: User,
    practitioner: User | None = None,
    practitioner_id=None,
    scheduled_at: datetime,
    kind: str,
    length: timedelta | None = None,
    now: datetime | None = None,
) -> Consultation:
    """Book a bookable slot of `practitioner` for `employee` (the acting user), in the
    employee's own company; the length is the practitioner's (`length`, when given,
    must agree with it). Instead of `practitioner`, `practitioner_id` (a key): the row
    is then read with the locks, and UnknownPractitioner raised, before anything else
    is checked, unless it is an active practitioner's.

    No double booking: the two users' rows are locked while checking, and on
    PostgreSQL exclusion constraints refuse any overlap that slips through.
    """
    now = now or timezone.now()
    may_book.check(employee)
    # The locks first: the employee's company, both users' notification addresses and
    # the practitioner's row if only her key is known come with their rows (no query of
    # their own).
    company, addresses, locked = _lock_users_reading_company(
        practitioner.pk if practitioner is not None else practitioner_id, employee
    )
    if practitioner is None:
        if locked is None or not (locked.role == Role.PRACTITIONER and locked.is_active):
            raise UnknownPractitioner(practitioner_id)
        practitioner = locked
    if addresses is not None and practitioner.pk not in addresses:
        addresses = None  # (her address read with the emails)
    if not company.is_active:
        raise BookingRefused(
            _(
                "L'accès de votre entreprise n'est pas encore activé : la réservation est "
                "impossible pour le moment."
            ),
            code="company_inactive",
        )
    # Under the locks, in one statement: the availability, the hours around the slot's
    # day, the practitioner's live consultations around the slot and whether the
    # employee has one then (for booking_conflicts).
    day = scheduled_at.astimezone(UTC).date()
    inputs = (
        selectors.slot_inputs(
            practitioner_id=practitioner.pk,
            first_day=day,
            last_day=day,
            now=now,
            booking=(employee.pk, scheduled_at),
        )
        if practitioner.role == Role.PRACTITIONER and practitioner.is_active
        else None
    )
    availability = inputs.availability if inputs is not None else None
    if availability is None:
        raise BookingRefused(
            _("Ce praticien n'est pas disponible."), code="practitioner_unavailable"
        )
    if kind not in _KINDS:
        raise BookingRefused(_("Type de consultation inconnu."), code="invalid_kind")
    slot_length = timedelta(minutes=availability.length_minutes)
    if length is not None and length != slot_length:
        raise BookingRefused(
            _("Les consultations de ce praticien durent %(n)d minutes.")
            % {"n": availability.length_minutes},
            code="invalid_length",
        )
    end = scheduled_at + slot_length
    _check_slot(
        practitioner=practitioner,
        availability=availability,
        start=scheduled_at,
        now=now,
        inputs=inputs,
    )
    slot_free, employee_free = selectors.booking_conflicts(
        practitioner=practitioner,
        employee=employee,
        availability=availability,
        start=scheduled_at,
        end=end,
        inputs=inputs,
    )
    if not slot_free:
        raise SlotTaken()
    if not employee_free:
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
    consultation = Consultation(
        employee=employee,
        practitioner=practitioner,
        company=company,
        kind=kind,
        scheduled_at=scheduled_at,
        scheduled_end=end,
        buffer_minutes=availability.buffer_minutes,
        created_at=now,
    )
    # Queued in the outbox with this change (in its statement): delivered after commit,
    # never lost.
    _insert_booking(
        consultation,
        at=now,
        emails=notifications.booked_messages(consultation, addresses=addresses),
    )
    return consultation


def _insert_booking(consultation: Consultation, *, at: datetime, emails: list) -> None:
    """The new consultation's row, both participants' permissions, its first status
    change (by the employee, at `at`) and its outbox rows (`emails`, delivered once the
    transaction commits): on PostgreSQL in one statement (four INSERTs as data-modifying
    WITH queries, one round trip, prepared once per connection, no ORM compiling),
    elsewhere through the ORM. The model's save signals are sent as `save()` sends them
    (the slots' generation, the counting). No savepoint of its own: a failed insert
    leaves the booking at once, and its atomic block rolls everything back."""
    if connection.vendor != "postgresql":
        try:
            consultation.save(force_insert=True)
        except IntegrityError as exc:
            # An exclusion constraint: a concurrent booking won the race.
            raise SlotTaken() from exc
        grant_participants(consultation)
        _record(
            consultation,
            actor=consultation.employee,
            from_status="",
            to_status=Status.SCHEDULED,
            at=at,
        )
        outbox.messages_queue_to_render(emails)
        return
    record = StatusChange(
        consultation=consultation,
        actor_id=consultation.employee_id,
        from_status="",
        to_status=Status.SCHEDULED,
        at=at,
    )
    grant, grant_params, granted = participants_grant(consultation, connection)
    queue, queue_params, queued = outbox.to_render_statement(emails, connection) or (None, [], [])
    params = [
        *_insert_values(consultation),
        *grant_params,
        *_insert_values(record),
        *queue_params,
    ]
    with _saved_as_save_does(consultation, created=True):
        try:
            with _prepared_cursor() as cursor:
                cursor.execute(_insert_booking_sql(grant, queue), params)
                (count,) = cursor.fetchone()
        except IntegrityError as exc:
            if _violated_table(exc) == Consultation._meta.db_table:
                # An exclusion constraint: a concurrent booking won the race.
                raise SlotTaken() from exc
            raise
        if count != granted:
            raise RuntimeError(f"Granted {count} of {granted} permissions.")
        consultation._state.adding = False
        consultation._state.db = connection.alias
    consultation.written()
    if queue is None:  # more emails than one statement holds
        outbox.messages_queue_to_render(emails)
    else:
        outbox.dispatch_on_commit(queued)


def _write_change(
    consultation: Consultation, fields: list[str], record: StatusChange, *, emails=()
) -> None:
    """`consultation.save(update_fields=fields)`, the new `record` of its change and its
    outbox rows (`emails`, delivered once the transaction commits): on PostgreSQL in one
    statement (an UPDATE and the INSERTs, one round trip, prepared once per
    connection), elsewhere one each. The model's save signals are sent as `save()` sends
    them (the slots' generation, the counting of an end, in this same transaction)."""
    if connection.vendor != "postgresql":
        consultation.save(update_fields=fields)
        record.save(force_insert=True)
        if emails:
            outbox.messages_queue_to_render(emails)
        return
    queue, queue_params, queued = (
        outbox.to_render_statement(emails, connection) if emails else None
    ) or (None, [], [])
    with _saved_as_save_does(consultation, created=False, update_fields=frozenset(fields)):
        params = [
            *insert_values(consultation, _changed_fields(tuple(fields)), connection, add=False),
            Consultation._meta.pk.get_db_prep_value(consultation.pk, connection),
            *_insert_values(record),
            *queue_params,
        ]
        with _prepared_cursor() as cursor:
            cursor.execute(_write_change_sql(tuple(fields), queue), params)
            (count,) = cursor.fetchone()
        if count != 1:
            raise DatabaseError("Save with update_fields did not affect any rows.")
    consultation.written(fields)
    if queue is not None:
        outbox.dispatch_on_commit(queued)
    elif emails:  # more emails than one statement holds
        outbox.messages_queue_to_render(emails)


@contextlib.contextmanager
def _saved_as_save_does(consultation: Consultation, *, created: bool, update_fields=None):
    """Around a hand-written write of `consultation`: its pre_save and post_save signals
    as `save()` sends them (the slots' generation, the counting of an end, in the same
    transaction); post_save only once the block wrote without raising."""
    signal = {"raw": False, "using": connection.alias, "update_fields": update_fields}
    pre_save.send(Consultation, instance=consultation, **signal)
    yield
    post_save.send(Consultation, instance=consultation, created=created, **signal)


@functools.cache
def _changed_fields(names: tuple[str, ...]) -> tuple:
    """The consultation's fields of these names, one tuple per change kind and process
    (`insert_values` keeps its plan per tuple)."""
    return tuple(Consultation._meta.get_field(name) for name in names)


@functools.cache
def _write_change_sql(fields: tuple[str, ...], queue: str | None = None) -> str:
    """The consultation's UPDATE of `fields`, its status change's INSERT and `queue`
    (the outbox rows' INSERT, if any), answering how many consultations it updated."""
    qn = connection.ops.quote_name
    meta = Consultation._meta
    assignments = ", ".join(f"{qn(meta.get_field(name).column)} = %s" for name in fields)
    queued = f",\n        queued AS ({queue})" if queue else ""
    return f"""
        WITH changed AS (
            UPDATE {qn(meta.db_table)} SET {assignments} WHERE {qn(meta.pk.column)} = %s
            RETURNING 1
        ),
        recorded AS ({_insert_sql(StatusChange)}){queued}
        SELECT count(*) FROM changed
    """  # noqa: S608 # nosec B608 # identifiers from the models, values as parameters


def _insert_sql(model) -> str:
    """INSERT of one row of `model` (`_insert_values` of an instance as parameters)."""
    qn = connection.ops.quote_name
    fields = _inserted_fields(model)
    columns = ", ".join(qn(f.column) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    return f"INSERT INTO {qn(model._meta.db_table)} ({columns}) VALUES ({marks})"  # noqa: S608 # nosec B608


@functools.cache
def _inserted_fields(model) -> tuple:
    return tuple(f for f in model._meta.concrete_fields if not f.primary_key or f.has_default())


def _insert_values(instance) -> list:
    return insert_values(instance, _inserted_fields(type(instance)), connection)


@functools.cache
def _insert_booking_sql(grant: str, queue: str | None) -> str:
    """The consultation's INSERT, `grant` (the permissions' INSERT ... SELECT), the
    status change's INSERT and `queue` (the outbox rows' INSERT, if any) in one
    statement, answering how many permissions it granted."""
    queued = f",\n        queued AS ({queue})" if queue else ""
    return f"""
        WITH booked AS ({_insert_sql(Consultation)}),
        granted AS ({grant} RETURNING 1),
        recorded AS ({_insert_sql(StatusChange)}){queued}
        SELECT count(*) FROM granted
    """  # noqa: S608 # nosec B608 # identifiers from the models, values as parameters


def _violated_table(exc: IntegrityError) -> str | None:
    diag = getattr(exc.__cause__, "diag", None)
    return getattr(diag, "table_name", None)


def _check_slot(
    *,
    practitioner: User,
    availability: Availability,
    start: datetime,
    now: datetime,
    inputs: selectors.SlotInputs | None = None,
) -> None:
    """`start` is a slot the practitioner's hours offer, far enough ahead and not too far
    (whether it is free is checked under the row locks)."""
    if start <= now:
        raise BookingRefused(_("Ce créneau est déjà passé."), code="slot_in_past")
    if start < now + selectors.booking_notice():
        raise BookingRefused(
            _("Ce créneau est trop proche : réservez au moins %(h)s à l'avance.")
            % {"h": _format_delay(selectors.booking_notice())},
            code="too_soon",
        )
    if start >= now + selectors.booking_horizon():
        raise BookingRefused(
            _("Ce créneau n'est pas encore ouvert à la réservation."), code="too_far"
        )
    if not selectors.slot_is_offered(availability=availability, start=start, inputs=inputs):
        raise BookingRefused(
            _("Ce horaire ne correspond à aucun créneau proposé par ce praticien."),
            code="not_a_slot",
        )


def _lock_users(practitioner: User, employee: User) -> None:
    """Serialise bookings per practitioner and per employee (row locks, always in the same
    order; SQLite has one writer)."""
    list(
        User.objects.select_for_update()
        .filter(pk__in=[practitioner.pk, employee.pk])
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def _lock_users_reading_company(practitioner_id, employee: User):
    """`_lock_users`, the employee's company (kept on `employee` as `employee.company`),
    both users' notification addresses (by key, as `notification_addresses` answers)
    and the practitioner's row (a User, None if there is none), read in the same
    statement on PostgreSQL (elsewhere: the company and the practitioner their own
    queries, the addresses None, read when queued)."""
    if connection.vendor != "postgresql":
        _lock_users(User(pk=practitioner_id), employee)
        practitioner = User.objects.filter(pk=practitioner_id).first()
        return employee.company, None, practitioner
    company_fields, user_fields = Company._meta.concrete_fields, User._meta.concrete_fields
    with _prepared_cursor() as cursor:
        cursor.execute(
            _lock_users_sql(), {"practitioner": practitioner_id, "employee": employee.pk}
        )
        rows = cursor.fetchall()
    company, practitioner, chosen = None, None, {}
    users = len(user_fields)
    for row in rows:
        chosen[row[0]] = row[1]
        if row[0] == employee.pk:
            if row[2] is not None:
                company = Company.from_db(
                    connection.alias, [f.attname for f in company_fields], row[2:-users]
                )
        else:
            practitioner = User.from_db(
                connection.alias, [f.attname for f in user_fields], row[-users:]
            )
    User.company.field.set_cached_value(employee, company)
    found = [employee] if practitioner is None else [employee, practitioner]
    return company, addresses_from(found, chosen), practitioner


@functools.cache
def _lock_users_sql() -> str:
    """Both users' rows locked in the order of their keys (as `_lock_users`), each with
    the notification address she chose and her own columns, the employee's with her
    company's columns."""
    qn = connection.ops.quote_name
    user, company = User._meta, Company._meta
    company_columns = ", ".join(f"c.{qn(f.column)}" for f in company.concrete_fields)
    user_columns = ", ".join(f"u.{qn(f.column)}" for f in user.concrete_fields)
    key, company_key = qn(user.pk.column), qn(user.get_field("company").column)
    return f"""
        SELECT u.{key}, {chosen_address_sql(f"u.{key}")}, {company_columns}, {user_columns}
        FROM {qn(user.db_table)} u
        LEFT JOIN {qn(company.db_table)} c
            ON c.{qn(company.pk.column)} = u.{company_key} AND u.{key} = %(employee)s
        WHERE u.{key} IN (%(practitioner)s, %(employee)s)
        ORDER BY u.{key}
        FOR UPDATE OF u
    """  # noqa: S608 # nosec B608 # identifiers from the models, values as parameters


def _format_delay(delay: timedelta) -> str:
    minutes = int(delay.total_seconds() // 60)
    if minutes % 60 == 0:
        return _("%(n)d h") % {"n": minutes // 60}
    return _("%(n)d min") % {"n": minutes}


_KEPT_RELATIONS = ("employee", "practitioner", "company")


def _locked(consultation: Consultation) -> Consultation:
    """The row read again under its lock (its status may have changed meanwhile). The
    participants and the company already loaded with `consultation` (never changed
    after booking) are kept, so the emails and the answer do not load them again. A row
    the request's handler read under its lock in this transaction is not read again."""
    if locked_here(consultation):
        return consultation
    locked = Consultation.objects.select_for_update().get(pk=consultation.pk)
    for name in _KEPT_RELATIONS:
        descriptor = getattr(Consultation, name)
        field = descriptor.field
        if field.is_cached(consultation) and (
            getattr(locked, field.attname) == getattr(consultation, field.attname)
        ):
            field.set_cached_value(locked, field.get_cached_value(consultation))
    return locked


def _require_own_write(actor: User, codename: str, consultation: Consultation, message):
    """CONSULTATIONS_OWN_WRITE, on a consultation whose object permission the actor holds
    (granted to its practitioner on booking)."""
    if not (may_run_consultations(actor) and has_object_perm(actor, codename, consultation)):
        raise PermissionDenied(message)


def _illegal(consultation: Consultation, message) -> IllegalTransition:
    return IllegalTransition(message, current_status=consultation.status)


@atomic
def consultation_start(
    *, actor: User, consultation: Consultation, now: datetime | None = None
) -> Consultation:
    _require_own_write(
        actor,
        "start_consultation",
        consultation,
        _("Seul le praticien de la consultation peut la démarrer."),
    )
    consultation = _locked(consultation)
    now = now or timezone.now()
    if consultation.status != Status.SCHEDULED:
        raise _illegal(consultation, _("Cette consultation ne peut plus être démarrée."))
    if not room.may_start_at(consultation, now):
        # Before the room opens, or past the planned end plus the grace (then only a
        # no-show or a cancellation): 409 with the times.
        raise room.StartRefused(consultation)
    consultation.status = Status.IN_PROGRESS
    consultation.started_at = now
    _write_change(
        consultation,
        ["status", "started_at"],
        StatusChange(
            consultation=consultation,
            actor=actor,
            from_status=Status.SCHEDULED,
            to_status=Status.IN_PROGRESS,
            at=now,
        ),
    )
    live.status_changed(consultation)
    return consultation


def duration_seconds(started_at: datetime, ended_at: datetime) -> int:
    """From start to end, never negative, capped at HUNTZEN_MAX_CONSULTATION_SECONDS."""
    cap = settings.HUNTZEN_MAX_CONSULTATION_SECONDS
    return max(0, min(int((ended_at - started_at).total_seconds()), cap))


@atomic
def consultation_end(
    *, actor: User, consultation: Consultation, now: datetime | None = None
) -> Consultation:
    _require_own_write(
        actor,
        "end_consultation",
        consultation,
        _("Seul le praticien de la consultation peut la terminer."),
    )
    consultation = _locked(consultation)
    if consultation.status != Status.IN_PROGRESS:
        raise _illegal(consultation, _("Seule une consultation en cours peut être terminée."))
    now = now or timezone.now()
    consultation.status = Status.COMPLETED
    consultation.ended_at = now
    consultation.duration_seconds = duration_seconds(consultation.started_at, now)
    # Counting follows through post_save: metrics/receivers.py, in this same transaction.
    _write_change(
        consultation,
        ["status", "ended_at", "duration_seconds"],
        StatusChange(
            consultation=consultation,
            actor=actor,
            from_status=Status.IN_PROGRESS,
            to_status=Status.COMPLETED,
            at=now,
        ),
    )
    live.status_changed(consultation)
    return consultation


def _sealed_cancel_reason(consultation: Consultation, reason: str) -> str:
    """The reason may be personal: sealed like medical text (after `cancelled_by` is set,
    which the associated data names)."""
    text = reason.strip()[:500]
    return crypto.seal(text, aad=consultation.cancel_reason_aad()) if text else ""


@atomic
def consultation_cancel(
    *, actor: User, consultation: Consultation, reason: str = "", now: datetime | None = None
) -> Consultation:
    """Either participant cancels before the start. The practitioner may do so at any
    time but must give a reason (the employee reads it, and is offered other slots by
    email). The employee's reason is optional; cancelling within
    HUNTZEN_CANCELLATION_NOTICE_HOURS makes a late cancellation, paid to the
    practitioner if her company's contract says so."""
    if not may_cancel(actor, consultation):
        raise PermissionDenied(_("Seuls les participants peuvent annuler cette consultation."))
    by_practitioner = actor.pk == consultation.practitioner_id
    consultation = _locked(consultation)
    now = now or timezone.now()
    if consultation.status != Status.SCHEDULED:
        raise _illegal(consultation, _("Cette consultation ne peut plus être annulée."))
    if now >= consultation.scheduled_at:
        raise _illegal(
            consultation,
            _("L'heure de la consultation est passée : elle ne peut plus être annulée."),
        )
    if by_practitioner and not reason.strip():
        raise ValidationError(
            {"reason": _("Indiquez le motif de l'annulation : le salarié le lira.")}
        )
    late = not by_practitioner and selectors.within_cancellation_notice(consultation, now=now)
    consultation.status = Status.CANCELLED
    consultation.cancelled_at = now
    consultation.cancelled_by = actor
    consultation.cancelled_late = late
    consultation.late_cancellation_paid = late and consultation.company.late_cancellations_paid
    consultation.cancel_reason_sealed = _sealed_cancel_reason(consultation, reason)
    consultation.ics_sequence += 1
    _write_change(
        consultation,
        [
            "status",
            "cancelled_at",
            "cancelled_by",
            "cancelled_late",
            "late_cancellation_paid",
            "cancel_reason_sealed",
            "ics_sequence",
        ],
        StatusChange(
            consultation=consultation,
            actor=actor,
            from_status=Status.SCHEDULED,
            to_status=Status.CANCELLED,
            at=now,
            note=StatusChange.Note.LATE_CANCELLATION if late else StatusChange.Note.NONE,
        ),
        # Queued in the outbox with this change (in its statement): delivered after
        # commit, never lost.
        emails=notifications.cancelled_messages(consultation),
    )
    live.status_changed(consultation)
    return consultation


@atomic
def consultation_reschedule(
    *,
    actor: User,
    consultation: Consultation,
    scheduled_at: datetime,
    now: datetime | None = None,
) -> Consultation:
    """The employee moves her scheduled consultation to another slot the practitioner
    offers, until HUNTZEN_CANCELLATION_NOTICE_HOURS before it. The same row moves (its
    history and object permissions stay); the no-double-booking rules are the
    booking's (row locks, then the exclusion constraints on PostgreSQL). Both get the
    calendar event again, same UID, next SEQUENCE."""
    if not (
        may_cancel(actor, consultation) and may_book(actor) and actor.pk == consultation.employee_id
    ):
        raise PermissionDenied(_("Seul le salarié de la consultation peut la déplacer."))
    practitioner = consultation.practitioner
    _lock_users(practitioner, actor)
    consultation = _locked(consultation)
    now = now or timezone.now()
    if consultation.status != Status.SCHEDULED:
        raise _illegal(consultation, _("Seule une consultation planifiée peut être déplacée."))
    if selectors.within_cancellation_notice(consultation, now=now):
        raise _illegal(
            consultation,
            _(
                "Un rendez-vous ne se déplace plus à moins de %(h)d h de son début : "
                "vous pouvez encore l'annuler."
            )
            % {"h": settings.HUNTZEN_CANCELLATION_NOTICE_HOURS},
        )
    if scheduled_at == consultation.scheduled_at:
        raise BookingRefused(_("Choisissez un autre créneau que l'actuel."), code="same_slot")
    availability = selectors.availability_for(practitioner) if practitioner.is_active else None
    if availability is None:
        raise BookingRefused(
            _("Ce praticien n'est pas disponible."), code="practitioner_unavailable"
        )
    _check_slot(practitioner=practitioner, availability=availability, start=scheduled_at, now=now)
    end = scheduled_at + timedelta(minutes=availability.length_minutes)
    if not selectors.slot_is_free(
        practitioner=practitioner,
        availability=availability,
        start=scheduled_at,
        end=end,
        exclude=consultation,
    ):
        raise SlotTaken()
    if (
        _overlapping(Consultation.objects.filter(employee=actor), scheduled_at, end)
        .exclude(pk=consultation.pk)
        .exists()
    ):
        raise BookingRefused(
            _("Vous avez déjà une consultation sur ce créneau."), code="employee_busy"
        )
    previous = consultation.scheduled_at
    consultation.scheduled_at = scheduled_at
    consultation.scheduled_end = end
    consultation.buffer_minutes = availability.buffer_minutes
    consultation.ics_sequence += 1
    # The reminders go out again for the new time.
    consultation.reminder_24h_sent_at = None
    consultation.reminder_1h_sent_at = None
    try:
        with transaction.atomic():
            consultation.save(
                update_fields=[
                    "scheduled_at",
                    "scheduled_end",
                    "buffer_minutes",
                    "ics_sequence",
                    "reminder_24h_sent_at",
                    "reminder_1h_sent_at",
                ]
            )
    except IntegrityError as exc:
        raise SlotTaken() from exc
    StatusChange.objects.create(
        consultation=consultation,
        actor=actor,
        from_status=Status.SCHEDULED,
        to_status=Status.SCHEDULED,
        at=now,
        note=StatusChange.Note.RESCHEDULED,
        previous_scheduled_at=previous,
    )
    notifications.send_rescheduled(consultation, previous=previous)
    return consultation


@atomic
def consultation_mark_no_show(
    *, actor: User, consultation: Consultation, now: datetime | None = None
) -> Consultation:
    _require_own_write(
        actor,
        "mark_no_show_consultation",
        consultation,
        _("Seul le praticien peut déclarer une absence."),
    )
    consultation = _locked(consultation)
    now = now or timezone.now()
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
    # Queued in the outbox with this change: delivered after commit, never lost.
    notifications.send_no_show(consultation)
    live.status_changed(consultation)
    return consultation


# --- Availability --------------------------------------------------------------------


def _require_practitioner(actor: User) -> None:
    if not may_run_consultations(actor):
        raise PermissionDenied(_("Seuls les praticiens définissent des disponibilités."))


@transaction.atomic
def availability_update(
    *,
    actor: User,
    time_zone: str | None = None,
    length_minutes: int | None = None,
    buffer_minutes: int | None = None,
) -> Availability:
    """Create or change the practitioner's (`actor`'s) booking settings. Booked
    consultations keep their times and length."""
    _require_practitioner(actor)
    availability, _created = Availability.objects.select_for_update().get_or_create(
        practitioner=actor
    )
    if time_zone is not None:
        availability.time_zone = time_zone
    if length_minutes is not None:
        availability.length_minutes = length_minutes
    if buffer_minutes is not None:
        availability.buffer_minutes = buffer_minutes
    availability.full_clean()
    availability.save()
    return availability


def _overlaps(windows: list[tuple[time, time]]) -> bool:
    ordered = sorted(windows)
    return any(a[1] > b[0] for a, b in zip(ordered, ordered[1:], strict=False))


@transaction.atomic
def weekly_hours_set(*, actor: User, openings: list[tuple[int, time, time]]) -> list[WeeklyOpening]:
    """Replace the practitioner's weekly hours by `openings` (weekday 0 = Monday,
    start, end in local time). Windows of one weekday may not overlap."""
    _require_practitioner(actor)
    availability, _created = Availability.objects.select_for_update().get_or_create(
        practitioner=actor
    )
    rows = [
        WeeklyOpening(availability=availability, weekday=day, start_time=start, end_time=end)
        for day, start, end in openings
    ]
    for row in rows:
        if row.end_time <= row.start_time:
            raise ValidationError(
                _("%(day)s : l'heure de fin doit suivre l'heure de début.")
                % {"day": WeeklyOpening.Weekday(row.weekday).label.capitalize()},
                code="order",
                params={"weekday": row.weekday},
            )
        row.full_clean(exclude=["availability"])
    for day in range(7):
        if _overlaps([(r.start_time, r.end_time) for r in rows if r.weekday == day]):
            raise ValidationError(
                _("Les horaires du %(day)s se chevauchent.")
                % {"day": WeeklyOpening.Weekday(day).label},
                code="overlap",
                params={"weekday": day},
            )
    WeeklyOpening.objects.filter(availability=availability).delete()
    slots_cache.slots_changed(actor.pk)  # bulk_create sends no post_save
    return WeeklyOpening.objects.bulk_create(rows)


@transaction.atomic
def availability_exception_add(
    *,
    actor: User,
    kind: str,
    day: date,
    start_time: time | None = None,
    end_time: time | None = None,
    until: date | None = None,
    cancel_bookings: bool = False,
    message: str = "",
    now: datetime | None = None,
) -> list[AvailabilityException]:
    """A day off (closed, no times; `until` closes every day up to it), closed hours,
    or extra opening hours on `day`.

    Closing a period that holds scheduled consultations is refused with
    ClosingHasBookings (which lists them) unless `cancel_bookings`: then each is
    cancelled by the practitioner with `message` as its reason (each employee is told
    and offered other slots), in the same transaction."""
    _require_practitioner(actor)
    if (start_time is None) != (end_time is None):
        raise ValidationError(_("Indiquez l'heure de début et l'heure de fin, ou aucune."))
    if start_time is None and kind == AvailabilityException.Kind.OPEN:
        raise ValidationError(_("Une ouverture supplémentaire a une heure de début et de fin."))
    if start_time is not None and end_time <= start_time:
        raise ValidationError({"end_time": _("L'heure de fin doit suivre l'heure de début.")})
    last = until or day
    if last < day or (last != day and (start_time is not None or kind != "closed")):
        raise ValidationError(
            {"until": _("Une période ne s'applique qu'à des jours entiers fermés.")}
        )
    if (last - day).days > 366:
        raise ValidationError({"until": _("Une période dure au plus un an.")})
    availability, _created = Availability.objects.get_or_create(practitioner=actor)
    rows = []
    for offset in range((last - day).days + 1):
        exception = AvailabilityException(
            availability=availability,
            kind=kind,
            date=day + timedelta(days=offset),
            start_time=start_time,
            end_time=end_time,
        )
        exception.full_clean(exclude=["availability"])
        rows.append(exception)
    if kind == AvailabilityException.Kind.CLOSED:
        now = now or timezone.now()
        booked = list(
            selectors.bookings_in_closure(
                availability=availability,
                first_day=day,
                last_day=last,
                start_time=start_time,
                end_time=end_time,
                now=now,
            ).select_for_update(of=("self",))
        )
        if booked and not cancel_bookings:
            raise ClosingHasBookings(booked)
        if booked and not message.strip():
            raise ValidationError(
                {"message": _("Écrivez un message : chaque salarié le recevra avec l'annulation.")}
            )
        for consultation in booked:
            consultation_cancel(actor=actor, consultation=consultation, reason=message, now=now)
    slots_cache.slots_changed(actor.pk)  # bulk_create sends no post_save
    return AvailabilityException.objects.bulk_create(rows)


@transaction.atomic
def availability_exception_remove(*, actor: User, exception_id: int) -> None:
    """Remove one of the actor's own exceptions (someone else's is not found)."""
    _require_practitioner(actor)
    deleted, _rows = AvailabilityException.objects.filter(
        pk=exception_id, availability__practitioner=actor
    ).delete()
    if not deleted:
        raise AvailabilityException.DoesNotExist
