"""Account emails: one function per message, three templates each (subject, txt, html),
rendered and sent by huntzen.emails."""

from django.urls import reverse

from huntzen.emails import send_templated_email
from huntzen.links import absolute_url


def invitation_url(token: str) -> str:
    return absolute_url(reverse("accounts:invitation_accept", kwargs={"token": token}))


def send_invitation(*, invitation, token: str) -> None:
    """The invitation link; the raw token exists only here and in the invitee's inbox."""
    send_templated_email(
        template_prefix="accounts/email/invitation",
        to=invitation.email,
        language=invitation.language,
        context={
            "invitation": invitation,
            "url": invitation_url(token),
            "inviter_name": invitation.invited_by.get_full_name()
            if invitation.invited_by
            else "HuntZen Care",
            "company": invitation.company,
            "expires_at": invitation.expires_at,
        },
    )
