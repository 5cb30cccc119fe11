"""Reads of medical content: decryption happens here, after medical.access said yes.

Plaintext only ever lives in these small frozen dataclasses, never on model instances,
so a model rendered somewhere by mistake (admin, a debug page) shows no content. The
selectors that take the user (`note_editor`, `personal_data_export`) ask medical.access
themselves, which logs the read.

A ciphertext that fails to decrypt never takes a page, a list or an export down: its
row reads as `unreadable` (text None) and an INTEGRITY row goes to the access log
(`integrity_failure`).
"""

import io
import json
import logging
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import NamedTuple

from django.core.paginator import Page, Paginator
from django.db import models
from django.db.models import Count, Exists, F, OuterRef, Q, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from accounts.models import User
from consultations.models import Consultation
from consultations.permissions import consultations_with_perm
from huntzen.api import with_total
from huntzen.statements import Statement
from medical import access, audit, crypto
from medical.models import AccessLogEntry, ClinicalNote, ClinicalNoteVersion, JournalEntry

logger = logging.getLogger(__name__)

# Where a note may be written: during or after the consultation.
NOTE_WRITABLE_STATUSES = (Consultation.Status.IN_PROGRESS, Consultation.Status.COMPLETED)


@dataclass(frozen=True)
class NoteContent:
    """A note's text; all None and `unreadable` when its ciphertext failed to decrypt."""

    reason: str | None
    observations: str | None
    plan: str | None
    unreadable: bool = False

    def as_dict(self) -> dict[str, str | None]:
        return {"reason": self.reason, "observations": self.observations, "plan": self.plan}


@dataclass(frozen=True)
class NoteVersionView:
    number: int
    written_at: datetime
    replaced_at: datetime
    content: NoteContent


class EntryView(NamedTuple):
    """A journal entry in clear; mood and text None and `unreadable` when its
    ciphertext failed to decrypt. From a list's statement (ENTRY_TEXT), `id` and the
    instants are PostgreSQL's text of them, which its readers write out as they are
    (medical.serializers, huntzen.datetime_text). Immutable like the dataclasses here,
    and a third of the cost of a frozen dataclass to build (one per entry of a list)."""

    id: object
    entry_date: date
    mood: int | None
    text: str | None
    created_at: datetime
    updated_at: datetime
    unreadable: bool = False


def integrity_failure(*, object_type: str, object_id, row) -> None:
    """Record that a stored ciphertext failed to decrypt (tampered, moved to another
    row, unknown key): an error for the operators and an INTEGRITY row in the access
    log, both without content. The row has no user: the reader is on the READ row of
    the same request id; its subject sees the event on her privacy page."""
    logger.error("Integrity: %s %s failed to decrypt.", row._meta.label, row.pk)
    audit.log_access(
        user=None,
        object_type=object_type,
        object_id=object_id,
        action=AccessLogEntry.Action.INTEGRITY,
        allowed=False,
    )


def _unseal_fields(row, aad, *, object_type: str, object_id) -> dict[str, str] | None:
    """Every sealed field of `row` in clear, or None (integrity failure recorded): one
    bad row must not take a whole list, page or export down."""
    try:
        return {
            field: crypto.unseal(getattr(row, column), aad=aad(field))
            for column, field in row.SEALED.items()
        }
    except crypto.DecryptionError:
        integrity_failure(object_type=object_type, object_id=object_id, row=row)
        return None


_UNREADABLE_NOTE = NoteContent(reason=None, observations=None, plan=None, unreadable=True)


def _note_content(row, aad, *, consultation_id) -> NoteContent:
    fields = _unseal_fields(row, aad, object_type="clinical_note", object_id=consultation_id)
    return NoteContent(**fields) if fields is not None else _UNREADABLE_NOTE


def note_content(note: ClinicalNote) -> NoteContent:
    return _note_content(note, note.aad, consultation_id=note.consultation_id)


def note_versions(note: ClinicalNote) -> list[NoteVersionView]:
    """Earlier versions, newest first."""
    return [
        NoteVersionView(
            number=version.number,
            written_at=version.written_at,
            replaced_at=version.replaced_at,
            content=_note_content(
                version,
                lambda field, v=version: v.aad(field, author_id=note.author_id),
                consultation_id=note.consultation_id,
            ),
        )
        for version in ClinicalNoteVersion.objects.filter(note=note).order_by("-number")
    ]


