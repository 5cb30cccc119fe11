"""The answers of `GET /api/v1/practitioners/{id}/slots`, cached per practitioner.

Slots say nothing of who consults (a taken slot is only a missing one) and are the same
for everyone who may browse the directory, so an answer is kept, rendered, under what it
depends on: the practitioner, the whole query string, the negotiated media type, the
booking notice and horizon, the time zone its times are written in, and the
practitioner's generation (huntzen.generations). Every change that can alter it starts
a new generation when its transaction commits (one Redis round trip): any consultation
of theirs created, rescheduled, cancelled or changing status into or out of the
blocking ones (a start or an end, scheduled to in progress to completed, holds the same
time: no new generation), their availability (time zone, length,
buffer), weekly hours and exceptions (days off, closed or extra hours), their profile or
account (the slots of a practitioner no longer listed are a 404). Time is part of the
answer too: it is believed only from the moment it was computed until its first slot
comes within the notice, or until midnight in the practitioner's time zone when the
span starts "today" (selectors.slots_unchanged_until); one the horizon cuts is not kept.

The generations' tokens are kept a day (a missing one is a new generation), the answers
SLOTS_CACHE_SECONDS, which bounds what a write that skips the model signals
(queryset.update) or a bump lost while Redis was unreachable could leave stale."""

import hashlib
import uuid
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models.signals import post_delete, post_save
from django.utils import timezone

from huntzen import generations

SLOTS_CACHE_SECONDS = 60
_TOKEN_SECONDS = 24 * 3600


def _hex(practitioner_id) -> str:
    """The practitioner's id as 32 hex digits (the URL's converter already made it a
    UUID; a text id, from a test or a signal, is read as one)."""
    if isinstance(practitioner_id, uuid.UUID):
        return practitioner_id.hex
    return uuid.UUID(str(practitioner_id)).hex


def _generation(practitioner_id) -> str:
    return f"slots:generation:{_hex(practitioner_id)}"


def _answer_key(request, practitioner_id) -> str:
    """The answer's key, worked out once per request and practitioner (a bearer token's
    request asks for it twice: with its user, `read_ahead`, and in the view), its inputs
    compared again: the media type, the query string, the rules and the time zone."""
    asked = (
        request.accepted_media_type,
        request.META.get("QUERY_STRING", ""),
        settings.HUNTZEN_BOOKING_NOTICE_MINUTES,
        settings.HUNTZEN_BOOKING_HORIZON_WEEKS,
        timezone.get_current_timezone_name(),
        practitioner_id,
    )
    memo = getattr(request, "_huntzen_slots_key", None)
    if memo is not None and memo[0] == asked:
        return memo[1]
    key = _key_of(*asked)
    request._huntzen_slots_key = (asked, key)
    return key


def _key_of(media_type, query_string, notice, horizon, zone, practitioner_id) -> str:
    query = hashlib.sha256(f"{media_type}\n{query_string}".encode()).hexdigest()[:32]
    # "v2": its instants in microseconds (`_microseconds`); "slots:answer:" held datetimes.
    return f"slots:answer:v2:{_hex(practitioner_id)}:{notice}:{horizon}:{zone}:{query}"


def cached_answer(request, *, practitioner_id, now: datetime) -> tuple[generations.Read, object]:
    """(what `store_answer` needs, the answer to this request at `now`, rendered, if
    one is kept under the practitioner's current generation and still holds at `now`,
    else None). A reader inside a transaction that changed the practitioner's slots
    (not committed yet) first starts a new generation at once, as that change used to:
    a kept answer from before it is not believed (the commit starts another)."""
    changed_here = _read_after_change_here(practitioner_id)
    found = generations.read(
        _answer_key(request, practitioner_id),
        [_generation(practitioner_id)],
        token_seconds=_TOKEN_SECONDS,
        # What the request fetched ahead predates that new generation.
        request=None if changed_here else request,
    )
    if found.value is not None:
        computed_at, until, body = found.value
        if computed_at <= _microseconds(now) < until:
            return found, body
    return found, None


def read_ahead(request, *, practitioner_id) -> generations.Ahead | None:
    """What `cached_answer` reads for this request, to be fetched with the signed-in user
    (None before the media type is negotiated)."""
    if getattr(request, "accepted_media_type", None) is None:
        return None
    return generations.ahead(_answer_key(request, practitioner_id), [_generation(practitioner_id)])


