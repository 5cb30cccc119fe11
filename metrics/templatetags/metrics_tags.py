"""The metrics card of the practitioner and HR home pages, from the rollups: the
practitioner's month so far; for HR, the last month published (the figure their
dashboard shows for it)."""

from django import template

from metrics import access, selectors
from metrics.periods import Granularity, default_period

register = template.Library()


@register.inclusion_tag("metrics/_home_card.html")
def metrics_home_card(user):
    if access.may_read_company_metrics(user) and user.company_id:
        protect = access.protects_small_groups(user)
        report = selectors.company_report(
            company=user.company,
            period=selectors.latest_month(protect=protect),
            granularity=Granularity.MONTH,
            protect=protect,
        )
        month = report.buckets[0]
        return {"kind": "company", "period": month.period, "figure": month.consultations}
    if access.may_read_practitioner_metrics(user) and user.is_practitioner:
        period = default_period()
        usage = selectors.practitioner_usage(practitioner=user, period=period)
        return {
            "kind": "practitioner",
            "period": period,
            "figure": usage.consultations,
            "minutes": usage.total_duration_minutes,
        }
    return {"kind": None}
