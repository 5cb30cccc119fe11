"""Shared REST conventions: pagination, error bodies, camelCase, strict bodies and
query parameters, and the error answers of the OpenAPI schema."""

import copy
import json
import re
from collections.abc import Callable

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.paginator import InvalidPage, Page, Paginator
from django.db.models import Count, Window
from django.http import Http404, HttpResponse
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, serializers
from rest_framework.compat import LONG_SEPARATORS, SHORT_SEPARATORS
from rest_framework.pagination import PageNumberPagination
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from huntzen.exceptions import RateLimited, Refusal
from huntzen.statements import Statement

_MAX_OFFSET = 2**63 - 1  # PostgreSQL's bigint


class Pagination(PageNumberPagination):
    """Page numbers from 1 and page sizes from 1 to `max_page_size`, each given at most
    once: anything else is a 400 naming the parameter (DRF's own pagination answers 404
    for `page=0` and silently ignores a bad `pageSize`)."""

    page_size_query_param = "pageSize"
    max_page_size = 200

    def paginate_queryset(self, queryset, request, view=None):
        self._check_params(request)
        return super().paginate_queryset(queryset, request, view)

    def paginate_rows(self, queryset, fields, request, view=None) -> list[tuple]:
        """The page as tuples of `fields` (values_list: no model instance per row), the
        total counted in the same statement (COUNT(*) OVER the filtered rows, before the
        LIMIT): one query. The same parameters, count, links and 404 for a page beyond
        the last one as `paginate_queryset` (tests/test_api_pagination.py)."""
        rows = with_total(queryset, fields)
        return self._paginate(request, lambda offset, limit: list(rows[offset : offset + limit]))

    def paginate_statement(self, statement: Statement, request, view=None, **values):
        """`paginate_rows` of a huntzen.statements.Statement of `with_total(queryset,
        fields)`, run with `values`: the same page without building the queryset."""
        return self._paginate(
            request,
            lambda offset, limit: statement.rows(limit=limit, offset=offset, **values),
        )

    def _paginate(self, request, fetch: Callable[[int, int], list[tuple]]) -> list[tuple]:
        """The page that `fetch(offset, limit)` reads, its rows ending with the total."""
        self._check_params(request)
        self.request = request
        page_size = self.get_page_size(request)
        number = request.query_params.get(self.page_query_param) or 1
        try:
            number = int(number)  # what Django's Paginator accepts ("2.0" is not a page)
        except (TypeError, ValueError):
            raise exceptions.NotFound(self.invalid_page_message) from None
        offset = (number - 1) * page_size
        if offset > _MAX_OFFSET:  # past any last page (and PostgreSQL's OFFSET): 404
            raise exceptions.NotFound(self.invalid_page_message)
        rows = fetch(offset, page_size)
        paginator = Paginator((), page_size)
        paginator.count = rows[0][-1] if rows else 0  # no row: none at all, or past the end
        try:
            paginator.validate_number(number)
        except InvalidPage:
            raise exceptions.NotFound(self.invalid_page_message) from None
        self.page = Page([row[:-1] for row in rows], number, paginator)
        if paginator.num_pages > 1 and self.template is not None:
            self.display_page_controls = True
        return self.page.object_list  # the list itself: list(page) went through __getitem__

    def _check_params(self, request) -> None:
        check_query_params(request, self._param_fields())

    @classmethod
    def _param_fields(cls) -> dict[str, serializers.Field]:
        """The page parameters' fields, built once per class (they keep no state
        between validations; building them each time cost a list 20 µs)."""
        fields = cls.__dict__.get("_built_param_fields")
        if fields is None:
            fields = {
                cls.page_query_param: serializers.IntegerField(min_value=1),
                cls.page_size_query_param: serializers.IntegerField(
                    min_value=1, max_value=cls.max_page_size
                ),
            }
            cls._built_param_fields = fields
        return fields

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_query_param:
                parameter["schema"]["minimum"] = 1
            elif parameter["name"] == self.page_size_query_param:
                parameter["schema"].update(minimum=1, maximum=self.max_page_size)
        return parameters