def store_answer(
    found: generations.Read, content: bytes, *, now: datetime, until: datetime | None
) -> None:
    """Keep `content`, computed at `now`, to be believed until `until` (excluded; None:
    not kept)."""
    if until is not None and now < until:
        kept = (_microseconds(now), _microseconds(until), content)
        generations.store(found, kept, seconds=SLOTS_CACHE_SECONDS)


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def _microseconds(instant: datetime) -> int:
    """An aware instant as whole microseconds since 1970 (UTC): the same order as the
    instants, exactly. A kept answer's two instants are stored so: two aware datetimes
    cost each cached read 10 µs of unpickling (datetime's, timezone's and timedelta's
    classes looked up by name), five times the rest of the answer's."""
    return (instant - _EPOCH) // _MICROSECOND


class _NewGeneration:
    """The on-commit work of `slots_changed`: a new generation (one Redis round trip),
    and until then a mark of the change among the transaction's pending work
    (`_read_after_change_here`)."""

    def __init__(self, practitioner_id):
        self.practitioner_id = practitioner_id
        # Whether a read in the transaction is still to start a new generation first
        # (no longer once it did, or once this ran: a test's captured on-commit work
        # stays listed after it ran).
        self.unread = True

    def __call__(self):
        self.unread = False
        # After the commit, out of any atomic block: run at once.
        generations.bump_on_commit(_generation(self.practitioner_id), token_seconds=_TOKEN_SECONDS)


def slots_changed(practitioner_id) -> None:
    """A new generation of that practitioner's slots once the current transaction
    commits (at once outside one; none if it rolls back). Readers in other transactions
    see the rows as they were until then: an answer they keep meanwhile is kept under
    the old generation, never believed after the commit. (A new generation at once as
    well would protect no other reader: it used to cost every write a second round
    trip.)"""
    if practitioner_id is not None:
        transaction.on_commit(_NewGeneration(practitioner_id))


def _read_after_change_here(practitioner_id) -> bool:
    """Before a read inside a transaction that changed the practitioner's slots, not
    committed yet (a change in a savepoint rolled back no longer counts: Django drops
    its on-commit work): a new generation at once, once per change, so that this
    transaction does not believe an answer kept before its change. Whether it did."""
    pending = [
        work
        for _sids, work, _robust in connection.run_on_commit
        if isinstance(work, _NewGeneration)
        and work.unread
        and str(work.practitioner_id) == str(practitioner_id)
    ]
    for work in pending:
        work.unread = False
    if pending:
        generations.bump(_generation(practitioner_id), token_seconds=_TOKEN_SECONDS)
    return bool(pending)


# --- Receivers: every model whose rows the slots or their access function read --------


def _practitioner_of(instance):
    from accounts.models import User
    from companies.models import PractitionerProfile
    from consultations.models import Availability, Consultation

    if isinstance(instance, Consultation | Availability):
        return instance.practitioner_id
    if isinstance(instance, PractitionerProfile):
        return instance.user_id
    if isinstance(instance, User):
        return instance.pk
    return instance.availability_id  # weekly hours, exceptions: the availability's key


def _slots_unchanged(instance, update_fields) -> bool:
    """A consultation saved with `update_fields` that write nothing the slots read
    differently from the row as it was loaded (a start or an end: still a blocking
    status, the same times; a reminder's stamp). Any other save counts as a change:
    a whole row (the admin), a new row, a row not loaded whole."""
    from consultations.models import Consultation

    if not isinstance(instance, Consultation) or update_fields is None:
        return False
    loaded = getattr(instance, "_slots_as_loaded", None)
    if loaded is None:
        return False
    now = instance.slots_view()
    written = {instance._meta.get_field(name).attname for name in update_fields}
    return all(loaded[name] == now[name] for name in written.intersection(loaded))


def _on_change(sender, instance, raw=False, update_fields=None, **kwargs):
    # A sign-in's last_login bears on nothing here.
    if raw or update_fields == frozenset({"last_login"}):
        return
    if _slots_unchanged(instance, update_fields):
        return
    slots_changed(_practitioner_of(instance))


def connect_receivers() -> None:
    from accounts.models import User
    from companies.models import PractitionerProfile
    from consultations.models import (
        Availability,
        AvailabilityException,
        Consultation,
        WeeklyOpening,
    )

    uid = "consultations.slots_cache."
    for model in (
        Consultation,
        Availability,
        WeeklyOpening,
        AvailabilityException,
        PractitionerProfile,
        User,
    ):
        name = model._meta.label_lower
        post_save.connect(_on_change, sender=model, dispatch_uid=f"{uid}{name}.save")
        post_delete.connect(_on_change, sender=model, dispatch_uid=f"{uid}{name}.delete")
