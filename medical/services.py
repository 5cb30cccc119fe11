"""Writes of medical content: clinical notes and the private journal.

Each service is one action with its audit (chat.services.message_send has the same
shape): in one transaction it decides access through medical.access, which logs the
verdict, then validates and writes. A write that fails rolls back with its "allowed"
row: the log never claims a write that did not happen. A refusal rolls back too, then
leaves its "denied" row, and nothing else. Views and API views call these and nothing
else.

Every write seals the content (medical.crypto) before it reaches the database, under
associated data naming the row, its author/owner and the field.

Request handlers pass their input as `parse`: a callable that parses the request and
returns the values (or raises ValidationError). It is called once access is decided,
so a refused user learns nothing from validation messages (404/403 before 400). Server
code passes the values as keyword arguments.
"""

import functools
import uuid
from collections.abc import Callable, Mapping
from datetime import date

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from guardian.shortcuts import assign_perm

from accounts.models import User
from consultations.models import Consultation
from medical import access, crypto, limits
from medical.audit import log_access
from medical.exceptions import NoteExists, NoteNotWritable, NoteUnreadable
from medical.models import AccessLogEntry, ClinicalNote, ClinicalNoteVersion, JournalEntry
from medical.selectors import NOTE_WRITABLE_STATUSES, entry_content, note_content

NOTE_AUTHOR_PERMS = ("medical.view_clinicalnote", "medical.change_clinicalnote")
ENTRY_OWNER_PERMS = (
    "medical.view_journalentry",
    "medical.change_journalentry",
    "medical.delete_journalentry",
)

Action = AccessLogEntry.Action

Parse = Callable[[], Mapping]


def medical_action(service):
    """Run `service` in one transaction with its access-log row; an AccessRefused is
    logged after the rollback and answered with its 404/403."""

    @functools.wraps(service)
    def run(*args, **kwargs):
        try:
            with transaction.atomic():
                return service(*args, **kwargs)
        except access.AccessRefused as refused:
            raise refused.logged() from None

    return run


def _values(given: dict, parse: Parse | None) -> dict:
    """The values to write: parsed from the request now (access is decided), or given
    by server code (those left out are None)."""
    if parse is None:
        return given
    return {**dict.fromkeys(given), **parse()}


def _pk(obj_or_pk):
    return getattr(obj_or_pk, "pk", obj_or_pk)


# --- Clinical notes ---------------------------------------------------------------


@medical_action
def note_create(
    *,
    author: User,
    consultation: Consultation | uuid.UUID,
    reason: str = "",
    observations: str = "",
    plan: str = "",
    parse: Parse | None = None,
) -> ClinicalNote:
    """Write the one clinical note of `consultation` (or its id), by its practitioner,
    once it has started; the author alone gets the object permissions to read and amend
    it. NoteExists (409) when it has one already."""
    consultation, note = access.note_for_action(author, _pk(consultation))
    if note is not None:
        raise NoteExists()
    values = _values({"reason": reason, "observations": observations, "plan": plan}, parse)
    return _note_create(author, consultation, values)


@medical_action
def note_amend(
    *,
    author: User,
    consultation: Consultation | uuid.UUID,
    reason: str | None = None,
    observations: str | None = None,
    plan: str | None = None,
    parse: Parse | None = None,
) -> ClinicalNote:
    """Amend the note of `consultation` (or its id); the replaced text is kept as a
    sealed ClinicalNoteVersion with the time it was written and the time it was
    replaced. No change, no new version. 404 when it has no note yet."""
    consultation, note = access.note_for_action(author, _pk(consultation))
    if note is None:
        raise Http404
    values = _values({"reason": reason, "observations": observations, "plan": plan}, parse)
    return _note_amend(note, values)


@medical_action
def note_write(
    *, author: User, consultation: Consultation | uuid.UUID, parse: Parse
) -> ClinicalNote:
    """The note editor's one button: write the note of `consultation`, or amend it."""
    consultation, note = access.note_for_action(author, _pk(consultation))
    values = _values({"reason": None, "observations": None, "plan": None}, parse)
    if note is None:
        return _note_create(author, consultation, values)
    return _note_amend(note, values)


