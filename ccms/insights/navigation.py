"""The insights area's own menu (under the Insights tab), one line per page in display order.
Every insights URL name starts with "insights_" so the tab shows as current on all of them."""

from dataclasses import dataclass

from django.shortcuts import render
from django.urls import reverse


@dataclass(frozen=True)
class Page:
    label: str
    url_name: str
    permission: str
    also_current: tuple[str, ...] = ()


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
    access = request.access
    current = request.resolver_match.url_name if request.resolver_match else ""
    return [
        {
            "label": page.label,
            "url": reverse(page.url_name, args=[access.provider.slug]),
            "current": current == page.url_name or current in page.also_current,
        }
        for page in INSIGHTS_PAGES
        if access.can(page.permission)
    ]


def render_page(request, template: str, context: dict | None = None, status: int = 200):
    context = dict(context or {})
    context["access"] = request.access
    context["insights_menu"] = insights_menu(request)
    return render(request, template, context, status=status)
