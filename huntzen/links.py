"""Absolute links for what leaves the site (emails, calendar files).

Built from `HUNTZEN_SITE_URL` only, never from a request: the Host header is the
client's to choose, and a link in an email must not point wherever a client said.
"""

from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings


def absolute_url(path: str) -> str:
    """`path` (as `reverse` returns it, with its leading slash) on the site's public URL."""
    return settings.HUNTZEN_SITE_URL.rstrip("/") + path


def on_site(url: str) -> str:
    """`url` (absolute or not) moved onto the site's public URL: its path, query and
    fragment kept, the scheme and host (perhaps a client's Host header) dropped."""
    bits = urlsplit(url)
    return absolute_url(urlunsplit(("", "", bits.path or "/", bits.query, bits.fragment)))


@dataclass(frozen=True)
class PublicSite:
    """What email templates read as `current_site` (domain, name): the public site,
    not the request's Host as django.contrib.sites' RequestSite would give."""

    domain: str
    name: str


def public_site() -> PublicSite:
    host = urlsplit(settings.HUNTZEN_SITE_URL).netloc
    return PublicSite(domain=host, name="HuntZen Care")
