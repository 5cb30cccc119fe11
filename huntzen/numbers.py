"""Numbers written as a template writes them, without its per-value walk."""

from collections.abc import Callable
from html import escape

from django.conf import settings
from django.utils.formats import get_format, localize


def number_text() -> Callable[[int | float], str]:
    """`localize` of a page's numbers (ints, and floats written without an exponent)
    with the active language's decimal separator looked up once: what Django's number
    format writes for them while thousands are not grouped; `localize` itself else.
    A template's `{{ n }}` goes through localize for each value (about 40 K
    instructions: bench/profiles/tc/)."""
    if settings.USE_THOUSAND_SEPARATOR:
        return localize
    separator = escape(get_format("DECIMAL_SEPARATOR"))

    def text(value) -> str:
        if type(value) is int:
            return str(value)
        if type(value) is float and "e" not in (written := repr(value)):
            return written.replace(".", separator)
        return escape(localize(value))

    return text
