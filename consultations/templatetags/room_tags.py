from django import template

from consultations import room, selectors
from consultations.access import may_run_consultations
from medical.selectors import notes_to_write

register = template.Library()

NOTES_SHOWN = 3


@register.inclusion_tag("consultations/_practitioner_today_card.html", takes_context=True)
def practitioner_today_card(context):
    """The practitioner's home: their next consultation (its room one click away) and
    the notes still to write. Three queries, however many consultations there are."""
    user = context["request"].user
    if not may_run_consultations(user):
        return {"show": False}
    upcoming = selectors.upcoming_consultations(user).first()
    pending = list(notes_to_write(user=user)[: NOTES_SHOWN + 1])
    return {
        "show": True,
        "next": upcoming,
        "next_state": room.state(upcoming) if upcoming else None,
        "opens_at": room.opens_at(upcoming) if upcoming else None,
        "notes": pending[:NOTES_SHOWN],
        "more_notes": len(pending) > NOTES_SHOWN,
    }
