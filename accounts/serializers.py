from rest_framework import serializers

from accounts.models import User
from huntzen.api import CamelModelSerializer


class MeSerializer(CamelModelSerializer):
    company_id = serializers.UUIDField(read_only=True, allow_null=True)

    class Meta:
        model = User
        fields = ["id", "email", "first_name", "last_name", "role", "company_id"]
        read_only_fields = fields