def with_total(queryset, fields):
    """`fields` of each row and, last, the number of rows `queryset` has before any
    slicing (a window over the filtered rows): what `paginate_rows` reads."""
    return queryset.annotate(_page_total=Window(Count("*"))).values_list(*fields, "_page_total")


def render(view, data) -> bytes:
    """`data` as DRF's Response renders it for this request (its negotiated renderer
    and media type: `application/json; indent=4` indents): a cached answer is kept
    rendered, its key naming `request.accepted_media_type`."""
    request = view.request
    renderer = request.accepted_renderer
    media_type = request.accepted_media_type
    context = view.get_renderer_context()
    if (
        type(renderer) is JSONRenderer
        and media_type == renderer.media_type  # no parameters: no indent asked
        and context.get("indent") is None
        and data is not None
    ):
        # JSONRenderer.render's own steps for that case, with its encoder built once
        # (json.dumps builds one per call, and the media type's parameters are parsed
        # for an indent): tests/test_api_render.py holds the bytes equal.
        text = _json_encoder(renderer).encode(data)
        return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029").encode()
    return renderer.render(data, media_type, context)


_ENCODERS: dict[tuple, json.JSONEncoder] = {}


def _json_encoder(renderer: JSONRenderer) -> json.JSONEncoder:
    """What `json.dumps(..., cls=renderer.encoder_class, ...)` builds for DRF's
    JSONRenderer without an indent; JSONEncoder keeps no state between calls."""
    key = (renderer.encoder_class, renderer.ensure_ascii, renderer.strict, renderer.compact)
    encoder = _ENCODERS.get(key)
    if encoder is None:
        encoder = _ENCODERS[key] = renderer.encoder_class(
            ensure_ascii=renderer.ensure_ascii,
            allow_nan=not renderer.strict,
            separators=SHORT_SEPARATORS if renderer.compact else LONG_SEPARATORS,
        )
    return encoder


def rendered_response(request, content: bytes) -> HttpResponse:
    """The response DRF's Response gives for `content` rendered by `render` (the view's
    headers are added by DRF's finalize_response either way)."""
    return HttpResponse(content, content_type=request.accepted_renderer.media_type)


REPEATED_MESSAGE = _("Ce paramètre ne peut être donné qu'une fois.")


def check_query_params(request, fields: dict[str, serializers.Field | None]) -> None:
    """The one rule for the API's query parameters, which are all single-valued: each is
    given at most once and, when given with a field, is valid for it (`None`: the view
    parses the value itself); else a 400 naming every bad one."""
    errors = {}
    for name, field in fields.items():
        values = request.query_params.getlist(name)
        if len(values) > 1:
            errors[name] = [str(REPEATED_MESSAGE)]
        elif values and field is not None:
            try:
                field.run_validation(values[0])
            except serializers.ValidationError as error:
                errors[name] = [str(message) for message in error.detail]
    if errors:
        raise serializers.ValidationError(errors)


def exception_handler(exc, context):
    """The one translator of refusals into API answers, so API views never catch them by
    hand: Django's 404/403, a service's ValidationError (400 naming the API's fields), a
    rule's Refusal (its own status; 404 says nothing more than "not found") and DRF's own
    4xx all answer the one error body (`error_body`)."""
    if isinstance(exc, Http404) or getattr(exc, "http_status", None) == 404:
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    elif isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(validation_errors(exc))
    elif isinstance(exc, Refusal):
        response = Response(exc.body(), status=exc.http_status)
        if isinstance(exc, RateLimited):
            response["Retry-After"] = str(exc.retry_after)
        return response
    response = drf_exception_handler(exc, context)
    if response is not None:
        response.data = error_body(exc)
    return response


def error_body(exc: exceptions.APIException) -> dict:
    """The API's one error body: `{"code", "message", "fields"?}`. `fields` (camelCase
    names, lists of messages) only for a validation error; messages follow the request's
    language (French by default)."""
    if isinstance(exc, exceptions.ValidationError):
        detail = exc.detail
        if not isinstance(detail, dict):
            detail = {NON_FIELD_ERRORS: detail}
        return {
            "code": "invalid",
            "message": str(INVALID_MESSAGE),
            "fields": {camel(str(name)): _messages(errors) for name, errors in detail.items()},
        }
    detail = exc.detail
    code = getattr(detail, "code", None) or exc.default_code
    return {"code": str(code), "message": str(detail)}


