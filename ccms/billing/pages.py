"""Rendering a billing page: the billing menu comes with every page of the area."""

from django.shortcuts import render

from ccms.billing.navigation import billing_menu


def render_page(request, template: str, context: dict | None = None, status: int = 200):
    context = dict(context or {})
    context["access"] = request.access
    if request.access.can("billing.view"):
        context["billing_menu"] = billing_menu(request)
    return render(request, template, context, status=status)
