"""The API's content negotiation (REST_FRAMEWORK's DEFAULT_CONTENT_NEGOTIATION_CLASS; its
own module: DRF imports it while huntzen.api is still importing DRF's views)."""

from rest_framework.negotiation import DefaultContentNegotiation


class ContentNegotiation(DefaultContentNegotiation):
    """DRF's negotiation, answered at once for what nearly every client sends (no
    Accept, `*/*`, or the first renderer's own type, no format override): the first
    renderer, as DRF would choose it, without parsing the query string and the Accept
    list on each request. Anything else is DRF's (406 included)."""

    def select_renderer(self, request, renderers, format_suffix=None):
        accept = request.META.get("HTTP_ACCEPT", "*/*")
        override = self.settings.URL_FORMAT_OVERRIDE
        first = renderers[0] if renderers else None
        if (
            first is not None
            and not format_suffix
            and (accept == "*/*" or accept == first.media_type)
            and not (override and override in request.META.get("QUERY_STRING", ""))
        ):
            return first, first.media_type
        return super().select_renderer(request, renderers, format_suffix)
