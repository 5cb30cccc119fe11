from rest_framework import serializers

from accounts.models import User
from huntzen.api import CamelModelSerializer


class MeSerializer(CamelModelSerializer):
    company_id = serializers.UUIDField(read_only=True, allow_null=True)
    # The sketch's User has an avatar; we keep no pictures of people, so it is always null.
    avatar_url = serializers.SerializerMethodField(method_name="get_avatar_url")
    last_login_at = serializers.DateTimeField(source="last_login", read_only=True, allow_null=True)

    class Meta:
        model = User
        fields = [
            "id",
            "email",
            "first_name",
            "last_name",
            "role",
            "company_id",
            "avatar_url",
            "is_active",
            "last_login_at",
        ]
        read_only_fields = fields

    def get_avatar_url(self, user) -> str | None:
        return None
