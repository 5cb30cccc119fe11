"""The one place that decides who may read or write medical content.

Medical content is clinical notes, journal entries and chat messages (and the prepared
exports that hold them: their owner alone, `get_export_for`). HuntZen staff
(R1, R2), HR (R3), any is_staff account, superusers and inactive accounts are refused
FIRST (`is_barred`): guardian and Django grant superusers every permission, so that
refusal must come before has_perm. Then the role permission (accounts.gates
`has_role_perm`: what `has_perm` answers without an object, from the user's permission
set worked out once a request, not every backend imported again per question) and the
guardian object permission granted to the author / owner / participants decide. Every decision is
written to the access log (no content).

Answers: 404 when the user must not know the object exists (anyone outside the
consultation, any journal entry not theirs, barred accounts always); 403 when the user
knows the object but may not do this (the employee of a consultation and its clinical
note), or may not use the feature at all (the journal for anyone but employees).

Reads (views, API views, selectors) call the `get_*_for` / `journal_entries_for`
functions, which log their verdict at once. Writes are decided by medical.services,
inside their own transaction, through the `*_for_action` functions: those log an
allowed verdict in that transaction (it rolls back with a write that fails) and raise
`AccessRefused`, which the service logs after rolling back.
"""

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.auth_cache import cached_user
from accounts.gates import has_role_perm
from accounts.models import Role
from consultations.access import is_participant
from consultations.models import Consultation
from medical.audit import log_access, record_access
from medical.models import AccessLogEntry, ClinicalNote, JournalEntry, PersonalDataExport

BARRED_ROLES = frozenset({Role.PSG_SUPER, Role.HUNTZEN_ADMIN, Role.COMPANY_RH})

Action = AccessLogEntry.Action

NOTE = "clinical_note"
JOURNAL = "journal"
JOURNAL_ENTRY = "journal_entry"
PERSONAL_DATA = "personal_data"  # a whole-account export

CHAT_ROLE_PERM = "accounts.chat_participate"


def is_barred(user) -> bool:
    """Accounts that may never read or write medical content, whatever they hold."""
    return (
        user is None
        or not user.is_authenticated
        or not user.is_active
        or user.is_superuser
        or user.is_staff
        or user.role in BARRED_ROLES
    )


def is_medical_participant(user, consultation, *, perm: str = "view_consultation") -> bool:
    """One of the two participants of `consultation` (consultations.access.is_participant:
    holding its object permission `perm`), and not barred from medical content. The
    participant rule of everything medical tied to a consultation (chat, notes)."""
    return not is_barred(user) and is_participant(user, consultation, perm=perm)


def can_chat(user, consultation, *, loaded_now: bool = False) -> bool:
    """Pure check (no log): may `user` use the chat of `consultation`? Its two
    participants (object permission granted on booking), whose role may chat
    (`accounts.chat_participate`: employees and practitioners). Not when: chat.access.

    Asked on every chat decision: one query for a participant (the object permission)
    when the role's permission comes from a current auth-cache copy, two otherwise;
    none for anyone else. `loaded_now`: see _current_catalogue."""
    return is_medical_participant(
        user, consultation, perm="chat_consultation"
    ) and _holds_role_perm(user, CHAT_ROLE_PERM, loaded_now=loaded_now)


def _holds_role_perm(user, perm: str, *, loaded_now: bool = False) -> bool:
    """user.has_perm(perm) for a permission of the user's role (no object), as the
    database says it now: from the user's copy in the auth cache when that copy is
    current (no query), else in one query (Django's ModelBackend.with_perm) where
    has_perm loads the user's and the groups' permissions in two."""
    catalogue = _current_catalogue(user, loaded_now=loaded_now)
    if catalogue is not None:
        return perm in catalogue
    return ModelBackend().with_perm(perm, include_superusers=False).filter(pk=user.pk).exists()


def _current_catalogue(user, *, loaded_now: bool = False) -> frozenset[str] | None:
    """The role permissions of `user` as the auth cache holds them, when it can vouch
    for them, else None (ask the database).

    Never the catalogue the object at hand carries: a socket keeps its user for a while,
    and a role or group permission removed since must count at once. The cache's copy
    counts only if stored under the current generations (accounts.auth_cache.cached_user:
    any change of the user, its groups or permissions, or any group's permissions bumps
    them at once and again on commit), read now, from the shared cache (not the
    per-process memory it falls back to while Redis is down: another process's
    invalidation is not there).

    `loaded_now`: the caller loaded `user` through the authentication backend an instant
    ago, in this same decision (a chat socket's re-check: accounts.session_end.
    session_user, then this): the user it got IS that read of the auth cache (the copy
    under the current generations, or the database's user and catalogue, stored there
    since), so it is not read a second time (a Redis round trip per re-check). The
    same rules then apply to it; with the auth cache off or down, the database answers,
    as for any other caller."""
    if not settings.HUNTZEN_AUTH_CACHE_SECONDS:
        return None
    # cached_user: a miss or a stale copy gives None.
    current = user if loaded_now else cached_user(user.pk, lambda: None)
    if current is None or getattr(cache, "is_down", False):
        return None
    permissions = getattr(current, "_perm_cache", None)
    if permissions is None or current.is_superuser:  # Django's catalogue: every permission
        return None
    return frozenset(permissions) if current.is_active else frozenset()


