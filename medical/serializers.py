"""API bodies of medical content: camelCase, unknown fields refused (huntzen.api).

Error messages never echo the submitted value (no ChoiceField for the mood: its
message would repeat the input).
"""

from rest_framework import serializers

from consultations.serializers import datetime_text
from huntzen import json_rows
from huntzen.api import CamelSerializer
from medical import limits


def _note_field(name: str):
    return serializers.CharField(
        max_length=limits.NOTE_FIELDS_MAX[name], allow_blank=True, required=False
    )


class ClinicalNoteCreateSerializer(CamelSerializer):
    consultation_id = serializers.UUIDField()
    reason = _note_field("reason")
    observations = _note_field("observations")
    plan = _note_field("plan")


class ClinicalNoteAmendSerializer(CamelSerializer):
    reason = _note_field("reason")
    observations = _note_field("observations")
    plan = _note_field("plan")


UNREADABLE_HELP = (
    "True when the stored ciphertext failed its integrity check (tampered, moved or "
    "unknown key): the text fields are then null, the event is in the access log, and "
    "the rest of the response is served as usual."
)


def _unreadable_field(**options):
    return serializers.BooleanField(help_text=UNREADABLE_HELP, **options)


def _sealed_text(**options):
    return serializers.CharField(allow_null=True, help_text="Null when unreadable.", **options)


class ClinicalNoteVersionSerializer(CamelSerializer):
    version = serializers.IntegerField(source="number")
    reason = _sealed_text(source="content.reason")
    observations = _sealed_text(source="content.observations")
    plan = _sealed_text(source="content.plan")
    unreadable = _unreadable_field(source="content.unreadable")
    written_at = serializers.DateTimeField()
    replaced_at = serializers.DateTimeField()


class ClinicalNoteSerializer(CamelSerializer):
    id = serializers.UUIDField()
    consultation_id = serializers.UUIDField()
    author_id = serializers.UUIDField()
    version = serializers.IntegerField()
    reason = _sealed_text()
    observations = _sealed_text()
    plan = _sealed_text()
    unreadable = _unreadable_field()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    previous_versions = ClinicalNoteVersionSerializer(many=True)


class JournalEntryInputSerializer(CamelSerializer):
    entry_date = serializers.DateField(required=False)
    mood = serializers.IntegerField(min_value=limits.MOOD_MIN, max_value=limits.MOOD_MAX)
    text = serializers.CharField(max_length=limits.JOURNAL_TEXT_MAX, trim_whitespace=True)


class JournalEntrySerializer(CamelSerializer):
    id = serializers.UUIDField()
    entry_date = serializers.DateField()
    mood = serializers.IntegerField(allow_null=True, help_text="Null when unreadable.")
    text = _sealed_text()
    unreadable = _unreadable_field()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    def to_representation(self, entry):
        """The fields above, built directly (a page of entries spent more time in DRF's
        field walk than in decrypting them); tests/medical/test_api_representation.py
        holds it equal to the generic walk. `entry` is a selectors.EntryView."""
        return _entry(entry, datetime_text())

    @staticmethod
    def represent_many(entries) -> list[dict]:
        """`to_representation` of each EntryView, the time zone looked up once."""
        dt = datetime_text()
        return [_entry(entry, dt) for entry in entries]

    @staticmethod
    def represent_many_json(entries) -> list[str]:
        """Each representation (`represent_many`) as the JSON text DRF's JSONRenderer
        writes for it (huntzen.json_rows), without its dict."""
        instant = datetime_text(json=True)
        return [_entry_json(entry, instant) for entry in entries]


def _entry(entry, dt) -> dict:
    day = entry.entry_date  # a date, or PostgreSQL's text of it (medical.selectors)
    return {
        "id": str(entry.id),
        "entryDate": day if day.__class__ is str else day.isoformat(),
        "mood": None if entry.mood is None else int(entry.mood),
        "text": None if entry.text is None else str(entry.text),
        "unreadable": bool(entry.unreadable),
        "createdAt": dt(entry.created_at),
        "updatedAt": dt(entry.updated_at),
    }


def _entry_json(entry, instant) -> str:
    """`_entry(entry, dt)` as JSON text, its keys in the same order; `instant` writes an
    instant (datetime_text with `json`). The id (a UUID) and the day are written between
    quotes as they are: their characters are never escaped."""
    day, mood, text = entry.entry_date, entry.mood, entry.text
    created_at, updated_at = entry.created_at, entry.updated_at
    created = instant(created_at)
    # An entry never edited has one instant twice (the service writes both alike): the
    # same value, the same text, written once.
    updated = created if updated_at == created_at else instant(updated_at)
    return (
        f'{{"id":"{entry.id}",'
        f'"entryDate":"{day if day.__class__ is str else day.isoformat()}",'
        f'"mood":{"null" if mood is None else repr(int(mood))},'
        f'"text":{"null" if text is None else json_rows.string(str(text))},'
        f'"unreadable":{json_rows.LITERALS[bool(entry.unreadable)]},'
        f'"createdAt":{created},"updatedAt":{updated}}}'
    )


class JournalDeletedSerializer(CamelSerializer):
    deleted = serializers.IntegerField()
