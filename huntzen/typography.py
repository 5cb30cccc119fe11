"""French elision, decided once: "de" becomes "d’" before a vowel sound ("d’Acme",
"d’Alice"). Templates pick between two whole sentences with the built-in `elides`
filter, so that each stays one translatable string."""

import unicodedata

from django import template

register = template.Library()

VOWELS = frozenset("aeiouy")


def elides(word) -> bool:
    """French elides "de", "le", "que" before `word`: it starts with a vowel (an h is
    aspirated or not word by word; names with h keep "de")."""
    text = str(word or "").strip()
    if not text:
        return False
    first = unicodedata.normalize("NFD", text[0].lower())[0]
    return first in VOWELS


register.filter("elides", elides)
