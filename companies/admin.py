"""The staff back office for companies, people and practitioner profiles.

Staff (R1/R2) are not superusers: their role group gives them view/add/change on these
models and nothing else. Writes that carry a rule go through companies.services; the
admin records every change, addition and action in its LogEntry table.
"""

from allauth.account.forms import ResetPasswordForm
from allauth.core.context import request_context
from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import Role, User
from companies import services
from companies.models import Company, PractitionerProfile
from companies.seats import SEATS_FULL_FOR_STAFF, company_seat_check, company_seats_used
from huntzen.admin_site import TitlesMixin


def _send_set_password_link(request, user: User) -> None:
    """A new account has no password: send allauth's reset link, after commit."""

    def send():
        form = ResetPasswordForm(data={"email": user.email})
        # allauth builds the link from the request it finds in its context.
        with request_context(request):
            if form.is_valid():
                form.save(request)

    transaction.on_commit(send)


def _run_action(modeladmin, request, queryset, action, done_message):
    """Apply a service to each selected row; log each success, report each refusal."""
    done = 0
    for obj in queryset:
        try:
            action(obj)
        except (PermissionDenied, ValidationError) as error:
            messages.error(request, f"{obj}: {' '.join(getattr(error, 'messages', [str(error)]))}")
        else:
            modeladmin.log_change(request, obj, str(done_message))
            done += 1
    if done:
        messages.success(request, f"{done_message} ({done})")


# --- Companies -----------------------------------------------------------------------


class CreatedByServiceMixin:
    """New objects are created by a service in save_form; Django's own saves then only
    apply to changes of existing rows."""

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        if change:
            super().save_related(request, form, formsets, change)


class HrInline(admin.StackedInline):
    """The company's HR people, for reading; accounts are managed on the user page.
    Stacked: the tabular layout has header cells without text (axe: empty-table-header)."""

    model = User
    fk_name = "company"
    verbose_name = _("RH")
    verbose_name_plural = _("RH de l'entreprise")
    fields = ["email", "first_name", "last_name", "is_active", "last_login"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).filter(role=Role.COMPANY_RH)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Company)
class CompanyAdmin(TitlesMixin, admin.ModelAdmin):
    title_add = _("Nouvelle entreprise")
    title_change = _("Modification de l’entreprise")
    title_view = _("Affichage de l’entreprise")
    list_display = ["name", "siret", "is_active", "seats", "activated_at", "created_at"]
    list_filter = ["is_active"]
    search_fields = ["name", "siret", "contact_email"]
    readonly_fields = ["seats_in_use", "is_active", "activated_at", "created_at"]
    fields = [
        "name",
        "siret",
        "contact_email",
        "contact_phone",
        "address",
        "seats",
        "seats_in_use",
        "yearly_allowance_per_employee",
        "late_cancellations_paid",
        "is_active",
        "activated_at",
        "created_at",
    ]
    inlines = [HrInline]
    actions = ["activate", "deactivate"]

    @admin.display(description=_("places utilisées (salariés actifs et invitations)"))
    def seats_in_use(self, company):
        return company_seats_used(company) if company.pk else "—"

    def has_activate_permission(self, request):
        return request.user.has_perm("accounts.companies_activate")

    @admin.action(description=_("Activer l'abonnement"), permissions=["activate"])
    def activate(self, request, queryset):
        _run_action(
            self,
            request,
            queryset,
            lambda company: services.company_activate(company=company),
            gettext("Entreprise activée"),
        )

    @admin.action(description=_("Suspendre l'abonnement"), permissions=["activate"])
    def deactivate(self, request, queryset):
        _run_action(
            self,
            request,
            queryset,
            lambda company: services.company_deactivate(company=company),
            gettext("Entreprise suspendue"),
        )


# --- Users ---------------------------------------------------------------------------


class AccountCreationForm(forms.ModelForm):
    """A new account opened by staff: no password field (a link is sent), and only the
    roles the acting staff member may give."""

    class Meta:
        model = User
        fields = ["email", "first_name", "last_name", "role", "company", "language"]

    def __init__(self, *args, actor=None, **kwargs):
        super().__init__(*args, **kwargs)
        allowed = services.account_roles_creatable_by(actor)
        self.fields["role"].choices = [
            (value, label) for value, label in Role.choices if value in allowed
        ]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("role") == Role.EMPLOYEE and cleaned.get("company"):
            company_seat_check(cleaned["company"], message=SEATS_FULL_FOR_STAFF, field="company")
        return cleaned


