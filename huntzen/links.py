"""Absolute links for what leaves the site (emails, calendar files).

Built from `HUNTZEN_SITE_URL` only, never from a request: the Host header is the
client's to choose, and a link in an email must not point wherever a client said.
"""

from django.conf import settings


def absolute_url(path: str) -> str:
    """`path` (as `reverse` returns it, with its leading slash) on the site's public URL."""
    return settings.HUNTZEN_SITE_URL.rstrip("/") + path
