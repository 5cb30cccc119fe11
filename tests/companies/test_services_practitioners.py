import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.models import Role, User
from accounts.services import user_create
from companies.models import PractitionerProfile
from companies.selectors import practitioner_list
from companies.services import (
    practitioner_create,
    practitioner_set_active,
    practitioner_update_own,
)

pytestmark = pytest.mark.django_db


def _create(actor, **overrides):
    data = {
        "email": "new.psy@huntzen.test",
        "first_name": "Nora",
        "last_name": "Psy",
        "profession": "psychologist",
        "registration_number": "759300099",
        "specialties": ["grief", "stress"],
        "languages": ["fr", "es"],
        "bio": "Bonjour.",
    }
    data.update(overrides)
    return practitioner_create(actor=actor, **data)


@pytest.mark.parametrize("who", ["staff_r2", "operator_r1", "superuser"])
def test_staff_create_a_practitioner_account_and_profile(person, who):
    profile = _create(person(who))
    user = profile.user
    assert user.role == Role.PRACTITIONER and user.company is None
    assert not user.has_usable_password()
    assert user.has_perm("accounts.clinical_notes_own_write")
    assert profile.pk == user.pk and profile.is_active
    assert {s.code for s in profile.specialties.all()} == {"grief", "stress"}
    assert {lang.code for lang in profile.languages.all()} == {"fr", "es"}


def test_staff_attach_a_profile_to_an_existing_practitioner_account(staff_r2):
    invited = user_create(email="invited.psy@huntzen.test", role=Role.PRACTITIONER)
    profile = _create(staff_r2, email="Invited.Psy@huntzen.test")
    assert profile.user == invited
    assert User.objects.filter(email__iexact="invited.psy@huntzen.test").count() == 1


def test_an_account_of_another_role_gets_no_profile(staff_r2, employee_a):
    with pytest.raises(ValidationError) as caught:
        _create(staff_r2, email=employee_a.email)
    assert "email" in caught.value.message_dict
    assert not PractitionerProfile.objects.filter(user=employee_a).exists()


def test_a_practitioner_gets_one_profile_only(staff_r2, practitioner_p):
    with pytest.raises(ValidationError) as caught:
        _create(staff_r2, email=practitioner_p.email)
    assert "email" in caught.value.message_dict


@pytest.mark.parametrize("who", ["hr_acme", "employee_a", "practitioner_q"])
def test_only_staff_create_practitioners(person, who):
    with pytest.raises(PermissionDenied):
        _create(person(who))
    assert not User.objects.filter(email="new.psy@huntzen.test").exists()


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"registration_number": "12345"}, "registration_number"),
        ({"registration_number": "10009876541"}, "registration_number"),
        ({"registration_number": ""}, "registration_number"),
        ({"profession": "wizard"}, "profession"),
        ({"specialties": ["astrology"]}, "specialties"),
        ({"languages": ["xx"]}, "languages"),
        ({"languages": []}, "languages"),
        ({"bio": "x" * 1001}, "bio"),
    ],
)
def test_bad_profile_data_is_refused_and_nothing_created(staff_r2, overrides, field):
    with pytest.raises(ValidationError) as caught:
        _create(staff_r2, **overrides)
    assert field in caught.value.message_dict
    assert not User.objects.filter(email="new.psy@huntzen.test").exists()


def test_a_coach_needs_no_registration_number(staff_r2):
    profile = _create(staff_r2, profession="coach", registration_number="")
    assert profile.registration_number == ""


def test_two_practitioners_cannot_share_a_registration_number(staff_r2, practitioner_p):
    number = practitioner_p.practitioner_profile.registration_number
    with pytest.raises(ValidationError) as caught:
        _create(staff_r2, registration_number=number)
    assert "registration_number" in caught.value.message_dict or caught.value.messages


def test_a_practitioner_edits_bio_specialties_and_languages(practitioner_p):
    practitioner_update_own(
        practitioner=practitioner_p,
        bio="Nouvelle présentation.",
        specialties=["sleep"],
        languages=["en"],
    )
    profile = PractitionerProfile.objects.get(user=practitioner_p)
    assert profile.bio == "Nouvelle présentation."
    assert [s.code for s in profile.specialties.all()] == ["sleep"]
    assert [lang.code for lang in profile.languages.all()] == ["en"]
    assert profile.profession == "psychologist" and profile.registration_number == "759300001"


def test_a_bad_own_edit_changes_nothing(practitioner_p):
    with pytest.raises(ValidationError):
        practitioner_update_own(
            practitioner=practitioner_p,
            bio="changed",
            specialties=["sleep", "nope"],
            languages=["fr"],
        )
    profile = PractitionerProfile.objects.get(user=practitioner_p)
    assert profile.bio == "" and {s.code for s in profile.specialties.all()} == {
        "stress",
        "burnout",
        "anxiety",
    }


def test_staff_deactivate_a_practitioner_who_leaves_the_directory(
    staff_r2, practitioner_p, practitioner_q
):
    practitioner_set_active(
        actor=staff_r2, profile=practitioner_p.practitioner_profile, is_active=False
    )
    assert [p.user for p in practitioner_list()] == [practitioner_q]
    assert User.objects.get(pk=practitioner_p.pk).is_active  # the account still signs in
    practitioner_set_active(
        actor=staff_r2, profile=practitioner_p.practitioner_profile, is_active=True
    )
    assert practitioner_p in [p.user for p in practitioner_list()]


@pytest.mark.parametrize("who", ["hr_acme", "employee_a", "practitioner_p"])
def test_only_staff_deactivate_practitioners(person, who):
    profile = person("practitioner_p").practitioner_profile
    with pytest.raises(PermissionDenied):
        practitioner_set_active(actor=person(who), profile=profile, is_active=False)
    assert PractitionerProfile.objects.get(pk=profile.pk).is_active


def test_directory_filters_by_specialty_language_and_profession(practitioner_p, practitioner_q):
    assert [p.user for p in practitioner_list(specialty="sleep")] == [practitioner_q]
    assert [p.user for p in practitioner_list(language="en")] == [practitioner_p]
    assert [p.user for p in practitioner_list(profession="psychiatrist")] == [practitioner_q]
    assert {p.user for p in practitioner_list(language="fr")} == {practitioner_p, practitioner_q}
    assert list(practitioner_list(specialty="sleep", language="en")) == []


def test_a_deactivated_account_leaves_the_directory(staff_r2, practitioner_p):
    User.objects.filter(pk=practitioner_p.pk).update(is_active=False)
    assert list(practitioner_list()) == []