@dataclass(frozen=True)
class NoteEditor:
    """What the note editor shows: the note's current text and its earlier versions
    (none before it is written), and whether it may be written yet."""

    consultation: Consultation
    note: ClinicalNote | None
    content: NoteContent | None
    versions: list[NoteVersionView]
    writable: bool


def note_editor(*, user, consultation_id) -> NoteEditor:
    """The editor of a consultation's note for its practitioner: the note read (logged),
    or empty before it is written (nothing read, nothing logged). Raises Http404 /
    PermissionDenied as medical.access.get_note_for."""
    consultation, note = access.get_note_for(user, consultation_id, allow_missing=True)
    content = note_content(note) if note else None
    return NoteEditor(
        consultation=consultation,
        note=note,
        content=content,
        versions=note_versions(note) if note else [],
        # An unreadable note may not be amended (medical.services.note_amend refuses).
        writable=(note is not None and not content.unreadable)
        or (note is None and consultation.status in NOTE_WRITABLE_STATUSES),
    )


def note_index(*, user):
    """The consultations `user` may write a note for that may carry one, newest first,
    each with `has_note`. Metadata only: nothing is decrypted."""
    return (
        consultations_with_perm(user, "write_clinical_note")
        .filter(status__in=NOTE_WRITABLE_STATUSES)
        .select_related("employee")
        .annotate(has_note=Exists(ClinicalNote.objects.filter(consultation=OuterRef("pk"))))
        .order_by("-scheduled_at")
    )


def notes_to_write(*, user):
    """The completed consultations of `user` (their practitioner) that have no note
    yet, newest first: the practitioner's home reminds them. Metadata only."""
    return (
        consultations_with_perm(user, "write_clinical_note")
        .filter(status=Consultation.Status.COMPLETED)
        .exclude(Exists(ClinicalNote.objects.filter(consultation=OuterRef("pk"))))
        .select_related("employee")
        .order_by("-scheduled_at")
    )


# What a list reads per journal entry (values_list: no model instance per row).
ENTRY_FIELDS = (
    "id",
    "owner_id",
    "entry_date",
    "mood_sealed",
    "text_sealed",
    "created_at",
    "updated_at",
)


def entry_content(entry: JournalEntry) -> EntryView:
    return entry_row_content(tuple(getattr(entry, field) for field in ENTRY_FIELDS))


def entries_content(entries) -> list[EntryView]:
    return [entry_content(entry) for entry in entries]


def entry_rows_content(rows) -> list[EntryView]:
    """`entry_row_content` of each row of a list, the key ring read once."""
    unseal = crypto.unsealer()
    return [entry_row_content(row, unseal) for row in rows]


def entry_row_content(row: tuple, unseal=crypto.unseal) -> EntryView:
    """The EntryView of one `ENTRY_FIELDS` row: as `entry_content` of its instance. The
    ids and instants of a statement's row may be PostgreSQL's text (ENTRY_TEXT): the
    view keeps them so (its readers write them as text)."""
    pk, owner_id, entry_date, mood_sealed, text_sealed, created_at, updated_at = row
    if pk.__class__ is str:  # PostgreSQL's text of the UUIDs: named by their hex
        mood_aad, text_aad = _ENTRY_AADS(pk.replace("-", ""), owner_id.replace("-", ""))
    else:
        mood_aad, text_aad = _ENTRY_AADS(pk, owner_id)
    try:
        mood = int(unseal(mood_sealed, aad=mood_aad))
        text = unseal(text_sealed, aad=text_aad)
    except crypto.DecryptionError:
        integrity_failure(
            object_type="journal_entry",
            object_id=_uuid(pk),
            row=JournalEntry(pk=_uuid(pk), owner_id=_uuid(owner_id)),
        )
        mood = text = None
    return EntryView(pk, entry_date, mood, text, created_at, updated_at, text is None)


_uuid = JournalEntry._meta.pk.to_python  # a UUID, from a UUID or PostgreSQL's text of one
_ENTRY_AADS = JournalEntry.aads_writer("mood", "text")


def _hex(pk) -> str:
    """A UUID's hex, the form the associated data names it by (medical.crypto), from a
    UUID or PostgreSQL's text of one (lower case, with hyphens)."""
    return pk.replace("-", "") if pk.__class__ is str else pk.hex


class MoodPoint(NamedTuple):  # one per day of a chart: see EntryView
    day: date
    mood: float
    count: int


