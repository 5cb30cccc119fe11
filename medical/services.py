"""Writes of medical content: clinical notes and the private journal.

Every write seals the content (medical.crypto) before it reaches the database, under
associated data naming the row, its author/owner and the field. Callers check access
first (medical.access logs the verdict); each service checks again without logging, so
no code path writes medical content for someone the access rule refuses.
"""

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from guardian.shortcuts import assign_perm

from accounts.models import User
from consultations.models import Consultation
from medical import access, crypto, limits
from medical.exceptions import NoteNotWritable
from medical.models import AccessLogEntry, ClinicalNote, ClinicalNoteVersion, JournalEntry
from medical.selectors import note_content

NOTE_WRITABLE_STATUSES = (Consultation.Status.IN_PROGRESS, Consultation.Status.COMPLETED)
NOTE_AUTHOR_PERMS = ("medical.view_clinicalnote", "medical.change_clinicalnote")
ENTRY_OWNER_PERMS = (
    "medical.view_journalentry",
    "medical.change_journalentry",
    "medical.delete_journalentry",
)

Action = AccessLogEntry.Action


# --- Clinical notes ---------------------------------------------------------------


def _validate_note(values: dict[str, str]) -> dict[str, str]:
    errors, clean = {}, {}
    for name, value in values.items():
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


@transaction.atomic
def note_create(
    *, author: User, consultation: Consultation, reason: str, observations: str, plan: str
) -> ClinicalNote:
    """Write the one clinical note of `consultation`, by its practitioner, once it has
    started; the author alone gets the object permissions to read and amend it."""
    if not access.can_write_note(author, consultation) or (
        author.pk != consultation.practitioner_id
    ):
        raise PermissionDenied(_("Seul le praticien de la consultation peut écrire sa note."))
    content = _validate_note({"reason": reason, "observations": observations, "plan": plan})
    if not any(content.values()):
        raise ValidationError({"reason": [_("La note est vide.")]})
    consultation = Consultation.objects.select_for_update().get(pk=consultation.pk)
    if consultation.status not in NOTE_WRITABLE_STATUSES:
        raise NoteNotWritable(
            _("La note peut être rédigée pendant ou après la consultation."),
            current_status=consultation.status,
        )
    if ClinicalNote.objects.filter(consultation=consultation).exists():
        raise NoteNotWritable(
            _("Cette consultation a déjà une note : modifiez-la."),
            current_status=consultation.status,
        )
    now = timezone.now()
    # The UUID exists before sealing, so the associated data binds this very row.
    note = ClinicalNote(consultation=consultation, author=author, created_at=now, updated_at=now)
    _seal_note(note, content, author_id=author.pk)
    try:
        with transaction.atomic():
            note.save(force_insert=True)
    except IntegrityError:
        raise NoteNotWritable(
            _("Cette consultation a déjà une note : modifiez-la."),
            current_status=consultation.status,
        ) from None
    for perm in NOTE_AUTHOR_PERMS:
        assign_perm(perm, author, note)
    return note


@transaction.atomic
def note_amend(
    *,
    author: User,
    note: ClinicalNote,
    reason: str | None = None,
    observations: str | None = None,
    plan: str | None = None,
) -> ClinicalNote:
    """Amend the note; the replaced text is kept as a sealed ClinicalNoteVersion with
    the time it was written and the time it was replaced. No change, no new version."""
    if not access.can_amend_note(author, note) or author.pk != note.author_id:
        raise PermissionDenied(_("Seul l'auteur de la note peut la modifier."))
    given = {
        name: value
        for name, value in (("reason", reason), ("observations", observations), ("plan", plan))
        if value is not None
    }
    changes = _validate_note(given)
    note = ClinicalNote.objects.select_for_update().get(pk=note.pk)
    current = note_content(note)
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
            errors["mood"] = [
                _("L'humeur est un nombre de %(min)d à %(max)d.")
                % {"min": limits.MOOD_MIN, "max": limits.MOOD_MAX}
            ]
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


@transaction.atomic
def journal_entry_create(
    *, owner: User, mood: int, text: str, entry_date: date | None = None
) -> JournalEntry:
    """A new entry in the owner's journal; the owner alone gets its object permissions."""
    if not access.can_use_journal(owner, action=Action.WRITE):
        raise PermissionDenied(_("Le journal personnel est réservé aux salariés."))
    clean = _validate_entry(entry_date=entry_date or timezone.localdate(), mood=mood, text=text)
    if "text" in clean and not clean["text"]:
        raise ValidationError({"text": [_("Écrivez quelques mots.")]})
    now = timezone.now()
    entry = JournalEntry(
        owner=owner, entry_date=clean["entry_date"], created_at=now, updated_at=now
    )
    _seal_entry(entry, mood=clean["mood"], text=clean["text"])
    entry.save(force_insert=True)
    for perm in ENTRY_OWNER_PERMS:
        assign_perm(perm, owner, entry)
    return entry


@transaction.atomic
def journal_entry_update(
    *,
    owner: User,
    entry: JournalEntry,
    entry_date: date | None = None,
    mood: int | None = None,
    text: str | None = None,
) -> JournalEntry:
    """Change an entry's date, mood and/or text; both sealed fields get fresh nonces."""
    from medical.selectors import entry_content

    if not access.can_access_entry(owner, entry, action=Action.WRITE):
        raise PermissionDenied(_("Seul l'auteur de l'entrée peut la modifier."))
    clean = _validate_entry(entry_date=entry_date, mood=mood, text=text)
    if "text" in clean and not clean["text"]:
        raise ValidationError({"text": [_("Écrivez quelques mots.")]})
    entry = JournalEntry.objects.select_for_update().get(pk=entry.pk)
    current = entry_content(entry)
    entry.entry_date = clean.get("entry_date", entry.entry_date)
    _seal_entry(entry, mood=clean.get("mood", current.mood), text=clean.get("text", current.text))
    entry.updated_at = timezone.now()
    entry.save(update_fields=["entry_date", *JournalEntry.SEALED, "updated_at"])
    return entry


@transaction.atomic
def journal_entry_delete(*, owner: User, entry: JournalEntry) -> None:
    if not access.can_access_entry(owner, entry, action=Action.DELETE):
        raise PermissionDenied(_("Seul l'auteur de l'entrée peut la supprimer."))
    entry.delete()  # its object permission rows go with it (direct foreign keys)


@transaction.atomic
def journal_delete_all(*, owner: User) -> int:
    """Erase the owner's whole journal at once (GDPR art. 17); returns how many entries."""
    if not access.can_use_journal(owner, action=Action.DELETE):
        raise PermissionDenied(_("Le journal personnel est réservé aux salariés."))
    entries = JournalEntry.objects.filter(owner=owner)
    count = entries.count()
    entries.delete()
    return count
