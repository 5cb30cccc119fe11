"""`GET /api/v1/consultations/{id}/video`: the video room for API clients (mobile apps).

The same rules as the room page: the access function first (404 for anyone who must
not know of the consultation), the participant rule (403 for HuntZen staff, who may
see it but never join), then the window (409 with `opensAt`/`closesAt` outside it).
"""

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from consultations import video
from consultations.access import get_consultation_for, require_participant
from huntzen.api import CamelSerializer


class VideoSerializer(CamelSerializer):
    domain = serializers.CharField(help_text="The Jitsi deployment (JITSI_DOMAIN).")
    room = serializers.CharField(help_text="The room's secret name: keep it private.")
    jwt = serializers.CharField(
        allow_null=True,
        help_text="A 15-minute token for this room only, or null when the deployment "
        "takes no tokens (public Jitsi).",
    )
    opens_at = serializers.DateTimeField(help_text="The room opens 15 minutes before.")
    closes_at = serializers.DateTimeField(
        help_text="The last moment the consultation may be started (planned end plus "
        "HUNTZEN_START_GRACE_MINUTES); once started it stays open until it ends."
    )
    moderator = serializers.BooleanField(help_text="True for the practitioner.")
    config_overwrite = serializers.DictField(
        source="config",
        help_text="Jitsi settings to apply (configOverwrite): no recording, streaming or "
        "transcription, no lobby between the two participants.",
    )


_409 = OpenApiResponse(
    description="The room is not open now: before its window, after it, ended, "
    "cancelled or missed, or a chat consultation (`code` `not_a_video_consultation`). "
    "The body adds `currentStatus`, `opensAt` and `closesAt`.",
    examples=[
        OpenApiExample(
            "Too early",
            value={
                "code": "room_closed",
                "message": "La salle ouvre à 08:45, 15 minutes avant la consultation.",
                "currentStatus": "scheduled",
                "opensAt": "2026-03-03T08:45:00+01:00",
                "closesAt": "2026-03-03T10:05:00+01:00",
            },
            response_only=True,
            status_codes=["409"],
        )
    ],
)


class ConsultationVideoView(APIView):
    @extend_schema(
        operation_id="consultations_video",
        responses={
            200: VideoSerializer,
            401: OpenApiResponse(description="Not signed in"),
            403: OpenApiResponse(
                description="HuntZen staff (may see the consultation, never join it), "
                "or MFA enrolment still required"
            ),
            404: OpenApiResponse(
                description="No such consultation, or the user is not one of its two "
                "participants (HR, other employees and practitioners)"
            ),
            409: _409,
        },
        description="Join the consultation's video room (Jitsi): for its two participants, "
        "from 15 minutes before the start until it ends (or, never started, until the "
        "planned end plus the start grace).",
    )
    def get(self, request, pk):
        consultation = get_consultation_for(request.user, pk)
        require_participant(
            request.user,
            consultation,
            _("Seuls les deux participants rejoignent la séance."),
        )
        access = video.video_access_for(request.user, consultation)
        return Response(VideoSerializer(access).data)
