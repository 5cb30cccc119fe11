"""Built-in template filter for the navigation: which link is the current page."""

from django import template
from django.utils.safestring import mark_safe

register = template.Library()


@register.filter
def aria_current(path: str, url: str) -> str:
    """` aria-current="page"` on the link to `url` when `path` is that page or one of its
    subpages (the journal link stays marked on a journal entry)."""
    if url and (path == url or (url != "/" and path.startswith(url))):
        return mark_safe(' aria-current="page"')  # noqa: S308  # nosec B308 (a constant)
    return ""
