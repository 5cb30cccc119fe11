from rest_framework import serializers

from huntzen.api import CamelModelSerializer
from huntzen.content.models import Article
from huntzen.content.rendering import render_markdown


class ArticleSerializer(CamelModelSerializer):
    body_html = serializers.SerializerMethodField(method_name="get_body_html")

    class Meta:
        model = Article
        fields = [
            "id",
            "slug",
            "title",
            "summary",
            "body_html",
            "language",
            "audience",
            "published_at",
        ]
        read_only_fields = fields

    def get_body_html(self, article) -> str:
        """Sanitized HTML (no raw HTML from the author survives)."""
        return str(render_markdown(article.body))
