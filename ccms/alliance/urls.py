from django.urls import path

from ccms.alliance import views

# Pages under /p/<provider>/
provider_patterns: list = [
    path("alliance/", views.membership_home, name="membership_home"),
    path(
        "alliance/statements/<int:year>/<int:month>/",
        views.membership_statement,
        name="membership_statement",
    ),
    path(
        "alliance/statements/<int:year>/<int:month>.pdf",
        views.membership_statement_pdf,
        name="membership_statement_pdf",
    ),
]
# Pages under /alliance/<alliance>/
alliance_patterns: list = [
    path("shared/members/", views.shared_members, name="shared_members"),
    path("shared/members/<int:member_id>/", views.shared_member, name="shared_member"),
    path("shared/services/", views.shared_services, name="shared_services"),
    path(
        "shared/services/<int:service_id>/", views.shared_service_edit, name="shared_service_edit"
    ),
    path("shared/costs/", views.shared_costs, name="shared_costs"),
    path("shared/costs/pools/<int:pool_id>/", views.shared_pool_edit, name="shared_pool_edit"),
    path("shared/allocation/", views.shared_allocation, name="shared_allocation"),
    path("shared/allocation/run/", views.shared_allocation_run, name="shared_allocation_run"),
    path(
        "shared/allocation/<int:year>/<int:month>/",
        views.shared_allocation_month,
        name="shared_allocation_month",
    ),
    path(
        "shared/allocation/<int:year>/<int:month>/<int:member_id>/",
        views.shared_fee_statement,
        name="shared_fee_statement",
    ),
    path(
        "shared/allocation/<int:year>/<int:month>/<int:member_id>.pdf",
        views.shared_fee_statement_pdf,
        name="shared_fee_statement_pdf",
    ),
    path("shared/recovery/", views.shared_recovery, name="shared_recovery"),
    path("shared/agreement/", views.shared_agreement, name="shared_agreement"),
]
