from rest_framework.permissions import BasePermission

from accounts.mfa import MFA_ENROLLMENT_MESSAGE, must_enroll_mfa


class MfaEnrolled(BasePermission):
    """Default API permission: a user whose role requires MFA and who has not enrolled
    gets 403 on every API view, however they authenticated (the portal middleware
    cannot see bearer tokens: DRF authenticates them inside the view)."""

    message = MFA_ENROLLMENT_MESSAGE
    code = "mfa_enrollment_required"

    def has_permission(self, request, view):
        user = request.user
        return not (user and user.is_authenticated and must_enroll_mfa(user))
