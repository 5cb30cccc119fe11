"""The video room of a consultation (Jitsi): when it opens, and the JWT that lets a
participant into that one room when the Jitsi deployment requires tokens."""

from datetime import datetime, timedelta

import jwt
from django.conf import settings
from django.utils import timezone

from consultations.models import Consultation

Status = Consultation.Status

OPENS_BEFORE = timedelta(minutes=15)
TOKEN_LIFETIME = timedelta(minutes=15)


def room_is_open(consultation: Consultation, *, now: datetime | None = None) -> bool:
    """From 15 minutes before the start until the consultation ends: ended by the
    practitioner once started, or at its planned end if it never started."""
    now = now or timezone.now()
    if consultation.kind != Consultation.Kind.VIDEO:
        return False
    if now < consultation.scheduled_at - OPENS_BEFORE:
        return False
    if consultation.status == Status.IN_PROGRESS:
        return True
    return consultation.status == Status.SCHEDULED and now < consultation.scheduled_end


def jitsi_token(consultation: Consultation, user, *, now: datetime | None = None) -> str | None:
    """A short-lived HS256 token for this room only (the practitioner moderates), or
    None when JITSI_APP_ID / JITSI_APP_SECRET are not set (public Jitsi)."""
    if not (settings.JITSI_APP_ID and settings.JITSI_APP_SECRET):
        return None
    now = now or timezone.now()
    claims = {
        "iss": settings.JITSI_APP_ID,
        "aud": "jitsi",
        "sub": settings.JITSI_DOMAIN,
        "room": consultation.room_name,
        "iat": int(now.timestamp()),
        "nbf": int((now - timedelta(seconds=30)).timestamp()),
        "exp": int((now + TOKEN_LIFETIME).timestamp()),
        "context": {
            "user": {
                "id": str(user.pk),
                "name": user.get_short_name(),
                "moderator": user.pk == consultation.practitioner_id,
            },
        },
    }
    return jwt.encode(claims, settings.JITSI_APP_SECRET, algorithm="HS256")
