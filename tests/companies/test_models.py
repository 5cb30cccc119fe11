import pytest

from companies.models import Language, PractitionerProfile, Specialty

pytestmark = pytest.mark.django_db


def test_every_specialty_and_language_code_exists_as_a_row():
    assert set(Specialty.objects.values_list("code", flat=True)) == set(Specialty.Code.values)
    assert set(Language.objects.values_list("code", flat=True)) == set(Language.Code.values)


def test_the_profile_id_is_the_practitioners_user_id(practitioner_p):
    assert PractitionerProfile.objects.get(pk=practitioner_p.pk).user == practitioner_p


def test_codes_display_translated_labels():
    from django.utils import translation

    with translation.override("fr"):
        assert str(Specialty(code="burnout")) == "Épuisement professionnel"
