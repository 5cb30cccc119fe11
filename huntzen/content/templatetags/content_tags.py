from django import template

from huntzen.content.selectors import articles_visible_to

register = template.Library()

HOME_ARTICLES = 3


@register.inclusion_tag("content/partials/home_articles.html")
def home_articles(user):
    """The latest articles for the reader's audience, for a home page."""
    return {"articles": list(articles_visible_to(user)[:HOME_ARTICLES])}
