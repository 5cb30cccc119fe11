"""REST API of companies and practitioners: parse, check access, call, serialize.
Every view starts from companies.access / companies.selectors (tenant scoping)."""

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from accounts.gates import gated
from companies import directory, services
from companies.access import (
    get_company_for,
    get_practitioner_for,
    may_activate_companies,
    may_browse_practitioners,
    may_create_companies,
    may_list_companies,
)
from companies.forms import PractitionerFilterForm
from companies.selectors import companies_visible_to, employee_list
from companies.serializers import (
    CompanyCreateSerializer,
    CompanyDetailSerializer,
    CompanySerializer,
    CompanyUpdateSerializer,
    EmployeeSerializer,
    PractitionerSerializer,
)
from huntzen.api import check_query_params, render, rendered_response

_DENIED = OpenApiResponse(description="Not allowed for this role.")
_NOT_FOUND = OpenApiResponse(description="No such company for this user (other tenants too).")


class CompanyListCreateView(generics.GenericAPIView):
    serializer_class = CompanySerializer
    permission_classes = gated(GET=may_list_companies, POST=may_create_companies)

    def get_queryset(self):
        return companies_visible_to(self.request.user).order_by("name", "id")

    @extend_schema(
        summary="Companies the caller may see (staff: all; HR: its own).",
        responses={200: CompanySerializer(many=True), 403: _DENIED},
    )
    def get(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(CompanySerializer(page, many=True).data)

    @extend_schema(
        summary="Create a company (HuntZen staff).",
        request=CompanyCreateSerializer,
        responses={201: CompanyDetailSerializer, 400: None, 403: _DENIED},
    )
    def post(self, request):
        serializer = CompanyCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        company = services.company_create(**serializer.validated_data)
        return Response(CompanyDetailSerializer(company).data, status=status.HTTP_201_CREATED)


class CompanyDetailView(generics.GenericAPIView):
    serializer_class = CompanyDetailSerializer

    @extend_schema(
        summary="One company (staff: any; HR: its own).",
        responses={200: CompanyDetailSerializer, 404: _NOT_FOUND},
    )
    def get(self, request, pk):
        company = get_company_for(request.user, pk)
        return Response(CompanyDetailSerializer(company).data)

    @extend_schema(
        summary="Change a company: HR its contact fields, staff also name, SIRET and seats.",
        request=CompanyUpdateSerializer,
        responses={
            200: CompanyDetailSerializer,
            400: None,
            403: OpenApiResponse(description="A field this role may not change."),
            404: _NOT_FOUND,
        },
    )
    def patch(self, request, pk):
        company = get_company_for(request.user, pk)
        serializer = CompanyUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        company = services.company_update(
            actor=request.user, company=company, data=dict(serializer.validated_data)
        )
        return Response(CompanyDetailSerializer(company).data)


class CompanyActivateView(generics.GenericAPIView):
    serializer_class = CompanyDetailSerializer

    @extend_schema(
        summary="Activate a company's subscription (HuntZen staff). Idempotent.",
        request=None,
        responses={200: CompanyDetailSerializer, 403: _DENIED, 404: _NOT_FOUND},
    )
    def post(self, request, pk):
        company = get_company_for(request.user, pk)
        # Gated after the lookup: another tenant's company stays a 404.
        may_activate_companies.check(request.user)
        company = services.company_activate(company=company)
        return Response(CompanyDetailSerializer(company).data)


class CompanyEmployeeListView(generics.GenericAPIView):
    serializer_class = EmployeeSerializer

    @extend_schema(
        summary="A company's employees: name, email, status, dates (no consultation data).",
        responses={200: EmployeeSerializer(many=True), 404: _NOT_FOUND},
    )
    def get(self, request, pk):
        company = get_company_for(request.user, pk)
        page = self.paginate_queryset(employee_list(user=request.user, company=company))
        return self.get_paginated_response(EmployeeSerializer(page, many=True).data)


_FILTERS = [
    OpenApiParameter(name, str, enum=[code for code, _label in field.choices if code])
    for name, field in PractitionerFilterForm.base_fields.items()
]


class PractitionerListView(generics.GenericAPIView):
    serializer_class = PractitionerSerializer
    permission_classes = gated(may_browse_practitioners)

    def cache_read_ahead(self, request):
        """The cached answer's keys, fetched with a bearer token's user (one round trip)."""
        return directory.read_ahead(request)

    @extend_schema(
        summary="Active practitioners (employees and staff), filtered.",
        parameters=_FILTERS,
        responses={200: PractitionerSerializer(many=True), 400: None, 403: _DENIED},
    )
    def get(self, request):
        # The same for every employee: each answer cached (companies.directory), and
        # stored only once its parameters passed every check below.
        found = directory.cached_answer(request)
        if found.value is not None:
            return rendered_response(request, found.value)
        check_query_params(request, dict.fromkeys(PractitionerFilterForm.base_fields))
        form = PractitionerFilterForm(request.query_params)
        if not form.is_valid():
            raise ValidationError({field: errors for field, errors in form.errors.items()})
        filters = {name: value for name, value in form.cleaned_data.items() if value}
        rows = self.paginate_queryset(directory.card_rows(**filters))
        response = self.get_paginated_response(PractitionerSerializer.represent_rows(rows))
        content = render(self, response.data)
        directory.store_answer(found, content)
        return rendered_response(request, content)


class PractitionerDetailView(generics.GenericAPIView):
    serializer_class = PractitionerSerializer
    permission_classes = gated(may_browse_practitioners)

    @extend_schema(
        summary="One active practitioner, by their user id.",
        responses={200: PractitionerSerializer, 403: _DENIED, 404: OpenApiResponse()},
    )
    def get(self, request, pk):
        return Response(PractitionerSerializer(get_practitioner_for(request.user, pk)).data)
