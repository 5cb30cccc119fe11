"""Who reads which article: employees the ones for all employees, HR both audiences,
staff everything published (to check what readers see); practitioners none."""

from django.db.models import QuerySet
from django.utils import timezone

from huntzen.content.models import Article


def article_audiences_for(user) -> list[str]:
    if not user.is_authenticated:
        return []
    if user.has_perm("accounts.news_write"):
        return list(Article.Audience.values)
    if user.company_id is None:
        return []
    if user.has_perm("accounts.company_read"):
        return [Article.Audience.EMPLOYEES, Article.Audience.HR]
    if user.has_perm("accounts.booking_create"):
        return [Article.Audience.EMPLOYEES]
    return []


def can_read_articles(user) -> bool:
    return bool(article_audiences_for(user))


def articles_visible_to(user, *, language: str | None = None) -> QuerySet[Article]:
    articles = Article.objects.filter(
        is_published=True,
        published_at__lte=timezone.now(),
        audience__in=article_audiences_for(user),
    ).order_by("-published_at", "title")
    if language:
        articles = articles.filter(language=language)
    return articles
