"""Mounted at /accounts/email/ ahead of allauth's own URLs, so this view serves it."""

from django.urls import path

from accounts.email_views import EmailView

urlpatterns = [path("", EmailView.as_view())]
