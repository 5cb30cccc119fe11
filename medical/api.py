"""REST API of medical content: /api/v1/medical/clinical-notes and /api/v1/medical/journal.

Same rules as the portal: reads ask medical.access (which logs) and selectors decrypt;
each write is one medical service, which decides access, logs and writes. Bodies are
parsed before access only where the target comes from the body (the consultation of a
new note); elsewhere the service parses the body once it has decided access (`_body`),
so a refused user learns nothing from validation messages.
"""

from django.utils.decorators import method_decorator
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from huntzen import json_rows
from huntzen.api import Pagination
from huntzen.cache_headers import never_cache
from huntzen.idempotency import keys as idempotency_keys
from medical import access, selectors, services
from medical.models import AccessLogEntry
from medical.serializers import (
    ClinicalNoteAmendSerializer,
    ClinicalNoteCreateSerializer,
    ClinicalNoteSerializer,
    JournalDeletedSerializer,
    JournalEntryInputSerializer,
    JournalEntrySerializer,
)

_REFUSALS = {
    403: OpenApiResponse(description="The user knows the object but may not do this."),
    404: OpenApiResponse(description="No such object, or the user must not know of it."),
}


def _body(request, serializer_class, **options):
    """The request body, parsed when the service asks for it (after its access
    decision); a bad body answers 400 naming the fields."""

    def parse():
        body = serializer_class(data=request.data, **options)
        body.is_valid(raise_exception=True)
        return body.validated_data

    return parse


def _note_body(note) -> dict:
    content = selectors.note_content(note)
    return ClinicalNoteSerializer(
        {
            "id": note.pk,
            "consultation_id": note.consultation_id,
            "author_id": note.author_id,
            "version": note.version,
            **content.as_dict(),
            "unreadable": content.unreadable,
            "created_at": note.created_at,
            "updated_at": note.updated_at,
            "previous_versions": selectors.note_versions(note),
        }
    ).data


@method_decorator(never_cache, name="dispatch")
class ClinicalNoteCreateView(GenericAPIView):
    serializer_class = ClinicalNoteCreateSerializer

    @extend_schema(
        operation_id="medical_clinical_note_create",
        request=ClinicalNoteCreateSerializer,
        responses={
            201: ClinicalNoteSerializer,
            400: OpenApiResponse(),
            **_REFUSALS,
            409: OpenApiResponse(description="Not started yet, or already written."),
        },
        summary="Write the clinical note of a consultation (its practitioner only).",
    )
    def post(self, request):
        body = ClinicalNoteCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        content = dict(body.validated_data)
        note = services.note_create(
            author=request.user, consultation=content.pop("consultation_id"), **content
        )
        return Response(_note_body(note), status=status.HTTP_201_CREATED)


@method_decorator(never_cache, name="dispatch")
class ClinicalNoteDetailView(GenericAPIView):
    serializer_class = ClinicalNoteSerializer

    @extend_schema(
        operation_id="medical_clinical_note_read",
        responses={200: ClinicalNoteSerializer, **_REFUSALS},
        summary="Read the clinical note of a consultation, with its earlier versions "
        "(author only).",
    )
    def get(self, request, consultationId):  # camelCase: the public path parameter
        _consultation, note = access.get_note_for(request.user, consultationId)
        return Response(_note_body(note))

    @extend_schema(
        operation_id="medical_clinical_note_amend",
        request=ClinicalNoteAmendSerializer,
        responses={200: ClinicalNoteSerializer, 400: OpenApiResponse(), **_REFUSALS},
        summary="Amend the clinical note; the replaced text is kept as a version.",
    )
    def patch(self, request, consultationId):
        note = services.note_amend(
            author=request.user,
            consultation=consultationId,
            parse=_body(request, ClinicalNoteAmendSerializer),
        )
        return Response(_note_body(note))


@method_decorator(never_cache, name="dispatch")
class JournalView(GenericAPIView):
    serializer_class = JournalEntrySerializer
    pagination_class = Pagination

    @extend_schema(
        operation_id="medical_journal_list",
        responses={200: JournalEntrySerializer(many=True), 403: _REFUSALS[403]},
        summary="My journal entries, newest first (employees only).",
    )
    def get(self, request):
        access.require_journal(request.user, action=AccessLogEntry.Action.READ)
        rows = self.paginator.paginate_statement(
            selectors.OWN_ENTRIES, request, view=self, owner_id=request.user.pk
        )
        entries = selectors.entry_rows_content(rows)
        if json_rows.writes_plain_json(self):  # each entry straight to JSON text
            return json_rows.paginated_response(
                self, JournalEntrySerializer.represent_many_json(entries)
            )
        return self.get_paginated_response(JournalEntrySerializer.represent_many(entries))

    @extend_schema(
        operation_id="medical_journal_create",
        request=JournalEntryInputSerializer,
        parameters=[idempotency_keys.PARAMETER],
        responses={
            422: idempotency_keys.REUSED_RESPONSE,
            201: JournalEntrySerializer,
            400: OpenApiResponse(),
            403: _REFUSALS[403],
        },
        summary="Write a journal entry (employees only).",
    )
    @idempotency_keys.idempotent
    def post(self, request):
        entry = services.journal_entry_create(
            owner=request.user, parse=_body(request, JournalEntryInputSerializer)
        )
        return Response(
            JournalEntrySerializer(selectors.entry_content(entry)).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(
        operation_id="medical_journal_delete_all",
        request=None,
        parameters=[idempotency_keys.PARAMETER],
        responses={
            422: idempotency_keys.REUSED_RESPONSE,
            200: JournalDeletedSerializer,
            403: _REFUSALS[403],
        },
        summary="Delete my whole journal at once (GDPR art. 17).",
    )
    @idempotency_keys.idempotent
    def delete(self, request):
        count = services.journal_delete_all(owner=request.user)
        return Response(JournalDeletedSerializer({"deleted": count}).data)


@method_decorator(never_cache, name="dispatch")
class JournalEntryView(GenericAPIView):
    serializer_class = JournalEntrySerializer

    @extend_schema(
        operation_id="medical_journal_entry_read",
        responses={200: JournalEntrySerializer, 404: _REFUSALS[404]},
        summary="Read one of my journal entries.",
    )
    def get(self, request, pk):
        entry = access.get_entry_for(request.user, pk)
        return Response(JournalEntrySerializer(selectors.entry_content(entry)).data)

    @extend_schema(
        operation_id="medical_journal_entry_update",
        request=JournalEntryInputSerializer(partial=True),
        parameters=[idempotency_keys.PARAMETER],
        responses={
            422: idempotency_keys.REUSED_RESPONSE,
            200: JournalEntrySerializer,
            400: OpenApiResponse(),
            404: _REFUSALS[404],
        },
        summary="Change one of my journal entries (date, mood and/or text).",
    )
    @idempotency_keys.idempotent
    def patch(self, request, pk):
        entry = services.journal_entry_update(
            owner=request.user,
            entry=pk,
            parse=_body(request, JournalEntryInputSerializer, partial=True),
        )
        return Response(JournalEntrySerializer(selectors.entry_content(entry)).data)

    @extend_schema(
        operation_id="medical_journal_entry_delete",
        request=None,
        parameters=[idempotency_keys.PARAMETER],
        responses={422: idempotency_keys.REUSED_RESPONSE, 204: None, 404: _REFUSALS[404]},
        summary="Delete one of my journal entries.",
    )
    @idempotency_keys.idempotent
    def delete(self, request, pk):
        services.journal_entry_delete(owner=request.user, entry=pk)
        return Response(status=status.HTTP_204_NO_CONTENT)
