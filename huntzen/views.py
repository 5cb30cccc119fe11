from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse

from accounts.models import Role

# Where each role lands after sign-in; staff run the platform from the admin.
HOME_BY_ROLE = {
    Role.PSG_SUPER: "admin:index",
    Role.HUNTZEN_ADMIN: "admin:index",
    Role.COMPANY_RH: "accounts:hr_home",
    Role.PRACTITIONER: "accounts:practitioner_home",
    Role.EMPLOYEE: "accounts:employee_home",
}


@login_required
def home(request):
    return redirect(reverse(HOME_BY_ROLE[request.user.role]))


def permission_denied(request, exception=None):
    message = str(exception) if exception and str(exception) else None
    return render(request, "errors/403.html", {"message": message}, status=403)


def page_not_found(request, exception=None):
    return render(request, "errors/404.html", status=404)
