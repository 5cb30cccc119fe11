"""The only medical-adjacent thing the admin shows: the access log, read-only.

Clinical notes, note versions, journal entries and their permission rows are not
registered, on purpose: staff see that content exists nowhere, not even as ciphertext.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from accounts.models import Role
from huntzen.admin_site import TitlesMixin
from medical.models import AccessLogEntry

# What each object type of the log is, for staff (the rows store the code).
OBJECT_TYPES = {
    "chat": _("messagerie d’une consultation"),
    "clinical_note": _("note clinique"),
    "consultation": _("consultation (qui, quand, statut)"),
    "journal": _("journal d’un salarié"),
    "journal_entry": _("entrée de journal"),
    "personal_data": _("données personnelles"),
    "usage_sharing": _("partage des compteurs"),
}


def role_name(code: str) -> str:
    """ "Praticien" for R4_PRACTITIONER; a code no longer in Role stays as stored."""
    return Role(code).label if code in Role.values else code


class RoleFilter(admin.SimpleListFilter):
    title = _("rôle")
    parameter_name = "role"

    def lookups(self, request, model_admin):
        return Role.choices

    def queryset(self, request, queryset):
        return queryset.filter(role=self.value()) if self.value() else queryset


class ObjectTypeFilter(admin.SimpleListFilter):
    title = _("type d'objet")
    parameter_name = "object_type"

    def lookups(self, request, model_admin):
        return list(OBJECT_TYPES.items())

    def queryset(self, request, queryset):
        return queryset.filter(object_type=self.value()) if self.value() else queryset


@admin.register(AccessLogEntry)
class AccessLogEntryAdmin(TitlesMixin, admin.ModelAdmin):
    title_view = _("Affichage d’une entrée du journal d’accès")
    list_display = (
        "at",
        "user_email",
        "role_display",
        "action",
        "allowed",
        "object_type_display",
        "object_id",
        "request_id",
        "client_request_id",
    )
    list_filter = ("allowed", "action", ObjectTypeFilter, RoleFilter)
    search_fields = ("user_email", "object_id", "request_id", "client_request_id")
    date_hierarchy = "at"
    fields = [
        "at",
        "user",
        "user_email",
        "role_display",
        "subject",
        "object_type_display",
        "object_id",
        "action",
        "allowed",
        "request_id",
        "client_request_id",
    ]
    readonly_fields = fields
    actions = None
    list_select_related = False
    show_full_result_count = False

    @admin.display(description=_("rôle"), ordering="role")
    def role_display(self, entry):
        return role_name(entry.role)

    @admin.display(description=_("type d'objet"), ordering="object_type")
    def object_type_display(self, entry):
        return OBJECT_TYPES.get(entry.object_type, entry.object_type)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
