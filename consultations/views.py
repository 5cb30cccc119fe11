"""Portal pages: employees book and follow their consultations, practitioners run
theirs and edit their availability, both join the video room. Views parse, check
access (consultations.access), call the services, render."""

from dataclasses import asdict

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.gates import gate_required
from accounts.models import Role, User
from accounts.selectors import notification_address
from consultations import ics, notifications, selectors, services
from consultations.access import (
    get_consultation_for,
    may_book,
    may_read_own_consultations,
    may_run_consultations,
    require_participant,
)
from consultations.exceptions import BookingRefused, ClosingHasBookings, IllegalTransition
from consultations.forms import (
    AgendaForm,
    AvailabilitySettingsForm,
    BookingConfirmForm,
    CancelForm,
    ExceptionForm,
    RescheduleForm,
    WeeklyHoursForm,
)
from consultations.models import (
    Availability,
    AvailabilityException,
    Consultation,
)
from huntzen.exceptions import Refusal


def _bookable_practitioner(pk) -> User:
    return get_object_or_404(
        User.objects.select_related("practitioner_profile"),
        pk=pk,
        role=Role.PRACTITIONER,
        is_active=True,
        practitioner_profile__is_active=True,
    )


# --- Employee: slot picker, confirmation -------------------------------------------


@gate_required(may_book)
def slot_picker(request, practitioner_id, *, error=None, status=200):
    practitioner = _bookable_practitioner(practitioner_id)
    try:
        week = int(request.GET.get("week", 0))
    except ValueError:
        week = 0
    return render(
        request,
        "consultations/slot_picker.html",
        {
            "practitioner": practitioner,
            "slot_week": selectors.slot_week(practitioner=practitioner, week=week),
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
        slot = selectors.bookable_slot(
            practitioner=practitioner, start=start_form.cleaned_data["start"]
        )
        if slot is None:
            return slot_picker(
                request,
                practitioner_id,
                error=_("Ce créneau n'est plus disponible. Choisissez-en un autre."),
                status=409,
            )
        return render(
            request,
            "consultations/book_confirm.html",
            {"practitioner": practitioner, "form": form, "start": slot.start, "end": slot.end},
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


# --- Both: my consultations, one consultation ----------------------------------------


@gate_required(may_read_own_consultations)
def my_consultations(request):
    return render(
        request,
        "consultations/my_consultations.html",
        {
            "upcoming": selectors.upcoming_consultations(request.user),
            "past": selectors.past_consultations(request.user)[:50],
            "cancelled": selectors.cancelled_consultations(request.user)[:50],
        },
    )


def _detail_page(request, consultation, *, status=200, **extra):
    actions = selectors.consultation_actions(user=request.user, consultation=consultation)
    context = {
        "consultation": consultation,
        "status_changes": consultation.status_changes.select_related("actor"),
        "cancel_form": CancelForm(reason_required=request.user.pk == consultation.practitioner_id),
        **asdict(selectors.cancel_terms(user=request.user, consultation=consultation)),
        "cancel_reason": selectors.cancel_reason_for(user=request.user, consultation=consultation),
        **asdict(actions),
        **extra,
    }
    return render(request, "consultations/consultation_detail.html", context, status=status)


@login_required
def consultation_detail(request, pk):
    return _detail_page(request, get_consultation_for(request.user, pk))


def _transition(request, pk, action):
    consultation = get_consultation_for(request.user, pk)
    try:
        consultation = action(consultation)
    except IllegalTransition as illegal:
        consultation.refresh_from_db()
        return _detail_page(request, consultation, status=409, error=illegal.message)
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
    consultation = get_consultation_for(request.user, pk)
    form = CancelForm(request.POST, reason_required=request.user.pk == consultation.practitioner_id)
    if not form.is_valid():
        return _detail_page(request, consultation, status=400, cancel_form=form)
    response = _transition(
        request,
        pk,
        lambda c: services.consultation_cancel(
            actor=request.user, consultation=c, reason=form.cleaned_data["reason"]
        ),
    )
    if response.status_code == 302:
        consultation.refresh_from_db()
        messages.success(
            request,
            _("Le rendez-vous est annulé (annulation tardive) ; l'autre participant est prévenu.")
            if consultation.cancelled_late
            else _("Le rendez-vous est annulé ; l'autre participant est prévenu."),
        )
    return response


@login_required
@require_http_methods(["GET", "POST"])
def consultation_reschedule(request, pk):
    """The employee picks another free slot of the same practitioner (a week at a time)
    and moves her consultation there in one step."""
    consultation = get_consultation_for(request.user, pk)
    error, status = None, 200
    if request.method == "POST":
        form = RescheduleForm(request.POST)
        if not form.is_valid():
            error, status = _("Choisissez un créneau."), 400
        else:
            try:
                services.consultation_reschedule(
                    actor=request.user,
                    consultation=consultation,
                    scheduled_at=form.cleaned_data["start"],
                )
            except Refusal as refusal:
                error, status = refusal.message, refusal.http_status
            else:
                messages.success(
                    request,
                    _(
                        "Le rendez-vous est déplacé ; vous et votre praticien recevez "
                        "l'invitation mise à jour."
                    ),
                )
                return redirect("consultations:detail", pk=consultation.pk)
        consultation.refresh_from_db()
    terms = selectors.cancel_terms(user=request.user, consultation=consultation)
    if not terms.can_reschedule and status == 200:
        raise PermissionDenied(_("Ce rendez-vous ne peut plus être déplacé depuis cette page."))
    try:
        week = int(request.GET.get("week", 0))
    except ValueError:
        week = 0
    return render(
        request,
        "consultations/reschedule.html",
        {
            "consultation": consultation,
            "slot_week": selectors.slot_week(
                practitioner=consultation.practitioner, week=week, exclude=consultation
            ),
            "error": error,
        },
        status=status,
    )


@login_required
@require_GET
def consultation_calendar(request, pk):
    """The consultation as an .ics file for the participant's own calendar (the emails'
    add-to-calendar link): REQUEST while it holds, CANCEL once cancelled or missed."""
    consultation = get_consultation_for(request.user, pk)
    require_participant(
        request.user, consultation, _("Seuls les deux participants ont ce rendez-vous.")
    )
    live = consultation.status in Consultation.BLOCKING_STATUSES
    body = ics.consultation_ics(
        consultation,
        method=ics.REQUEST if live else ics.CANCEL,
        attendee_email=notification_address(request.user),
        language=request.LANGUAGE_CODE,
        url=notifications.consultation_url(consultation),
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="huntzen-care.ics"'
    return response


# --- Practitioner: agenda, availability --------------------------------------------------


@gate_required(may_run_consultations)
def agenda(request):
    day, week = AgendaForm(request.GET).period()
    return render(
        request,
        "consultations/agenda.html",
        {
            "agenda": selectors.agenda_period(request.user, day=day, week=week),
            "today": timezone.localdate(),
        },
    )


# The availability page shows four forms; each posts to its own view below, which
# redirects on success or shows the page again with its form's errors (400).


def _own_availability(practitioner) -> Availability:
    return selectors.availability_for(practitioner) or Availability(practitioner=practitioner)


def _availability_page(request, *, status=200, **bound_form):
    overview = selectors.availability_overview(request.user)
    forms = {
        "settings_form": AvailabilitySettingsForm(
            instance=overview.availability or Availability(practitioner=request.user)
        ),
        "hours_form": WeeklyHoursForm(openings=overview.openings),
        "exception_form": ExceptionForm(),
        **bound_form,
    }
    return render(
        request,
        "consultations/availability.html",
        {"overview": overview, **forms},
        status=status,
    )


def _saved(form, save) -> bool:
    """Whether `form` is valid and `save(cleaned_data)` accepted it; the service's
    ValidationError lands on the form."""
    if not form.is_valid():
        return False
    try:
        save(form.cleaned_data)
    except ValidationError as error:
        if hasattr(error, "error_dict"):
            for field, errors in error.error_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            form.add_error(None, error)
        return False
    return True


@gate_required(may_run_consultations)
@require_GET
def availability_edit(request):
    return _availability_page(request)


@gate_required(may_run_consultations)
@require_POST
def availability_settings_save(request):
    form = AvailabilitySettingsForm(request.POST, instance=_own_availability(request.user))
    if not _saved(form, lambda data: services.availability_update(actor=request.user, **data)):
        return _availability_page(request, status=400, settings_form=form)
    messages.success(request, _("Réglages enregistrés."))
    return redirect("consultations:availability")


@gate_required(may_run_consultations)
@require_POST
def weekly_hours_save(request):
    form = WeeklyHoursForm(request.POST)

    def save(data):
        try:
            services.weekly_hours_set(actor=request.user, openings=data["openings"])
        except ValidationError as error:
            if getattr(error, "code", None) in ("overlap", "order"):
                # On the faulty day's row, not above the whole table.
                raise ValidationError({form.row_field(error.params["weekday"]): error}) from None
            raise

    if not _saved(form, save):
        return _availability_page(request, status=400, hours_form=form)
    messages.success(request, _("Horaires hebdomadaires enregistrés."))
    return redirect("consultations:availability")


@gate_required(may_run_consultations)
@require_POST
def availability_exception_add(request):
    """Add an exception. A closure over booked consultations answers 409 with the page
    listing them and a confirmation form (the same fields, `cancel_bookings` and a
    message to the employees); nothing is changed until it is confirmed."""
    form = ExceptionForm(request.POST)
    closing = None

    def save(data):
        nonlocal closing
        try:
            services.availability_exception_add(
                actor=request.user,
                kind=data["kind"],
                day=data["date"],
                start_time=data["start_time"],
                end_time=data["end_time"],
                until=data["until"],
                cancel_bookings=data["cancel_bookings"],
                message=data["message"],
            )
        except ClosingHasBookings as refusal:
            closing = refusal.consultations
            raise ValidationError(refusal.message) from None

    if not _saved(form, save):
        if closing is None and form.cleaned_data.get("cancel_bookings"):
            closing = _closing_bookings(request.user, form.cleaned_data)
        return _availability_page(
            request,
            status=409 if closing and not form.cleaned_data.get("cancel_bookings") else 400,
            exception_form=form,
            closing=closing,
        )
    if form.cleaned_data["cancel_bookings"]:
        messages.success(
            request,
            _("Période fermée ; les rendez-vous sont annulés et chaque salarié est prévenu."),
        )
    else:
        messages.success(request, _("Exception ajoutée."))
    return redirect("consultations:availability")


def _closing_bookings(practitioner, data) -> list:
    availability = selectors.availability_for(practitioner)
    if availability is None or data.get("kind") != AvailabilityException.Kind.CLOSED:
        return []
    return list(
        selectors.bookings_in_closure(
            availability=availability,
            first_day=data["date"],
            last_day=data.get("until") or data["date"],
            start_time=data.get("start_time"),
            end_time=data.get("end_time"),
            now=timezone.now(),
        )
    )


@gate_required(may_run_consultations)
@require_POST
def availability_exception_remove(request, pk):
    try:
        services.availability_exception_remove(actor=request.user, exception_id=pk)
    except AvailabilityException.DoesNotExist:
        raise Http404 from None
    messages.success(request, _("Exception supprimée."))
    return redirect("consultations:availability")
