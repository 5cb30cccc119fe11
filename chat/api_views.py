from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.session_end import request_session_key
from chat import services
from chat.access import Action, get_chat_for, refuse_unauthenticated
from chat.serializers import HistoryQuerySerializer, MessagePageSerializer, TicketSerializer
from chat.tickets import TICKET_TTL, ticket_issue
from consultations.models import Consultation
from huntzen.api import check_query_params

_REFUSALS = {
    403: OpenApiResponse(description="HuntZen staff: may see the consultation, not its chat"),
    404: OpenApiResponse(description="No such consultation, or not a participant"),
}


class MessageListView(APIView):
    """The chat history of a consultation, for clients that cannot hold a websocket."""

    @extend_schema(
        operation_id="consultation_messages_list",
        parameters=[
            OpenApiParameter(
                "before", OpenApiTypes.UUID, description="Message id: the page before it."
            ),
            OpenApiParameter(
                "pageSize",
                {"type": "integer", "minimum": 1, "maximum": 100},
                description="1 to 100, default 50.",
            ),
        ],
        responses={
            200: MessagePageSerializer,
            400: OpenApiResponse(description="Bad `before` or `pageSize` (named)"),
            **_REFUSALS,
        },
        tags=["chat"],
    )
    def get(self, request, pk):
        check_query_params(request, dict.fromkeys(HistoryQuerySerializer().fields))
        query = HistoryQuerySerializer(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        messages, has_more = services.message_history(
            user=request.user,
            consultation=Consultation(pk=pk),
            before=query.validated_data.get("before"),
            limit=query.validated_data.get("page_size", services.HISTORY_PAGE),
        )
        next_url = None
        if has_more and messages:
            params = request.query_params.copy()
            params["before"] = str(messages[0].id)
            next_url = request.build_absolute_uri(f"{request.path}?{params.urlencode()}")
        return Response(
            {"results": [m.as_frame() for m in messages], "hasMore": has_more, "next": next_url}
        )


class ChatTicketView(APIView):
    """A single-use, 60-second ticket to open the chat websocket without a cookie; the
    socket belongs to the caller's (token) session. MFA enrolment is checked by the
    default API permissions (accounts.permissions.MfaEnrolled)."""

    @extend_schema(
        operation_id="consultation_chat_ticket_create",
        request=None,
        responses={
            201: TicketSerializer,
            409: OpenApiResponse(description="Cancelled, or outside the chat window"),
            **_REFUSALS,
        },
        tags=["chat"],
    )
    def post(self, request, pk):
        consultation = get_chat_for(request.user, pk, action=Action.JOIN)
        session_key = request_session_key(request)
        if not session_key:  # the socket must belong to a session that can end
            raise refuse_unauthenticated(consultation.pk, user=request.user)
        ticket = ticket_issue(user=request.user, consultation=consultation, session_key=session_key)
        return Response(
            {"ticket": ticket, "expiresIn": TICKET_TTL, "url": f"/ws/chat/{consultation.pk}/"},
            status=status.HTTP_201_CREATED,
        )
