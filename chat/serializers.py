from rest_framework import serializers

from huntzen.api import CamelQuerySerializer, CamelSerializer


class MessageSerializer(CamelSerializer):
    """The shape of a chat message, as the websocket sends it too (Message.as_frame)."""

    id = serializers.UUIDField()
    sender = serializers.UUIDField(help_text="The author's user id.")
    body = serializers.CharField(
        allow_null=True, help_text="Null when the stored value failed to decrypt."
    )
    created_at = serializers.DateTimeField(help_text="Server time of storage.")
    client_message_id = serializers.CharField()


class MessagePageSerializer(CamelSerializer):
    results = MessageSerializer(many=True, help_text="Oldest first.")
    has_more = serializers.BooleanField()
    next = serializers.CharField(allow_null=True, help_text="URL of the older page.")


class HistoryQuerySerializer(CamelQuerySerializer):
    before = serializers.UUIDField(required=False, help_text="A message id: older messages.")
    page_size = serializers.IntegerField(required=False, min_value=1, max_value=100)


class TicketSerializer(CamelSerializer):
    ticket = serializers.CharField(help_text="Present it in the first websocket frame.")
    expires_in = serializers.IntegerField(help_text="Seconds.")
    url = serializers.CharField(help_text="The websocket path to connect to.")
