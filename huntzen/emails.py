"""The one email renderer. Each message has its own function in its app (accounts/emails.py,
consultations/notifications.py) and three templates: `<prefix>_subject.txt`,
`<prefix>_message.txt` and `<prefix>_message.html`."""

from collections.abc import Iterable

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.message import EmailAttachment
from django.template.loader import render_to_string
from django.utils import timezone, translation


def send_templated_email(
    *,
    template_prefix: str,
    to: str,
    language: str,
    context: dict,
    attachments: Iterable[EmailAttachment] = (),
) -> None:
    """Render the three templates in `language` and the site's time zone (an email has no
    request to take them from) and send them to `to`, with `attachments`."""
    with translation.override(language), timezone.override(settings.TIME_ZONE):
        subject = render_to_string(f"{template_prefix}_subject.txt", context)
        text = render_to_string(f"{template_prefix}_message.txt", context)
        html = render_to_string(f"{template_prefix}_message.html", context)
    message = EmailMultiAlternatives(
        subject=" ".join(subject.split()),  # a header holds one line
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
        headers={"Content-Language": language},
    )
    message.attach_alternative(html, "text/html")
    for attachment in attachments:
        message.attach(*attachment)
    message.send()
