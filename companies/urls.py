from django.urls import path

from companies import views

app_name = "companies"

urlpatterns = [
    path("hr/company/", views.hr_company, name="hr_company"),
    path("hr/company/edit/", views.hr_company_edit, name="hr_company_edit"),
    path("hr/employees/", views.hr_employee_list, name="hr_employee_list"),
    path(
        "hr/employees/<uuid:pk>/deactivate/",
        views.hr_employee_deactivate,
        name="hr_employee_deactivate",
    ),
    path("practitioners/", views.practitioner_list_view, name="practitioner_list"),
    path("practitioners/<uuid:pk>/", views.practitioner_detail, name="practitioner_detail"),
    path("practitioner/profile/", views.practitioner_profile_edit, name="practitioner_profile"),
]
