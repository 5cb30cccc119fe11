"""The video room of a consultation (Jitsi): its name, when it opens, and the JWT that
lets a participant into that one room when the Jitsi deployment requires tokens."""

import base64
import hashlib
import hmac
from datetime import datetime, timedelta

import jwt
from django.conf import settings
from django.utils import timezone

from consultations.models import Consultation

Status = Consultation.Status

OPENS_BEFORE = timedelta(minutes=15)
TOKEN_LIFETIME = timedelta(minutes=15)


def room_name(consultation: Consultation) -> str:
    """The room's name, derived on the fly: HMAC-SHA256 of the consultation's id under
    HUNTZEN_VIDEO_ROOM_KEY, 160 bits in lower-case base32 (Jitsi ignores case).

    On a public Jitsi the name is the only key to the room. Nothing of it is stored, so
    a database dump or a leaked id opens nothing; changing the key renames every room
    at once (and is how a leaked name is revoked).
    """
    key = settings.HUNTZEN_VIDEO_ROOM_KEY.encode()
    digest = hmac.new(key, b"huntzen-care/room|" + consultation.pk.bytes, hashlib.sha256)
    return "huntzen-" + base64.b32encode(digest.digest()[:20]).decode("ascii").lower()


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
        "room": room_name(consultation),
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
