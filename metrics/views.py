"""Portal pages: practitioner, company (HR) and HuntZen staff dashboards, CSV exports.
Each view parses, checks access (metrics.access), calls a selector, renders."""

from django.core.paginator import Paginator
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import dateformat
from django.utils.text import capfirst
from django.utils.translation import gettext

from accounts.gates import gate_required
from huntzen.dates import date_short
from metrics import access, consent, exports, report_cache, selectors
from metrics.charts import bar_chart
from metrics.periods import (
    Granularity,
    Period,
    PeriodError,
    parse_month_range,
    parse_period,
    parse_report,
    require_published,
)
from metrics.small_groups import min_group_size

DASHBOARD = "metrics/company_dashboard.html"
DASHBOARD_BODY = "metrics/_company_dashboard_body.html"


def _period(request) -> tuple[Period | None, dict]:
    try:
        return parse_period(request.GET.get("from"), request.GET.get("to"), required=False), {}
    except PeriodError as exc:
        return None, exc.errors


def _report_request(request, *, protect: bool, until=selectors.NOW):
    """The period and granularity asked for (the viewer's defaults), or the errors.
    `until` as in selectors.default_report."""
    try:
        period, granularity = parse_report(
            request.GET.get("from"),
            request.GET.get("to"),
            request.GET.get("granularity"),
            required=False,
            default=selectors.default_report(protect=protect, until=until),
            allowed=selectors.report_granularities(protect=protect),
        )
        return period, granularity, {}
    except PeriodError as exc:
        return None, None, exc.errors


def _filename(kind: str, ident, period: Period) -> str:
    return f"huntzen-{kind}-{ident}-{period.start.isoformat()}-{period.end.isoformat()}.csv"


def _daily_points(period: Period, days, attr: str):
    values = {row.day: getattr(row, attr) for row in days}
    return [(date_short(d), values.get(d, 0)) for d in period.dates()]


def _bucket_name(bucket: Period, granularity: Granularity) -> str:
    """A bucket as the page names it, in the portal's date styles (the CSV keeps
    periods.bucket_label: 2026-W49, 2026-12)."""
    if granularity == Granularity.MONTH:
        return capfirst(dateformat.format(bucket.start, "F Y"))
    if granularity == Granularity.WEEK:
        return gettext("semaine du %(day)s") % {"day": date_short(bucket.start)}
    return date_short(bucket.start)


@gate_required(access.may_read_practitioner_metrics)
def practitioner_dashboard(request, pk=None):
    practitioner = access.get_practitioner_for(request.user, pk or request.user.pk)
    period, errors = _period(request)
    context = {"practitioner": practitioner, "errors": errors, "period": period}
    if errors:
        return render(request, "metrics/practitioner_dashboard.html", context, status=400)
    usage = selectors.practitioner_usage(practitioner=practitioner, period=period)
    context.update(
        usage=usage,
        is_self=practitioner.pk == request.user.pk,
        may_export=access.may_export_practitioner_metrics(request.user),
        chart=bar_chart(_daily_points(period, usage.days, "consultations")),
        minutes_chart=bar_chart(
            _daily_points(period, usage.days, "total_duration_minutes"), unit=" min"
        ),
    )
    return render(request, "metrics/practitioner_dashboard.html", context)


@gate_required(access.may_export_practitioner_metrics)
def practitioner_export(request, pk):
    practitioner = access.get_practitioner_for(request.user, pk)
    period, errors = _period(request)
    if errors:
        return render(
            request,
            "metrics/practitioner_dashboard.html",
            {"practitioner": practitioner, "errors": errors},
            status=400,
        )
    usage = selectors.practitioner_usage(practitioner=practitioner, period=period)
    text = exports.usage_csv(usage.days, usage.consultations, usage.total_duration_minutes)
    return exports.csv_response(text, _filename("praticien", practitioner.pk, period))


