"""The only medical-adjacent thing the admin shows: the access log, read-only.

Clinical notes, note versions, journal entries and their permission rows are not
registered, on purpose: staff see that content exists nowhere, not even as ciphertext.
"""

from django.contrib import admin

from medical.models import AccessLogEntry


@admin.register(AccessLogEntry)
class AccessLogEntryAdmin(admin.ModelAdmin):
    list_display = (
        "at",
        "user_email",
        "role",
        "action",
        "allowed",
        "object_type",
        "object_id",
        "request_id",
        "client_request_id",
    )
    list_filter = ("allowed", "action", "object_type", "role")
    search_fields = ("user_email", "object_id", "request_id", "client_request_id")
    date_hierarchy = "at"
    readonly_fields = [f.name for f in AccessLogEntry._meta.fields]
    actions = None
    list_select_related = False
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
