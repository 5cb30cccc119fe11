"""The directory's API shape is built by hand for speed
(`PractitionerSerializer.to_representation` from an instance, `represent_rows` from the
directory's values rows with the codes as arrays): both must stay exactly what DRF's
generic walk over the declared fields gives, every declared field seen with a value (a
field added to Meta.fields and not to the hand-built shape fails here), the profession's
label in the request's language."""

import pytest
from django.utils import translation
from rest_framework import serializers

from companies import services
from companies.models import PractitionerProfile
from companies.selectors import card_rows_of, practitioners_active
from companies.serializers import PractitionerSerializer
from huntzen.api import camel

pytestmark = pytest.mark.django_db


@pytest.fixture
def profiles(practitioner_p, practitioner_q, staff_r2):
    services.practitioner_update_own(
        practitioner=practitioner_p,
        bio="Thérapies brèves.",
        specialties=["stress", "burnout", "anxiety"],
        languages=["fr", "en"],
    )
    services.practitioner_create(
        actor=staff_r2, email="coach.c@huntzen.test", profession="coach", languages=["en"]
    )
    return list(practitioners_active())


def _declared() -> list[str]:
    return [camel(name) for name in PractitionerSerializer.Meta.fields]


@pytest.mark.parametrize("language", ["fr", "en"])
def test_every_profile_is_shaped_as_drf_would(profiles, language):
    rows = card_rows_of(practitioners_active())
    assert len(rows) == len(profiles) == 3
    seen = set()
    with translation.override(language):
        from_rows = PractitionerSerializer.represent_rows(rows)
        for profile, from_row in zip(profiles, from_rows, strict=True):
            serializer = PractitionerSerializer(profile)
            generic = serializers.ModelSerializer.to_representation(serializer, profile)
            assert serializer.data == generic
            assert from_row == generic
            assert list(serializer.data) == list(from_row) == list(generic) == _declared()
            seen |= {name for name, value in generic.items() if value not in (None, "", [])}
    assert sorted(seen) == sorted(_declared())


def test_the_label_follows_the_request_language(profiles, employee_a, api_client):
    api_client.force_authenticate(employee_a)
    labels = {
        language: {
            p["id"]: p["professionLabel"]
            for p in api_client.get("/api/v1/practitioners", HTTP_ACCEPT_LANGUAGE=language).json()[
                "results"
            ]
        }
        for language in ("fr", "en")
    }
    for profile in profiles:
        for language in ("fr", "en"):
            with translation.override(language):
                expected = profile.get_profession_display()
            assert labels[language][str(profile.pk)] == expected
    assert set(labels["fr"].values()) != set(labels["en"].values())


def test_the_list_answers_each_profiles_own_shape(profiles, employee_a, api_client):
    api_client.force_authenticate(employee_a)
    listed = api_client.get("/api/v1/practitioners").json()["results"]
    assert [p["id"] for p in listed] == [str(p.pk) for p in profiles]
    for item in listed:
        assert item == api_client.get(f"/api/v1/practitioners/{item['id']}").json()


def test_a_profile_without_specialties_has_an_empty_list(profiles):
    coach = PractitionerProfile.objects.get(user__email="coach.c@huntzen.test")
    (row,) = card_rows_of(practitioners_active().filter(pk=coach.pk))
    (card,) = PractitionerSerializer.represent_rows([row])
    assert card["specialties"] == []
    assert card["languages"] == ["en"]
