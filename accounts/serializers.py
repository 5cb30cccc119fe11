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

    def to_representation(self, user):
        return me_body(user)


def me_body(user) -> dict:
    """MeSerializer's fields for `user`, built directly, without a serializer instance:
    every client asks for /auth/me, and DRF's walk over a ModelSerializer's fields was
    most of its time past authentication, building the serializer a third of the rest
    (bench/profiles/ka/). tests/accounts/test_me_representation.py holds it equal to
    the generic walk."""
    return {
        "id": str(user.pk),
        "email": user.email,
        "firstName": user.first_name,
        "lastName": user.last_name,
        "role": user.role,
        "companyId": None if user.company_id is None else str(user.company_id),
        "avatarUrl": None,  # MeSerializer.get_avatar_url: no pictures of people
        "isActive": bool(user.is_active),
        "lastLoginAt": None if user.last_login is None else _DATETIME(user.last_login),
    }


_DATETIME = serializers.DateTimeField().to_representation
