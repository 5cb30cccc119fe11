from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse

from accounts.gates import unwrapped
from accounts.mfa import MFA_ENROLLMENT_MESSAGE, must_enroll_mfa
from accounts.permissions import MfaEnrolled

# Where a user held at MFA enrollment may still go: enrolling (and the password
# re-check it may ask for), signing out, static files, the language switch, allauth
# headless (whose MFA endpoints let API clients enrol).
_ALLOWED_PREFIXES = (
    "/accounts/2fa/",
    "/accounts/reauthenticate/",
    "/accounts/logout/",
    "/static/",
    "/i18n/",
    "/_allauth/",
)


class MfaEnrollmentRequiredMiddleware:
    """Users of roles in HUNTZEN_MFA_REQUIRED_ROLES reach no page before enrolling.

    Bearer-token API requests are held by accounts.permissions.MfaEnrolled (DRF
    authenticates them after middleware runs).

    The user Django's AuthenticationMiddleware left on `request.user` as a lazy object,
    evaluated here, replaces that object for the rest of the request: the same instance
    without the proxy that every attribute read went through (a portal page read it
    about fifty times; bench/profiles/sb/)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None:
            user = request.user = unwrapped(user)
        if (
            user is not None
            and user.is_authenticated
            and not request.path.startswith(_ALLOWED_PREFIXES)
            and must_enroll_mfa(user)
        ):
            if request.path.startswith("/api/"):
                # The API's error body (huntzen/api.py error_body), as MfaEnrolled answers.
                return JsonResponse(
                    {"code": MfaEnrolled.code, "message": str(MFA_ENROLLMENT_MESSAGE)},
                    status=403,
                )
            return redirect(reverse("mfa_activate_totp"))
        return self.get_response(request)