NON_FIELD_ERRORS = "nonFieldErrors"
INVALID_MESSAGE = _("Les données envoyées sont invalides.")


def _messages(errors) -> list[str]:
    """A field's errors as a flat list of messages; a nested serializer's errors are
    prefixed with the inner field's name."""
    if isinstance(errors, dict):
        return [
            f"{camel(str(name))}: {message}"
            for name, inner in errors.items()
            for message in _messages(inner)
        ]
    if isinstance(errors, list):
        return [message for error in errors for message in _messages(error)]
    return [str(errors)]


def validation_errors(error: DjangoValidationError) -> dict:
    """A service's ValidationError as the API's 400 fields: keys are the API's (camelCase)
    field names, errors not tied to a field under `nonFieldErrors`."""
    if not hasattr(error, "error_dict"):
        return {NON_FIELD_ERRORS: error.messages}
    return {
        NON_FIELD_ERRORS if field == "__all__" else camel(field): messages
        for field, messages in error.message_dict.items()
    }


_CAMEL_RE = re.compile(r"_([a-z0-9])")


def camel(name: str) -> str:
    return _CAMEL_RE.sub(lambda m: m.group(1).upper(), name)


# Fields declared in snake_case are exposed in camelCase, in and out; unknown input
# fields are refused with 400 naming them (the sketch's forbidNonWhitelisted), and so are
# values of the wrong JSON type (DRF would read `0` as the text "0"). A comment, not a
# docstring: drf-spectacular would print it as the description of every body.
class CamelFieldsMixin:
    json_types = True  # False for query parameters, which are all text

    def get_fields(self):
        renamed = {}
        for name, field in copy.deepcopy(_field_prototypes(self, super().get_fields)).items():
            public = camel(name)
            if public != name and field.source is None:
                field.source = name
            renamed[public] = field
        return renamed

    def to_internal_value(self, data):
        if not isinstance(data, dict):
            raise serializers.ValidationError({NON_FIELD_ERRORS: [_("Un objet JSON est attendu.")]})
        unknown = sorted(set(data) - set(self.fields))
        if unknown:
            raise serializers.ValidationError(
                {name: [_("Ce champ n'est pas accepté.")] for name in unknown}
            )
        wrong = {
            name: [str(message)]
            for name, value in data.items()
            if self.json_types and (message := _json_type_error(self.fields[name], value))
        }
        if wrong:
            raise serializers.ValidationError(wrong)
        return super().to_internal_value(data)


# The fields DRF builds for each serializer class, built once per process: a
# ModelSerializer introspects its model on every instance (about 1 ms for MeSerializer,
# a fourth of /auth/me), and a copy of built fields costs a tenth of that. Each instance
# still gets its own copies (fields are bound to their serializer).
_PROTOTYPES: dict[type, dict] = {}


def _field_prototypes(serializer, build) -> dict:
    """What `build()` (DRF's get_fields, which depends on the class alone) returns for
    this serializer's class, built the first time only; never bound, only copied."""
    cls = type(serializer)
    prototypes = _PROTOTYPES.get(cls)
    if prototypes is None:
        prototypes = _PROTOTYPES[cls] = build()
    return prototypes


_TEXT_FIELDS = (
    serializers.CharField,
    serializers.ChoiceField,
    serializers.DateField,
    serializers.DateTimeField,
    serializers.TimeField,
    serializers.UUIDField,
)
_NUMBER_FIELDS = (serializers.IntegerField, serializers.FloatField, serializers.DecimalField)


def _json_type_error(field, value):
    """The message for a JSON value of the wrong type for `field` (what the schema's
    `type` says), or None; null and nested objects are left to DRF."""
    if value is None or field.read_only or isinstance(field, serializers.MultipleChoiceField):
        return None
    if isinstance(field, serializers.BooleanField):
        return None if isinstance(value, bool) else _("Un booléen (true ou false) est attendu.")
    if isinstance(field, _NUMBER_FIELDS):
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        return None if ok else _("Un nombre est attendu.")
    if isinstance(field, _TEXT_FIELDS):
        return None if isinstance(value, str) else _("Une chaîne de caractères est attendue.")
    return None


