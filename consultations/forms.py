"""Portal forms: they parse input; the rules are the services'."""

import zoneinfo
from datetime import date

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from consultations.models import Availability, AvailabilityException, Consultation, WeeklyOpening

WINDOWS_PER_DAY = 2


class BookingConfirmForm(forms.Form):
    start = forms.DateTimeField(widget=forms.HiddenInput)
    kind = forms.ChoiceField(
        label=_("Type de consultation"),
        choices=Consultation.Kind.choices,
        initial=Consultation.Kind.VIDEO,
        widget=forms.RadioSelect,
    )


class CancelForm(forms.Form):
    """The employee's reason is optional; the practitioner's is required (the employee
    reads it), as consultation_cancel says."""

    reason = forms.CharField(
        label=_("Motif (facultatif, visible seulement par l'autre participant)"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, reason_required: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if reason_required:
            field = self.fields["reason"]
            field.required = True
            field.label = _("Motif (obligatoire, lu par le salarié)")
            field.error_messages["required"] = _(
                "Indiquez le motif de l'annulation : le salarié le lira."
            )


class RescheduleForm(forms.Form):
    start = forms.DateTimeField(widget=forms.HiddenInput)


class AgendaForm(forms.Form):
    """The agenda's query string; what cannot be read falls back to today's day view."""

    view = forms.ChoiceField(choices=[("day", "day"), ("week", "week")], required=False)
    day = forms.DateField(input_formats=["%Y-%m-%d"], required=False)

    def period(self) -> tuple[date, bool]:
        """(the day asked for or today, whether the whole week is asked for)."""
        self.is_valid()
        data = self.cleaned_data
        return data.get("day") or timezone.localdate(), data.get("view") == "week"


# Offered first in the time-zone select: metropolitan France, then the overseas
# departments and territories, then France's European neighbours.
COMMON_TIME_ZONES = (
    "Europe/Paris",
    "America/Guadeloupe",
    "America/Martinique",
    "America/Cayenne",
    "Indian/Reunion",
    "Indian/Mayotte",
    "America/Miquelon",
    "Pacific/Noumea",
    "Pacific/Tahiti",
    "Pacific/Wallis",
    "Europe/Brussels",
    "Europe/Luxembourg",
    "Europe/Monaco",
    "Europe/Zurich",
    "Europe/Berlin",
    "Europe/Madrid",
    "Europe/Rome",
    "Europe/London",
    "UTC",
)


def time_zone_choices() -> list:
    """Common zones first, then every other one alphabetically (two option groups)."""
    others = sorted(set(zoneinfo.available_timezones()) - set(COMMON_TIME_ZONES))
    return [
        (_("Fuseaux courants"), [(name, name) for name in COMMON_TIME_ZONES]),
        (_("Tous les fuseaux"), [(name, name) for name in others]),
    ]


class AvailabilitySettingsForm(forms.ModelForm):
    time_zone = forms.ChoiceField(label=_("Fuseau horaire"))

    class Meta:
        model = Availability
        fields = ["time_zone", "length_minutes", "buffer_minutes"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].choices = time_zone_choices()


class WeeklyHoursForm(forms.Form):
    """Up to two windows per weekday (morning and afternoon, say)."""

    def __init__(self, *args, openings=(), **kwargs):
        super().__init__(*args, **kwargs)
        initial: dict[int, list[WeeklyOpening]] = {}
        for opening in openings:
            initial.setdefault(opening.weekday, []).append(opening)
        self.days = []
        for day in WeeklyOpening.Weekday:
            rows = []
            for index in range(WINDOWS_PER_DAY):
                existing = initial.get(day.value, [])
                current = existing[index] if index < len(existing) else None
                names = (f"d{day.value}_{index}_start", f"d{day.value}_{index}_end")
                for name, attr, label in (
                    (names[0], "start_time", _("de")),
                    (names[1], "end_time", _("à")),
                ):
                    self.fields[name] = forms.TimeField(
                        label=f"{day.label} {index + 1} : {label}",
                        required=False,
                        initial=getattr(current, attr, None),
                        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
                    )
                rows.append((self[names[0]], self[names[1]]))
            self.days.append((day.label, rows))

    def row_field(self, weekday: int) -> str:
        """The field an error about the whole of `weekday` is shown under."""
        return f"d{weekday}_{WINDOWS_PER_DAY - 1}_start"

    def clean(self):
        cleaned = super().clean()
        openings = []
        for day in WeeklyOpening.Weekday:
            for index in range(WINDOWS_PER_DAY):
                start = cleaned.get(f"d{day.value}_{index}_start")
                end = cleaned.get(f"d{day.value}_{index}_end")
                if start is None and end is None:
                    continue
                if start is None or end is None:
                    self.add_error(
                        f"d{day.value}_{index}_end"
                        if end is None
                        else f"d{day.value}_{index}_start",
                        _("Indiquez le début et la fin."),
                    )
                    continue
                openings.append((day.value, start, end))
        cleaned["openings"] = openings
        return cleaned


class ExceptionForm(forms.Form):
    kind = forms.ChoiceField(label=_("Type"), choices=AvailabilityException.Kind.choices)
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(
        label=_("Jusqu'au (jours de congé)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Pour fermer plusieurs jours d'un coup."),
    )
    start_time = forms.TimeField(
        label=_("De"), required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )
    end_time = forms.TimeField(
        label=_("À"), required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )
    # The confirmation step when the period holds bookings (see availability.html).
    cancel_bookings = forms.BooleanField(required=False, widget=forms.HiddenInput)
    message = forms.CharField(
        label=_("Message à chaque salarié (il le lira avec l'annulation)"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
