"""Metrics API (sketch section 6), with the tenant check the sketch lacked on every call.

No permission -> 403; someone else's practitioner, employee or company -> 404; then a
bad period -> 400. Exports answer text/csv in the sketch's format.
"""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.gates import gated
from huntzen.api import check_query_params, render, rendered_response
from metrics import access, consent, exports, report_cache, selectors
from metrics.periods import (
    MAX_DAYS,
    PeriodError,
    parse_period,
    parse_report,
    require_published,
    require_whole_months,
)
from metrics.serializers import (
    CompanyMetricsSerializer,
    EmployeeMetricsSerializer,
    PractitionerMetricsSerializer,
    company_metrics_body,
)

PERIOD_PARAMETERS = [
    OpenApiParameter("id", OpenApiTypes.UUID, OpenApiParameter.PATH),
    OpenApiParameter("from", OpenApiTypes.DATE, required=True, description="First day (ISO)."),
    OpenApiParameter("to", OpenApiTypes.DATE, required=True, description="Last day, inclusive."),
]
ERRORS = {
    400: OpenApiResponse(
        description="Bad period (named in `fields`): a missing or invalid date, `to` before "
        "`from`, over 366 days, a parameter given twice, or a rule of the operation's "
        "description."
    ),
    403: OpenApiResponse(description="The role has no access to these counters."),
    404: OpenApiResponse(description="Unknown, or outside the caller's reach."),
}
CSV = {
    (200, "text/csv"): OpenApiResponse(
        OpenApiTypes.STR,
        description="`Date,Consultations,Durée (minutes)`, one line per day, an empty line, "
        "`TOTAL,n,m`. UTF-8 without BOM, LF line endings, no newline after TOTAL.",
    )
}
COMPANY_PARAMETERS = [
    *PERIOD_PARAMETERS,
    OpenApiParameter(
        "granularity",
        OpenApiTypes.STR,
        enum=["month", "week", "day"],
        description="HR: `month` (default) or `week`; the period snaps to whole ISO weeks or "
        "calendar months. HuntZen staff: `day` (default) too.",
    ),
]
COMPANY_CSV = {
    (200, "text/csv"): OpenApiResponse(
        OpenApiTypes.STR,
        description="`Date,Consultations,Durée (minutes)`, one line per bucket (its label, "
        "e.g. `2026-W49` or `2026-12`; for staff by day, the date of each day with "
        "activity), an empty line, `TOTAL,n,m` adding up the lines shown. Withheld figures "
        "read `< 5`. UTF-8 without BOM, LF line endings, no newline after TOTAL.",
    )
}


# Rules of the period that OpenAPI cannot express, stated in each operation's description.
PERIOD_RULES = (
    f"`from` and `to` are required `YYYY-MM-DD` dates; `to` ≥ `from`; at most {MAX_DAYS} "
    "days, both ends included. Each parameter is given once. Else 400 naming the parameter."
)
WHOLE_MONTHS_RULE = (
    "Whole calendar months only: `from` is the first day of a month and `to` the last day "
    "of a month; for HR, no later than the end of last month (a month is published once "
    "over). Else 400."
)
REPORT_RULES = (
    "HR: `granularity` is `month` (default) or `week`; the period widens to the whole "
    "calendar months or ISO weeks (Monday to Sunday) it touches, and only the buckets over "
    "by the end of last month are answered (a month is published once over); the figures "
    "of small groups are withheld (`withheldBuckets`). HuntZen staff: `day` (default), "
    "`week` or `month`. Any other granularity: 400."
)


def _period(request, *, whole_months=False, until=None):
    check_query_params(request, {"from": None, "to": None})
    try:
        period = parse_period(
            request.query_params.get("from"), request.query_params.get("to"), required=True
        )
        if whole_months:
            require_whole_months(period)
        return require_published(period, until=until)
    except PeriodError as exc:
        raise ValidationError({name: [str(msg)] for name, msg in exc.errors.items()}) from exc


def _report_request(request, *, protect: bool, until=selectors.NOW):
    """The period (`from` and `to` are required) and granularity asked for."""
    check_query_params(request, {"from": None, "to": None, "granularity": None})
    try:
        return parse_report(
            request.query_params.get("from"),
            request.query_params.get("to"),
            request.query_params.get("granularity"),
            required=True,
            default=selectors.default_report(protect=protect, until=until),
            allowed=selectors.report_granularities(protect=protect),
        )
    except PeriodError as exc:
        raise ValidationError({name: [str(msg)] for name, msg in exc.errors.items()}) from exc


