from django import forms
from django.conf import settings
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from accounts.csv_import import MAX_BYTES


class EmployeeInvitationForm(forms.Form):
    """No role or company field: both are fixed by the server."""

    email = forms.EmailField(label=_("Adresse e-mail"), max_length=254)
    first_name = forms.CharField(label=_("Prénom"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Nom"), max_length=150, required=False)
    language = forms.ChoiceField(
        label=_("Langue de l'invitation"), choices=settings.LANGUAGES, initial="fr"
    )


class EmployeeCsvForm(forms.Form):
    file = forms.FileField(
        label=_("Fichier CSV"),
        help_text=format_lazy(
            _(
                "Une ligne par salarié : e-mail, prénom, nom (séparés par des virgules ou "
                "des points-virgules). La ligne d'en-tête est facultative. {size} Ko au plus."
            ),
            size=MAX_BYTES // 1024,
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )
    language = forms.ChoiceField(
        label=_("Langue des invitations"), choices=settings.LANGUAGES, initial="fr"
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(
                _("Le fichier dépasse %(size)d Ko."), params={"size": MAX_BYTES // 1024}
            )
        return upload


class AcceptInvitationForm(forms.Form):
    first_name = forms.CharField(label=_("Prénom"), max_length=150)
    last_name = forms.CharField(label=_("Nom"), max_length=150)
    password = forms.CharField(
        label=_("Mot de passe"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("Au moins 12 caractères, pas trop courant ni proche de votre nom."),
    )
    password_confirm = forms.CharField(
        label=_("Confirmez le mot de passe"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self):
        cleaned = super().clean()
        password, confirm = cleaned.get("password"), cleaned.get("password_confirm")
        if password and confirm and password != confirm:
            self.add_error("password_confirm", _("Les deux mots de passe ne correspondent pas."))
        return cleaned
