from drf_spectacular.utils import extend_schema
from rest_framework.views import APIView

from accounts.serializers import MeSerializer, me_body
from huntzen.api import render, rendered_response


class MeView(APIView):
    """The signed-in user's profile (sketch: GET /auth/me)."""

    @extend_schema(responses=MeSerializer, operation_id="auth_me", tags=["auth"])
    def get(self, request):
        # MeSerializer's body, rendered as DRF's Response would render it for this request
        # (its negotiated renderer and media type), without a serializer instance or a
        # template response around it: tests/accounts/test_me_representation.py.
        return rendered_response(request, render(self, me_body(request.user)))