@gate_required(access.may_read_company_metrics)
def company_dashboard(request, pk=None):
    company = access.get_company_for(request.user, pk or request.user.company_id)
    protect = access.protects_small_groups(request.user)
    # Today read once for the default period and the key (a time zone lookup each).
    until = selectors.published_until_for(protect=protect)
    period, granularity, errors = _report_request(request, protect=protect, until=until)
    context = {
        "company": company,
        "errors": errors,
        "period": period,
        "granularity": granularity,
        "granularities": selectors.report_granularities(protect=protect),
    }
    if errors:
        # The form shows what was typed: the only part of the body that reads the request.
        body = render_to_string(DASHBOARD_BODY, {**context, "request": request})
        return render(request, DASHBOARD, {"company": company, "body": body}, status=400)
    links = (
        access.may_export_company_metrics(request.user),
        access.may_read_employee_metrics(request.user),
    )
    key = report_cache.page_body_key(
        selectors.company_report_key(
            company=company, period=period, granularity=granularity, protect=protect, until=until
        ),
        company=company,
        links=links,
    )

    def render_body() -> str:
        report = selectors.company_report(
            company=company, period=period, granularity=granularity, protect=protect
        )
        return render_to_string(
            DASHBOARD_BODY,
            {
                **context,
                "report": report,
                "period": report.period,
                "min_group": min_group_size(),
                "may_export": links[0],
                "may_see_employees": links[1],
                "chart": bar_chart(
                    [
                        (_bucket_name(b.period, report.granularity), b.consultations)
                        for b in report.buckets
                    ]
                ),
            },
        )

    body = report_cache.cached_body(key, render_body)
    return render(request, DASHBOARD, {"company": company, "body": body})


@gate_required(access.may_export_company_metrics)
def company_export(request, pk):
    company = access.get_company_for(request.user, pk)
    protect = access.protects_small_groups(request.user)
    period, granularity, errors = _report_request(request, protect=protect)
    if errors:
        return render(
            request,
            DASHBOARD,
            {
                "company": company,
                "body": render_to_string(
                    DASHBOARD_BODY, {"company": company, "errors": errors, "request": request}
                ),
            },
            status=400,
        )
    report = selectors.company_report(
        company=company, period=period, granularity=granularity, protect=protect
    )
    text = exports.company_report_csv(report)
    return exports.csv_response(text, _filename("entreprise", company.pk, report.period))


EMPLOYEES_PER_PAGE = 50


@gate_required(access.may_read_employee_metrics)
def company_employees(request, pk):
    """The sketch's per-employee counters: totals over whole months only, nothing else
    (no practitioner, specialty, type or date)."""
    company = access.get_company_for(request.user, pk)
    protect = access.protects_small_groups(request.user)
    try:
        period = parse_month_range(
            request.GET.get("from"),
            request.GET.get("to"),
            default=selectors.latest_month(protect=protect),
        )
        require_published(period, until=selectors.published_until_for(protect=protect))
        errors = {}
    except PeriodError as exc:
        period, errors = None, exc.errors
    context = {"company": company, "errors": errors, "period": period}
    if errors:
        return render(request, "metrics/company_employees.html", context, status=400)
    page = Paginator(
        consent.company_employees_for(request.user, company=company), EMPLOYEES_PER_PAGE
    ).get_page(request.GET.get("page"))
    context.update(
        page=page,
        rows=selectors.employees_usage(company=company, employees=page, period=period),
        from_month=period.start.strftime("%Y-%m"),
        to_month=period.end.strftime("%Y-%m"),
    )
    return render(request, "metrics/company_employees.html", context)


@gate_required(access.may_read_all_counters)
def staff_overview(request):
    period, errors = _period(request)
    context = {"errors": errors, "period": period}
    if errors:
        return render(request, "metrics/staff_overview.html", context, status=400)
    context.update(
        practitioners=selectors.practitioners_usage(period=period),
        companies=selectors.companies_usage(period=period),
    )
    return render(request, "metrics/staff_overview.html", context)


@gate_required(access.may_read_all_counters)
def staff_practitioners_export(request):
    period, errors = _period(request)
    if errors:
        return render(request, "metrics/staff_overview.html", {"errors": errors}, status=400)
    text = exports.practitioners_csv(selectors.practitioners_usage(period=period))
    return exports.csv_response(text, _filename("praticiens", "tous", period))


@gate_required(access.may_read_all_counters)
def staff_companies_export(request):
    period, errors = _period(request)
    if errors:
        return render(request, "metrics/staff_overview.html", {"errors": errors}, status=400)
    text = exports.companies_csv(selectors.companies_usage(period=period))
    return exports.csv_response(text, _filename("entreprises", "toutes", period))
