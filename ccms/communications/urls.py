from django.urls import path

from ccms.communications import views

# Pages under /p/<provider>/: the provider writes to its own families (or staff).
provider_patterns: list = [
    path("comms/", views.comms_provider_messages, name="comms_provider_messages"),
    path("comms/new/", views.comms_provider_compose, name="comms_provider_compose"),
    path("comms/calendar/", views.comms_provider_calendar, name="comms_provider_calendar"),
    path("comms/<int:message_id>/", views.comms_provider_message, name="comms_provider_message"),
    path("comms/<int:message_id>/edit/", views.comms_provider_edit, name="comms_provider_edit"),
    path("comms/<int:message_id>/act/", views.comms_provider_act, name="comms_provider_act"),
]
# Pages under /alliance/<alliance>/
alliance_patterns: list = [
    path("comms/", views.comms_alliance_messages, name="comms_alliance_messages"),
    path("comms/new/", views.comms_alliance_compose, name="comms_alliance_compose"),
    path("comms/calendar/", views.comms_alliance_calendar, name="comms_alliance_calendar"),
    path("comms/<int:message_id>/", views.comms_alliance_message, name="comms_alliance_message"),
    path("comms/<int:message_id>/edit/", views.comms_alliance_edit, name="comms_alliance_edit"),
    path("comms/<int:message_id>/act/", views.comms_alliance_act, name="comms_alliance_act"),
    path("comms/stakeholders/", views.comms_stakeholders, name="comms_stakeholders"),
    path(
        "comms/stakeholders/<int:stakeholder_id>/",
        views.comms_stakeholder_edit,
        name="comms_stakeholder_edit",
    ),
    path("comms/audiences/", views.comms_audiences, name="comms_audiences"),
    path(
        "comms/audiences/<int:audience_id>/",
        views.comms_audience_edit,
        name="comms_audience_edit",
    ),
    path("comms/outbox/", views.comms_outbox, name="comms_outbox"),
]
# Pages that name no tenant: the signed-in user's own inbox.
user_patterns: list = [
    path("inbox/", views.comms_inbox, name="comms_inbox"),
    path("inbox/<int:delivery_id>/", views.comms_inbox_message, name="comms_inbox_message"),
]
# Pages anyone may read without signing in.
public_patterns: list = [
    path("news/<slug:alliance>/", views.comms_news, name="comms_news"),
]
