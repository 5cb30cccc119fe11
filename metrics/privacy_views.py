"""The employee's privacy page and its two forms (sharing her counters, where her
appointment emails go). Each view checks the page is hers, calls one service or
selector, and renders or redirects (post/redirect/get, with a message)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.selectors import notification_address, personal_addresses
from accounts.services import notification_address_choose
from metrics import consent, privacy

ACCOUNT_ADDRESS = "account"


@login_required
def privacy_page(request):
    privacy.require_owner(request.user)
    page, disclosures = privacy.disclosures_page(
        employee=request.user, number=request.GET.get("page")
    )
    return render(
        request,
        "metrics/privacy.html",
        {
            "hr_view": privacy.what_hr_sees(employee=request.user),
            "sharing": consent.usage_sharing_of(employee=request.user),
            "page": page,
            "disclosures": disclosures,
            "notification_address": notification_address(request.user),
            "personal_addresses": personal_addresses(request.user),
        },
    )


@login_required
@require_POST
def usage_sharing(request):
    privacy.require_owner(request.user)
    shared = request.POST.get("shared") == "on"
    consent.usage_sharing_set(employee=request.user, shared=shared)
    if shared:
        messages.success(request, _("Vos compteurs sont maintenant visibles par vos RH."))
    else:
        messages.success(request, _("Vos compteurs ne sont plus visibles par vos RH."))
    return redirect("privacy")


@login_required
@require_POST
def notification_destination(request):
    privacy.require_owner(request.user)
    choice = request.POST.get("address", "")
    address = None
    if choice != ACCOUNT_ADDRESS:
        address = (
            personal_addresses(request.user).filter(pk=choice if choice.isdigit() else None).first()
        )
        if address is None:
            messages.error(request, _("Choisissez une de vos adresses vérifiées."))
            return redirect("privacy")
    try:
        notification_address_choose(user=request.user, email_address=address)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("privacy")
    messages.success(
        request,
        _("Vos e-mails de rendez-vous iront désormais à %(address)s.")
        % {"address": notification_address(request.user)},
    )
    return redirect("privacy")
