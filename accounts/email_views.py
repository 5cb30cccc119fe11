"""allauth's email management, where an employee adds and verifies a personal address
for her appointment emails (issue 11), less "make primary": the account address stays
her login and the address her company knows. Which address receives the emails is
chosen on the privacy page (accounts.services.notification_address_choose)."""

from allauth.account import views as allauth_views
from django.contrib import messages
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _


class EmailView(allauth_views.EmailView):
    def post(self, request, *args, **kwargs):
        if "action_primary" in request.POST:
            messages.error(
                request,
                _(
                    "Votre adresse de connexion reste celle de votre compte. Choisissez où "
                    "recevoir vos rendez-vous sur la page Confidentialité."
                ),
            )
            return HttpResponseRedirect(reverse("account_email"))
        return super().post(request, *args, **kwargs)
