"""API bodies of medical content: camelCase, unknown fields refused (huntzen.api).

Error messages never echo the submitted value (no ChoiceField for the mood: its
message would repeat the input).
"""

from rest_framework import serializers

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


class ClinicalNoteVersionSerializer(CamelSerializer):
    version = serializers.IntegerField(source="number")
    reason = serializers.CharField(source="content.reason")
    observations = serializers.CharField(source="content.observations")
    plan = serializers.CharField(source="content.plan")
    written_at = serializers.DateTimeField()
    replaced_at = serializers.DateTimeField()


class ClinicalNoteSerializer(CamelSerializer):
    id = serializers.UUIDField()
    consultation_id = serializers.UUIDField()
    author_id = serializers.UUIDField()
    version = serializers.IntegerField()
    reason = serializers.CharField()
    observations = serializers.CharField()
    plan = serializers.CharField()
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
    mood = serializers.IntegerField()
    text = serializers.CharField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class JournalDeletedSerializer(CamelSerializer):
    deleted = serializers.IntegerField()