class AccessRefused(Exception):
    """A refusal decided inside a medical service's transaction. The service rolls
    back, then logs it and raises `answer` (Http404 or PermissionDenied): a refused
    write leaves its "denied" row and nothing else."""

    def __init__(self, user, *, object_type: str, object_id, action: str, answer: Exception):
        super().__init__(action)
        self.user, self.answer = user, answer
        self.row = {"object_type": object_type, "object_id": object_id, "action": action}

    def logged(self) -> Exception:
        """Log the refusal (call it outside the rolled-back transaction); the answer."""
        log_access(user=self.user, allowed=False, **self.row)
        return self.answer


def _log(user, *, object_type: str, object_id, action: str, allowed: bool) -> None:
    record_access(
        user=user, object_type=object_type, object_id=object_id, action=action, allowed=allowed
    )


def _enforce(user, *, allowed: bool, refusal, in_action: bool, **row) -> None:
    """Log the verdict and raise `refusal()` when refused; within an action, a refusal
    is raised as AccessRefused for the service to log after its rollback."""
    if not allowed and in_action:
        raise AccessRefused(user, answer=refusal(), **row)
    _log(user, allowed=allowed, **row)
    if not allowed:
        raise refusal()


# --- Clinical notes ---------------------------------------------------------------
# The practitioner of a consultation writes its note (guardian perm on the consultation,
# granted on booking) and is then its only reader (guardian perms on the note, granted
# to the author by note_create). The employee knows the consultation: 403.


def can_write_note(user, consultation) -> bool:
    """Pure check (no log), for offering the editor link and opening an empty editor."""
    return (
        user.pk == consultation.practitioner_id
        and is_medical_participant(user, consultation, perm="write_clinical_note")
        and has_role_perm(user, "accounts.clinical_notes_own_write")
    )


def can_read_note(user, note) -> bool:
    return (
        not is_barred(user)
        and has_role_perm(user, "accounts.clinical_notes_own_read")
        and user.has_perm("medical.view_clinicalnote", note)
    )


def can_amend_note(user, note) -> bool:
    return (
        not is_barred(user)
        and user.pk == note.author_id
        and has_role_perm(user, "accounts.clinical_notes_own_write")
        and user.has_perm("medical.change_clinicalnote", note)
    )


def can_keep_notes(user) -> bool:
    """Pure check (no log): may `user` keep clinical notes at all (practitioners)?"""
    return not is_barred(user) and has_role_perm(user, "accounts.clinical_notes_own_read")


def _note_refusal(user, consultation):
    """403 for the other participant (the employee), who knows the consultation; 404
    for everybody else."""

    def refusal():
        if is_medical_participant(user, consultation):
            return PermissionDenied(
                _("La note clinique est réservée au praticien qui a mené la consultation.")
            )
        return Http404()

    return refusal


def get_note_for(user, consultation_id, *, allow_missing=False):
    """(consultation, note) for `user` to read the note of a consultation. Logged.

    The note must exist (404 otherwise), unless `allow_missing` and the user may write
    it: the editor then opens empty (nothing is read, so nothing is logged). Raises
    Http404 / PermissionDenied.
    """
    consultation = (
        Consultation.objects.select_related("clinical_note", "employee")
        .filter(pk=consultation_id)
        .first()
    )
    if consultation is None:
        raise Http404
    note = _note_of(consultation)
    if note is None and not is_barred(user) and user.pk == consultation.practitioner_id:
        if allow_missing and can_write_note(user, consultation):
            return consultation, None
        raise Http404  # the author has not written it yet: nothing was refused
    _enforce(
        user,
        allowed=note is not None and can_read_note(user, note),
        refusal=_note_refusal(user, consultation),
        in_action=False,
        object_type=NOTE,
        object_id=consultation.pk,
        action=Action.READ,
    )
    return consultation, note


def note_for_action(user, consultation_id) -> tuple[Consultation, ClinicalNote | None]:
    """(consultation, note or None) for its practitioner to write (create or amend) the
    note, within a medical service's transaction: the consultation row is locked."""
    # No select_related: FOR UPDATE may not lock the nullable side of an outer join.
    consultation = Consultation.objects.select_for_update().filter(pk=consultation_id).first()
    if consultation is None:
        raise Http404
    note = _note_of(consultation)
    _enforce(
        user,
        allowed=can_write_note(user, consultation) and (note is None or can_amend_note(user, note)),
        refusal=_note_refusal(user, consultation),
        in_action=True,
        object_type=NOTE,
        object_id=consultation.pk,
        action=Action.WRITE,
    )
    return consultation, note


def _note_of(consultation):
    try:
        return consultation.clinical_note
    except ClinicalNote.DoesNotExist:
        return None


