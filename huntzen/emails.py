"""The one email renderer. Each message has its own function in its app (accounts/emails.py,
consultations/notifications.py) and three templates: `<prefix>_subject.txt`,
`<prefix>_message.txt` and `<prefix>_message.html`.

Nothing is sent from here: the email is queued in the outbox (huntzen/outbox), in the
caller's transaction, and a Celery task delivers it after the commit.
`send_templated_email` renders it now: some of what it says exists only now (an
invitation's raw token is never stored elsewhere). The consultation emails are rendered
at delivery instead, by the same `render_templated` (consultations/notifications.py),
from the plain values of the moment of the change kept in their outbox row: what they
say still belongs to that moment (a cancellation notice describes the cancelled booking
even if a new one follows), and the request that made the change renders nothing."""

from collections.abc import Iterable

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.message import EmailAttachment
from django.template.loader import render_to_string
from django.utils import timezone, translation

from huntzen.outbox.services import Rendered, message_queue


def render_templated(
    *, template_prefix: str, language: str, context: dict, attachments=()
) -> Rendered:
    """The three templates in `language` and the site's time zone (an email has no
    request to take them from)."""
    with translation.override(language), timezone.override(settings.TIME_ZONE):
        subject = render_to_string(f"{template_prefix}_subject.txt", context)
        text = render_to_string(f"{template_prefix}_message.txt", context)
        html = render_to_string(f"{template_prefix}_message.html", context)
    return Rendered(
        subject=" ".join(subject.split()),  # a header holds one line
        text=text,
        html=html,
        attachments=list(attachments),
    )


def send_templated_email(
    *,
    template_prefix: str,
    to: str,
    language: str,
    context: dict,
    attachments: Iterable[EmailAttachment] = (),
    dedup_key: str | None = None,
) -> None:
    """Render the three templates (`render_templated`) and queue them for `to`, with
    `attachments`. With `dedup_key`, an email already queued under that key for `to` is
    not queued again."""
    rendered = render_templated(template_prefix=template_prefix, language=language, context=context)
    message = EmailMultiAlternatives(
        subject=rendered.subject,
        body=rendered.text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
        headers={"Content-Language": language},
    )
    message.attach_alternative(rendered.html, "text/html")
    for attachment in attachments:
        message.attach(*attachment)
    message_queue(message=message, kind=template_prefix, dedup_key=dedup_key)
