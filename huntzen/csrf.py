"""The portal's `csrf_token`: Django's masked CSRF token, its mask drawn in one read.

Django masks the cookie's secret afresh for every response (so that a compressed page
does not repeat it: BREACH) with a mask of 32 characters, each drawn by its own
`secrets.choice`, one `os.urandom` call and half a dozen Python calls apiece: every
portal page paid for that (bench/profiles/kb/, bench/profiles/lc/). Here the mask's 32
characters come from one `os.urandom` read, each byte below 248 (4 × 62) taken modulo
62, the others dropped: every character is still uniform over Django's alphabet and
drawn from the operating system's CSPRNG, and each call draws a new mask. The token is
Django's format, mask then cipher, checked by Django's own CsrfViewMiddleware
(tests/test_csrf_mask.py).

The context processor replaces Django's built-in `csrf` one (listed after it in the
settings, its value wins); a request without the CSRF middleware's cookie handling
still goes through Django's `get_token`.

`{% csrf_token %}` (a built-in tag library in the settings) is Django's, its hidden
input written once per render: a signed-in page has two or three forms (language,
sign-out, its own) and one token.
"""

import os

from django import template
from django.middleware.csrf import CSRF_ALLOWED_CHARS, CSRF_SECRET_LENGTH, get_token
from django.template.defaulttags import CsrfTokenNode
from django.utils.functional import SimpleLazyObject

register = template.Library()

_BASE = len(CSRF_ALLOWED_CHARS)  # 62
_BYTE_LIMIT = 256 - 256 % _BASE  # bytes at or over it would favour the first letters
_INDEX = {char: i for i, char in enumerate(CSRF_ALLOWED_CHARS)}
# 48 bytes give 32 kept ones but once in about 10^14 reads; the loop reads again then.
_READ = CSRF_SECRET_LENGTH + CSRF_SECRET_LENGTH // 2


def mask_digits(random_bytes=os.urandom) -> list[int]:
    """A fresh mask: CSRF_SECRET_LENGTH positions in the alphabet, each uniform."""
    while True:
        digits = [byte % _BASE for byte in random_bytes(_READ) if byte < _BYTE_LIMIT]
        if len(digits) >= CSRF_SECRET_LENGTH:
            return digits[:CSRF_SECRET_LENGTH]


def masked(secret: str, digits: list[int]) -> str:
    """Django's `_mask_cipher_secret(secret)` for the mask `digits`: the mask, then
    each character of the secret shifted by the mask's character at its place."""
    chars = CSRF_ALLOWED_CHARS
    return "".join([chars[d] for d in digits]) + "".join(
        [chars[(_INDEX[s] + d) % _BASE] for s, d in zip(secret, digits, strict=True)]
    )


def token_for(request) -> str:
    """`django.middleware.csrf.get_token(request)`: the cookie's secret masked afresh,
    the cookie flagged for renewal as Django flags it; without a secret yet, Django's
    own path (it sets the new cookie)."""
    secret = request.META.get("CSRF_COOKIE")
    if secret is None or len(secret) != CSRF_SECRET_LENGTH or set(secret) - _INDEX.keys():
        return get_token(request)
    request.META["CSRF_COOKIE_NEEDS_UPDATE"] = True
    return masked(secret, mask_digits())


def csrf(request) -> dict:
    """Django's `csrf` context processor, with `token_for` in place of `get_token`."""

    def value():
        token = token_for(request)
        return "NOTPROVIDED" if token is None else token

    return {"csrf_token": SimpleLazyObject(value)}


_INPUT_KEY = object()  # in a render's bottom context (as huntzen.nav keeps its keys)


class CsrfTokenOnceNode(CsrfTokenNode):
    """Django's node, its output kept for the render's other forms: the same token
    (the context's one lazy value, masked once per render), so the same input. Each
    input cost about 80 K instructions of proxy calls and format_html
    (bench/profiles/rb/)."""

    def render(self, context):
        token = context.get("csrf_token")
        shared = context.render_context.dicts[0]
        written = shared.get(_INPUT_KEY)
        if written is None or written[0] is not token:  # first form, or another token
            written = shared[_INPUT_KEY] = (token, super().render(context))
        return written[1]


@register.tag
def csrf_token(parser, token):
    return CsrfTokenOnceNode()