def _validate_note(values: dict[str, str | None]) -> dict[str, str]:
    errors, clean = {}, {}
    for name, value in values.items():
        if value is None:
            continue
        if not isinstance(value, str):
            errors[name] = [_("Un texte est attendu.")]
            continue
        value = value.strip()
        if len(value) > limits.NOTE_FIELDS_MAX[name]:
            errors[name] = [
                _("%(max)d caractères au plus.") % {"max": limits.NOTE_FIELDS_MAX[name]}
            ]
        clean[name] = value
    if errors:
        raise ValidationError(errors)
    return clean


def _seal_note(row, content: dict[str, str], *, author_id) -> None:
    for column, field in ClinicalNote.SEALED.items():
        aad = (
            row.aad(field, author_id=author_id)
            if isinstance(row, ClinicalNoteVersion)
            else row.aad(field)
        )
        setattr(row, column, crypto.seal(content[field], aad=aad))


def _note_create(author, consultation, values) -> ClinicalNote:
    content = {name: "" for name in ClinicalNote.SEALED.values()}
    content.update(_validate_note(values))
    if not any(content.values()):
        raise ValidationError({"reason": [_("La note est vide.")]})
    if consultation.status not in NOTE_WRITABLE_STATUSES:
        raise NoteNotWritable(
            _("La note peut être rédigée pendant ou après la consultation."),
            current_status=consultation.status,
        )
    now = timezone.now()
    # The UUID exists before sealing, so the associated data binds this very row.
    note = ClinicalNote(consultation=consultation, author=author, created_at=now, updated_at=now)
    _seal_note(note, content, author_id=author.pk)
    try:
        with transaction.atomic():
            note.save(force_insert=True)
    except IntegrityError:  # written meanwhile by another request
        raise NoteExists() from None
    for perm in NOTE_AUTHOR_PERMS:
        assign_perm(perm, author, note)
    return note


def _note_amend(note: ClinicalNote, values) -> ClinicalNote:
    changes = _validate_note(values)
    note = ClinicalNote.objects.select_for_update().get(pk=note.pk)
    current = note_content(note)
    if current.unreadable:
        raise NoteUnreadable()
    new = {**current.as_dict(), **changes}
    if new == current.as_dict():
        return note
    if not any(new.values()):
        raise ValidationError({"reason": [_("La note est vide.")]})
    now = timezone.now()
    previous = ClinicalNoteVersion(
        note=note, number=note.version, written_at=note.updated_at, replaced_at=now
    )
    _seal_note(previous, current.as_dict(), author_id=note.author_id)
    previous.save(force_insert=True)
    _seal_note(note, new, author_id=note.author_id)
    note.version += 1
    note.updated_at = now
    note.save(update_fields=[*ClinicalNote.SEALED, "version", "updated_at"])
    return note


# --- Private journal --------------------------------------------------------------


@medical_action
def journal_entry_create(
    *,
    owner: User,
    mood: int | None = None,
    text: str | None = None,
    entry_date: date | None = None,
    parse: Parse | None = None,
) -> JournalEntry:
    """A new entry in the owner's journal; the owner alone gets its object permissions."""
    access.journal_for_action(owner, action=Action.WRITE)
    values = _values({"entry_date": entry_date, "mood": mood, "text": text}, parse)
    clean = _validate_entry(
        **{**values, "entry_date": values["entry_date"] or timezone.localdate()}
    )
    missing = {
        field: [message]
        for field, message in (
            ("mood", _mood_error()),
            ("text", _("Écrivez quelques mots.")),
        )
        if not clean.get(field)
    }
    if missing:
        raise ValidationError(missing)
    now = timezone.now()
    entry = JournalEntry(
        owner=owner, entry_date=clean["entry_date"], created_at=now, updated_at=now
    )
    _seal_entry(entry, mood=clean["mood"], text=clean["text"])
    entry.save(force_insert=True)
    for perm in ENTRY_OWNER_PERMS:
        assign_perm(perm, owner, entry)
    return entry


