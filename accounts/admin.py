"""Invitations in the back office. The User admin lives in companies/admin.py."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts import services
from accounts.exceptions import InvitationStateError
from accounts.models import Invitation
from huntzen.admin_site import TitlesMixin
from huntzen.exceptions import RateLimited


class InvitationStatusFilter(admin.SimpleListFilter):
    title = _("état")
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return Invitation.Status.choices

    def queryset(self, request, queryset):
        now = timezone.now()
        match self.value():
            case Invitation.Status.PENDING:
                return queryset.pending(now=now)
            case Invitation.Status.EXPIRED:
                return queryset.open().filter(expires_at__lte=now)
            case Invitation.Status.ACCEPTED:
                return queryset.filter(accepted_at__isnull=False)
            case Invitation.Status.REVOKED:
                return queryset.filter(revoked_at__isnull=False)
        return queryset


@admin.register(Invitation)
class InvitationAdmin(TitlesMixin, admin.ModelAdmin):
    """Creation goes through accounts.services (permission, seats, email after commit);
    an invitation is never edited afterwards, only revoked or re-sent."""

    title_add = _("Nouvelle invitation")
    title_change = _("Affichage de l’invitation")
    title_view = _("Affichage de l’invitation")

    list_display = [
        "email",
        "role",
        "company",
        "status_display",
        "sent_at",
        "expires_at",
        "invited_by",
    ]
    list_filter = [InvitationStatusFilter, "role", "company"]
    list_select_related = ["company", "invited_by"]
    search_fields = ["email", "first_name", "last_name", "company__name"]
    ordering = ["-created_at"]
    date_hierarchy = "created_at"
    actions = ["resend_selected", "revoke_selected"]
    add_fields = ["email", "first_name", "last_name", "role", "company", "language"]
    readonly_fields = [
        "email",
        "first_name",
        "last_name",
        "role",
        "company",
        "language",
        "status_display",
        "invited_by",
        "created_at",
        "sent_at",
        "expires_at",
        "accepted_at",
        "accepted_user",
        "revoked_at",
        "revoked_by",
    ]
    autocomplete_fields: list[str] = []

    @admin.display(description=_("état"))
    def status_display(self, obj):
        return obj.get_status_display()

    def get_fields(self, request, obj=None):
        return self.add_fields if obj is None else self.readonly_fields

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.readonly_fields

    def has_delete_permission(self, request, obj=None):
        return False  # revoke instead: the row is the audit trail

    def formfield_for_choice_field(self, db_field, request, **kwargs):
        if db_field.name == "role":
            kwargs["choices"] = [(role.value, role.label) for role in services.INVITABLE_ROLES]
        return super().formfield_for_choice_field(db_field, request, **kwargs)

    def save_form(self, request, form, change):
        if change:
            return form.instance  # nothing is editable after creation
        # The service re-checks the inviter's permission, the email and the seats.
        return services.invitation_create(
            inviter=request.user,
            **{name: form.cleaned_data.get(name) for name in self.add_fields},
        )

    def save_model(self, request, obj, form, change):
        pass  # saved by the service in save_form

    def save_related(self, request, form, formsets, change):
        pass

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if obj is None:
            admin_self = self

            class ServiceCheckedForm(form):
                """Run the service's checks at validation time, so a refusal shows on
                the form instead of a server error."""

                def clean(self):
                    cleaned = super().clean()
                    if self.errors:
                        return cleaned
                    try:
                        admin_self._dry_run(request, cleaned)
                    except ValidationError as exc:
                        self.add_error(
                            "email"
                            if exc.code in ("invalid_email", "already_user", "already_invited")
                            else None,
                            exc,
                        )
                    except PermissionDenied as exc:
                        self.add_error(None, str(exc))
                    except RateLimited as exc:
                        self.add_error(None, str(exc.message))
                    return cleaned

                def _post_clean(self):
                    pass  # the service validates; token and expiry are set by it

            return ServiceCheckedForm
        return form

    def _dry_run(self, request, cleaned):
        """Run the service in a savepoint rolled back at once: its refusals become form
        errors (save_form runs too late to show them)."""

        class _Rollback(Exception):
            pass

        try:
            with transaction.atomic():  # rolled back, with the email it scheduled
                services.invitation_create(
                    inviter=request.user,
                    **{
                        name: cleaned.get(name) or ""
                        for name in self.add_fields
                        if name != "company"
                    },
                    company=cleaned.get("company"),
                )
                raise _Rollback
        except _Rollback:
            pass

    @admin.action(description=_("Renvoyer un nouveau lien"), permissions=["change"])
    def resend_selected(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda inv: services.invitation_resend(actor=request.user, invitation=inv),
            _("%(n)d lien(s) renvoyé(s)."),
        )

    @admin.action(description=_("Annuler"), permissions=["change"])
    def revoke_selected(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda inv: services.invitation_revoke(actor=request.user, invitation=inv),
            _("%(n)d invitation(s) annulée(s)."),
        )

    def _each(self, request, queryset, action, done_message):
        done = 0
        for invitation in queryset.select_related("company"):
            try:
                action(invitation)
            except (InvitationStateError, PermissionDenied, RateLimited) as exc:
                self.message_user(request, f"{invitation.email} : {exc}", messages.WARNING)
            else:
                done += 1
        if done:
            self.message_user(request, done_message % {"n": done}, messages.SUCCESS)
