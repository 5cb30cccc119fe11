"""Every person's data page (GDPR): download everything (art. 15 and 20) and, for
employees, erase the account (art. 17), confirmed by password. The export itself is
medical.views.personal_data_export (a large account's is built in the background and
downloaded here: medical.exports); the erasure is accounts.services.account_erase."""

from django import forms
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from accounts import services
from huntzen.cache_headers import never_cache
from medical import exports
from medical.views import zip_response


class EraseForm(forms.Form):
    password = forms.CharField(
        label=gettext_lazy("Mot de passe"),
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


@never_cache
@login_required
def my_data(request):
    return render(
        request,
        "accounts/my_data.html",
        {
            "may_erase": services.may_erase_account(request.user),
            "exports": exports.exports_of(user=request.user),
            "failed_message": exports.FAILED_MESSAGE,
        },
    )


@never_cache
@login_required
@require_POST
def export_download(request, pk):
    """The owner's prepared export; anyone else 404 (medical.exports.get_export_for)."""
    return zip_response(exports.export_download(user=request.user, export_id=pk))


@never_cache
@login_required
@require_POST
def export_delete(request, pk):
    exports.export_delete(user=request.user, export_id=pk)
    messages.success(request, _("Votre export a été supprimé."))
    return redirect("accounts:my_data")


@never_cache
@login_required
@sensitive_post_parameters("password")
@require_http_methods(["GET", "POST"])
def account_erase(request):
    if not services.may_erase_account(request.user):
        raise PermissionDenied(_("Votre compte est clôturé par l'équipe HuntZen Care."))
    form = EraseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.account_erase(user=request.user, password=form.cleaned_data["password"])
        except ValidationError as error:
            form.add_error("password", error.message_dict.get("password", error.messages))
        else:
            logout(request)
            messages.success(request, _("Votre compte a été supprimé."))
            return redirect("account_login")
    status = 400 if form.is_bound else 200
    return render(request, "accounts/account_erase.html", {"form": form}, status=status)
