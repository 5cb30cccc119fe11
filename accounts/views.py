from django.shortcuts import render

from accounts.decorators import role_required
from accounts.models import Role


@role_required(Role.EMPLOYEE)
def employee_home(request):
    return render(request, "accounts/employee_home.html")


@role_required(Role.PRACTITIONER)
def practitioner_home(request):
    return render(request, "accounts/practitioner_home.html")


@role_required(Role.COMPANY_RH)
def hr_home(request):
    return render(request, "accounts/hr_home.html")
