"""The booking body's fields are built once per serializer class and copied shallowly per
instance (consultations/serializers.py `_flat_fields`): every body validates, and is
refused, exactly as with the fields DRF built anew for each instance (the former
`get_fields`, kept here as the reference), and no instance shares a field with another."""

import pytest
from rest_framework import serializers

from consultations.api import _BookingBody
from consultations.models import Consultation
from consultations.serializers import _FLAT_FIELDS, BookingSerializer
from huntzen.api import CamelSerializer

pytestmark = pytest.mark.django_db


def _built_anew(self):
    """BookingSerializer's former get_fields: every field built for this instance."""
    fields = CamelSerializer.get_fields(self)
    fields["type"] = serializers.ChoiceField(
        choices=Consultation.Kind.choices,
        required=False,
        help_text="The consultation's kind (the sketch's name). Required unless `kind` is sent.",
    )
    return fields


class _ReferenceBooking(BookingSerializer):
    get_fields = _built_anew


class _ReferenceBody(_BookingBody):
    get_fields = _built_anew


HOSTILE_TEXTS = [
    "",
    " ",
    'quo"te',
    "back\\slash",
    "ctrl\x00\x01\x1f",
    "line\u2028sep\u2029",
    "emoji 🧠",
    "video ",
    "VIDEO",
    "x" * 300,
]
WHENS = [
    "2026-03-03T09:00:00+01:00",
    "2026-03-29T02:30:00",  # a Paris time that does not exist (DST)
    "2026-10-25T02:30:00",  # a Paris time that happens twice
    "2026-03-03T08:00:00Z",
    "2026-03-03T09:00:00-10:00",
    "2026-03-03",
    "tomorrow",
    "",
    None,
    5,
    ["2026-03-03T09:00:00Z"],
    *HOSTILE_TEXTS,
]
KINDS = ["video", "chat", "in_person", None, 1, True, [], {}, *HOSTILE_TEXTS]


def _bodies(practitioner_id: str):
    practitioners = [practitioner_id, "not-a-key", "", None, 7, True, [practitioner_id]]
    practitioners += ["00000000-0000-0000-0000-000000000000", f"{practitioner_id}\u2028"]
    for practitioner in practitioners:
        for when in WHENS:
            yield {"practitionerId": practitioner, "scheduledAt": when, "type": "video"}
        for kind in KINDS:
            base = {"practitionerId": practitioner, "scheduledAt": WHENS[0]}
            yield {**base, "type": kind}
            yield {**base, "kind": kind}
            yield {**base, "type": "video", "kind": kind}
    yield {}
    yield {"practitionerId": practitioner_id}
    yield {"practitionerId": practitioner_id, "scheduledAt": WHENS[0], "type": "video", "x": 1}
    yield {'quo"te': 1, "back\\slash": 2, "emoji 🧠": 3}


def _answer(serializer_class, body):
    serializer = serializer_class(data=body)
    if serializer.is_valid():
        return True, dict(serializer.validated_data)
    return False, serializer.errors


@pytest.mark.parametrize(
    ("serializer_class", "reference"),
    [(BookingSerializer, _ReferenceBooking), (_BookingBody, _ReferenceBody)],
)
def test_every_body_is_answered_as_with_fields_built_anew(
    p_open, employee_b, serializer_class, reference, settings
):
    settings.TIME_ZONE = "Europe/Paris"
    bodies = [*_bodies(str(p_open.pk)), *_bodies(str(employee_b.pk))]
    assert len(bodies) > 400
    valid = 0
    for body in bodies:
        answer = _answer(serializer_class, body)
        assert answer == _answer(reference, body), body
        valid += answer[0]
    assert valid  # some bodies pass, with the same validated data
    for not_an_object in (["a"], "text", 3, None):
        assert _answer(serializer_class, not_an_object) == _answer(reference, not_an_object)


def test_the_fields_are_in_the_same_order_with_the_same_classes(p_open):
    for serializer_class, reference in ((BookingSerializer, _ReferenceBooking),):
        fields, expected = serializer_class().fields, reference().fields
        assert list(fields) == list(expected) == ["practitionerId", "scheduledAt", "kind", "type"]
        for name in fields:
            assert type(fields[name]) is type(expected[name])
            assert fields[name].source == expected[name].source
            assert fields[name].required == expected[name].required


def test_no_instance_shares_a_field_with_another():
    first, second = BookingSerializer(data={}), BookingSerializer(data={})
    for name, field in first.fields.items():
        other = second.fields[name]
        assert field is not other
        assert field.parent is first and other.parent is second
        assert field.field_name == other.field_name == name
    for prototype in BookingSerializer()._build_fields().values():
        assert prototype.parent is None  # a fresh build is never bound


def test_the_kept_prototypes_are_never_bound():
    for serializer_class in (BookingSerializer, _BookingBody):
        assert serializer_class(data={}).fields  # bound copies made
        for prototype in _FLAT_FIELDS[serializer_class].values():
            assert prototype.parent is None
            assert prototype.field_name is None
