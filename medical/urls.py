from django.urls import path

from medical import views

app_name = "medical"

urlpatterns = [
    path("journal/", views.journal_list, name="journal"),
    path("journal/new/", views.journal_new, name="journal_new"),
    path("journal/delete-all/", views.journal_delete_all, name="journal_delete_all"),
    path("journal/export/", views.personal_data_export, name="export"),
    path("journal/<uuid:pk>/", views.journal_entry, name="journal_entry"),
    path("journal/<uuid:pk>/edit/", views.journal_edit, name="journal_edit"),
    path("journal/<uuid:pk>/delete/", views.journal_delete, name="journal_delete"),
    path("clinical-notes/", views.note_index, name="notes"),
    path("consultations/<uuid:consultation_id>/note/", views.note_edit, name="note"),
]
