"""The OpenAPI schema: how precise it is (`AutoSchema`), and who reads it and its
Swagger UI: anyone (`HUNTZEN_API_DOCS=public`, the DEBUG default) or HuntZen staff only
(`staff`, the production default). The schema maps every endpoint and field: a free
reconnaissance map when public."""

from django.conf import settings
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from rest_framework import serializers
from rest_framework.permissions import BasePermission

from accounts.permissions import MfaEnrolled


def may_read_api_docs(user) -> bool:
    if settings.HUNTZEN_API_DOCS == "public":
        return True
    return bool(user and user.is_authenticated and user.is_huntzen_staff)


class ApiDocsAccess(BasePermission):
    def has_permission(self, request, view):
        return may_read_api_docs(request.user)


PERMISSION_CLASSES = [ApiDocsAccess, MfaEnrolled]


class AutoSchema(SpectacularAutoSchema):
    """drf-spectacular's schema, plus what it leaves out: a text field of a request body
    that refuses the empty string says `minLength: 1`."""

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if (
            direction == "request"
            and isinstance(field, serializers.CharField)
            and not field.allow_blank
            and schema.get("type") == "string"
            and "minLength" not in schema
        ):
            schema["minLength"] = 1
        return schema