def mood_series(entries, *, days: int = 90, today: date | None = None) -> list[MoodPoint]:
    """The daily average mood over the last `days` days, oldest first. `entries` is the
    owner's queryset (from medical.access.journal_entries_for); only moods are unsealed."""
    today = today or timezone.localdate()
    since = today - timedelta(days=days - 1)
    rows = entries.filter(entry_date__gte=since, entry_date__lte=today).values_list(
        "id", "owner_id", "entry_date", "mood_sealed"
    )
    return _mood_points((day, _mood_of(pk, owner_id, sealed)) for pk, owner_id, day, sealed in rows)


def _mood_of(pk, owner_id, sealed: str, unseal=crypto.unseal) -> int | None:
    try:
        return int(unseal(sealed, aad=JournalEntry.aad_of(_hex(pk), _hex(owner_id), "mood")))
    except crypto.DecryptionError:
        # Left out of the chart; the entries list beside it records the event.
        logger.error("Integrity: journal entry %s mood failed to decrypt.", pk)
        return None


def _mood_points(moods) -> list[MoodPoint]:
    """MoodPoints, oldest first, of (day, mood) pairs; an unreadable mood (None) is left out."""
    by_day: dict[date, list[int]] = {}
    for day, mood in moods:
        if mood is not None:
            by_day.setdefault(day, []).append(mood)
    return [
        MoodPoint(day, sum(moods) / len(moods), len(moods)) for day, moods in sorted(by_day.items())
    ]


@dataclass(frozen=True)
class JournalPage:
    page: Page  # of EntryView, newest first
    points: list[MoodPoint]  # mood_series over the chart's days


def _journal_page_rows(owner_id, first, last, since, today):
    """The owner's entries ranked newest first, those ranked in (first, last] or dated
    in [since, today], each with its rank and the owner's total (windows over all the
    owner's entries)."""
    return (
        access.own_entries(User(pk=owner_id))
        .annotate(
            _rank=Window(RowNumber(), order_by=[F("entry_date").desc(), F("created_at").desc()]),
            _total=Window(Count("*")),
        )
        .filter(
            Q(_rank__gt=first, _rank__lte=last) | Q(entry_date__gte=since, entry_date__lte=today)
        )
        .values_list(*ENTRY_FIELDS, "_rank", "_total")
    )


_RANK = models.IntegerField()
_DAY = JournalEntry._meta.get_field("entry_date")
# The lists read their rows' ids and instants as PostgreSQL's text (entry_row_content).
ENTRY_TEXT = ("uuid", "timestamptz")
_JOURNAL_PAGE = Statement(
    _journal_page_rows,
    as_text=ENTRY_TEXT,
    prepared=True,
    owner_id=User._meta.pk,
    first=_RANK,
    last=_RANK,
    since=_DAY,
    today=_DAY,
)
# A page of the owner's entries, newest first, ending with their total (medical.api). Its
# days come as text too (the API writes them so; the page's statement keeps dates: its
# chart compares them).
# Both lists are prepared on the connection: PostgreSQL planned each on every request
# (0.13-0.32 ms, as long as it ran) and now plans it once per connection; its generic plan
# reads the owner's rows through an index on the owner as the custom one did
# (bench/profiles/pc/).
OWN_ENTRIES = Statement(
    lambda owner_id: with_total(access.own_entries(User(pk=owner_id)), ENTRY_FIELDS),
    as_text=(*ENTRY_TEXT, "date"),
    prepared=True,
    owner_id=User._meta.pk,
)


