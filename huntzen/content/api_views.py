from django.conf import settings
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, serializers

from huntzen.api import check_query_params
from huntzen.content.access import check_can_read_articles
from huntzen.content.selectors import articles_visible_to
from huntzen.content.serializers import ArticleSerializer

_LANGUAGES = [code for code, _name in settings.LANGUAGES]


class ArticleListView(generics.GenericAPIView):
    serializer_class = ArticleSerializer

    @extend_schema(
        summary="Published articles for the caller's audience, newest first.",
        parameters=[OpenApiParameter("language", str, enum=_LANGUAGES)],
        responses={200: ArticleSerializer(many=True), 400: None, 403: OpenApiResponse()},
    )
    def get(self, request):
        check_can_read_articles(request.user)
        check_query_params(request, {"language": serializers.ChoiceField(choices=_LANGUAGES)})
        language = request.query_params.get("language") or None
        page = self.paginate_queryset(articles_visible_to(request.user, language=language))
        return self.get_paginated_response(ArticleSerializer(page, many=True).data)
