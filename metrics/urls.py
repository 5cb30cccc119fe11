from django.urls import path

from metrics import views

app_name = "metrics"

urlpatterns = [
    path("metrics/practitioner/", views.practitioner_dashboard, name="my_practitioner"),
    path(
        "metrics/practitioners/<uuid:pk>/",
        views.practitioner_dashboard,
        name="practitioner",
    ),
    path(
        "metrics/practitioners/<uuid:pk>/export.csv",
        views.practitioner_export,
        name="practitioner_export",
    ),
    path("metrics/company/", views.company_dashboard, name="my_company"),
    path("metrics/companies/<uuid:pk>/", views.company_dashboard, name="company"),
    path("metrics/companies/<uuid:pk>/export.csv", views.company_export, name="company_export"),
    path(
        "metrics/companies/<uuid:pk>/employees/",
        views.company_employees,
        name="company_employees",
    ),
    path("metrics/staff/", views.staff_overview, name="staff"),
    path(
        "metrics/staff/practitioners.csv",
        views.staff_practitioners_export,
        name="staff_practitioners_export",
    ),
    path(
        "metrics/staff/companies.csv", views.staff_companies_export, name="staff_companies_export"
    ),
]