def journal_page(owner, *, number, per_page: int, days: int, today: date) -> JournalPage:
    """One page of `owner`'s entries (newest first; `number` read as Paginator.get_page
    reads it) decrypted, and the mood series of the last `days` days, from one
    statement: the page's rows, the chart's rows and the total count (a window over the
    owner's entries). What Paginator.get_page and mood_series give, without their three
    queries nor decrypting a mood twice (tests/medical/test_journal_page.py). A page
    number out of range (rare) costs a second statement, for the page it falls back to.
    The caller has passed medical.access.require_journal."""
    since = today - timedelta(days=days - 1)
    asked = _page_number(number)
    offset = (max(asked, 1) - 1) * per_page
    rows = _JOURNAL_PAGE.rows(
        owner_id=owner.pk, first=offset, last=offset + per_page, since=since, today=today
    )
    paginator = Paginator((), per_page)
    if rows:
        paginator.count = rows[0][-1]
    else:  # no entry at all, or none on this page nor in the chart's days
        paginator.count = 0 if asked == 1 else access.own_entries(owner).count()
    number = paginator.get_page(asked).number
    unseal = crypto.unsealer()
    on_page = sorted((row for row in rows if offset < row[-2] <= offset + per_page), key=_rank)
    views = {str(row[0]): entry_row_content(row[:-2], unseal) for row in on_page}
    if number != max(asked, 1):  # out of range: get_page's fallback page
        start = (number - 1) * per_page
        views = {
            str(row[0]): entry_row_content(row, unseal)
            for row in access.own_entries(owner).values_list(*ENTRY_FIELDS)[
                start : start + per_page
            ]
        }
    points = _mood_points(
        (row[2], _chart_mood(row, views.get(str(row[0])), unseal))
        for row in rows
        if since <= row[2] <= today
    )
    return JournalPage(page=Page(list(views.values()), number, paginator), points=points)


def _chart_mood(row: tuple, view: EntryView | None, unseal) -> int | None:
    """A chart row's mood: the page's, already decrypted, else decrypted alone (as
    mood_series does, also for an entry whose text alone is unreadable)."""
    if view is not None and not view.unreadable:
        return view.mood
    return _mood_of(row[0], row[1], row[3], unseal)


def _rank(row: tuple) -> int:
    return row[-2]


def _page_number(number) -> int:
    """The page Paginator.get_page starts from: an integer, else 1."""
    try:
        if isinstance(number, float) and not number.is_integer():
            raise ValueError
        return int(number)
    except (TypeError, ValueError):
        return 1


def _iso(value) -> str | None:
    return value.isoformat() if value else None


@dataclass(frozen=True)
class WrittenMessage:
    consultation_id: object
    created_at: datetime
    body: str | None
    unreadable: bool


def chat_messages_written_by(*, author) -> list[WrittenMessage]:
    """The chat messages `author` wrote herself, decrypted, oldest first: her own text
    only, never the other participant's (someone else's medical text)."""
    from chat.models import ChatMessage

    written = []
    for message in ChatMessage.objects.filter(sender=author).order_by("created_at", "id"):
        try:
            body = crypto.unseal(message.body_sealed, aad=message.aad("body"))
        except crypto.DecryptionError:
            integrity_failure(object_type="chat", object_id=message.consultation_id, row=message)
            body = None
        written.append(
            WrittenMessage(message.consultation_id, message.created_at, body, body is None)
        )
    return written


def _consultations(user) -> list[dict]:
    from consultations.selectors import cancel_reason_for

    rows = (
        Consultation.objects.filter(Q(employee=user) | Q(practitioner=user))
        .select_related("practitioner", "employee")
        .order_by("scheduled_at")
    )
    return [
        {
            "id": str(c.pk),
            "role": "employee" if c.employee_id == user.pk else "practitioner",
            "practitioner": c.practitioner.get_full_name(),
            "employee": c.employee.get_full_name() if c.practitioner_id == user.pk else None,
            "kind": c.kind,
            "status": c.status,
            "scheduledAt": _iso(c.scheduled_at),
            "scheduledEnd": _iso(c.scheduled_end),
            "startedAt": _iso(c.started_at),
            "endedAt": _iso(c.ended_at),
            "durationSeconds": c.duration_seconds,
            "cancelledAt": _iso(c.cancelled_at),
            # Her own words only: the reason the other participant wrote stays theirs.
            "cancelReason": cancel_reason_for(user=user, consultation=c)
            if c.cancelled_by_id == user.pk
            else None,
        }
        for c in rows
    ]


def _clinical_notes(user) -> list[dict]:
    notes = (
        ClinicalNote.objects.filter(author=user)
        .select_related("consultation")
        .order_by("created_at")
    )
    out = []
    for note in notes:
        content = note_content(note)
        out.append(
            {
                "consultationId": str(note.consultation_id),
                "version": note.version,
                **content.as_dict(),
                "unreadable": content.unreadable,
                "createdAt": _iso(note.created_at),
                "updatedAt": _iso(note.updated_at),
                "previousVersions": [
                    {
                        "version": v.number,
                        **v.content.as_dict(),
                        "unreadable": v.content.unreadable,
                        "writtenAt": _iso(v.written_at),
                        "replacedAt": _iso(v.replaced_at),
                    }
                    for v in note_versions(note)
                ],
            }
        )
    return out


