"""The consultation room's window: when it opens, until when the consultation may be
started, and in which state the room is now. One window for the room page, the video
API and the practitioner's start (consultations.services.consultation_start).

- It opens OPENS_BEFORE (15 minutes) before the planned start.
- A scheduled consultation may be started from then until its planned end plus
  HUNTZEN_START_GRACE_MINUTES (`closes_at`); later it can only be marked as a no-show
  or cancelled.
- Once started, the room stays open until the practitioner ends it.
"""

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.formats import time_format
from django.utils.translation import gettext as _

from consultations.exceptions import IllegalTransition
from consultations.models import Consultation
from huntzen.exceptions import StateConflict

Status = Consultation.Status

OPENS_BEFORE = timedelta(minutes=15)


class State(enum.StrEnum):
    BEFORE = "before"  # scheduled, the room not open yet: the countdown
    OPEN = "open"  # in the window, or started: video and chat
    OVER = "over"  # ended, cancelled, missed, or past its start deadline


def opens_at(consultation: Consultation) -> datetime:
    return consultation.scheduled_at - OPENS_BEFORE


def closes_at(consultation: Consultation) -> datetime:
    """The last moment a scheduled consultation may be started (its planned end plus
    the grace); settings are read at call time."""
    return consultation.scheduled_end + timedelta(minutes=settings.HUNTZEN_START_GRACE_MINUTES)


def state(consultation: Consultation, *, now: datetime | None = None) -> State:
    now = now or timezone.now()
    if consultation.status == Status.IN_PROGRESS:
        return State.OPEN
    if consultation.status != Status.SCHEDULED:
        return State.OVER
    if now < opens_at(consultation):
        return State.BEFORE
    if now < closes_at(consultation):
        return State.OPEN
    return State.OVER


def may_start_at(consultation: Consultation, now: datetime) -> bool:
    """The window rule of a start (the status and the actor are the service's)."""
    return opens_at(consultation) <= now < closes_at(consultation)


def _local_time(at: datetime) -> str:
    return time_format(timezone.localtime(at), "H:i")


class RoomClosed(StateConflict):
    """The room is not open now (409): the body says when it opens and closes."""

    code = "room_closed"

    def __init__(self, consultation: Consultation, message=None, *, code: str | None = None):
        self.opens_at = opens_at(consultation)
        self.closes_at = closes_at(consultation)
        super().__init__(
            message or closed_message(consultation),
            current_status=consultation.status,
            code=code,
        )

    def body(self) -> dict:
        # The API's own datetime format (the time zone of the site, with its offset).
        from rest_framework.fields import DateTimeField

        body = super().body()
        body["opensAt"] = DateTimeField().to_representation(self.opens_at)
        body["closesAt"] = DateTimeField().to_representation(self.closes_at)
        return body


class StartRefused(RoomClosed, IllegalTransition):
    """A start outside the window: an illegal transition (409 `illegal_transition`,
    `currentStatus`), with the window's times."""

    code = IllegalTransition.code


def closed_message(consultation: Consultation, *, now: datetime | None = None) -> str:
    """Why the room is closed now, for a person."""
    if consultation.status == Status.CANCELLED:
        return _("Cette consultation a été annulée.")
    if consultation.status == Status.NO_SHOW:
        return _("Une absence a été déclarée pour cette consultation.")
    if consultation.status == Status.COMPLETED:
        return _("Cette consultation est terminée.")
    if state(consultation, now=now) == State.BEFORE:
        return _("La salle ouvre à %(time)s, 15 minutes avant la consultation.") % {
            "time": _local_time(opens_at(consultation))
        }
    return _(
        "L'heure de cette consultation est passée (salle fermée à %(time)s) : elle ne peut "
        "plus être démarrée ; déclarez une absence ou annulez-la."
    ) % {"time": _local_time(closes_at(consultation))}


@dataclass(frozen=True)
class RoomPage:
    """What the room page shows `user` (one of the two participants) now. Display only:
    each service decides again when the user acts."""

    consultation: Consultation
    state: State
    opens_at: datetime
    closes_at: datetime
    is_practitioner: bool
    is_video: bool
    show_video: bool  # the Jitsi room is embedded (the practitioner once started)
    can_start: bool
    can_end: bool
    can_mark_no_show: bool
    other_joined_at: datetime | None
    closed_message: str

    @property
    def other_role(self) -> str:
        return "employee" if self.is_practitioner else "practitioner"


def room_page(*, user, consultation: Consultation, now: datetime | None = None) -> RoomPage:
    """The room of `consultation` as its participant `user` sees it at `now` (the caller
    checked participation: consultations.access)."""
    from consultations import live
    from consultations.selectors import consultation_actions

    now = now or timezone.now()
    current = state(consultation, now=now)
    actions = consultation_actions(user=user, consultation=consultation, now=now)
    is_practitioner = user.pk == consultation.practitioner_id
    is_video = consultation.kind == Consultation.Kind.VIDEO
    other = "employee" if is_practitioner else "practitioner"
    return RoomPage(
        consultation=consultation,
        state=current,
        opens_at=opens_at(consultation),
        closes_at=closes_at(consultation),
        is_practitioner=is_practitioner,
        is_video=is_video,
        show_video=is_video
        and current == State.OPEN
        and (not is_practitioner or consultation.status == Status.IN_PROGRESS),
        can_start=actions.can_start,
        can_end=actions.can_end,
        can_mark_no_show=actions.can_mark_no_show,
        other_joined_at=live.joined_at(consultation, other) if current == State.OPEN else None,
        closed_message=closed_message(consultation, now=now) if current != State.OPEN else "",
    )
