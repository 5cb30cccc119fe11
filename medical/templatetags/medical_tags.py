from django import template

from medical import access
from medical.models import ClinicalNote
from medical.selectors import NOTE_WRITABLE_STATUSES

register = template.Library()


@register.inclusion_tag("medical/_note_panel_body.html", takes_context=True)
def clinical_note_panel(context, consultation):
    """The note box of the consultation page: a link for its practitioner, nothing for
    anyone else. Metadata only (version, date): the text stays on the note page."""
    user = context["request"].user
    if not access.can_write_note(user, consultation):
        return {"show": False}
    note = (
        ClinicalNote.objects.filter(consultation=consultation)
        .only("id", "version", "updated_at")
        .first()
    )
    return {
        "show": True,
        "consultation": consultation,
        "note": note,
        "writable": note is not None or consultation.status in NOTE_WRITABLE_STATUSES,
    }