def _filename(kind, ident, period):
    return f"huntzen-{kind}-{ident}-{period.start.isoformat()}-{period.end.isoformat()}.csv"


class PractitionerMetricsView(APIView):
    permission_classes = gated(access.may_read_practitioner_metrics)

    @extend_schema(
        tags=["metrics"],
        summary="A practitioner's counters (payment)",
        description=PERIOD_RULES,
        parameters=PERIOD_PARAMETERS,
        responses={200: PractitionerMetricsSerializer, **ERRORS},
    )
    def get(self, request, pk):
        practitioner = access.get_practitioner_for(request.user, pk)
        usage = selectors.practitioner_usage(practitioner=practitioner, period=_period(request))
        return Response(PractitionerMetricsSerializer(usage).data)


class PractitionerExportView(APIView):
    permission_classes = gated(access.may_export_practitioner_metrics)

    @extend_schema(
        tags=["metrics"],
        summary="A practitioner's counters as CSV (accounting)",
        description=PERIOD_RULES,
        parameters=PERIOD_PARAMETERS,
        responses={**CSV, **ERRORS},
    )
    def get(self, request, pk):
        practitioner = access.get_practitioner_for(request.user, pk)
        period = _period(request)
        usage = selectors.practitioner_usage(practitioner=practitioner, period=period)
        text = exports.usage_csv(usage.days, usage.consultations, usage.total_duration_minutes)
        return exports.csv_response(text, _filename("praticien", practitioner.pk, period))


class EmployeeMetricsView(APIView):
    permission_classes = gated(access.may_read_employee_metrics)

    @extend_schema(
        tags=["metrics"],
        summary="An employee's counters (HR): totals over whole calendar months that are over",
        description=f"{PERIOD_RULES} {WHOLE_MONTHS_RULE}",
        parameters=PERIOD_PARAMETERS,
        responses={200: EmployeeMetricsSerializer, **ERRORS},
    )
    def get(self, request, pk):
        employee = consent.get_employee_for(request.user, pk)
        until = selectors.published_until_for(protect=access.protects_small_groups(request.user))
        period = _period(request, whole_months=True, until=until)
        return Response(
            EmployeeMetricsSerializer(
                selectors.employee_usage(employee=employee, period=period)
            ).data
        )


class CompanyMetricsView(APIView):
    permission_classes = gated(access.may_read_company_metrics)

    @extend_schema(
        tags=["metrics"],
        summary="A company's usage (HR): per ISO week or calendar month, small groups and "
        "their partners withheld",
        description=f"{PERIOD_RULES} {REPORT_RULES}",
        parameters=COMPANY_PARAMETERS,
        responses={200: CompanyMetricsSerializer, **ERRORS},
    )
    def get(self, request, pk):
        company = access.get_company_for(request.user, pk)
        protect = access.protects_small_groups(request.user)
        # Today read once for the default period and the key (a time zone lookup each).
        until = selectors.published_until_for(protect=protect)
        period, granularity = _report_request(request, protect=protect, until=until)
        # HR's answer kept rendered beside its report (metrics.report_cache): building and
        # rendering the body cost more than finding the report (bench/profiles/hd/).
        key = report_cache.api_body_key(
            selectors.company_report_key(
                company=company,
                period=period,
                granularity=granularity,
                protect=protect,
                until=until,
            ),
            media_type=request.accepted_media_type,
        )

        def answer() -> bytes:
            report = selectors.company_report(
                company=company, period=period, granularity=granularity, protect=protect
            )
            return render(self, company_metrics_body(report))

        return rendered_response(request, report_cache.cached_content(key, answer))


class CompanyExportView(APIView):
    permission_classes = gated(access.may_export_company_metrics)

    @extend_schema(
        tags=["metrics"],
        summary="A company's usage as CSV: per week or month (HR), per day too (staff)",
        description=f"{PERIOD_RULES} {REPORT_RULES}",
        parameters=COMPANY_PARAMETERS,
        responses={**COMPANY_CSV, **ERRORS},
    )
    def get(self, request, pk):
        company = access.get_company_for(request.user, pk)
        protect = access.protects_small_groups(request.user)
        period, granularity = _report_request(request, protect=protect)
        report = selectors.company_report(
            company=company, period=period, granularity=granularity, protect=protect
        )
        text = exports.company_report_csv(report)
        return exports.csv_response(text, _filename("entreprise", company.pk, report.period))
