"""Portal pages: the employee's private journal and the practitioner's note editor.

Each view asks medical.access first (which logs the verdict), then calls a service or
selector, then renders. Every page here sends Cache-Control: no-store.
"""

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from consultations.permissions import consultations_with_perm
from medical import access, selectors, services
from medical.charts import mood_chart
from medical.exceptions import NoteNotWritable
from medical.forms import ClinicalNoteForm, ConfirmForm, JournalEntryForm
from medical.models import AccessLogEntry, ClinicalNote

Action = AccessLogEntry.Action

JOURNAL_PAGE_SIZE = 25
CHART_DAYS = 90
NOTES_PAGE_SIZE = 50


def _form_errors_from(form, error: ValidationError) -> None:
    for field, messages_ in error.message_dict.items():
        form.add_error(field if field in form.fields else None, messages_)


def _journal_gate(user, *, action) -> None:
    """Showing an empty form reads and writes nothing: only a refusal is logged."""
    if not access.can_use_journal(user, action=action):
        access.require_journal(user, action=action)


# --- Journal ----------------------------------------------------------------------


@never_cache
@login_required
def journal_list(request):
    entries = access.journal_entries_for(request.user)
    page = Paginator(entries, JOURNAL_PAGE_SIZE).get_page(request.GET.get("page"))
    today = timezone.localdate()
    first_day = today - timedelta(days=CHART_DAYS - 1)
    points = selectors.mood_series(entries, days=CHART_DAYS, today=today)
    return render(
        request,
        "medical/journal_list.html",
        {
            "page": page,
            "entries": selectors.entries_content(page.object_list),
            "chart": mood_chart(points, first_day=first_day, last_day=today) if points else None,
            "points": points,
        },
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def journal_new(request):
    if request.method == "POST":
        access.require_journal(request.user, action=Action.WRITE)
        form = JournalEntryForm(request.POST)
        if form.is_valid():
            try:
                entry = services.journal_entry_create(owner=request.user, **form.cleaned_data)
            except ValidationError as error:
                _form_errors_from(form, error)
            else:
                messages.success(request, _("Entrée enregistrée."))
                return redirect("medical:journal_entry", pk=entry.pk)
        return render(request, "medical/journal_form.html", {"form": form}, status=400)
    _journal_gate(request.user, action=Action.WRITE)
    form = JournalEntryForm(initial={"entry_date": timezone.localdate()})
    return render(request, "medical/journal_form.html", {"form": form})


@never_cache
@login_required
def journal_entry(request, pk):
    entry = access.get_entry_for(request.user, pk, action=Action.READ)
    return render(request, "medical/journal_entry.html", {"entry": selectors.entry_content(entry)})


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def journal_edit(request, pk):
    if request.method == "POST":
        entry = access.get_entry_for(request.user, pk, action=Action.WRITE)
        form = JournalEntryForm(request.POST)
        if form.is_valid():
            try:
                services.journal_entry_update(owner=request.user, entry=entry, **form.cleaned_data)
            except ValidationError as error:
                _form_errors_from(form, error)
            else:
                messages.success(request, _("Entrée modifiée."))
                return redirect("medical:journal_entry", pk=entry.pk)
        return render(
            request, "medical/journal_form.html", {"form": form, "entry": entry}, status=400
        )
    entry = access.get_entry_for(request.user, pk, action=Action.READ)
    content = selectors.entry_content(entry)
    form = JournalEntryForm(
        initial={"entry_date": content.entry_date, "mood": content.mood, "text": content.text}
    )
    return render(request, "medical/journal_form.html", {"form": form, "entry": entry})


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def journal_delete(request, pk):
    if request.method == "POST":
        entry = access.get_entry_for(request.user, pk, action=Action.DELETE)
        services.journal_entry_delete(owner=request.user, entry=entry)
        messages.success(request, _("Entrée supprimée."))
        return redirect("medical:journal")
    entry = access.get_entry_for(request.user, pk, action=Action.READ)
    return render(request, "medical/journal_delete.html", {"entry": entry})


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def journal_delete_all(request):
    if request.method == "POST":
        access.require_journal(request.user, action=Action.DELETE)
        form = ConfirmForm(request.POST)
        if form.is_valid():
            count = services.journal_delete_all(owner=request.user)
            messages.success(
                request, _("Votre journal a été supprimé (%(n)d entrées).") % {"n": count}
            )
            return redirect("medical:journal")
        return render(request, "medical/journal_delete_all.html", {"form": form}, status=400)
    _journal_gate(request.user, action=Action.DELETE)
    return render(request, "medical/journal_delete_all.html", {"form": ConfirmForm()})


@never_cache
@login_required
@require_POST
def personal_data_export(request):
    """GDPR art. 15 and 20: everything about the employee, journal decrypted, as a ZIP."""
    entries = access.journal_entries_for(request.user, action=Action.EXPORT)
    archive = selectors.personal_data_zip(request.user, entries)
    response = HttpResponse(archive, content_type="application/zip")
    filename = f"huntzen-care-{timezone.localdate():%Y-%m-%d}.zip"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- Clinical notes ---------------------------------------------------------------


@never_cache
@login_required
def note_index(request):
    """The practitioner's consultations that may carry a note, and which ones do.
    Metadata only: nothing is decrypted here."""
    if not access.can_keep_notes(request.user):
        raise PermissionDenied(_("Les notes cliniques sont réservées aux praticiens."))
    consultations = (
        consultations_with_perm(request.user, "write_clinical_note")
        .filter(status__in=services.NOTE_WRITABLE_STATUSES)
        .select_related("employee")
        .annotate(has_note=Exists(ClinicalNote.objects.filter(consultation=OuterRef("pk"))))
        .order_by("-scheduled_at")
    )
    page = Paginator(consultations, NOTES_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "medical/note_index.html", {"page": page})


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def note_edit(request, consultation_id):
    if request.method == "POST":
        consultation, note = access.get_note_for(request.user, consultation_id, action=Action.WRITE)
        form = ClinicalNoteForm(request.POST)
        status = 400
        if form.is_valid():
            try:
                if note is None:
                    services.note_create(
                        author=request.user, consultation=consultation, **form.cleaned_data
                    )
                else:
                    services.note_amend(author=request.user, note=note, **form.cleaned_data)
            except ValidationError as error:
                _form_errors_from(form, error)
            except NoteNotWritable as error:
                form.add_error(None, error.message)
                status = 409
            else:
                messages.success(request, _("Note enregistrée."))
                return redirect("medical:note", consultation_id=consultation.pk)
        versions = selectors.note_versions(note) if note else []
        return render(
            request,
            "medical/note_edit.html",
            {
                "consultation": consultation,
                "note": note,
                "form": form,
                "versions": versions,
                "writable": True,
            },
            status=status,
        )
    consultation, note = access.get_note_for(
        request.user, consultation_id, action=Action.READ, allow_missing=True
    )
    if note is None:
        form = ClinicalNoteForm()
        versions = []
    else:
        form = ClinicalNoteForm(initial=selectors.note_content(note).as_dict())
        versions = selectors.note_versions(note)
    return render(
        request,
        "medical/note_edit.html",
        {
            "consultation": consultation,
            "note": note,
            "form": form,
            "versions": versions,
            "writable": note is not None or consultation.status in services.NOTE_WRITABLE_STATUSES,
        },
    )
