from django.urls import path

from consultations import room_views, views

app_name = "consultations"

urlpatterns = [
    path("book/<uuid:practitioner_id>/", views.slot_picker, name="book"),
    path("book/<uuid:practitioner_id>/confirm/", views.book_confirm, name="book_confirm"),
    path("consultations/", views.my_consultations, name="my"),
    path("consultations/<uuid:pk>/", views.consultation_detail, name="detail"),
    path("consultations/<uuid:pk>/start/", views.consultation_start, name="start"),
    path("consultations/<uuid:pk>/end/", views.consultation_end, name="end"),
    path("consultations/<uuid:pk>/no-show/", views.consultation_no_show, name="no_show"),
    path("consultations/<uuid:pk>/cancel/", views.consultation_cancel, name="cancel"),
    path("consultations/<uuid:pk>/room/", room_views.consultation_room, name="room"),
    path("consultations/<uuid:pk>/room/start/", room_views.room_start, name="room_start"),
    path("consultations/<uuid:pk>/room/end/", room_views.room_end, name="room_end"),
    path("consultations/<uuid:pk>/room/no-show/", room_views.room_no_show, name="room_no_show"),
    path("consultations/<uuid:pk>/video/", room_views.video_room, name="video"),
    path(
        "consultations/<uuid:pk>/reschedule/",
        views.consultation_reschedule,
        name="reschedule",
    ),
    path("consultations/<uuid:pk>/calendar.ics", views.consultation_calendar, name="calendar"),
    path("practitioner/agenda/", views.agenda, name="agenda"),
    path("practitioner/availability/", views.availability_edit, name="availability"),
    path(
        "practitioner/availability/settings/",
        views.availability_settings_save,
        name="availability_settings",
    ),
    path("practitioner/availability/hours/", views.weekly_hours_save, name="availability_hours"),
    path(
        "practitioner/availability/exceptions/",
        views.availability_exception_add,
        name="availability_exception_add",
    ),
    path(
        "practitioner/availability/exceptions/<int:pk>/remove/",
        views.availability_exception_remove,
        name="availability_exception_remove",
    ),
]
