from django.urls import path

from metrics import api_views

urlpatterns = [
    path(
        "practitioners/<str:pk>",
        api_views.PractitionerMetricsView.as_view(),
        name="api-metrics-practitioner",
    ),
    path(
        "practitioners/<str:pk>/export",
        api_views.PractitionerExportView.as_view(),
        name="api-metrics-practitioner-export",
    ),
    path(
        "employees/<str:pk>", api_views.EmployeeMetricsView.as_view(), name="api-metrics-employee"
    ),
    path("companies/<str:pk>", api_views.CompanyMetricsView.as_view(), name="api-metrics-company"),
    path(
        "companies/<str:pk>/export",
        api_views.CompanyExportView.as_view(),
        name="api-metrics-company-export",
    ),
]
