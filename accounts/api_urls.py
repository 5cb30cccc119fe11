from django.urls import path

from accounts import api_views

urlpatterns = [
    path("me", api_views.MeView.as_view(), name="api-auth-me"),
]
