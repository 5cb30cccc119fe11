"""Account emails: one function per message, three templates each (subject, txt, html)."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation


def _send(*, template: str, to: str, language: str, context: dict) -> None:
    with translation.override(language):
        subject = render_to_string(f"accounts/email/{template}_subject.txt", context)
        text = render_to_string(f"accounts/email/{template}_message.txt", context)
        html = render_to_string(f"accounts/email/{template}_message.html", context)
    subject = " ".join(subject.split())  # a header holds one line
    message = EmailMultiAlternatives(
        subject=subject, body=text, from_email=settings.DEFAULT_FROM_EMAIL, to=[to]
    )
    message.attach_alternative(html, "text/html")
    message.send()


def invitation_url(*, token: str, base_url: str) -> str:
    return base_url.rstrip("/") + reverse("accounts:invitation_accept", kwargs={"token": token})


def send_invitation(*, invitation, token: str, base_url: str) -> None:
    """The invitation link; the raw token exists only here and in the invitee's inbox."""
    _send(
        template="invitation",
        to=invitation.email,
        language=invitation.language,
        context={
            "invitation": invitation,
            "url": invitation_url(token=token, base_url=base_url),
            "inviter_name": invitation.invited_by.get_full_name()
            if invitation.invited_by
            else "HuntZen Care",
            "company": invitation.company,
            "expires_at": invitation.expires_at,
        },
    )
