"""The directory's API shape is built by hand for speed
(`PractitionerSerializer.to_representation`): it must stay exactly what DRF's generic walk
over the declared fields gives."""

import pytest
from rest_framework import serializers

from companies.selectors import practitioners_active
from companies.serializers import PractitionerSerializer

pytestmark = pytest.mark.django_db


def test_every_profile_is_shaped_as_drf_would(practitioner_p, practitioner_q):
    profiles = list(practitioners_active())
    assert len(profiles) == 2
    for profile in profiles:
        serializer = PractitionerSerializer(profile)
        generic = serializers.ModelSerializer.to_representation(serializer, profile)
        assert serializer.data == generic
        assert list(serializer.data) == list(generic)
    assert any(PractitionerSerializer(p).data["specialties"] for p in profiles)
