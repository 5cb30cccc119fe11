from django import template

from chat.access import chat_is_open
from medical.access import can_chat

register = template.Library()


@register.inclusion_tag("chat/_panel.html", takes_context=True)
def chat_panel(context, consultation):
    """The chat panel of `consultation`, for its participants only (it shows no content:
    the messages come through the socket or the API, which check and log)."""
    user = context["user"]
    allowed = can_chat(user, consultation)
    return {
        "allowed": allowed,
        "consultation": consultation,
        "user": user,
        "chat_open": allowed and chat_is_open(consultation),
    }
