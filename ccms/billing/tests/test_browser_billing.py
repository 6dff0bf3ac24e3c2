"""A split bill in a real browser: one parent pays their share by card and sees a zero balance;
the director sees the aging report with the other parent's share still open."""

import re
from datetime import date
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from ccms.billing import runs
from ccms.billing.models import AccountKind, BillingSplit, LedgerEntry, PayerAccount
from ccms.core.tests.test_browser import PHONE, page_at, sign_in  # noqa: F401
from ccms.enrollment.models import Enrollment
from ccms.families.models import Guardian

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def split_bill(world):
    """Pat (the guardian user) and Sam live apart and pay 60/40 for the child's care."""
    t = world.a1
    Enrollment.objects.create(
        provider=t.provider,
        child=t.child,
        classroom=t.classroom,
        start_date=date(2026, 1, 5),
        tuition_amount=Decimal("1000.00"),
        tuition_frequency="monthly",
    )
    pat = Guardian.objects.get(family=t.family)
    sam = Guardian.objects.create(
        provider=t.provider, family=t.family, first_name="Sam", last_name="Alpha"
    )
    for guardian, percent in ((pat, "60"), (sam, "40")):
        account = PayerAccount.objects.create(
            provider=t.provider,
            kind=AccountKind.GUARDIAN,
            family=t.family,
            guardian=guardian,
            name=f"{guardian.first_name} Alpha",
        )
        BillingSplit.objects.create(
            provider=t.provider, child=t.child, account=account, percent=Decimal(percent)
        )
    run, _ = runs.prepare_run(t.provider, date(2026, 11, 1), None, "monthly")
    runs.post_run(run.pk)
    return t


def test_a_parent_pays_their_share_by_card_and_the_director_sees_the_other_share_open(
    page_at,  # noqa: F811
    split_bill,
):
    page = page_at(PHONE)  # the parent pays on a phone
    page.set_default_timeout(15000)
    sign_in(page, "guardian@a1.test")
    page.get_by_role("link", name="Billing").click()
    account = page.locator("section.account-card", has_text="Pat Alpha")
    expect(account.get_by_test_id("balance")).to_have_text("$600.00")
    expect(page.get_by_text("Sam Alpha")).to_have_count(0)  # the other household's share
    account.get_by_role("link", name="Pay $600.00").click()

    expect(page.get_by_label("Amount")).to_have_value("600.00")
    page.get_by_role("button", name="Continue to card payment").click()
    page.get_by_label("Name on the card").fill("Pat Alpha")
    page.get_by_label("Card number").fill("4242 4242 4242 4242")
    page.get_by_label("Expiry (MM/YY)").fill("04/30")
    page.get_by_label("Security code").fill("123")
    page.get_by_role("button", name="Pay $600.00").click()

    expect(page.get_by_role("status")).to_contain_text("your payment of $600.00 was received")
    account = page.locator("section.account-card", has_text="Pat Alpha")
    expect(account.get_by_test_id("balance")).to_have_text("$0.00")
    payment = LedgerEntry.objects.get(kind="payment")
    assert payment.method == "card" and payment.key.startswith("card:")

    director = page_at()
    director.set_default_timeout(15000)
    sign_in(director, "director@a1.test")
    director.goto("/p/a1/billing/")
    director.get_by_role("navigation", name="Billing").get_by_role("link", name="Aging").click()
    expect(director.get_by_role("heading", level=1)).to_have_text("A/R aging")
    director.get_by_label("As of").fill("2026-11-29")
    director.get_by_role("button", name=re.compile("^Show")).click()
    rows = director.locator("table").last
    expect(rows).to_contain_text("Sam Alpha")
    expect(rows.locator("tr", has_text="Sam Alpha")).to_contain_text("$400.00")
    expect(rows.locator("tr", has_text="Pat Alpha")).to_have_count(0)
