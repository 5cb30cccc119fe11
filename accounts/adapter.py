from allauth.account.adapter import DefaultAccountAdapter
from django.urls import reverse


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request):
        """No open sign-up: accounts come from invitations, whose role and company
        are fixed by the server (the sketch let a client choose its own role)."""
        return False

    def get_login_redirect_url(self, request):
        return reverse("home")
