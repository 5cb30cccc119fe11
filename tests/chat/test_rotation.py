"""ChatMessage is registered with `manage.py rotate_encryption_key`."""

import io

import pytest
from django.core.management import call_command

from chat.models import ChatMessage
from chat.services import message_history, message_send
from medical import crypto, rotation

pytestmark = pytest.mark.django_db


def test_chat_messages_are_registered():
    assert "chat.ChatMessage" not in rotation.unregistered_models()
    assert "chat.chatmessage" in {entry.label.lower() for entry in rotation.registered()}


def test_rotation_reseals_chat_messages_under_the_newest_key(
    settings, employee_a, practitioner_p, consultation
):
    newest, older = settings.HUNTZEN_ENCRYPTION_KEYS
    settings.HUNTZEN_ENCRYPTION_KEYS = [older, newest]  # write under the older key
    message_send(sender=employee_a, consultation=consultation, body="avant", client_message_id="1")
    message_send(
        sender=practitioner_p, consultation=consultation, body="après", client_message_id="2"
    )
    assert {crypto.key_id_of(m.body_sealed) for m in ChatMessage.objects.all()} == {older[0]}

    settings.HUNTZEN_ENCRYPTION_KEYS = [newest, older]
    call_command("rotate_encryption_key", stdout=io.StringIO())
    assert {crypto.key_id_of(m.body_sealed) for m in ChatMessage.objects.all()} == {newest[0]}
    settings.HUNTZEN_ENCRYPTION_KEYS = [newest]  # the old key can now be retired
    messages, _ = message_history(user=employee_a, consultation=consultation)
    assert [m.body for m in messages] == ["avant", "après"]
