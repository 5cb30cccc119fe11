from django.urls import path

from metrics import privacy_views

urlpatterns = [
    path("privacy/", privacy_views.privacy_page, name="privacy"),
    path("privacy/sharing/", privacy_views.usage_sharing, name="privacy_sharing"),
    path(
        "privacy/notifications/",
        privacy_views.notification_destination,
        name="privacy_notifications",
    ),
]
