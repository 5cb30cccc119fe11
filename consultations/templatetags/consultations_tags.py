from django import template

from consultations import selectors
from consultations.access import may_read_own_consultations

register = template.Library()


@register.simple_tag
def upcoming_consultations_for(user, limit=3):
    """The next few consultations of `user` (home cards): one query."""
    if not may_read_own_consultations(user):
        return []
    return list(selectors.upcoming_consultations(user)[:limit])
