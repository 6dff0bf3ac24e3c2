"""CCA pages: a provider's periods, authorizations and settings under /p/<provider>/cca/, and
the hub's subsidy work queue under /alliance/<alliance>/subsidy/."""

from django.urls import path

from ccms.subsidy import views

# Pages under /p/<provider>/
provider_patterns: list = [
    path("cca/", views.cca_home, name="cca_home"),
    path("cca/periods/<str:period>/", views.period_page, name="cca_period"),
    path("cca/periods/<str:period>/feed/", views.period_feed, name="cca_feed"),
    path("cca/periods/<str:period>/submit/", views.period_submit, name="cca_submit"),
    path("cca/periods/<str:period>/recall/", views.period_recall, name="cca_recall"),
    path("cca/periods/<str:period>/transmit/", views.period_transmit, name="cca_transmit"),
    path("cca/periods/<str:period>/reconcile/", views.period_reconcile, name="cca_reconcile"),
    path("cca/authorizations/", views.authorization_list, name="cca_authorizations"),
    path("cca/authorizations/new/", views.authorization_create, name="cca_authorization_create"),
    path(
        "cca/authorizations/<int:authorization_id>/",
        views.authorization_edit,
        name="cca_authorization_edit",
    ),
    path("cca/settings/", views.cca_settings, name="cca_settings"),
]
# Pages under /alliance/<alliance>/
alliance_patterns: list = [
    path("subsidy/", views.work_queue, name="subsidy_queue"),
]
# Pages with no signed-in user (each checks its own signature or token)
public_patterns: list = []
