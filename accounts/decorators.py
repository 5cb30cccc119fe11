from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _


def role_required(*roles, message=None):
    """Portal pages of one audience: others get the 403 page saying why."""

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.user.role not in roles:
                raise PermissionDenied(message or _("Cette page est réservée à un autre rôle."))
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
