import uuid

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Article(models.Model):
    """News and articles written by HuntZen staff, read by employees and HR.

    The body is Markdown; it reaches a page only through huntzen.content.rendering,
    which strips any raw HTML an author typed."""

    class Audience(models.TextChoices):
        EMPLOYEES = "employees", _("Tous les salariés")
        HR = "hr", _("RH uniquement")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    title = models.CharField(_("titre"), max_length=200)
    slug = models.SlugField(_("adresse"), max_length=200, unique=True)
    summary = models.CharField(_("résumé"), max_length=300)
    body = models.TextField(_("texte (Markdown)"))
    language = models.CharField(_("langue"), max_length=5, choices=settings.LANGUAGES, default="fr")
    audience = models.CharField(
        _("public"), max_length=16, choices=Audience.choices, default=Audience.EMPLOYEES
    )
    is_published = models.BooleanField(_("publié"), default=False)
    published_at = models.DateTimeField(
        _("date de publication"),
        default=timezone.now,
        help_text=_("Un article publié n'apparaît qu'à partir de cette date."),
    )
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    class Meta:
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        ordering = ["-published_at", "title"]
        indexes = [models.Index(fields=["is_published", "audience", "-published_at"])]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("content:article_detail", kwargs={"slug": self.slug})
