"""Shared REST conventions: pagination, error bodies, camelCase, strict bodies."""

import re

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from huntzen.exceptions import Refusal


class Pagination(PageNumberPagination):
    page_size_query_param = "pageSize"
    max_page_size = 200


def exception_handler(exc, context):
    """The one translator of refusals into API answers, so API views never catch them by
    hand: Django's 404/403, a service's ValidationError (400 naming the API's fields) and
    a rule's Refusal (its own status; 404 says nothing more than "not found")."""
    if isinstance(exc, Http404) or getattr(exc, "http_status", None) == 404:
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    elif isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(validation_errors(exc))
    elif isinstance(exc, Refusal):
        return Response(exc.body(), status=exc.http_status)
    return drf_exception_handler(exc, context)


def validation_errors(error: DjangoValidationError) -> dict:
    """A service's ValidationError as the API's 400 body: keys are the API's (camelCase)
    field names, errors not tied to a field under `nonFieldErrors`."""
    if not hasattr(error, "error_dict"):
        return {"nonFieldErrors": error.messages}
    return {
        "nonFieldErrors" if field == "__all__" else camel(field): messages
        for field, messages in error.message_dict.items()
    }


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
