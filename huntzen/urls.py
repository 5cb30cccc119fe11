from django.contrib import admin
from django.urls import include, path, re_path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from huntzen import views
from huntzen.api_docs import PERMISSION_CLASSES as API_DOCS_PERMISSIONS
from huntzen.api_views import NotFoundView
from huntzen.url_cache import CachedResolver

admin.site.site_header = _("HuntZen Care · administration")
admin.site.site_title = _("HuntZen Care · administration")
admin.site.index_title = _("Administration de la plateforme")

api_v1 = [
    path("auth/", include("accounts.api_urls")),
    path("", include("companies.api_urls")),
    path("", include("consultations.api_urls")),
    path("medical/", include("medical.api_urls")),
    path("metrics/", include("metrics.api_urls")),
    path("", include("chat.api_urls")),
    path("content/", include("huntzen.content.api_urls")),
]

# Behind one resolver that keeps each path's resolution (huntzen/url_cache.py).
_patterns = [
    path("", views.home, name="home"),
    # Pages without our <link rel="icon"> (the admin's, error pages, API docs).
    path("favicon.ico", views.favicon),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("accounts/email/", include("accounts.email_urls")),  # allauth's, less "make primary"
    path("accounts/", include("allauth.urls")),
    path("_allauth/", include("allauth.headless.urls")),
    path("api/v1/", include(api_v1)),
    path(
        "api/schema/",
        SpectacularAPIView.as_view(permission_classes=API_DOCS_PERMISSIONS),
        name="api-schema",
    ),
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(
            url_name="api-schema", permission_classes=API_DOCS_PERMISSIONS
        ),
        name="api-docs",
    ),
    # Anything else under /api/: the API's JSON 404, never the portal's HTML page (but
    # `/api/docs` and `/api/schema` still get their slash added by CommonMiddleware).
    re_path(r"^api/(?!(docs|schema)$)", NotFoundView.as_view()),
    path("", include("accounts.urls")),
    path("", include("companies.urls")),
    path("", include("consultations.urls")),
    path("", include("medical.urls")),
    path("", include("metrics.urls")),
    path("", include("metrics.privacy_urls")),
    path("", include("chat.urls")),
    path("", include("huntzen.content.urls")),
]
urlpatterns = [CachedResolver(_patterns)]

handler403 = "huntzen.views.permission_denied"
handler404 = "huntzen.views.page_not_found"
handler500 = "huntzen.errors.server_error"
