from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render

from huntzen.content.access import check_can_read_articles, get_article_for
from huntzen.content.rendering import render_markdown
from huntzen.content.selectors import articles_visible_to

ARTICLES_PER_PAGE = 20


@login_required
def article_list(request):
    check_can_read_articles(request.user)
    page = Paginator(articles_visible_to(request.user), ARTICLES_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(request, "content/article_list.html", {"page": page})


@login_required
def article_detail(request, slug):
    article = get_article_for(request.user, slug)
    return render(
        request,
        "content/article_detail.html",
        {"article": article, "body_html": render_markdown(article.body)},
    )
