"""chat/demo.py: through the real service, idempotent."""

import io

import pytest

from chat import demo
from chat.models import ChatMessage
from chat.services import message_history
from tests.consultations.factories import completed, utc

pytestmark = pytest.mark.django_db


def test_it_seeds_an_exchange_once(employee_a, practitioner_p):
    consultation = completed(employee_a, practitioner_p, at=utc(2026, 2, 3, 9, 0))
    out = io.StringIO()
    demo.seed(stdout=out, password="unused")
    demo.seed(stdout=out, password="unused")
    assert ChatMessage.objects.count() == len(demo.EXCHANGE)
    messages, _ = message_history(user=practitioner_p, consultation=consultation)
    assert [m.body for m in messages] == [body for _who, body in demo.EXCHANGE]
    assert [m.sender_id for m in messages][:2] == [employee_a.pk, practitioner_p.pk]
    assert "0 message(s)" in out.getvalue().splitlines()[-1]
