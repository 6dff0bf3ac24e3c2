"""The billing area's own menu (under the Billing tab), one line per page, in display order.
Every billing URL name starts with "billing_" so the Billing tab shows as current on all of them."""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Page:
    label: str
    url_name: str
    permission: str
    # url names of pages reached from this one (details, forms) that keep it highlighted
    also_current: tuple[str, ...] = ()
    # a count shown beside the label (things waiting for someone), from the provider
    badge: Callable[[object], int] | None = None


BILLING_PAGES = [
    Page("Overview", "billing_home", "billing.view"),
    Page(
        "Accounts",
        "billing_accounts",
        "billing.view",
        (
            "billing_account",
            "billing_account_new",
            "billing_entry_reverse",
            "billing_child",
            "billing_payment_new",
            "billing_receipt",
            "billing_refund",
            "billing_pay",
            "billing_account_documents",
        ),
    ),
    Page("Billing runs", "billing_runs", "billing.view", ("billing_run",)),
    Page(
        "Prices",
        "billing_prices",
        "billing.view",
        (
            "billing_tuition_plan_new",
            "billing_tuition_plan_edit",
            "billing_fee_new",
            "billing_fee_edit",
        ),
    ),
    Page("Aging", "billing_aging", "billing.view"),
    Page("Reminders", "billing_reminders", "billing.view"),
    Page("Payment plans", "billing_plans", "billing.view"),
    Page(
        "Write-offs",
        "billing_writeoffs",
        "billing.view",
        ("billing_writeoff_new",),
        badge=lambda provider: _pending_write_offs(provider),
    ),
    Page(
        "Statements",
        "billing_statements",
        "billing.view",
        ("billing_statement", "billing_invoice", "billing_account_documents"),
    ),
    Page("Tax statements", "billing_tax_statements", "billing.view", ("billing_tax_statement",)),
    Page("Accounting export", "billing_accounting", "billing.view"),
    Page("Autopay & ACH", "billing_ach", "billing.view", ("billing_ach_batch",)),
]


def billing_menu(request) -> list[dict]:
    from django.urls import NoReverseMatch, reverse

    access = request.access
    current = request.resolver_match.url_name if request.resolver_match else ""
    menu = []
    for page in BILLING_PAGES:
        if not access.can(page.permission):
            continue
        try:
            url = reverse(page.url_name, args=[access.provider.slug])
        except NoReverseMatch:  # a page of a capability not installed in this build
            continue
        menu.append(
            {
                "label": page.label,
                "url": url,
                "current": current == page.url_name or current in page.also_current,
                "badge": page.badge(access.provider) if page.badge else 0,
            }
        )
    return menu


def _pending_write_offs(provider) -> int:
    from ccms.billing.collections import pending_write_off_count

    return pending_write_off_count(provider)
