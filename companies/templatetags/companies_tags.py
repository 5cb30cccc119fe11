from django import template

from accounts.access import may_use_hr_space
from companies.selectors import company_can_book

register = template.Library()


@register.inclusion_tag("companies/partials/company_status_banner.html")
def company_status_banner(user):
    """The "you cannot book, and why" notice for HR and employees of an inactive
    company; renders nothing otherwise."""
    company = user.company if user.is_authenticated else None
    return {
        "company": company,
        "can_book": company is None or company_can_book(company),
        "is_hr": may_use_hr_space(user),
    }
