from django.shortcuts import redirect
from django.urls import reverse

from accounts.mfa import must_enroll_mfa

# Where a user held at MFA enrollment may still go: enrolling, signing out, static.
_ALLOWED_PREFIXES = ("/accounts/2fa/", "/accounts/logout/", "/static/", "/i18n/", "/_allauth/")


class MfaEnrollmentRequiredMiddleware:
    """Users of roles in HUNTZEN_MFA_REQUIRED_ROLES reach no page before enrolling."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not request.path.startswith(_ALLOWED_PREFIXES)
            and must_enroll_mfa(user)
        ):
            if request.path.startswith("/api/"):
                from django.http import JsonResponse

                return JsonResponse(
                    {"detail": "Multi-factor authentication must be set up first."},
                    status=403,
                )
            return redirect(reverse("mfa_activate_totp"))
        return self.get_response(request)
