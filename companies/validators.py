import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


def luhn_valid(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def validate_siret(value: str) -> None:
    if not re.fullmatch(r"\d{14}", value or "") or not luhn_valid(value):
        raise ValidationError(
            _("Le SIRET doit comporter 14 chiffres et être valide (clé de Luhn)."),
            code="invalid_siret",
        )


def validate_registration_number(value: str) -> None:
    """ADELI: 9 digits; RPPS: 11 digits with a Luhn check."""
    value = value or ""
    if re.fullmatch(r"\d{9}", value):
        return
    if re.fullmatch(r"\d{11}", value) and luhn_valid(value):
        return
    raise ValidationError(
        _("Numéro ADELI (9 chiffres) ou RPPS (11 chiffres, clé de Luhn) attendu."),
        code="invalid_registration_number",
    )
