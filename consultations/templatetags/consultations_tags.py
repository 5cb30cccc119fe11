from django import template

from consultations import selectors

register = template.Library()


@register.simple_tag
def upcoming_consultations_for(user, limit=3):
    """The next few consultations of `user` (home cards): one query."""
    if not user.is_authenticated or not user.has_perm("accounts.consultations_my_read"):
        return []
    return list(selectors.upcoming_consultations(user)[:limit])
