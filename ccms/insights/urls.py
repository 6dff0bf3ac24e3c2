from django.urls import path

from ccms.insights import views

# Pages under /p/<provider>/
provider_patterns: list = [
    path("insights/", views.insights_dashboard, name="insights_dashboard"),
    path("insights/restate/", views.insights_restate, name="insights_restate"),
    path("insights/costs/", views.insights_costs, name="insights_costs"),
    path(
        "insights/costs/<int:expense_id>/",
        views.insights_expense_edit,
        name="insights_expense_edit",
    ),
    path("insights/budget/", views.insights_budget, name="insights_budget"),
    path("insights/staff-costs/", views.insights_staff_costs, name="insights_staff_costs"),
    path("insights/coaching/", views.insights_coaching, name="insights_coaching"),
    path("insights/coaching/notes/", views.insights_note_add, name="insights_note_add"),
    path("insights/coaching/plans/", views.insights_plan_add, name="insights_plan_add"),
    path(
        "insights/coaching/plans/<int:plan_id>/status/",
        views.insights_plan_status,
        name="insights_plan_status",
    ),
    path(
        "insights/alerts/<int:alert_id>/acknowledge/",
        views.insights_alert_ack,
        name="insights_alert_ack",
    ),
    path("insights/scenario/", views.insights_scenario, name="insights_scenario"),
    path("insights/compare/", views.insights_compare, name="insights_compare"),
    path("insights/reports/", views.insights_reports, name="insights_reports"),
    path("insights/report.pdf", views.insights_report_pdf, name="insights_report_pdf"),
    path("insights/export/<slug:table>/", views.insights_export, name="insights_export"),
]
# Pages under /alliance/<alliance>/
alliance_patterns: list = [
    path("insights/", views.insights_alliance, name="insights_alliance"),
    path("insights/targets/", views.insights_targets, name="insights_targets"),
    path(
        "insights/export/<slug:table>/",
        views.insights_alliance_export,
        name="insights_alliance_export",
    ),
]
# Pages under /state/<alliance>/ (aggregates only)
state_patterns: list = [
    path("insights/", views.insights_state, name="insights_state"),
    path(
        "insights/export/<slug:table>/", views.insights_state_export, name="insights_state_export"
    ),
]
# Pages that name no tenant: each lists only the providers the user may see.
user_patterns: list = [
    path("insights/", views.insights_portfolio, name="insights_portfolio"),
]
