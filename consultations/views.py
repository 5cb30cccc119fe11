"""Portal pages: employees book and follow their consultations, practitioners run
theirs and edit their availability, both join the video room. Views parse, check
access (consultations.access), call the services, render."""

from datetime import datetime, time, timedelta

from csp.decorators import csp_replace, csp_update
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.gates import gate_required
from accounts.models import Role, User
from consultations import selectors, services, video
from consultations.access import (
    get_consultation_for,
    is_participant,
    may_book,
    may_cancel,
    may_read_own_consultations,
    may_run_consultations,
    require_participant,
)
from consultations.exceptions import BookingRefused, IllegalTransition
from consultations.forms import (
    AvailabilitySettingsForm,
    BookingConfirmForm,
    CancelForm,
    ExceptionForm,
    WeeklyHoursForm,
)
from consultations.models import (
    Availability,
    AvailabilityException,
    Consultation,
    WeeklyOpening,
)
from consultations.permissions import has_object_perm

Status = Consultation.Status


def _bookable_practitioner(pk) -> User:
    return get_object_or_404(
        User.objects.select_related("practitioner_profile"),
        pk=pk,
        role=Role.PRACTITIONER,
        is_active=True,
        practitioner_profile__is_active=True,
    )


def _week_start(offset: int):
    today = timezone.localdate()
    monday = today - timedelta(days=today.weekday())
    return monday + timedelta(weeks=offset)


# --- Employee: slot picker, confirmation -------------------------------------------


@gate_required(may_book)
def slot_picker(request, practitioner_id, *, error=None, status=200):
    practitioner = _bookable_practitioner(practitioner_id)
    horizon_weeks = settings.HUNTZEN_BOOKING_HORIZON_WEEKS
    try:
        week = min(max(int(request.GET.get("week", 0)), 0), horizon_weeks)
    except ValueError:
        week = 0
    first_day = _week_start(week)
    tz = timezone.get_current_timezone()
    start = datetime.combine(first_day, time.min).replace(tzinfo=tz)
    end = start + timedelta(days=7)
    slots = selectors.practitioner_slots(practitioner=practitioner, start=start, end=end)
    days = []
    for offset in range(7):
        day = first_day + timedelta(days=offset)
        days.append((day, [s for s in slots if timezone.localtime(s.start).date() == day]))
    return render(
        request,
        "consultations/slot_picker.html",
        {
            "practitioner": practitioner,
            "days": days,
            "has_slots": bool(slots),
            "week": week,
            "previous_week": week - 1 if week > 0 else None,
            "next_week": week + 1 if week < horizon_weeks else None,
            "can_book": request.user.company.is_active,
            "error": error,
        },
        status=status,
    )


@gate_required(may_book)
@require_http_methods(["GET", "POST"])
def book_confirm(request, practitioner_id):
    practitioner = _bookable_practitioner(practitioner_id)
    form = BookingConfirmForm(request.POST or None, initial={"start": request.GET.get("start")})
    if request.method == "GET":
        start_form = BookingConfirmForm({"start": request.GET.get("start", ""), "kind": "video"})
        if not start_form.is_valid():
            raise Http404
        start = start_form.cleaned_data["start"]
        if not selectors.slot_is_bookable(practitioner=practitioner, start=start):
            return slot_picker(
                request,
                practitioner_id,
                error=_("Ce créneau n'est plus disponible. Choisissez-en un autre."),
                status=409,
            )
        return render(
            request,
            "consultations/book_confirm.html",
            {
                "practitioner": practitioner,
                "form": form,
                "start": start,
                "end": start + _length(practitioner),
            },
        )
    if not form.is_valid():
        return slot_picker(
            request, practitioner_id, error=_("Choisissez un créneau et un type."), status=400
        )
    try:
        consultation = services.consultation_book(
            employee=request.user,
            practitioner=practitioner,
            scheduled_at=form.cleaned_data["start"],
            kind=form.cleaned_data["kind"],
        )
    except BookingRefused as refusal:
        return slot_picker(
            request, practitioner_id, error=refusal.message, status=refusal.http_status
        )
    messages.success(
        request,
        _("Votre rendez-vous est réservé. Un e-mail de confirmation vous a été envoyé."),
    )
    return redirect("consultations:detail", pk=consultation.pk)


