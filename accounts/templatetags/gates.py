"""`{% load gates %}{% if user|may:"book" %}`: a template asks the same gate as the view."""

from django import template

from accounts.gates import get_gate

register = template.Library()


@register.filter
def may(user, gate_name: str) -> bool:
    """An unknown name raises (a typo must fail the page's tests, not hide a link)."""
    return get_gate(gate_name)(user)
