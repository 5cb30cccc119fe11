"""Back office: staff see that a consultation exists (who, when, status), read-only.

Never the cancellation reason, not even sealed (an employee may have written something
personal: it is treated like medical text). The video room name is not stored at all:
it is the key to the room when Jitsi runs without tokens.
Opening a consultation is written to the access log: the employee sees it on her
privacy page.
"""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _

from consultations.models import Availability, Consultation, StatusChange
from huntzen.admin_site import TitlesMixin
from medical.audit import CONSULTATION, log_access
from medical.models import AccessLogEntry


class StatusChangeInline(admin.TabularInline):
    model = StatusChange
    fields = ("at", "from_status", "to_status", "actor")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Consultation)
class ConsultationAdmin(TitlesMixin, admin.ModelAdmin):
    title_view = _("Affichage de la consultation")
    list_display = ("scheduled_at", "status", "kind", "company", "employee", "practitioner")
    list_filter = ("status", "kind", "company")
    list_select_related = ("company", "employee", "practitioner")
    date_hierarchy = "scheduled_at"
    search_fields = ("employee__email", "practitioner__email", "company__name")
    fields = (
        "employee",
        "practitioner",
        "company",
        "kind",
        "status",
        "scheduled_at",
        "scheduled_end",
        "started_at",
        "ended_at",
        "duration_seconds",
        "cancelled_at",
        "cancelled_by",
        "created_at",
    )
    readonly_fields = fields
    inlines = [StatusChangeInline]

    def has_add_permission(self, request):
        return False  # bookings go through the booking rules

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """The detail page tells who consulted whom and when: logged, refusals too."""
        try:
            response = super().change_view(request, object_id, form_url, extra_context)
        except PermissionDenied:
            self._log_open(request, object_id, allowed=False)
            raise
        if response.status_code == 200:
            self._log_open(request, object_id, allowed=True)
        return response

    def _log_open(self, request, object_id, *, allowed: bool) -> None:
        log_access(
            user=request.user,
            object_type=CONSULTATION,
            object_id=object_id,
            action=AccessLogEntry.Action.READ,
            allowed=allowed,
        )


@admin.register(Availability)
class AvailabilityAdmin(TitlesMixin, admin.ModelAdmin):
    title_view = _("Affichage des disponibilités")
    list_display = ("practitioner", "time_zone", "length_minutes", "buffer_minutes")
    list_select_related = ("practitioner",)
    readonly_fields = ("practitioner", "time_zone", "length_minutes", "buffer_minutes")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
