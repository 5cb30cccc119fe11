from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MedicalConfig(AppConfig):
    name = "medical"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = _("Secret médical")

    def ready(self):
        from medical import rotation
        from medical.models import (
            ClinicalNote,
            ClinicalNoteVersion,
            JournalEntry,
            PersonalDataExport,
        )

        rotation.register(
            "medical.ClinicalNote",
            fields=tuple(ClinicalNote.SEALED),
            aad=lambda note, column: note.aad(ClinicalNote.SEALED[column]),
        )
        rotation.register(
            "medical.ClinicalNoteVersion",
            fields=tuple(ClinicalNoteVersion.SEALED),
            aad=lambda version, column: version.aad(ClinicalNoteVersion.SEALED[column]),
            select_related=("note",),
        )
        rotation.register(
            "medical.JournalEntry",
            fields=tuple(JournalEntry.SEALED),
            aad=lambda entry, column: entry.aad(JournalEntry.SEALED[column]),
        )
        rotation.register(
            "medical.PersonalDataExport",
            fields=tuple(PersonalDataExport.SEALED),
            aad=lambda export, column: export.aad(PersonalDataExport.SEALED[column]),
        )
