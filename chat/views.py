from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render

from chat.access import ChatForbidden, ChatRefused, get_chat_page_for


@login_required
def chat_page(request, pk):
    """The chat of a consultation, for its employee and its practitioner."""
    try:
        consultation = get_chat_page_for(request.user, pk)
    except ChatForbidden as refused:
        raise PermissionDenied(refused.message) from None
    except ChatRefused:
        raise Http404 from None
    return render(request, "chat/chat_page.html", {"consultation": consultation})
