"""Check-in pages under /p/<provider>/: the kiosk, the classroom roster, the guardian's phone,
closures, corrections, kiosk PINs and QR cards."""

from django.urls import path

from ccms.attendance import views_checkin as views

patterns: list = [
    path("kiosk/", views.kiosk, name="kiosk"),
    path("kiosk/identify/", views.kiosk_identify, name="kiosk_identify"),
    path("kiosk/record/", views.kiosk_record, name="kiosk_record"),
    path("attendance/", views.roster, name="roster"),
    path(
        "attendance/children/<int:child_id>/check-in/",
        views.roster_check_in,
        name="roster_check_in",
    ),
    path(
        "attendance/children/<int:child_id>/check-out/",
        views.roster_check_out,
        name="roster_check_out",
    ),
    path("attendance/children/<int:child_id>/absent/", views.roster_absent, name="roster_absent"),
    path("attendance/children/<int:child_id>/move/", views.roster_move, name="roster_move"),
    path("attendance/children/<int:child_id>/add-pair/", views.presence_add, name="presence_add"),
    path(
        "attendance/presences/<int:presence_id>/correct/",
        views.presence_correct,
        name="presence_correct",
    ),
    path("attendance/closures/", views.closure_list, name="closures"),
    path("attendance/kiosk-cards/", views.kiosk_cards, name="kiosk_cards"),
    path("attendance/guardians/<int:guardian_id>/pin/", views.guardian_pin, name="guardian_pin"),
    path("attendance/guardians/<int:guardian_id>/qr.svg", views.guardian_qr, name="guardian_qr"),
    path("my-attendance/", views.my_attendance, name="my_attendance"),
    path(
        "my-attendance/children/<int:child_id>/check-in/",
        views.my_check_in,
        name="my_check_in",
    ),
    path(
        "my-attendance/children/<int:child_id>/check-out/",
        views.my_check_out,
        name="my_check_out",
    ),
    path("my-attendance/children/<int:child_id>/absence/", views.my_absence, name="my_absence"),
]
