from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("employee/", views.employee_home, name="employee_home"),
    path("practitioner/", views.practitioner_home, name="practitioner_home"),
    path("hr/", views.hr_home, name="hr_home"),
]
