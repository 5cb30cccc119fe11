"""The API's JSON parser, with a size cap enforced before a byte of JSON is parsed.

Django caps form bodies (DATA_UPLOAD_MAX_MEMORY_SIZE) but DRF's JSONParser reads the
whole stream it is given: a 30 MB body was read and parsed before the 400. Here the
declared Content-Length is checked first, and the read itself is bounded, so a body
that lies about its length (or has none) is cut off one byte past the cap.
"""

from io import BytesIO

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework import status
from rest_framework.exceptions import APIException
from rest_framework.parsers import JSONParser


class RequestTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = _("Le corps de la requête est trop volumineux.")
    default_code = "request_too_large"


def _declared_length(request) -> int | None:
    raw = request.META.get("CONTENT_LENGTH") if request is not None else None
    try:
        return int(raw) if raw else None
    except ValueError:
        return None


class BoundedJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.HUNTZEN_API_MAX_BODY_BYTES
        declared = _declared_length((parser_context or {}).get("request"))
        if declared is not None and declared > limit:
            raise RequestTooLarge()
        body = stream.read(limit + 1)
        if len(body) > limit:
            raise RequestTooLarge()
        return super().parse(BytesIO(body), media_type, parser_context)
