"""The metrics card of the practitioner and HR home pages: this month, from the rollups."""

from django import template

from metrics import access, selectors
from metrics.periods import default_period

register = template.Library()


@register.inclusion_tag("metrics/_home_card.html")
def metrics_home_card(user):
    period = default_period()
    if access.may_read_company_metrics(user) and user.company_id:
        usage = selectors.company_days(
            company=user.company, period=period, protect=access.protects_small_groups(user)
        )
        return {"kind": "company", "period": period, "figure": usage.total.consultations}
    if access.may_read_practitioner_metrics(user) and user.is_practitioner:
        usage = selectors.practitioner_usage(practitioner=user, period=period)
        return {
            "kind": "practitioner",
            "period": period,
            "figure": usage.consultations,
            "minutes": usage.total_duration_minutes,
        }
    return {"kind": None}
