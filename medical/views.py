"""Portal pages: the employee's private journal and the practitioner's note editor.

A page parses its input, calls one medical service (a write: it decides access and
logs) or one access function or selector (a read: logged there), then renders. Every
page here sends Cache-Control: no-store.
"""

import re
import unicodedata
import uuid
from collections.abc import Callable
from datetime import timedelta
from html import escape

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import truncatechars
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from huntzen import dates
from huntzen.cache_headers import never_cache
from huntzen.numbers import number_text
from medical import access, exports, selectors, services
from medical.charts import escaped_label, mood_chart
from medical.exceptions import NoteNotWritable
from medical.forms import ClinicalNoteForm, ConfirmForm, JournalEntryForm
from medical.models import AccessLogEntry

Action = AccessLogEntry.Action

JOURNAL_PAGE_SIZE = 25
CHART_DAYS = 90
NOTES_PAGE_SIZE = 50


def _cleaned(form) -> Callable[[], dict]:
    """The form's values for a service, validated when the service asks for them: after
    its access decision, so a refused user never sees the form's errors."""

    def parse():
        if not form.is_valid():
            raise ValidationError(form.errors.as_data())
        return form.cleaned_data

    return parse


def _show(form, error: ValidationError) -> None:
    """A service's validation error on the form (the form's own errors are on it)."""
    if form.is_valid():
        for field, messages_ in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages_)


# --- Journal ----------------------------------------------------------------------

_ANY_ID = uuid.UUID(int=0)


def _entry_items(entries) -> SafeString:
    """The <li> of each entry on the journal page, built once per page: Django's template
    loop over them was most of the page's time (bench/profiles/h3-own-reads), then
    format_html and localize per value (bench/profiles/ha/): plain formatting with
    html.escape, which Django's escape is. tests/medical/test_journal_page.py holds the
    markup equal to that loop's: values escaped, numbers localised, the same
    translations, the same filters on the text."""
    url = escape(reverse("medical:journal_entry", args=[_ANY_ID]))  # one reverse() per page
    any_id = str(_ANY_ID)
    # Our own translation, as {% translate %} writes it.
    unreadable = _(
        "Cette entrée est illisible : son contenu n'a pas passé le contrôle "
        "d'intégrité. L'incident est enregistré et l'équipe technique en est avertie."
    )
    mood_line = _("Humeur : %(mood)s/5")
    number = number_text()
    date_long = dates.days_long()
    items = []
    for entry in entries:
        heading = (
            f'<h3><a href="{url.replace(any_id, str(entry.id))}">'
            f"{escaped_label(date_long(entry.entry_date))}</a></h3>"
        )
        if entry.unreadable:
            body = f'<p class="integrity-error" role="alert">{unreadable}</p>'
        else:
            mood = number(entry.mood)
            body = (
                f'<p class="mood mood-{mood}">{mood_line % {"mood": mood}}</p>'
                f'<p class="journal-excerpt">{_lines(_excerpt(entry.text))}</p>'
            )
        items.append(f'<li class="card journal-entry">{heading}{body}</li>')
    return mark_safe("\n".join(items))  # noqa: S308 # nosec B308, B703 -- each value escaped above


EXCERPT_CHARS = 280
_NEWLINES = re.compile(r"\r\n|\r")


def _lines(text: str) -> str:
    """`text|linebreaksbr` of a plain (unsafe) string, without the filter's layers of
    lazy-text checks: newlines normalised, the text escaped, each newline a <br>."""
    if "\r" in text:
        text = _NEWLINES.sub("\n", text)
    return escape(text).replace("\n", "<br>")


def _excerpt(text: str) -> str:
    """`text|truncatechars:280`: Truncator's walk over each character only when the text
    (normalised as Truncator normalises it) is longer than that."""
    normalised = unicodedata.normalize("NFC", text)
    return normalised if len(normalised) <= EXCERPT_CHARS else truncatechars(text, EXCERPT_CHARS)


