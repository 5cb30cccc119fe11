import smtplib
import sys

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template import loader
from django.utils.translation import gettext_lazy as _
from django.views.debug import SafeExceptionReporterFilter
from rest_framework import exceptions

from huntzen.api import error_body


class MedicalSafeExceptionReporterFilter(SafeExceptionReporterFilter):
    """Error reports never carry request bodies or local variables.

    Any POST of the portals may hold medical text (a note, a journal entry), so
    the filter hides all of it instead of guessing which fields are sensitive.
    """

    def get_post_parameters(self, request):
        if request is None:
            return {}
        return {key: self.cleansed_substitute for key in request.POST}

    def get_traceback_frame_variables(self, request, tb_frame):
        return [(name, self.cleansed_substitute) for name in tb_frame.f_locals]


# --- Faults: 503 for an outage, our own 500 for a bug --------------------------------


class ServiceUnavailable(exceptions.APIException):
    """The database, Redis or the SMTP server is unreachable or busy: retry after
    `Retry-After` seconds."""

    status_code = 503
    default_code = "unavailable"
    default_detail = _(
        "Le service est momentanément indisponible. Réessayez dans quelques instants."
    )


class ServerError(exceptions.APIException):
    status_code = 500
    default_code = "server_error"
    default_detail = _("Une erreur interne est survenue. Elle a été enregistrée.")


# Where answers are JSON: the REST API and allauth headless.
JSON_PREFIXES = ("/api/", "/_allauth/")


def is_unavailable(exc: BaseException | None) -> bool:
    """An outage rather than a bug: the database unreachable, restarting, out of pooled
    connections or past a lock/statement timeout; Redis unreachable; an SMTP server
    refusing or silent past EMAIL_TIMEOUT (for a mail sent within the request)."""
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeoutError

    return isinstance(
        exc,
        (
            OperationalError,
            InterfaceError,
            RedisConnectionError,
            RedisTimeoutError,
            smtplib.SMTPException,
            ConnectionError,  # the built-in ones: refused, reset (SMTP, any socket)
            TimeoutError,
        ),
    )


def server_error(request):
    """handler500: every uncaught exception, raised by a view or a middleware. An outage
    answers 503 with Retry-After, a bug 500; JSON in the API's error body
    (huntzen/api.py error_body) under JSON_PREFIXES, else a page that needs neither the
    database nor the signed-in user."""
    exc = sys.exc_info()[1]
    error = ServiceUnavailable() if is_unavailable(exc) else ServerError()
    if request.path.startswith(JSON_PREFIXES):
        response = JsonResponse(error_body(error), status=error.status_code)
    else:
        template = "503.html" if error.status_code == 503 else "500.html"
        html = loader.get_template(template).render({"retry_after": retry_after_seconds()})
        response = HttpResponse(html, status=error.status_code)
    if error.status_code == 503:
        response["Retry-After"] = str(retry_after_seconds())
    return response


def retry_after_seconds() -> int:
    return settings.HUNTZEN_RETRY_AFTER_SECONDS
