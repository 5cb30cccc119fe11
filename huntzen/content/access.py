from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _

from huntzen.content.models import Article
from huntzen.content.selectors import articles_visible_to, can_read_articles


def check_can_read_articles(user) -> None:
    if not can_read_articles(user):
        raise PermissionDenied(_("Les articles sont réservés aux salariés et aux RH."))


def get_article_for(user, slug: str) -> Article:
    """A published article of the reader's audience; anything else is 404."""
    check_can_read_articles(user)
    try:
        return articles_visible_to(user).get(slug=slug)
    except Article.DoesNotExist:
        raise Http404 from None
