"""The API's answer for a path that names no endpoint."""

from drf_spectacular.utils import extend_schema
from rest_framework import exceptions
from rest_framework.views import APIView


@extend_schema(exclude=True)
class NotFoundView(APIView):
    """Any path under /api/ that names no endpoint, or names one with a malformed id
    (`/api/v1/consultations/abc`): 404 with the error body, like every other API
    answer, not the portal's HTML page. Signed-in users only, as everywhere in the API."""

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)  # authentication, MFA, rate limit
        raise exceptions.NotFound()