@medical_action
def journal_entry_update(
    *,
    owner: User,
    entry: JournalEntry | uuid.UUID,
    entry_date: date | None = None,
    mood: int | None = None,
    text: str | None = None,
    parse: Parse | None = None,
) -> JournalEntry:
    """Change the date, mood and/or text of an entry (or of the entry with that id);
    both sealed fields get fresh nonces."""
    entry = access.entry_for_action(owner, _pk(entry), action=Action.WRITE)
    values = _values({"entry_date": entry_date, "mood": mood, "text": text}, parse)
    clean = _validate_entry(**values)
    if "text" in clean and not clean["text"]:
        raise ValidationError({"text": [_("Écrivez quelques mots.")]})
    current = entry_content(entry)
    if current.unreadable and not {"mood", "text"} <= clean.keys():
        # Nothing to keep from an entry that fails its integrity check: rewrite it whole.
        raise ValidationError(
            {"text": [_("Cette entrée est illisible : réécrivez l'humeur et le texte.")]}
        )
    entry.entry_date = clean.get("entry_date", entry.entry_date)
    _seal_entry(entry, mood=clean.get("mood", current.mood), text=clean.get("text", current.text))
    entry.updated_at = timezone.now()
    entry.save(update_fields=["entry_date", *JournalEntry.SEALED, "updated_at"])
    return entry


@medical_action
def journal_entry_delete(*, owner: User, entry: JournalEntry | uuid.UUID) -> None:
    """Delete an entry (or the entry with that id); its object permission rows go with
    it (direct foreign keys)."""
    access.entry_for_action(owner, _pk(entry), action=Action.DELETE).delete()


@medical_action
def journal_delete_all(*, owner: User, parse: Parse | None = None) -> int:
    """Erase the owner's whole journal at once (GDPR art. 17); returns how many entries.
    `parse` checks the request's confirmation."""
    access.journal_for_action(owner, action=Action.DELETE)
    if parse is not None:
        parse()
    entries = JournalEntry.objects.filter(owner=owner)
    count = entries.count()
    entries.delete()
    return count


def _mood_error() -> str:
    return _("L'humeur est un nombre de %(min)d à %(max)d.") % {
        "min": limits.MOOD_MIN,
        "max": limits.MOOD_MAX,
    }


def _validate_entry(*, entry_date=None, mood=None, text=None) -> dict:
    errors, clean = {}, {}
    if entry_date is not None:
        if not isinstance(entry_date, date):
            errors["entry_date"] = [_("Date invalide.")]
        elif entry_date > timezone.localdate():
            errors["entry_date"] = [_("La date ne peut pas être dans le futur.")]
        else:
            clean["entry_date"] = entry_date
    if mood is not None:
        if (
            isinstance(mood, bool)
            or not isinstance(mood, int)
            or not (limits.MOOD_MIN <= mood <= limits.MOOD_MAX)
        ):
            errors["mood"] = [_mood_error()]
        else:
            clean["mood"] = mood
    if text is not None:
        if not isinstance(text, str):
            errors["text"] = [_("Un texte est attendu.")]
        elif len(text.strip()) > limits.JOURNAL_TEXT_MAX:
            errors["text"] = [_("%(max)d caractères au plus.") % {"max": limits.JOURNAL_TEXT_MAX}]
        else:
            clean["text"] = text.strip()
    if errors:
        raise ValidationError(errors)
    return clean


def _seal_entry(entry: JournalEntry, *, mood: int, text: str) -> None:
    entry.mood_sealed = crypto.seal(str(mood), aad=entry.aad("mood"))
    entry.text_sealed = crypto.seal(text, aad=entry.aad("text"))


# --- Erasure of a whole account -----------------------------------------------------


@transaction.atomic
def chat_messages_erase(*, author: User) -> int:
    """Delete every chat message `author` wrote (GDPR art. 17, account erasure), one
    DELETE row per consultation in the access log; returns how many. The other
    participant's messages stay: they are his text and his record of care."""
    from chat.models import ChatMessage

    mine = ChatMessage.objects.filter(sender=author)
    for consultation_id in mine.values_list("consultation_id", flat=True).distinct():
        log_access(
            user=author,
            object_type="chat",
            object_id=consultation_id,
            action=Action.DELETE,
            allowed=True,
        )
    count, _by_model = mine.delete()
    return count
