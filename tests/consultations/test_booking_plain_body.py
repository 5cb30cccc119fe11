"""The booking's plain body (consultations/api.py `_plain_booking`): a body of strings
only is converted by the body's own fields without a serializer. Whatever it accepts,
_BookingBody accepts with the same validated data; whatever _BookingBody accepts of
strings only, it accepts too; anything else is left to the serializer (its refusals:
tests/consultations/test_booking_body.py)."""

import pytest

from consultations import api
from consultations.api import _body_fields, _BookingBody, _plain_booking
from tests.consultations.test_booking_fields import _answer, _bodies

pytestmark = pytest.mark.django_db


def _plain_variants(practitioner_id: str):
    """Bodies of strings a client may send, well formed or not."""
    whens = [
        "2026-03-03T09:00:00+01:00",
        "2026-03-03T08:00:00Z",
        "2026-03-03T08:00:00.123456+00:00",
        "2026-03-03T08:00:00.5-03:30",
        "2026-03-03T09:00:00",  # naive: the field makes it aware
        "2026-03-29T02:30:00",  # a Paris time that does not exist
        "2026-10-25T02:30:00",  # a Paris time that happens twice
        "2026-03-03 09:00",
        "20260303T090000Z",
        "9999-12-31T23:59:59-23:59",  # beyond the range once moved to the zone
        "0001-01-01T00:00:00+14:00",
        "2026-02-30T09:00:00Z",
        " 2026-03-03T09:00:00Z",
    ]
    keys = [
        practitioner_id,
        practitioner_id.upper(),
        practitioner_id.replace("-", ""),
        "{" + practitioner_id + "}",
        f"urn:uuid:{practitioner_id}",
        f" {practitioner_id}",
        practitioner_id[:-1],
    ]
    for key in keys:
        for when in whens:
            yield {"practitionerId": key, "scheduledAt": when, "type": "video"}
    for kinds in (
        {"kind": "chat"},
        {"type": "in_person", "kind": "in_person"},
        {"type": "video", "kind": "chat"},
        {"type": "Video"},
        {"kind": ""},
        {},
    ):
        yield {"practitionerId": practitioner_id, "scheduledAt": whens[0], **kinds}


@pytest.mark.parametrize("time_zone", ["Europe/Paris", "UTC", "Pacific/Chatham"])
def test_what_the_plain_path_accepts_the_serializer_accepts_alike(
    p_open, employee_b, settings, time_zone
):
    settings.TIME_ZONE = time_zone
    bodies = [
        *_bodies(str(p_open.pk)),
        *_bodies(str(employee_b.pk)),
        *_plain_variants(str(p_open.pk)),
    ]
    plain = 0
    for body in bodies:
        answer = _plain_booking(body)
        expected = _answer(_BookingBody, body)
        if answer is not None:
            plain += 1
            assert expected == (True, answer), body
            assert [type(value) for value in answer.values()] == [
                type(value) for value in expected[1].values()
            ]
        elif expected[0]:
            # Accepted by the serializer only: a value that is not a string.
            assert not all(type(value) is str for value in body.values()), body
    assert plain > 50
    for not_an_object in (["a"], "text", 3, None, ()):
        assert _plain_booking(not_an_object) is None


def test_the_fields_it_uses_validate_nothing_beyond_their_conversion():
    """The plain path calls each field's `to_internal_value` only: the fields' own
    validators, which `run_validation` would run next, must be none."""
    fields = _body_fields()
    for name in ("practitionerId", "scheduledAt", "type", "kind"):
        assert fields[name].validators == []
    assert fields["type"].choices == fields["kind"].choices


def test_a_plain_body_books_without_the_serializer(
    api_client, employee_a, p_open, frozen, monkeypatch
):
    def refused(*args, **kwargs):
        raise AssertionError("the body's serializer was built")

    _body_fields()  # built once per process, as on a server's first booking
    monkeypatch.setattr(api, "_BookingBody", refused)
    api_client.force_authenticate(employee_a)
    response = api_client.post(
        "/api/v1/consultations",
        {
            "practitionerId": str(p_open.pk),
            "scheduledAt": "2026-03-03T09:00:00+01:00",
            "type": "video",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