@admin.register(User)
class UserAdmin(TitlesMixin, CreatedByServiceMixin, admin.ModelAdmin):
    """No password hash, no MFA data, no superuser flag, groups or permissions:
    what a role may do is data in accounts.roles, not something staff hand out."""

    title_add = _("Nouvel utilisateur")
    title_change = _("Modification de l’utilisateur")
    title_view = _("Affichage de l’utilisateur")

    list_display = ["email", "first_name", "last_name", "role", "company", "is_active"]
    list_filter = ["role", "company", "is_active"]
    list_select_related = ["company"]
    search_fields = ["email", "first_name", "last_name"]
    ordering = ["email"]
    fields = [
        "email",
        "first_name",
        "last_name",
        "language",
        "role",
        "company",
        "is_active",
        "deactivated_at",
        "is_staff",
        "date_joined",
        "last_login",
    ]
    readonly_fields = [
        "email",
        "role",
        "company",
        "is_active",
        "deactivated_at",
        "is_staff",
        "date_joined",
        "last_login",
    ]
    actions = ["deactivate", "reactivate"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            form = AccountCreationForm

            class BoundCreationForm(form):
                def __init__(self, *args, **inner):
                    super().__init__(*args, actor=request.user, **inner)

            kwargs["form"] = BoundCreationForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return AccountCreationForm.Meta.fields
        return self.fields

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.readonly_fields

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def save_form(self, request, form, change):
        if change:
            return super().save_form(request, form, change)
        user = services.account_create(actor=request.user, **form.cleaned_data)
        _send_set_password_link(request, user)
        return user

    def has_deactivate_permission(self, request):
        return request.user.has_perm("accounts.employees_deactivate")

    @admin.action(description=_("Désactiver les comptes (départ)"), permissions=["deactivate"])
    def deactivate(self, request, queryset):
        _run_action(
            self,
            request,
            queryset,
            lambda user: services.member_deactivate(actor=request.user, member=user),
            gettext("Compte désactivé"),
        )

    @admin.action(description=_("Réactiver les comptes"), permissions=["deactivate"])
    def reactivate(self, request, queryset):
        _run_action(
            self,
            request,
            queryset,
            lambda user: services.member_reactivate(actor=request.user, member=user),
            gettext("Compte réactivé"),
        )


# --- Practitioner profiles -------------------------------------------------------------


class PractitionerCreationForm(forms.ModelForm):
    """A practitioner's account and profile in one step (or a profile for an R4
    account that already exists, e.g. one who accepted an invitation)."""

    email = forms.EmailField(label=_("Adresse e-mail"))
    first_name = forms.CharField(label=_("Prénom"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Nom"), max_length=150, required=False)

    class Meta:
        model = PractitionerProfile
        fields = ["profession", "registration_number", "specialties", "languages", "bio"]

    def clean_email(self):
        email = User.objects.normalize_email(self.cleaned_data["email"])
        existing = User.objects.filter(email__iexact=email).first()
        if existing is not None and existing.role != Role.PRACTITIONER:
            raise ValidationError(_("Ce compte existe déjà avec un autre rôle."))
        if existing is not None and PractitionerProfile.objects.filter(user=existing).exists():
            raise ValidationError(_("Ce praticien a déjà un profil."))
        return email


@admin.register(PractitionerProfile)
class PractitionerProfileAdmin(TitlesMixin, CreatedByServiceMixin, admin.ModelAdmin):
    title_add = _("Nouveau praticien")
    title_change = _("Modification du profil de praticien")
    title_view = _("Affichage du profil de praticien")
    list_display = ["__str__", "email", "profession", "registration_number", "is_active"]
    list_filter = ["profession", "is_active", "specialties", "languages"]
    list_select_related = ["user"]
    search_fields = ["user__email", "user__last_name", "user__first_name", "registration_number"]
    fields = [
        "user",
        "profession",
        "registration_number",
        "specialties",
        "languages",
        "bio",
        "is_active",
        "created_at",
        "updated_at",
    ]
    readonly_fields = ["user", "is_active", "created_at", "updated_at"]
    actions = ["deactivate", "reactivate"]

    @admin.display(description=_("adresse e-mail"), ordering="user__email")
    def email(self, profile):
        return profile.user.email

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = PractitionerCreationForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["email", "first_name", "last_name", *PractitionerCreationForm.Meta.fields]
        return self.fields

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.readonly_fields

    def save_form(self, request, form, change):
        if change:
            return super().save_form(request, form, change)
        data = form.cleaned_data
        is_new_account = not User.objects.filter(email__iexact=data["email"]).exists()
        profile = services.practitioner_create(
            actor=request.user,
            email=data["email"],
            first_name=data["first_name"],
            last_name=data["last_name"],
            profession=data["profession"],
            registration_number=data["registration_number"],
            bio=data["bio"],
            specialties=[item.code for item in data["specialties"]],
            languages=[item.code for item in data["languages"]],
        )
        if is_new_account:
            _send_set_password_link(request, profile.user)
        return profile

    def has_deactivate_permission(self, request):
        return request.user.has_perm("companies.change_practitionerprofile")

    @admin.action(description=_("Retirer de l'annuaire"), permissions=["deactivate"])
    def deactivate(self, request, queryset):
        _run_action(
            self,
            request,
            queryset,
            lambda profile: services.practitioner_set_active(
                actor=request.user, profile=profile, is_active=False
            ),
            gettext("Praticien retiré de l'annuaire"),
        )

    @admin.action(description=_("Remettre dans l'annuaire"), permissions=["deactivate"])
    def reactivate(self, request, queryset):
        _run_action(
            self,
            request,
            queryset,
            lambda profile: services.practitioner_set_active(
                actor=request.user, profile=profile, is_active=True
            ),
            gettext("Praticien remis dans l'annuaire"),
        )
