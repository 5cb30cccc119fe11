from django.urls import path

from medical import api

urlpatterns = [
    path("clinical-notes", api.ClinicalNoteCreateView.as_view(), name="api-clinical-notes"),
    path(
        "clinical-notes/<uuid:consultationId>",
        api.ClinicalNoteDetailView.as_view(),
        name="api-clinical-note",
    ),
    path("journal", api.JournalView.as_view(), name="api-journal"),
    path("journal/<uuid:pk>", api.JournalEntryView.as_view(), name="api-journal-entry"),
]
