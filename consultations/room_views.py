"""The consultation room: one page per consultation for its two participants, before
(countdown, what to prepare), during (video and chat) and after (what was recorded,
the chat's history). The practitioner starts the consultation from it in one action
and ends it with a confirmation. Views parse, check access, call the services, render.
"""

from csp.decorators import csp_replace, csp_update
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from consultations import live, room, services, video
from consultations.access import get_consultation_for, require_participant
from consultations.exceptions import IllegalTransition


def _participant_consultation(request, pk):
    """404 for anyone who must not know of it; 403 for HuntZen staff (they may see the
    consultation's details, never enter its room)."""
    consultation = get_consultation_for(request.user, pk)
    require_participant(
        request.user, consultation, _("Seuls les deux participants rejoignent la séance.")
    )
    return consultation


def _room_response(request, consultation, *, status=200, error=None):
    now = timezone.now()
    page = room.room_page(user=request.user, consultation=consultation, now=now)
    if page.state == room.State.OPEN:
        live.participant_joined(consultation, request.user, now=now)
    context = {
        "room": page,
        "consultation": consultation,
        "error": error,
        "jitsi": None,
    }
    if not page.show_video:
        return render(request, "consultations/room.html", context, status=status)
    access = video.video_access_for(request.user, consultation, now=now)
    origin = f"https://{access.domain}"
    context["jitsi"] = {
        "domain": access.domain,
        "room": access.room,
        "jwt": access.jwt or "",
        "script": f"{origin}/external_api.js",
        "direct_link": f"{origin}/{access.room}" + (f"?jwt={access.jwt}" if access.jwt else ""),
        "config": access.config,
        "display_name": request.user.get_short_name(),
    }

    # Only this page, and only while the video is shown, lets JITSI_DOMAIN in (the site
    # policy forbids frames and third-party scripts); the decorators tag the response.
    @csp_update({"script-src": [origin]})
    @csp_replace({"frame-src": [origin]})
    def render_room(request):
        return render(request, "consultations/room.html", context, status=status)

    return render_room(request)


@login_required
def consultation_room(request, pk):
    return _room_response(request, _participant_consultation(request, pk))


@login_required
def video_room(request, pk):
    """The former video page: the room now holds the video."""
    _participant_consultation(request, pk)
    return redirect("consultations:room", pk=pk)


def _act(request, pk, action):
    consultation = _participant_consultation(request, pk)
    try:
        return action(consultation)
    except IllegalTransition as illegal:
        consultation.refresh_from_db()
        return _room_response(request, consultation, status=409, error=illegal.message)


@login_required
@require_POST
def room_start(request, pk):
    """The practitioner joins the room: one action starts the consultation (recorded,
    so the session is counted) and opens the video."""

    def start(consultation):
        services.consultation_start(actor=request.user, consultation=consultation)
        messages.success(request, _("La séance a commencé : elle est enregistrée."))
        return redirect("consultations:room", pk=consultation.pk)

    return _act(request, pk, start)


@login_required
@require_POST
def room_end(request, pk):
    """Ends the consultation (the page asked to confirm) and says what was recorded."""

    def end(consultation):
        ended = services.consultation_end(actor=request.user, consultation=consultation)
        messages.success(
            request,
            _("Séance terminée. Durée enregistrée : %(minutes)d min.")
            % {"minutes": ended.duration_minutes},
        )
        return redirect(reverse("consultations:room", args=[ended.pk]))

    return _act(request, pk, end)


@login_required
@require_POST
def room_no_show(request, pk):
    def no_show(consultation):
        services.consultation_mark_no_show(actor=request.user, consultation=consultation)
        messages.success(request, _("L'absence est déclarée ; le salarié est prévenu."))
        return redirect("consultations:room", pk=consultation.pk)

    return _act(request, pk, no_show)
