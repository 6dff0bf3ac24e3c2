from django.urls import path

from ccms.substitutes import views

# Pages under /p/<provider>/
provider_patterns: list = [
    path("substitutes/", views.sub_cover_list, name="sub_cover_list"),
    path("substitutes/new/", views.sub_cover_new, name="sub_cover_new"),
    path("substitutes/<int:cover_id>/", views.sub_cover_detail, name="sub_cover_detail"),
    path("substitutes/<int:cover_id>/hours/", views.sub_cover_hours, name="sub_cover_hours"),
    path("substitutes/<int:cover_id>/cancel/", views.sub_cover_cancel, name="sub_cover_cancel"),
]
# Pages under /alliance/<alliance>/
alliance_patterns: list = [
    path("substitutes/", views.sub_pool, name="sub_pool"),
    path("substitutes/new/", views.sub_new, name="sub_new"),
    path("substitutes/requests/", views.sub_all_requests, name="sub_all_requests"),
    path("substitutes/open/", views.sub_open, name="sub_open"),
    path("substitutes/open/<int:cover_id>/accept/", views.sub_accept, name="sub_accept"),
    path("substitutes/shifts/", views.sub_shifts, name="sub_shifts"),
    path("substitutes/<int:substitute_id>/", views.sub_edit, name="sub_edit"),
    path(
        "substitutes/<int:substitute_id>/credentials/new/",
        views.sub_credential_new,
        name="sub_credential_new",
    ),
    path(
        "substitutes/<int:substitute_id>/credentials/<int:credential_id>/",
        views.sub_credential_edit,
        name="sub_credential_edit",
    ),
    path(
        "substitutes/<int:substitute_id>/credentials/<int:credential_id>/remove/",
        views.sub_credential_delete,
        name="sub_credential_delete",
    ),
]
