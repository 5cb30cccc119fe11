from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from medical import limits

MOOD_CHOICES = [
    (1, _("1 — très difficile")),
    (2, _("2 — difficile")),
    (3, _("3 — moyen")),
    (4, _("4 — bien")),
    (5, _("5 — très bien")),
]


class JournalEntryForm(forms.Form):
    entry_date = forms.DateField(
        label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    mood = forms.TypedChoiceField(
        label=_("Humeur"), choices=MOOD_CHOICES, coerce=int, widget=forms.RadioSelect
    )
    text = forms.CharField(
        label=_("Ce que vous voulez noter"),
        max_length=limits.JOURNAL_TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_("Visible par vous seul. Chiffré avant d'être enregistré."),
    )

    def clean_entry_date(self):
        value = self.cleaned_data["entry_date"]
        if value > timezone.localdate():
            raise forms.ValidationError(_("La date ne peut pas être dans le futur."))
        return value


class ClinicalNoteForm(forms.Form):
    reason = forms.CharField(
        label=_("Motif de consultation"),
        max_length=limits.NOTE_REASON_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    observations = forms.CharField(
        label=_("Observations"),
        max_length=limits.NOTE_OBSERVATIONS_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 12}),
    )
    plan = forms.CharField(
        label=_("Plan / suite"),
        max_length=limits.NOTE_PLAN_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
    )

    def clean(self):
        cleaned = super().clean()
        if not self.errors and not any(cleaned.get(name) for name in limits.NOTE_FIELDS_MAX):
            raise forms.ValidationError(_("La note est vide."))
        return cleaned


class ConfirmForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("Je comprends que cette suppression est définitive."), required=True
    )
