"""The one email renderer. Each message has its own function in its app (accounts/emails.py,
consultations/notifications.py) and three templates: `<prefix>_subject.txt`,
`<prefix>_message.txt` and `<prefix>_message.html`.

Nothing is sent from here: the rendered email is queued in the outbox (huntzen/outbox), in
the caller's transaction, and a Celery task delivers it after the commit. It is rendered
now, not at delivery, because what it says belongs to the moment of the change (a
cancellation notice describes the cancelled booking even if a new one follows), some of
it exists only now (an invitation's raw token is never stored elsewhere), and delivery
then needs no template, translation or database read that could fail differently."""

from collections.abc import Iterable

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.message import EmailAttachment
from django.template.loader import render_to_string
from django.utils import timezone, translation

from huntzen.outbox.services import message_queue


def send_templated_email(
    *,
    template_prefix: str,
    to: str,
    language: str,
    context: dict,
    attachments: Iterable[EmailAttachment] = (),
    dedup_key: str | None = None,
) -> None:
    """Render the three templates in `language` and the site's time zone (an email has no
    request to take them from) and queue them for `to`, with `attachments`. With
    `dedup_key`, an email already queued under that key for `to` is not queued again."""
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
    message_queue(message=message, kind=template_prefix, dedup_key=dedup_key)
