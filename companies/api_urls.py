from django.urls import path

from companies import api_views

urlpatterns = [
    path("companies", api_views.CompanyListCreateView.as_view(), name="api-companies"),
    path("companies/<uuid:pk>", api_views.CompanyDetailView.as_view(), name="api-company"),
    path(
        "companies/<uuid:pk>/activate",
        api_views.CompanyActivateView.as_view(),
        name="api-company-activate",
    ),
    path(
        "companies/<uuid:pk>/employees",
        api_views.CompanyEmployeeListView.as_view(),
        name="api-company-employees",
    ),
    path("practitioners", api_views.PractitionerListView.as_view(), name="api-practitioners"),
    path(
        "practitioners/<uuid:pk>",
        api_views.PractitionerDetailView.as_view(),
        name="api-practitioner",
    ),
]
