"""The video room of a consultation (Jitsi): its name, when it opens, and the JWT that
lets a participant into that one room when the Jitsi deployment requires tokens."""

import base64
import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta

import jwt
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from consultations import room
from consultations.models import Consultation

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
    """A video consultation's room is open in its window (consultations.room): from 15
    minutes before the start until the start deadline if it never started, until the
    practitioner ends it once started."""
    return (
        consultation.kind == Consultation.Kind.VIDEO
        and room.state(consultation, now=now) == room.State.OPEN
    )


# What the embedded Jitsi is told (configOverwrite of its external API; API clients get
# the same): nothing is recorded, streamed or transcribed, no lobby between the two
# participants, no deep link to the mobile app, no third-party welcome page.
JITSI_CONFIG = {
    "prejoinPageEnabled": True,
    "disableDeepLinking": True,
    "enableWelcomePage": False,
    "fileRecordingsEnabled": False,
    "liveStreamingEnabled": False,
    "localRecording": {"disable": True},
    "recordingService": {"enabled": False, "sharingEnabled": False},
    "transcription": {"enabled": False},
    "hideLobbyButton": True,
    "lobby": {"autoKnock": True, "enableChat": False},
    "toolbarButtons": [
        "camera",
        "microphone",
        "desktop",
        "fullscreen",
        "hangup",
        "settings",
        "tileview",
        "toggle-camera",
        "noisesuppression",
        "select-background",
    ],
}


def jitsi_token(consultation: Consultation, user, *, now: datetime | None = None) -> str | None:
    """A short-lived HS256 token for this room only (the practitioner moderates), or
    None when JITSI_APP_ID / JITSI_APP_SECRET are not set (public Jitsi)."""
    if not (settings.JITSI_APP_ID and settings.JITSI_APP_SECRET):
        return None
    now = now or timezone.now()
    moderator = user.pk == consultation.practitioner_id
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
                "moderator": moderator,
                "affiliation": "owner" if moderator else "member",
                # Both participants go straight in: no lobby between them.
                "lobby_bypass": True,
            },
            "room": {"lobby": False},
            # Nothing of a consultation is recorded, streamed, transcribed or dialled out.
            "features": {
                "recording": False,
                "livestreaming": False,
                "transcription": False,
                "outbound-call": False,
                "sip-outbound-call": False,
            },
        },
    }
    return jwt.encode(claims, settings.JITSI_APP_SECRET, algorithm="HS256")


@dataclass(frozen=True)
class VideoAccess:
    """What a participant needs to join the room now (the video API, the room page)."""

    domain: str
    room: str
    jwt: str | None
    opens_at: datetime
    closes_at: datetime
    moderator: bool
    config: dict


def video_access_for(user, consultation: Consultation, *, now: datetime | None = None):
    """The room of `consultation` for `user`, a participant (the caller checked it with
    consultations.access), when it is open now; raises room.RoomClosed (409, with the
    window's times) otherwise, or for a chat consultation."""
    now = now or timezone.now()
    if consultation.kind != Consultation.Kind.VIDEO:
        raise room.RoomClosed(
            consultation,
            _("Cette consultation se tient par messagerie : elle n'a pas de salle vidéo."),
            code="not_a_video_consultation",
        )
    if not room_is_open(consultation, now=now):
        raise room.RoomClosed(consultation, room.closed_message(consultation, now=now))
    return VideoAccess(
        domain=settings.JITSI_DOMAIN,
        room=room_name(consultation),
        jwt=jitsi_token(consultation, user, now=now),
        opens_at=room.opens_at(consultation),
        closes_at=room.closes_at(consultation),
        moderator=user.pk == consultation.practitioner_id,
        config=JITSI_CONFIG,
    )
