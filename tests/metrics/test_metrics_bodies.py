"""The hand-built body of GET /api/v1/metrics/companies/{id}
(metrics.serializers.company_metrics_body) is byte for byte what its serializer, which
documents it, renders: for HR (weeks, months, withheld buckets, nothing published yet) and
for HuntZen staff (days, exact figures, distinct employees), with and without a yearly
allowance."""

from datetime import date

import pytest
from rest_framework.renderers import JSONRenderer

from metrics.periods import Granularity, Period
from metrics.selectors import company_report
from metrics.serializers import CompanyMetricsSerializer, company_metrics_body
from tests.metrics.test_api_company import june, march, staff  # noqa: F401, F811 (fixtures)

pytestmark = pytest.mark.django_db

MARCH = Period(date(2026, 3, 1), date(2026, 3, 31))
CASES = [
    (MARCH, Granularity.MONTH, True),
    (MARCH, Granularity.WEEK, True),
    (Period(date(2026, 1, 1), date(2026, 12, 31)), Granularity.MONTH, True),
    (Period(date(2026, 3, 10), date(2026, 4, 20)), Granularity.WEEK, True),
    (Period(date(2026, 6, 1), date(2026, 6, 30)), Granularity.MONTH, True),  # not published
    (MARCH, Granularity.DAY, False),
    (MARCH, Granularity.WEEK, False),
    (Period(date(2026, 2, 1), date(2026, 6, 15)), Granularity.MONTH, False),
]


def _bytes(data) -> bytes:
    return JSONRenderer().render(data)


@pytest.mark.parametrize("allowance", [None, 4])
@pytest.mark.parametrize(("period", "granularity", "protect"), CASES)
def test_the_body_is_the_serializers_output(acme, march, period, granularity, protect, allowance):  # noqa: F811
    acme.yearly_allowance_per_employee = allowance
    acme.save(update_fields=["yearly_allowance_per_employee"])
    report = company_report(company=acme, period=period, granularity=granularity, protect=protect)
    assert _bytes(company_metrics_body(report)) == _bytes(CompanyMetricsSerializer(report).data)


def test_the_cases_cover_withheld_shown_and_missing_totals(acme, march):  # noqa: F811
    """The comparison above means something: it meets every kind of figure."""
    reports = [
        company_report(company=acme, period=p, granularity=g, protect=protect)
        for p, g, protect in CASES
    ]
    buckets = [bucket for report in reports for bucket in report.buckets]
    assert any(bucket.hidden for bucket in buckets)
    assert any(not bucket.hidden and bucket.consultations for bucket in buckets)
    assert any(report.total is None for report in reports)
    assert any(report.total is not None and not report.total.hidden for report in reports)
    assert any(report.active_employees for report in reports)
