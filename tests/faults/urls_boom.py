"""The site's URLs plus views that fail on purpose, for the error-answer tests."""

from django.db import OperationalError
from django.urls import path
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import AllowAny

from huntzen.urls import handler403, handler404, handler500, urlpatterns  # noqa: F401


def _bug(request):
    raise RuntimeError("a bug")


def _database_down(request):
    raise OperationalError("connection failed: Connection refused")


@api_view(["GET"])
@permission_classes([AllowAny])
def _api_bug(request):
    raise RuntimeError("a bug")


@api_view(["GET"])
@permission_classes([AllowAny])
def _api_database_down(request):
    raise OperationalError("terminating connection due to administrator command")


urlpatterns = [
    path("api/v1/test-bug/", _api_bug),
    path("api/v1/test-database-down/", _api_database_down),
    path("test-bug/", _bug),
    path("test-database-down/", _database_down),
    *urlpatterns,
]
