from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.utils.translation import gettext_lazy as _

MFA_ENROLLMENT_MESSAGE = _(
    "Activez d'abord la double authentification (application TOTP) pour ce compte."
)


def mfa_required_for(user) -> bool:
    return user.is_authenticated and (
        user.role in settings.HUNTZEN_MFA_REQUIRED_ROLES
        or (user.is_superuser and "R1_PSG_SUPER" in settings.HUNTZEN_MFA_REQUIRED_ROLES)
    )


def must_enroll_mfa(user) -> bool:
    """A user whose role requires MFA and who has not set up an authenticator yet."""
    return mfa_required_for(user) and not mfa_enabled(user)


def mfa_enabled(user) -> bool:
    """allauth's answer. A user read through the auth cache (accounts/auth_cache.py)
    carries the answer given when it was loaded, so the MFA gate costs no query per
    request; adding or removing an authenticator drops that cached user."""
    known = getattr(user, "_huntzen_mfa_enabled", None)
    return is_mfa_enabled(user) if known is None else known
