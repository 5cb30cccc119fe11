"""/practitioner/profile/: a practitioner edits their own bio, specialties, languages."""

import pytest
from django.urls import reverse

from accounts.services import user_create
from companies.models import PractitionerProfile

pytestmark = pytest.mark.django_db

URL = reverse("companies:practitioner_profile")


def test_a_practitioner_sees_their_profile_form(client, practitioner_p):
    client.force_login(practitioner_p)
    response = client.get(URL)
    assert response.status_code == 200
    body = response.content.decode()
    assert "759300001" in body and 'name="bio"' in body
    assert 'name="profession"' not in body and 'name="registration_number"' not in body


def test_a_practitioner_updates_bio_specialties_and_languages(client, practitioner_p):
    client.force_login(practitioner_p)
    response = client.post(
        URL, {"bio": "Approche TCC.", "specialties": ["sleep", "grief"], "languages": ["en"]}
    )
    assert response.status_code == 302
    profile = PractitionerProfile.objects.get(user=practitioner_p)
    assert profile.bio == "Approche TCC."
    assert {s.code for s in profile.specialties.all()} == {"sleep", "grief"}
    assert [lang.code for lang in profile.languages.all()] == ["en"]


def test_posting_profession_or_activity_changes_nothing_of_them(client, practitioner_p):
    client.force_login(practitioner_p)
    client.post(
        URL,
        {
            "bio": "x",
            "languages": ["fr"],
            "profession": "psychiatrist",
            "is_active": "",
            "registration_number": "10009876540",
        },
    )
    profile = PractitionerProfile.objects.get(user=practitioner_p)
    assert profile.profession == "psychologist" and profile.is_active
    assert profile.registration_number == "759300001"


@pytest.mark.parametrize(
    "data",
    [
        {"bio": "x", "languages": []},
        {"bio": "x", "languages": ["xx"]},
        {"bio": "x" * 1001, "languages": ["fr"]},
        {"bio": "x", "languages": ["fr"], "specialties": ["nope"]},
    ],
)
def test_bad_input_is_shown_and_nothing_saved(client, practitioner_p, data):
    client.force_login(practitioner_p)
    response = client.post(URL, data)
    assert response.status_code == 200 and "errorlist" in response.content.decode()
    assert PractitionerProfile.objects.get(user=practitioner_p).bio == ""


def test_a_practitioner_without_profile_is_told_so(client, db):
    bare = user_create(email="bare@huntzen.test", role="R4_PRACTITIONER")
    client.force_login(bare)
    response = client.get(URL)
    assert response.status_code == 200
    assert "pas encore été créé" in response.content.decode()
    assert client.post(URL, {"bio": "x", "languages": ["fr"]}).status_code == 200
    assert not PractitionerProfile.objects.filter(user=bare).exists()


@pytest.mark.parametrize("who", ["employee_a", "hr_acme", "staff_r2", "operator_r1", "superuser"])
def test_other_roles_are_refused(client, person, who):
    client.force_login(person(who))
    assert client.get(URL).status_code == 403
    assert client.post(URL, {"bio": "x", "languages": ["fr"]}).status_code == 403
