from django.contrib import admin
from django.db import models
from django.utils.translation import gettext_lazy as _

from huntzen.admin_site import LabelledSplitDateTime, TitlesMixin
from huntzen.content.models import Article
from huntzen.content.rendering import render_markdown


@admin.register(Article)
class ArticleAdmin(TitlesMixin, admin.ModelAdmin):
    title_add = _("Nouvel article")
    title_change = _("Modification de l’article")
    title_view = _("Affichage de l’article")
    formfield_overrides = {models.DateTimeField: {"widget": LabelledSplitDateTime}}
    list_display = ["title", "audience", "language", "is_published", "published_at"]
    list_filter = ["is_published", "audience", "language"]
    search_fields = ["title", "summary"]
    prepopulated_fields = {"slug": ["title"]}
    date_hierarchy = "published_at"
    fields = [
        "title",
        "slug",
        "summary",
        "body",
        "preview",
        "language",
        "audience",
        "is_published",
        "published_at",
    ]
    readonly_fields = ["preview"]

    @admin.display(description=_("aperçu (tel que les lecteurs le verront)"))
    def preview(self, article):
        return render_markdown(article.body) if article.pk else "—"