def _length(practitioner) -> timedelta:
    availability = selectors.availability_for(practitioner)
    return timedelta(minutes=availability.length_minutes if availability else 50)


# --- Both: my consultations, one consultation ----------------------------------------


@gate_required(may_read_own_consultations)
def my_consultations(request):
    return render(
        request,
        "consultations/my_consultations.html",
        {
            "upcoming": selectors.upcoming_consultations(request.user),
            "past": selectors.past_consultations(request.user)[:50],
        },
    )


def _detail_context(request, consultation, **extra):
    user = request.user
    participant = is_participant(user, consultation)
    now = timezone.now()
    context = {
        "consultation": consultation,
        "is_participant": participant,
        "is_practitioner": participant and user.pk == consultation.practitioner_id,
        "is_employee": participant and user.pk == consultation.employee_id,
        "status_changes": consultation.status_changes.select_related("actor"),
        "room_open": participant and video.room_is_open(consultation, now=now),
        "can_cancel": may_cancel(user, consultation)
        and consultation.status == Status.SCHEDULED
        and now < consultation.scheduled_at,
        "can_start": participant
        and has_object_perm(user, "start_consultation", consultation)
        and consultation.status == Status.SCHEDULED
        and now >= consultation.scheduled_at - services.START_EARLY_ALLOWANCE,
        "can_end": participant
        and has_object_perm(user, "end_consultation", consultation)
        and consultation.status == Status.IN_PROGRESS,
        "can_mark_no_show": participant
        and has_object_perm(user, "mark_no_show_consultation", consultation)
        and consultation.status == Status.SCHEDULED
        and now >= consultation.scheduled_at,
        "cancel_form": CancelForm(),
    }
    context.update(extra)
    return context


@login_required
def consultation_detail(request, pk):
    consultation = get_consultation_for(request.user, pk)
    return render(
        request, "consultations/consultation_detail.html", _detail_context(request, consultation)
    )


def _transition(request, pk, action):
    consultation = get_consultation_for(request.user, pk)
    try:
        consultation = action(consultation)
    except IllegalTransition as illegal:
        consultation.refresh_from_db()
        return render(
            request,
            "consultations/consultation_detail.html",
            _detail_context(request, consultation, error=illegal.message),
            status=409,
        )
    return redirect("consultations:detail", pk=consultation.pk)


@login_required
@require_POST
def consultation_start(request, pk):
    return _transition(
        request,
        pk,
        lambda c: services.consultation_start(actor=request.user, consultation=c),
    )


@login_required
@require_POST
def consultation_end(request, pk):
    return _transition(
        request, pk, lambda c: services.consultation_end(actor=request.user, consultation=c)
    )


@login_required
@require_POST
def consultation_no_show(request, pk):
    return _transition(
        request,
        pk,
        lambda c: services.consultation_mark_no_show(actor=request.user, consultation=c),
    )


@login_required
@require_POST
def consultation_cancel(request, pk):
    form = CancelForm(request.POST)
    if not form.is_valid():
        consultation = get_consultation_for(request.user, pk)
        return render(
            request,
            "consultations/consultation_detail.html",
            _detail_context(request, consultation, cancel_form=form),
            status=400,
        )
    response = _transition(
        request,
        pk,
        lambda c: services.consultation_cancel(
            actor=request.user, consultation=c, reason=form.cleaned_data["reason"]
        ),
    )
    if response.status_code == 302:
        messages.success(request, _("Le rendez-vous est annulé ; l'autre participant est prévenu."))
    return response


# --- Video room ------------------------------------------------------------------------


@login_required
def video_room(request, pk):
    """The Jitsi room, embedded. The page's CSP adds exactly JITSI_DOMAIN to script-src
    and frame-src (the site policy forbids frames); every other page keeps the strict
    policy."""
    consultation = get_consultation_for(request.user, pk)
    require_participant(
        request.user, consultation, _("Seuls les deux participants rejoignent la séance.")
    )
    if not video.room_is_open(consultation):
        raise PermissionDenied(
            _(
                "La salle ouvre 15 minutes avant l'heure prévue et ferme à la fin de la "
                "consultation."
            )
        )
    origin = f"https://{settings.JITSI_DOMAIN}"

    # The settings are read per request (not at import); the decorators tag the response.
    @csp_update({"script-src": [origin]})
    @csp_replace({"frame-src": [origin]})
    def render_room(request):
        return render(
            request,
            "consultations/video_room.html",
            {
                "consultation": consultation,
                "jitsi_domain": settings.JITSI_DOMAIN,
                "jitsi_script": f"{origin}/external_api.js",
                "jitsi_token": video.jitsi_token(consultation, request.user) or "",
                "display_name": request.user.get_short_name(),
            },
        )

    return render_room(request)


