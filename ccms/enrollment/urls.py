"""Enrollment pages: under /p/<provider>/ (staff) and public pages for families."""

from django.urls import path

from ccms.enrollment import registration, views

provider_patterns: list = [
    path("enrollment/", views.pipeline_board, name="pipeline"),
    path("enrollment/inquiries/new/", views.inquiry_create, name="inquiry_create"),
    path("enrollment/inquiries/<int:inquiry_id>/", views.inquiry_detail, name="inquiry_detail"),
    path("enrollment/inquiries/<int:inquiry_id>/move/", views.inquiry_move, name="inquiry_move"),
    path(
        "enrollment/inquiries/<int:inquiry_id>/enroll/", views.inquiry_enroll, name="inquiry_enroll"
    ),
    path("enrollment/waitlist/", views.waitlist, name="waitlist"),
    path("enrollment/enrollments/", views.enrollment_list, name="enrollment_list"),
    path(
        "enrollment/enrollments/<int:enrollment_id>/withdraw/",
        views.enrollment_withdraw,
        name="enrollment_withdraw",
    ),
    path(
        "enrollment/enrollments/<int:enrollment_id>/transfer/",
        views.enrollment_transfer,
        name="enrollment_transfer",
    ),
    path("enrollment/age-outs/", views.age_outs, name="age_outs"),
    path("vacancies/", views.vacancies, name="vacancies"),
    path(
        "enrollment/inquiries/<int:inquiry_id>/invite/",
        registration.packet_invite,
        name="packet_invite",
    ),
    path(
        "enrollment/inquiries/<int:inquiry_id>/packet/",
        registration.packet_signatures,
        name="packet_signatures",
    ),
]
public_patterns: list = [
    path("enroll/<slug:provider>/", registration.public_enroll, name="public_enroll"),
    path(
        "enroll/<slug:provider>/thanks/",
        registration.public_enroll_thanks,
        name="public_enroll_thanks",
    ),
    path("packet/<slug:token>/", registration.packet_form, name="packet"),
    path("packet/<slug:token>/signed/", registration.packet_signed, name="packet_signed"),
]
