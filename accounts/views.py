from allauth.account.internal.flows.login import perform_password_login
from allauth.account.models import Login
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from accounts import selectors, services
from accounts.access import (
    get_invitation_for,
    may_invite_employees,
    may_use_employee_space,
    may_use_hr_space,
    may_use_practitioner_space,
)
from accounts.csv_import import parse_employee_csv
from accounts.exceptions import InvitationStateError, InvitationUnusable
from accounts.forms import AcceptInvitationForm, EmployeeCsvForm, EmployeeInvitationForm
from accounts.gates import gate_required
from accounts.models import Role
from companies.seats import company_seats_used
from huntzen.cache_headers import never_cache
from huntzen.exceptions import RateLimited

INVITATIONS_PER_PAGE = 50


@gate_required(may_use_employee_space)
def employee_home(request):
    return render(request, "accounts/employee_home.html")


@gate_required(may_use_practitioner_space)
def practitioner_home(request):
    return render(request, "accounts/practitioner_home.html")


@gate_required(may_use_hr_space)
def hr_home(request):
    company = request.user.company
    context = {
        "company": company,
        "seats_used": company_seats_used(company),
        "pending_invitations": selectors.pending_employee_invitations(company),
    }
    return render(request, "accounts/hr_home.html", context)


# --- HR: invitations of the company's employees -------------------------------------


@gate_required(may_invite_employees)
def invitation_list(request):
    company = request.user.company
    page = Paginator(selectors.invitations_for_company(company), INVITATIONS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    context = {
        "company": company,
        "page": page,
        "seats_used": company_seats_used(company),
    }
    return render(request, "accounts/invitation_list.html", context)


@gate_required(may_invite_employees)
def invitation_create(request):
    form = EmployeeInvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            invitation = services.invitation_create(
                inviter=request.user,
                company=request.user.company,
                role=Role.EMPLOYEE,
                **form.cleaned_data,
            )
        except ValidationError as exc:
            field = (
                "email"
                if exc.code in ("invalid_email", "already_user", "already_invited")
                else None
            )
            form.add_error(field, exc)
        except RateLimited as exc:
            return _rate_limited(request, "accounts/invitation_form.html", form, None, exc)
        else:
            messages.success(
                request, _("Invitation envoyée à %(email)s.") % {"email": invitation.email}
            )
            return redirect("accounts:invitation_list")
    return render(
        request, "accounts/invitation_form.html", {"form": form}, status=400 if form.errors else 200
    )


def _rate_limited(request, template, form, field, exc: RateLimited):
    """The form again, with the limit's message (when to try again): 429 + Retry-After."""
    form.add_error(field, str(exc.message))
    response = render(request, template, {"form": form}, status=exc.http_status)
    response["Retry-After"] = str(exc.retry_after)
    return response


@gate_required(may_invite_employees)
def invitation_import(request):
    form = EmployeeCsvForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            rows = parse_employee_csv(form.cleaned_data["file"].read())
            report = services.invitation_import(
                inviter=request.user,
                company=request.user.company,
                rows=rows,
                language=form.cleaned_data["language"],
            )
        except ValidationError as exc:
            form.add_error("file", exc)
        except RateLimited as exc:
            return _rate_limited(request, "accounts/invitation_import.html", form, "file", exc)
        else:
            return render(request, "accounts/invitation_import_report.html", {"report": report})
    return render(
        request,
        "accounts/invitation_import.html",
        {"form": form},
        status=400 if form.errors else 200,
    )


@require_POST
@gate_required(may_invite_employees)
def invitation_revoke(request, pk):
    invitation = get_invitation_for(request.user, pk)
    try:
        services.invitation_revoke(actor=request.user, invitation=invitation)
    except InvitationStateError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, _("Invitation de %(email)s annulée.") % {"email": invitation.email}
        )
    return redirect("accounts:invitation_list")


@require_POST
@gate_required(may_invite_employees)
def invitation_resend(request, pk):
    invitation = get_invitation_for(request.user, pk)
    try:
        services.invitation_resend(actor=request.user, invitation=invitation)
    except (InvitationStateError, RateLimited) as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("Nouveau lien envoyé à %(email)s ; l'ancien ne fonctionne plus.")
            % {"email": invitation.email},
        )
    return redirect("accounts:invitation_list")


# --- The invitee ----------------------------------------------------------------


def _unusable(request, exc: InvitationUnusable):
    return render(
        request,
        "accounts/invitation_unusable.html",
        {"message": exc.message, "reason": exc.reason},
        status=exc.status,
    )


@never_cache
@sensitive_post_parameters("password", "password_confirm")
def invitation_accept(request, token):
    try:
        invitation = selectors.invitation_for_token(token)
        services.invitation_check_usable(invitation)
    except InvitationUnusable as exc:
        return _unusable(request, exc)
    if request.user.is_authenticated:
        return render(
            request,
            "accounts/invitation_unusable.html",
            {
                "message": _(
                    "Vous êtes connecté(e) avec un autre compte. Déconnectez-vous, puis "
                    "rouvrez le lien de l'invitation."
                ),
                "reason": "signed_in",
            },
            status=409,
        )
    form = AcceptInvitationForm(
        request.POST or None,
        initial={"first_name": invitation.first_name, "last_name": invitation.last_name},
    )
    if request.method == "POST" and form.is_valid():
        try:
            user = services.invitation_accept(
                invitation=invitation,
                first_name=form.cleaned_data["first_name"],
                last_name=form.cleaned_data["last_name"],
                password=form.cleaned_data["password"],
            )
        except InvitationUnusable as exc:
            return _unusable(request, exc)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            # Through allauth's own login flow, so its stages (MFA, ...) still apply.
            login = Login(user=user, email=user.email, redirect_url=reverse("home"))
            return perform_password_login(request, {"email": user.email}, login)
    return render(
        request,
        "accounts/invitation_accept.html",
        {"form": form, "invitation": invitation},
        status=400 if form.errors else 200,
    )