# --- Practitioner: agenda, availability --------------------------------------------------


@gate_required(may_run_consultations)
def agenda(request):
    period = "week" if request.GET.get("view") == "week" else "day"
    try:
        day = datetime.strptime(request.GET.get("day", ""), "%Y-%m-%d").date()
    except ValueError:
        day = timezone.localdate()
    first = day - timedelta(days=day.weekday()) if period == "week" else day
    length = 7 if period == "week" else 1
    tz = timezone.get_current_timezone()
    start = datetime.combine(first, time.min).replace(tzinfo=tz)
    end = datetime.combine(first + timedelta(days=length), time.min).replace(tzinfo=tz)
    consultations = list(selectors.agenda(request.user, start=start, end=end))
    days = [
        (
            first + timedelta(days=n),
            [
                c
                for c in consultations
                if timezone.localtime(c.scheduled_at).date() == first + timedelta(days=n)
            ],
        )
        for n in range(length)
    ]
    step = timedelta(days=length)
    return render(
        request,
        "consultations/agenda.html",
        {
            "period": period,
            "days": days,
            "first": first,
            "previous": first - step,
            "next": first + step,
            "today": timezone.localdate(),
        },
    )


def _apply_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


@gate_required(may_run_consultations)
@require_http_methods(["GET", "POST"])
def availability_edit(request):
    availability = Availability.objects.filter(practitioner=request.user).first()
    openings = list(WeeklyOpening.objects.filter(availability=availability)) if availability else []
    action = request.POST.get("action")
    settings_form = AvailabilitySettingsForm(
        request.POST if action == "settings" else None,
        instance=availability or Availability(practitioner=request.user),
    )
    hours_form = WeeklyHoursForm(request.POST if action == "hours" else None, openings=openings)
    exception_form = ExceptionForm(request.POST if action == "exception" else None)
    status = 200
    if request.method == "POST":
        try:
            if action == "settings" and settings_form.is_valid():
                services.availability_update(
                    actor=request.user,
                    time_zone=settings_form.cleaned_data["time_zone"],
                    length_minutes=settings_form.cleaned_data["length_minutes"],
                    buffer_minutes=settings_form.cleaned_data["buffer_minutes"],
                )
                messages.success(request, _("Réglages enregistrés."))
                return redirect("consultations:availability")
            if action == "hours" and hours_form.is_valid():
                services.weekly_hours_set(
                    actor=request.user, openings=hours_form.cleaned_data["openings"]
                )
                messages.success(request, _("Horaires hebdomadaires enregistrés."))
                return redirect("consultations:availability")
            if action == "exception" and exception_form.is_valid():
                data = exception_form.cleaned_data
                services.availability_exception_add(
                    actor=request.user,
                    kind=data["kind"],
                    day=data["date"],
                    start_time=data["start_time"],
                    end_time=data["end_time"],
                    until=data["until"],
                )
                messages.success(request, _("Exception ajoutée."))
                return redirect("consultations:availability")
            if action == "remove_exception":
                services.availability_exception_remove(
                    actor=request.user, exception_id=int(request.POST.get("exception", "0"))
                )
                messages.success(request, _("Exception supprimée."))
                return redirect("consultations:availability")
        except ValidationError as error:
            form = {"settings": settings_form, "hours": hours_form}.get(action, exception_form)
            _apply_errors(form, error)
        except (ValueError, AvailabilityException.DoesNotExist):
            raise Http404 from None
        status = 400
    today = timezone.localdate()
    return render(
        request,
        "consultations/availability.html",
        {
            "availability": availability,
            "settings_form": settings_form,
            "hours_form": hours_form,
            "exception_form": exception_form,
            "exceptions": availability.exceptions.filter(date__gte=today) if availability else [],
            "preview": selectors.practitioner_slots(
                practitioner=request.user,
                start=timezone.now(),
                end=timezone.now() + timedelta(days=7),
                availability=availability,
            )
            if availability
            else [],
        },
        status=status,
    )
