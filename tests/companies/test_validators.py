import pytest
from django.core.exceptions import ValidationError

from companies.services import company_create
from companies.validators import validate_registration_number, validate_siret
from tests.conftest import ACME_SIRET

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("siret", [ACME_SIRET, "55212032000015"])
def test_siret_with_14_digits_and_a_luhn_key_is_accepted(siret):
    validate_siret(siret)


@pytest.mark.parametrize(
    "siret",
    ["73282932000075", "7328293200007", "732829320000744", "7328293200007A", "", " " * 14],
)
def test_siret_bad_length_characters_or_key_is_refused(siret):
    with pytest.raises(ValidationError) as caught:
        validate_siret(siret)
    assert caught.value.code == "invalid_siret"


@pytest.mark.parametrize("number", ["759300001", "10009876540", "10001234565"])
def test_adeli_9_digits_and_rpps_11_digits_with_luhn_key_are_accepted(number):
    validate_registration_number(number)


@pytest.mark.parametrize(
    "number", ["75930000", "10009876541", "1000987654", "ABCDEFGHI", "7593000011", ""]
)
def test_bad_registration_numbers_are_refused(number):
    with pytest.raises(ValidationError) as caught:
        validate_registration_number(number)
    assert caught.value.code == "invalid_registration_number"


def test_company_with_invalid_siret_is_not_created():
    from companies.models import Company

    with pytest.raises(ValidationError) as caught:
        company_create(name="Initech", siret="12345678901234", contact_email="a@initech.test")
    assert "siret" in caught.value.message_dict
    assert not Company.objects.exists()


def test_two_companies_cannot_share_a_siret(acme):
    with pytest.raises(ValidationError) as caught:
        company_create(name="Acme bis", siret=ACME_SIRET, contact_email="x@acme.test")
    assert "siret" in caught.value.message_dict
