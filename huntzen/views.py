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


def favicon(request):
    """/favicon.ico for the pages without our <link rel="icon"> (the admin's, the API
    docs). The static URL is resolved per request: with the manifest storage it needs
    the collected files, which do not exist when the URLconf is imported."""
    from django.shortcuts import redirect
    from django.templatetags.static import static

    return redirect(static("favicon.svg"), permanent=True)
