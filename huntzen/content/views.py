from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render
from django.views.decorators.cache import cache_control
from django.views.decorators.vary import vary_on_cookie

from huntzen.content.access import check_can_read_articles, get_article_for
from huntzen.content.rendering import render_markdown
from huntzen.content.selectors import articles_visible_to

ARTICLES_PER_PAGE = 20

# Articles are news, not personal data: they opt out of the site-wide `no-store`
# (huntzen.middleware) with a short browser-only cache. Only signed-in readers get here
# (HR-only articles exist), so never `public`: no shared cache may keep one, and the
# reader's cookie is part of the cache key.
article_cache = cache_control(private=True, max_age=300)


@login_required
@article_cache
@vary_on_cookie
def article_list(request):
    check_can_read_articles(request.user)
    page = Paginator(articles_visible_to(request.user), ARTICLES_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(request, "content/article_list.html", {"page": page})


@login_required
@article_cache
@vary_on_cookie
def article_detail(request, slug):
    article = get_article_for(request.user, slug)
    return render(
        request,
        "content/article_detail.html",
        {"article": article, "body_html": render_markdown(article.body)},
    )
