"""The shared services area's own menu (under the alliance's "Shared services" tab). Every URL
name of the area starts with "shared_", so the tab shows as current on all of them."""

from django.shortcuts import render

from ccms.core.navigation import Page, area_menu

SHARED_PAGES = [
    Page("Members", "shared_members", "shared.view", ("shared_member",)),
    Page("Services", "shared_services", "shared.view", ("shared_service_edit",)),
    Page("Hub costs", "shared_costs", "shared.view", ("shared_pool_edit",)),
    Page(
        "Allocation",
        "shared_allocation",
        "shared.view",
        ("shared_allocation_month", "shared_fee_statement", "shared_fee_statement_pdf"),
    ),
    Page("Cost recovery", "shared_recovery", "shared.view"),
    Page("Agreement", "shared_agreement", "shared.view"),
]


def shared_menu(request) -> list[dict]:
    access = request.alliance_access
    return area_menu(request, SHARED_PAGES, access, access.alliance.slug)


def render_page(request, template: str, context: dict | None = None, status: int = 200):
    context = dict(context or {})
    context["alliance_access"] = request.alliance_access
    context["shared_menu"] = shared_menu(request)
    return render(request, template, context, status=status)