class CamelSerializer(CamelFieldsMixin, serializers.Serializer):
    pass


class CamelModelSerializer(CamelFieldsMixin, serializers.ModelSerializer):
    pass


class CamelQuerySerializer(CamelSerializer):
    """Query parameters read through a serializer: their values are all text, which the
    fields convert (`?pageSize=20`), so no JSON type is asked of them."""

    json_types = False


# --- The error body in the OpenAPI schema ---------------------------------------

ERROR_COMPONENT = {
    "type": "object",
    "description": "The one error body of every 4xx answer of the API. `message` is in "
    "French, or in English with `Accept-Language: en`.",
    "properties": {
        "code": {"type": "string", "description": "Machine code, e.g. `invalid`."},
        "message": {"type": "string", "description": "Message for a human."},
        "fields": {
            "type": "object",
            "description": "Validation errors only (400): messages by camelCase field or "
            "query parameter name; errors tied to no field under `nonFieldErrors`.",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
        },
        "currentStatus": {
            "type": "string",
            "description": "State conflicts only (409), when the object has a status.",
        },
    },
    "required": ["code", "message"],
}

_ERROR_DESCRIPTIONS = {
    "400": "Invalid request: malformed JSON, or invalid fields or query parameters "
    "(named in `fields`).",
    "401": "Not signed in, or the access token is invalid or expired.",
    "403": "Signed in but not allowed (role, MFA enrolment still required, company rule).",
    "404": "No such object, or one the user must not know of; for a list, a `page` "
    "beyond the last one.",
    "406": "The `Accept` header asks for a type other than JSON.",
    "409": "The object's current state forbids the request (`currentStatus`).",
    "413": "The request body is larger than the API's cap.",
    "415": "The request body is not JSON.",
    "429": "Too many requests: wait for `Retry-After` seconds.",
}


def document_error_answers(result, generator, request, public):
    """drf-spectacular postprocessing hook: every 4xx an operation can answer is listed,
    each with the one error body (`Error`), so clients need no guesswork."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_COMPONENT
    ref = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for path, operations in result.get("paths", {}).items():
        if not path.startswith("/api/v1/"):
            continue
        for operation in operations.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            parameters = operation.get("parameters", [])
            statuses = {"401", "403", "406", "429"}
            if "requestBody" in operation:
                statuses |= {"400", "413", "415"}
            if any(p.get("in") == "query" for p in parameters):
                statuses.add("400")
            if any(p.get("in") == "header" for p in parameters):
                statuses.add("400")  # a malformed header (Idempotency-Key)
            if any(p.get("in") == "path" for p in parameters):
                statuses.add("404")
            if any(p.get("in") == "query" and p.get("name") == "page" for p in parameters):
                statuses.add("404")  # a page beyond the last one
            responses = operation["responses"]
            statuses |= {code for code in responses if code.startswith("4")}
            for code in sorted(statuses):
                answer = responses.setdefault(code, {})
                answer.setdefault("description", _ERROR_DESCRIPTIONS.get(code, ""))
                answer["content"] = ref
                if code == "429":
                    answer["headers"] = {
                        "Retry-After": {
                            "schema": {"type": "integer"},
                            "description": "Seconds to wait before the next request.",
                        }
                    }
            operation["responses"] = dict(sorted(responses.items()))
            _refuse_additional_properties(result, operation.get("requestBody"))
    return result


def _refuse_additional_properties(result, request_body) -> None:
    """Request bodies refuse unknown fields (CamelFieldsMixin): say so in their component."""
    schemas = result["components"]["schemas"]
    for media in (request_body or {}).get("content", {}).values():
        ref = media.get("schema", {}).get("$ref", "")
        name = ref.rsplit("/", 1)[-1]
        if name in schemas and schemas[name].get("type") == "object":
            schemas[name]["additionalProperties"] = False
