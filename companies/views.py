"""Portal pages: HR's company and employees, the practitioner directory, a
practitioner's own profile. Each view parses, checks access, calls, renders."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.access import may_use_hr_space, may_use_practitioner_space
from accounts.gates import gate_required
from companies import services
from companies.access import (
    get_company_for,
    get_employee_for,
    get_practitioner_for,
    may_browse_practitioners,
)
from companies.forms import CompanyContactForm, PractitionerFilterForm, PractitionerOwnProfileForm
from companies.models import PractitionerProfile
from companies.seats import company_seats_used
from companies.selectors import (
    company_can_book,
    employee_list,
    pending_employee_invitations,
    practitioner_list,
)

EMPLOYEES_PER_PAGE = 50
PRACTITIONERS_PER_PAGE = 20


def _own_company(request):
    return get_company_for(request.user, request.user.company_id)


def _apply_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


@gate_required(may_use_hr_space)
def hr_company(request):
    company = _own_company(request)
    return render(
        request,
        "companies/hr_company.html",
        {
            "company": company,
            "seats_used": company_seats_used(company),
            "can_book": company_can_book(company),
        },
    )


@gate_required(may_use_hr_space)
@require_http_methods(["GET", "POST"])
def hr_company_edit(request):
    company = _own_company(request)
    form = CompanyContactForm(request.POST or None, instance=company)
    if request.method == "POST" and form.is_valid():
        try:
            services.company_update(
                actor=request.user,
                company=company,
                data={name: form.cleaned_data[name] for name in form.fields},
            )
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("Les coordonnées de l'entreprise sont à jour."))
            return redirect("companies:hr_company")
    return render(request, "companies/hr_company_edit.html", {"company": company, "form": form})


@gate_required(may_use_hr_space)
def hr_employee_list(request):
    company = _own_company(request)
    page = Paginator(employee_list(user=request.user, company=company), EMPLOYEES_PER_PAGE)
    invited = pending_employee_invitations(company)
    return render(
        request,
        "companies/hr_employee_list.html",
        {
            "company": company,
            "page": page.get_page(request.GET.get("page")),
            "invited": invited[:EMPLOYEES_PER_PAGE],
            "invited_count": invited.count(),
            "seats_used": company_seats_used(company),
        },
    )


@gate_required(may_use_hr_space)
@require_http_methods(["GET", "POST"])
def hr_employee_deactivate(request, pk):
    employee = get_employee_for(request.user, pk)
    if request.method == "POST":
        services.member_deactivate(actor=request.user, member=employee)
        messages.success(
            request,
            _("Le compte de %(name)s est désactivé : il ne peut plus se connecter.")
            % {"name": employee.get_full_name()},
        )
        return redirect("companies:hr_employee_list")
    return render(request, "companies/hr_employee_deactivate.html", {"employee": employee})


@gate_required(may_browse_practitioners)
def practitioner_list_view(request):
    form = PractitionerFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    profiles = practitioner_list(**{k: v for k, v in filters.items() if v})
    page = Paginator(profiles, PRACTITIONERS_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "companies/practitioner_list.html",
        {
            "form": form,
            "page": page,
            "querystring": query.urlencode(),
            "can_book": company_can_book(request.user.company),
        },
    )


@gate_required(may_browse_practitioners)
def practitioner_detail(request, pk):
    profile = get_practitioner_for(request.user, pk)
    return render(
        request,
        "companies/practitioner_detail.html",
        {"profile": profile, "can_book": company_can_book(request.user.company)},
    )


@gate_required(may_use_practitioner_space)
@require_http_methods(["GET", "POST"])
def practitioner_profile_edit(request):
    profile = (
        PractitionerProfile.objects.filter(user=request.user)
        .prefetch_related("specialties", "languages")
        .first()
    )
    if profile is None:
        return render(request, "companies/practitioner_profile_missing.html")
    initial = {
        "bio": profile.bio,
        "specialties": [s.code for s in profile.specialties.all()],
        "languages": [lang.code for lang in profile.languages.all()],
    }
    form = PractitionerOwnProfileForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.practitioner_update_own(practitioner=request.user, **form.cleaned_data)
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("Votre profil est à jour."))
            return redirect("companies:practitioner_profile")
    return render(
        request, "companies/practitioner_profile_edit.html", {"profile": profile, "form": form}
    )
