from django.urls import path

from accounts import data_views, views

app_name = "accounts"

urlpatterns = [
    path("my-data/", data_views.my_data, name="my_data"),
    path("my-data/erase/", data_views.account_erase, name="account_erase"),
    path("my-data/exports/<uuid:pk>/download/", data_views.export_download, name="export_download"),
    path("my-data/exports/<uuid:pk>/delete/", data_views.export_delete, name="export_delete"),
    path("employee/", views.employee_home, name="employee_home"),
    path("practitioner/", views.practitioner_home, name="practitioner_home"),
    path("hr/", views.hr_home, name="hr_home"),
    path("hr/invitations/", views.invitation_list, name="invitation_list"),
    path("hr/invitations/new/", views.invitation_create, name="invitation_create"),
    path("hr/invitations/import/", views.invitation_import, name="invitation_import"),
    path("hr/invitations/<uuid:pk>/revoke/", views.invitation_revoke, name="invitation_revoke"),
    path("hr/invitations/<uuid:pk>/resend/", views.invitation_resend, name="invitation_resend"),
    path("invitation/<str:token>/", views.invitation_accept, name="invitation_accept"),
]
