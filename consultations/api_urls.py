from django.urls import path

from consultations import api, api_video

urlpatterns = [
    path("consultations", api.ConsultationCreateView.as_view(), name="api-consultations"),
    path("consultations/my", api.MyConsultationsView.as_view(), name="api-consultations-my"),
    path(
        "consultations/<uuid:pk>",
        api.ConsultationDetailView.as_view(),
        name="api-consultation",
    ),
    path(
        "consultations/<uuid:pk>/start",
        api.ConsultationStartView.as_view(),
        name="api-consultation-start",
    ),
    path(
        "consultations/<uuid:pk>/end",
        api.ConsultationEndView.as_view(),
        name="api-consultation-end",
    ),
    path(
        "consultations/<uuid:pk>/cancel",
        api.ConsultationCancelView.as_view(),
        name="api-consultation-cancel",
    ),
    path(
        "consultations/<uuid:pk>/reschedule",
        api.ConsultationRescheduleView.as_view(),
        name="api-consultation-reschedule",
    ),
    path(
        "consultations/<uuid:pk>/no-show",
        api.ConsultationNoShowView.as_view(),
        name="api-consultation-no-show",
    ),
    path(
        "consultations/<uuid:pk>/video",
        api_video.ConsultationVideoView.as_view(),
        name="api-consultation-video",
    ),
    path(
        "practitioners/<uuid:pk>/slots",
        api.PractitionerSlotsView.as_view(),
        name="api-practitioner-slots",
    ),
]
