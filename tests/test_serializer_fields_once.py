"""Serializer fields are built once per class (huntzen.api.CamelFieldsMixin) but each
instance still gets its own copies: binding, or changing, one instance's field never
shows in another's, and fields a subclass adds per instance still come per instance."""

import pytest
from rest_framework import serializers

from accounts.serializers import MeSerializer
from huntzen.api import CamelSerializer


class _PerRequest(CamelSerializer):
    kept = serializers.CharField()

    def get_fields(self):
        fields = super().get_fields()
        if self.context.get("extra"):
            fields["extra"] = serializers.CharField()
        return fields


def test_each_instance_has_its_own_fields():
    first, second = MeSerializer(), MeSerializer()
    assert list(first.fields) == list(second.fields)
    assert all(first.fields[name] is not second.fields[name] for name in first.fields)
    first.fields["email"].read_only = False
    assert second.fields["email"].read_only is True
    assert MeSerializer().fields["email"].read_only is True
    assert first.fields["email"].parent is first and second.fields["email"].parent is second


def test_camel_case_names_and_sources_survive_the_copies():
    for _ in range(2):
        fields = MeSerializer().fields
        assert "firstName" in fields and fields["firstName"].source == "first_name"


@pytest.mark.parametrize("extra", [True, False, True])
def test_fields_added_per_instance_stay_per_instance(extra):
    fields = _PerRequest(context={"extra": extra}).fields
    assert ("extra" in fields) is extra
    assert "kept" in fields