# --- Private journal --------------------------------------------------------------
# Employees only (role permissions), each entry readable by its owner only (guardian
# perms granted by journal_entry_create). Nobody else learns an entry exists: 404.

_JOURNAL_ROLE_PERM = {
    Action.READ: "accounts.journal_own_read",
    Action.EXPORT: "accounts.journal_own_read",
    Action.WRITE: "accounts.journal_own_write",
    Action.DELETE: "accounts.journal_own_write",
}
_ENTRY_OBJECT_PERM = {
    Action.READ: "medical.view_journalentry",
    Action.WRITE: "medical.change_journalentry",
    Action.DELETE: "medical.delete_journalentry",
}


def can_use_journal(user, *, action: str = Action.READ) -> bool:
    """Pure check (no log): may `user` keep a journal at all (employees)?"""
    return not is_barred(user) and has_role_perm(user, _JOURNAL_ROLE_PERM[action])


def can_access_entry(user, entry, *, action: str) -> bool:
    return can_use_journal(user, action=action) and user.has_perm(_ENTRY_OBJECT_PERM[action], entry)


def _journal_refusal():
    return PermissionDenied(_("Le journal personnel est réservé aux salariés."))


def _journal(user, *, action: str, in_action: bool, log_allowed: bool = True) -> None:
    allowed = can_use_journal(user, action=action)
    if allowed and not log_allowed:
        return
    _enforce(
        user,
        allowed=allowed,
        refusal=_journal_refusal,
        in_action=in_action,
        object_type=JOURNAL,
        object_id=getattr(user, "pk", ""),
        action=action,
    )


def require_journal(user, *, action: str, log_allowed: bool = True) -> None:
    """The journal as a whole (list, export, the pages of a new entry and of erasing):
    403 unless the user keeps one. Logged against the user's own journal; a page that
    reads and writes nothing (an empty form) passes `log_allowed=False`: only a refusal
    is logged."""
    _journal(user, action=action, in_action=False, log_allowed=log_allowed)


def journal_for_action(user, *, action: str) -> None:
    """The journal as a whole, within a medical service's transaction (new entry,
    erase)."""
    _journal(user, action=action, in_action=True)


def _entry_for(user, entry_id, *, action: str, in_action: bool) -> JournalEntry:
    entries = JournalEntry.objects.select_for_update() if in_action else JournalEntry.objects
    entry = entries.filter(pk=entry_id).first()
    if entry is None:
        raise Http404
    _enforce(
        user,
        allowed=can_access_entry(user, entry, action=action),
        refusal=Http404,
        in_action=in_action,
        object_type=JOURNAL_ENTRY,
        object_id=entry.pk,
        action=action,
    )
    return entry


def get_entry_for(user, entry_id) -> JournalEntry:
    """The journal entry for its owner to read; 404 for anyone else. Logged."""
    return _entry_for(user, entry_id, action=Action.READ, in_action=False)


def entry_for_action(user, entry_id, *, action: str) -> JournalEntry:
    """The journal entry for its owner to change or delete, within a medical service's
    transaction (the row is locked); 404 for anyone else."""
    return _entry_for(user, entry_id, action=action, in_action=True)


def journal_entries_for(user, *, action: str = Action.READ):
    """The user's own entries (a queryset), after the journal check (logged once).

    Filtered on the owner column, which the object permissions mirror one to one
    (granted only to the owner by journal_entry_create): bench/medical_crypto.py
    measured it against guardian's get_objects_for_user (see README, Performance).
    """
    require_journal(user, action=action)
    return own_entries(user)


def own_entries(user):
    """Whose entries `user`'s journal holds (a queryset, no check: callers pass
    `require_journal` first), the one definition: journal_entries_for and the statements
    compiled from it (medical.selectors) read it."""
    return JournalEntry.objects.filter(owner=user)


# --- Personal-data exports (medical.exports) ----------------------------------------
# Whoever the person is (every role has an export), only she reads or deletes hers.


def _export_refusal(user, export_id, export: PersonalDataExport | None, action: str):
    log_access(
        user=user,
        object_type=PERSONAL_DATA,
        object_id=export.owner_id if export is not None else export_id,
        action=action,
        allowed=False,
    )
    return Http404(_("Cet export n'existe pas ou n'est plus disponible."))


def get_export_for(user, export_id, *, action: str, ready: bool = False) -> PersonalDataExport:
    """The export `export_id` if `user` is its owner (signed in, active): anyone else —
    another person, HR, staff, a superuser — gets 404, logged as a refusal about the
    owner. With `ready`, a pending, failed or expired export is 404 too (nothing to
    download)."""
    export = PersonalDataExport.objects.filter(pk=export_id).first()
    owner_asks = (
        export is not None
        and user.is_authenticated
        and user.is_active
        and export.owner_id == user.pk
    )
    if not owner_asks:
        raise _export_refusal(user, export_id, export, action)
    downloadable = (
        export.status == PersonalDataExport.Status.READY and export.expires_at > timezone.now()
    )
    if ready and not downloadable:
        raise Http404(_("Cet export n'existe pas ou n'est plus disponible."))
    return export
