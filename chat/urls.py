from django.urls import path

from chat import views

app_name = "chat"

urlpatterns = [
    path("consultations/<uuid:pk>/chat/", views.chat_page, name="page"),
]
