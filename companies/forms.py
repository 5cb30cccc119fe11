from django import forms
from django.utils.translation import gettext_lazy as _

from companies.models import Company, Language, PractitionerProfile, Specialty


class CompanyContactForm(forms.ModelForm):
    """What HR may change about its company (the rest is the subscription)."""

    class Meta:
        model = Company
        fields = ["contact_email", "contact_phone", "address"]
        widgets = {"address": forms.Textarea(attrs={"rows": 3})}


class PractitionerFilterForm(forms.Form):
    """The directory's filters, shared by the portal page and the API."""

    specialty = forms.ChoiceField(
        label=_("Spécialité"),
        choices=[("", _("Toutes"))] + Specialty.Code.choices,
        required=False,
    )
    language = forms.ChoiceField(
        label=_("Langue"), choices=[("", _("Toutes"))] + Language.Code.choices, required=False
    )
    profession = forms.ChoiceField(
        label=_("Profession"),
        choices=[("", _("Toutes"))] + PractitionerProfile.Profession.choices,
        required=False,
    )


class PractitionerOwnProfileForm(forms.Form):
    bio = forms.CharField(
        label=_("Présentation"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Quelques lignes lues par les salariés avant de réserver."),
    )
    specialties = forms.MultipleChoiceField(
        label=_("Spécialités"),
        choices=Specialty.Code.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    languages = forms.MultipleChoiceField(
        label=_("Langues de consultation"),
        choices=Language.Code.choices,
        widget=forms.CheckboxSelectMultiple,
    )