@never_cache
@login_required
def journal_list(request):
    access.require_journal(request.user, action=Action.READ)
    today = timezone.localdate()
    first_day = today - timedelta(days=CHART_DAYS - 1)
    journal = selectors.journal_page(
        request.user,
        number=request.GET.get("page"),
        per_page=JOURNAL_PAGE_SIZE,
        days=CHART_DAYS,
        today=today,
    )
    points = journal.points
    return render(
        request,
        "medical/journal_list.html",
        {
            "page": journal.page,
            "entries": _entry_items(journal.page.object_list),
            "chart": mood_chart(points, first_day=first_day, last_day=today) if points else None,
            "points": points,
        },
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def journal_new(request):
    if request.method == "POST":
        form = JournalEntryForm(request.POST)
        try:
            entry = services.journal_entry_create(owner=request.user, parse=_cleaned(form))
        except ValidationError as error:
            _show(form, error)
            return render(request, "medical/journal_form.html", {"form": form}, status=400)
        messages.success(request, _("Entrée enregistrée."))
        return redirect("medical:journal_entry", pk=entry.pk)
    # An empty form reads and writes nothing: only a refusal is logged.
    access.require_journal(request.user, action=Action.WRITE, log_allowed=False)
    form = JournalEntryForm(initial={"entry_date": timezone.localdate()})
    return render(request, "medical/journal_form.html", {"form": form})


@never_cache
@login_required
def journal_entry(request, pk):
    entry = access.get_entry_for(request.user, pk)
    return render(request, "medical/journal_entry.html", {"entry": selectors.entry_content(entry)})


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def journal_edit(request, pk):
    if request.method == "POST":
        form = JournalEntryForm(request.POST)
        try:
            services.journal_entry_update(owner=request.user, entry=pk, parse=_cleaned(form))
        except ValidationError as error:
            _show(form, error)
            return render(
                request, "medical/journal_form.html", {"form": form, "entry_id": pk}, status=400
            )
        messages.success(request, _("Entrée modifiée."))
        return redirect("medical:journal_entry", pk=pk)
    content = selectors.entry_content(access.get_entry_for(request.user, pk))
    form = JournalEntryForm(
        initial={"entry_date": content.entry_date, "mood": content.mood, "text": content.text}
    )
    return render(request, "medical/journal_form.html", {"form": form, "entry_id": pk})


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def journal_delete(request, pk):
    if request.method == "POST":
        services.journal_entry_delete(owner=request.user, entry=pk)
        messages.success(request, _("Entrée supprimée."))
        return redirect("medical:journal")
    entry = access.get_entry_for(request.user, pk)
    return render(request, "medical/journal_delete.html", {"entry": entry})


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def journal_delete_all(request):
    if request.method == "POST":
        form = ConfirmForm(request.POST)
        try:
            count = services.journal_delete_all(owner=request.user, parse=_cleaned(form))
        except ValidationError:
            return render(request, "medical/journal_delete_all.html", {"form": form}, status=400)
        messages.success(request, _("Votre journal a été supprimé (%(n)d entrées).") % {"n": count})
        return redirect("medical:journal")
    # The confirmation page reads and writes nothing: only a refusal is logged.
    access.require_journal(request.user, action=Action.DELETE, log_allowed=False)
    return render(request, "medical/journal_delete_all.html", {"form": ConfirmForm()})


@never_cache
@login_required
@require_POST
def personal_data_export(request):
    """GDPR art. 15 and 20, for every role: what the person wrote or is the subject of,
    as a ZIP (medical.selectors.personal_data_export), at once for an account of
    ordinary size; a large one is built by a task (medical.exports) and announced by
    email, and this answers with the "Mes données" page."""
    if not exports.export_is_inline(request.user):
        exports.export_request(owner=request.user)
        messages.info(
            request,
            _(
                "Votre export est en préparation ; vous recevrez un e-mail quand il sera "
                "prêt. Il sera téléchargeable depuis cette page."
            ),
        )
        return redirect("accounts:my_data")
    return zip_response(selectors.personal_data_export(user=request.user))


def zip_response(archive: bytes) -> HttpResponse:
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
    consultations = selectors.note_index(user=request.user)
    page = Paginator(consultations, NOTES_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "medical/note_index.html", {"page": page})


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def note_edit(request, consultation_id):
    if request.method == "POST":
        form = ClinicalNoteForm(request.POST)
        try:
            services.note_write(
                author=request.user, consultation=consultation_id, parse=_cleaned(form)
            )
        except ValidationError as error:
            _show(form, error)
            return _note_page(request, consultation_id, form, status=400)
        except NoteNotWritable as error:
            form.add_error(None, error.message)
            return _note_page(request, consultation_id, form, status=409)
        messages.success(request, _("Note enregistrée."))
        return redirect("medical:note", consultation_id=consultation_id)
    return _note_page(request, consultation_id)


def _note_page(request, consultation_id, form=None, *, status=200):
    """The editor, empty, with the note's text, or with a refused submission (`form`:
    the practitioner may write, so the form stays)."""
    editor = selectors.note_editor(user=request.user, consultation_id=consultation_id)
    if form is None:
        form = ClinicalNoteForm(initial=editor.content.as_dict() if editor.content else None)
    return render(
        request,
        "medical/note_edit.html",
        {
            "consultation": editor.consultation,
            "note": editor.note,
            "form": form,
            "versions": editor.versions,
            "unreadable": editor.content is not None and editor.content.unreadable,
            "writable": editor.writable or form.is_bound,
        },
        status=status,
    )
