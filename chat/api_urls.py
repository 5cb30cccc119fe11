from django.urls import path

from chat import api_views

app_name = "chat-api"

urlpatterns = [
    path(
        "consultations/<uuid:pk>/messages",
        api_views.MessageListView.as_view(),
        name="messages",
    ),
    path(
        "consultations/<uuid:pk>/chat-ticket",
        api_views.ChatTicketView.as_view(),
        name="ticket",
    ),
]
