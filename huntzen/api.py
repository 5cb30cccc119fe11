"""Shared REST conventions: pagination, error bodies, camelCase, strict bodies."""

import re

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from rest_framework import exceptions, serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.views import exception_handler as drf_exception_handler


class Pagination(PageNumberPagination):
    page_size_query_param = "pageSize"
    max_page_size = 200


def exception_handler(exc, context):
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    return drf_exception_handler(exc, context)


class Conflict(exceptions.APIException):
    """409: an illegal state transition. The body says the current state."""

    status_code = 409
    default_detail = "Conflict."
    default_code = "conflict"


_CAMEL_RE = re.compile(r"_([a-z0-9])")


def camel(name: str) -> str:
    return _CAMEL_RE.sub(lambda m: m.group(1).upper(), name)


class CamelFieldsMixin:
    """Fields declared in snake_case are exposed in camelCase, in and out; unknown
    input fields are refused with 400 naming them (the sketch's forbidNonWhitelisted)."""

    def get_fields(self):
        renamed = {}
        for name, field in super().get_fields().items():
            public = camel(name)
            if public != name and field.source is None:
                field.source = name
            renamed[public] = field
        return renamed

    def to_internal_value(self, data):
        if not isinstance(data, dict):
            raise serializers.ValidationError({"nonFieldErrors": ["Expected a JSON object."]})
        unknown = sorted(set(data) - set(self.fields))
        if unknown:
            raise serializers.ValidationError(
                {name: ["This field is not allowed."] for name in unknown}
            )
        return super().to_internal_value(data)


class CamelSerializer(CamelFieldsMixin, serializers.Serializer):
    pass


class CamelModelSerializer(CamelFieldsMixin, serializers.ModelSerializer):
    pass
