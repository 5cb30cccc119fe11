from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from accounts.roles import home_url_for


@login_required
def home(request):
    return redirect(home_url_for(request.user))


def permission_denied(request, exception=None):
    message = str(exception) if exception and str(exception) else None
    return render(request, "errors/403.html", {"message": message}, status=403)


def page_not_found(request, exception=None):
    return render(request, "errors/404.html", status=404)
