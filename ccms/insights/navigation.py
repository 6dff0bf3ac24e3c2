"""The insights area's own menu (under the Insights tab), one line per page in display order.
Every insights URL name starts with "insights_" so the tab shows as current on all of them."""

from django.shortcuts import render

from ccms.core.navigation import Page, area_menu

INSIGHTS_PAGES = [
    Page("Dashboard", "insights_dashboard", "insights.view"),
    Page("Coaching", "insights_coaching", "insights.view"),
    Page("Scenario planner", "insights_scenario", "insights.view"),
    Page("Compare", "insights_compare", "insights.view"),
    Page("Costs", "insights_costs", "insights.view", ("insights_expense_edit",)),
    Page("Budget", "insights_budget", "insights.view"),
    Page("Staff costs", "insights_staff_costs", "insights.view"),
    Page("Reports", "insights_reports", "insights.view"),
]


def insights_menu(request) -> list[dict]:
    return area_menu(request, INSIGHTS_PAGES, request.access, request.access.provider.slug)


def render_page(request, template: str, context: dict | None = None, status: int = 200):
    context = dict(context or {})
    context["access"] = request.access
    context["insights_menu"] = insights_menu(request)
    return render(request, template, context, status=status)
