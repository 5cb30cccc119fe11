"""Who reads the OpenAPI schema and its Swagger UI: anyone (`HUNTZEN_API_DOCS=public`,
the DEBUG default) or HuntZen staff only (`staff`, the production default). The schema
maps every endpoint and field: a free reconnaissance map when public."""

from django.conf import settings
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