def _log_rows(rows) -> list[dict]:
    return [
        {
            "at": _iso(row.at),
            "by": row.user_email,
            "role": row.role,
            "action": row.action,
            "objectType": row.object_type,
            "objectId": row.object_id,
            "allowed": row.allowed,
        }
        for row in rows
    ]


def personal_data(user, entries=None) -> dict:
    """Everything HuntZen Care holds that `user` wrote or is the subject of, readable
    (GDPR art. 15 and 20), for every role: profile; consultations (metadata, her own
    cancellation reasons); journal (`entries` from medical.access.journal_entries_for,
    employees); chat messages she wrote; clinical notes he wrote (practitioners);
    invitations sent (HR, staff); consent history; the access log about her.
    Never someone else's medical text: the practitioner's notes and chat messages are
    not in the employee's export, nor hers in his."""
    from accounts.models import Invitation

    medical = not access.is_barred(user)
    return {
        "format": "huntzen-care-export/2",
        "exportedAt": timezone.now().isoformat(),
        "profile": {
            "id": str(user.pk),
            "email": user.email,
            "firstName": user.first_name,
            "lastName": user.last_name,
            "role": user.role,
            "company": user.company.name if user.company_id else None,
            "language": user.language,
            "dateJoined": user.date_joined.isoformat(),
            "personalAddresses": list(
                user.emailaddress_set.exclude(email__iexact=user.email).values_list(
                    "email", flat=True
                )
            ),
        },
        "consultations": _consultations(user),
        "journal": [
            {
                "id": str(e.id),
                "entryDate": e.entry_date.isoformat(),
                "mood": e.mood,
                "text": e.text,
                "unreadable": e.unreadable,
                "createdAt": e.created_at.isoformat(),
                "updatedAt": e.updated_at.isoformat(),
            }
            for e in entries_content(entries.order_by("entry_date", "created_at"))
        ]
        if entries is not None
        else [],
        "chatMessages": [
            {
                "consultationId": str(m.consultation_id),
                "createdAt": _iso(m.created_at),
                "body": m.body,
                "unreadable": m.unreadable,
            }
            for m in chat_messages_written_by(author=user)
        ]
        if medical
        else [],
        "clinicalNotes": _clinical_notes(user) if access.can_keep_notes(user) else [],
        "invitationsSent": [
            {
                "email": i.email,
                "role": i.role,
                "company": i.company.name if i.company_id else None,
                "status": i.status,
                "createdAt": _iso(i.created_at),
            }
            for i in Invitation.objects.filter(invited_by=user)
            .select_related("company")
            .order_by("created_at")
        ],
        "consentHistory": _log_rows(
            AccessLogEntry.objects.filter(user=user, object_type=audit.USAGE_SHARING).order_by(
                "at", "id"
            )
        ),
        "accessLogAboutMe": _log_rows(audit.disclosures_about(subject=user)),
    }


EXPORT_JSON_NAME = "huntzen-care-donnees.json"
EXPORT_HTML_NAME = "huntzen-care-donnees.html"
PERSONAL_DATA = access.PERSONAL_DATA  # access-log object type of a whole-account export


def personal_data_export(*, user) -> bytes:
    """Everything about `user` (personal_data) as a ZIP, with one EXPORT row in the
    access log: the journal's (employees, medical.access) or the account's."""
    if access.can_use_journal(user, action=AccessLogEntry.Action.EXPORT):
        entries = access.journal_entries_for(user, action=AccessLogEntry.Action.EXPORT)
    else:
        entries = None
        audit.log_access(
            user=user,
            object_type=PERSONAL_DATA,
            object_id=user.pk,
            action=AccessLogEntry.Action.EXPORT,
            allowed=True,
            subject=user,
        )
    return personal_data_zip(user, entries)


def personal_data_zip(user, entries=None) -> bytes:
    """personal_data as JSON (to take elsewhere, art. 20) and as one HTML page (to read,
    art. 15) inside a ZIP, built in memory (never on disk)."""
    from django.template.loader import render_to_string

    data = personal_data(user, entries)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(EXPORT_JSON_NAME, json.dumps(data, ensure_ascii=False, indent=2))
        archive.writestr(
            EXPORT_HTML_NAME, render_to_string("medical/personal_data_export.html", {"d": data})
        )
    return buffer.getvalue()
