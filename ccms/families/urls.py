"""Family and child pages, under /p/<provider>/."""

from django.urls import path

from ccms.families import views

provider_patterns: list = [
    path("families/", views.family_list, name="family_list"),
    path("families/new/", views.family_create, name="family_create"),
    path("families/<int:family_id>/", views.family_detail, name="family_detail"),
    path("families/<int:family_id>/edit/", views.family_edit, name="family_edit"),
    path("families/<int:family_id>/guardians/new/", views.guardian_create, name="guardian_create"),
    path("families/<int:family_id>/contacts/new/", views.contact_create, name="contact_create"),
    path("guardians/<int:guardian_id>/edit/", views.guardian_edit, name="guardian_edit"),
    path("contacts/<int:contact_id>/edit/", views.contact_edit, name="contact_edit"),
    path("contacts/<int:contact_id>/remove/", views.contact_delete, name="contact_delete"),
    path("children/new/", views.child_create, name="child_create"),
    path("children/<int:child_id>/", views.child_detail, name="child_detail"),
    path("children/<int:child_id>/edit/", views.child_edit, name="child_edit"),
    path("children/<int:child_id>/pickups/new/", views.pickup_create, name="pickup_create"),
    path("children/<int:child_id>/documents/new/", views.document_upload, name="document_upload"),
    path("pickups/<int:pickup_id>/edit/", views.pickup_edit, name="pickup_edit"),
    path("pickups/<int:pickup_id>/remove/", views.pickup_delete, name="pickup_delete"),
    path("documents/<int:document_id>/edit/", views.document_edit, name="document_edit"),
    path("documents/<int:document_id>/remove/", views.document_delete, name="document_delete"),
    path(
        "documents/<int:document_id>/download/",
        views.document_download,
        name="document_download",
    ),
    path("child-files/", views.compliance_checklist, name="compliance_checklist"),
]
