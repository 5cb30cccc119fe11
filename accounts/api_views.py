from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.serializers import MeSerializer


class MeView(APIView):
    """The signed-in user's profile (sketch: GET /auth/me)."""

    @extend_schema(responses=MeSerializer, operation_id="auth_me", tags=["auth"])
    def get(self, request):
        return Response(MeSerializer(request.user).data)
