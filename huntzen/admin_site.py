"""What our ModelAdmins share: titles that read as French, and date-time fields whose
two inputs each have a label (Django's split widget leaves them unlabelled)."""

from django.contrib.admin.widgets import AdminSplitDateTime
from django.utils.html import format_html


class TitlesMixin:
    """Django builds "Modification de %s" from the model's name: no elision, no article
    ("Modification de utilisateur"). Each admin names its three titles instead, one whole
    translatable sentence each."""

    title_add = None
    title_change = None
    title_view = None

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if add:
            title = self.title_add
        elif self.has_change_permission(request, obj):
            title = self.title_change
        else:
            title = self.title_view
        if title:
            context["title"] = title
        return super().render_change_form(request, context, add, change, form_url, obj)


class LabelledSplitDateTime(AdminSplitDateTime):
    """The admin's date and time inputs, each with its own <label for>."""

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        date, time = context["widget"]["subwidgets"]
        context["date_label"] = format_html(
            '<label for="{}">{}</label>', date["attrs"]["id"], context["date_label"]
        )
        context["time_label"] = format_html(
            '<label for="{}">{}</label>', time["attrs"]["id"], context["time_label"]
        )
        return context
