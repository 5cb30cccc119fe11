from django.urls import path

from huntzen.content import api_views

urlpatterns = [
    path("articles", api_views.ArticleListView.as_view(), name="api-articles"),
]
