"""The billing pages, as the director, the hub, a consultant and guardians use them."""

from datetime import date
from decimal import Decimal

import pytest

from ccms.billing.accounts import family_account
from ccms.billing.ledger import post_entry
from ccms.billing.models import AccountKind, BillingRun, LedgerEntry, PayerAccount
from ccms.enrollment.models import Enrollment
from ccms.families.models import Guardian
from ccms.tenancy.models import Role


@pytest.fixture
def a1(world):
    t = world.a1
    Enrollment.objects.create(
        provider=t.provider,
        child=t.child,
        classroom=t.classroom,
        start_date=date(2026, 1, 5),
        tuition_amount=Decimal("1000.00"),
        tuition_frequency="monthly",
    )
    return t


def url(t, name, *args):
    from django.urls import reverse

    return reverse(name, args=[t.provider.slug, *args])


def test_director_previews_then_posts_a_run_from_the_page(client, a1):
    client.force_login(a1.users["director"])
    response = client.post(
        url(a1, "billing_runs"), {"period_start": "2026-12-01", "frequency": "monthly"}
    )
    run = BillingRun.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/runs/{run.pk}/")
    page = client.get(response["Location"]).content.decode()
    assert "Post 1 charge ($1,000.00)" in page and "Tuition Dec 1-Dec 31, Kida1" in page
    assert LedgerEntry.objects.count() == 0
    client.post(url(a1, "billing_run", run.pk))
    client.post(url(a1, "billing_run", run.pk))  # a second click posts nothing more
    assert LedgerEntry.objects.count() == 1
    page = client.get(url(a1, "billing_run", run.pk)).content.decode()
    assert "Posted" in page and "Post 1 charge" not in page


def test_a_consultant_reads_but_cannot_post(client, a1):
    client.force_login(a1.users["consultant"])
    assert client.get(url(a1, "billing_home")).status_code == 200
    account = family_account(a1.family)
    assert client.get(url(a1, "billing_account", account.pk)).status_code == 200
    response = client.post(
        url(a1, "billing_account_charge", account.pk),
        {
            "category": "supply",
            "amount": "20",
            "on": "2026-12-01",
            "description": "Supplies",
            "idempotency_key": "form:x",
        },
    )
    assert response.status_code == 403 and LedgerEntry.objects.count() == 0
    assert client.post(url(a1, "billing_runs"), {"period_start": "2026-12-01"}).status_code == 403


def test_a_double_submitted_charge_posts_once_and_can_be_reversed_with_a_reason(client, a1):
    client.force_login(a1.users["director"])
    account = family_account(a1.family)
    form = {
        "category": "supply",
        "amount": "20.00",
        "on": "2026-12-01",
        "description": "Art supplies",
        "idempotency_key": "form:abc",
    }
    client.post(url(a1, "billing_account_charge", account.pk), form)
    client.post(url(a1, "billing_account_charge", account.pk), form)
    [charge] = LedgerEntry.objects.all()
    assert charge.due_on == date(2026, 12, 11)
    page = client.get(url(a1, "billing_entry_reverse", charge.pk))
    assert page.status_code == 200
    assert "reason" in client.post(url(a1, "billing_entry_reverse", charge.pk), {}).content.decode()
    client.post(url(a1, "billing_entry_reverse", charge.pk), {"reason": "Charged twice"})
    assert LedgerEntry.objects.get(reverses=charge).reason == "Charged twice"
    page = client.get(url(a1, "billing_account", account.pk)).content.decode()
    assert "(reversed)" in page and "Why: Charged twice" in page


def test_guardians_in_two_households_see_only_their_own_share(client, a1):
    t = a1
    pat = Guardian.objects.get(family=t.family)
    from ccms.tenancy import services as tenancy

    sam_user = tenancy.add_user(
        email="sam@a1.test", role=Role.GUARDIAN, provider=t.provider, password="x-long-password-1"
    )
    sam = Guardian.objects.create(
        provider=t.provider, family=t.family, user=sam_user, first_name="Sam", last_name="Alpha"
    )
    accounts = {}
    for g in (pat, sam):
        accounts[g.first_name] = PayerAccount.objects.create(
            provider=t.provider,
            kind=AccountKind.GUARDIAN,
            family=t.family,
            guardian=g,
            name=f"{g.first_name} Alpha",
        )
    post_entry(
        accounts["Pat"], kind="charge", amount="600", on=date(2026, 12, 1), key="p", actor=None
    )
    post_entry(
        accounts["Sam"], kind="charge", amount="400", on=date(2026, 12, 1), key="s", actor=None
    )
    client.force_login(t.users["guardian"])
    page = client.get(url(t, "billing_mine")).content.decode()
    assert "Pat Alpha" in page and "$600.00" in page
    assert "Sam Alpha" not in page and "$400.00" not in page
    # Another guardian's account is not found, like a missing one.
    assert client.get(url(t, "billing_account", accounts["Sam"].pk)).status_code == 403
    assert client.get(url(t, "billing_home")).status_code == 403


def test_split_editor_refuses_shares_over_100_percent(client, a1):
    t = a1
    client.force_login(t.users["director"])
    employer = PayerAccount.objects.create(provider=t.provider, kind="employer", name="Acme")
    scholarship = PayerAccount.objects.create(provider=t.provider, kind="scholarship", name="Fund")
    client.post(
        url(t, "billing_child", t.child.pk),
        {"action": "add", "account": employer.pk, "percent": "60"},
    )
    page = client.post(
        url(t, "billing_child", t.child.pk),
        {"action": "add", "account": scholarship.pk, "percent": "50"},
    ).content.decode()
    assert "would add up to 110.00%" in page
    assert t.child.billing_splits.count() == 1


def test_the_api_lists_accounts_and_ledgers_a_guardian_sees_only_their_own(client, a1):
    t = a1
    account = family_account(t.family)
    charge = post_entry(
        account, kind="charge", amount="100", on=date(2026, 12, 1), key="c", actor=None
    )
    post_entry(account, kind="payment", amount="40", on=date(2026, 12, 2), key="p", actor=None)
    other = family_account(t.other_child.family)
    client.force_login(t.users["guardian"])
    rows = client.get(f"/api/providers/{t.provider.slug}/billing/accounts").json()
    assert [(r["id"], r["balance"]) for r in rows] == [(account.pk, "60.00")]
    entries = client.get(
        f"/api/providers/{t.provider.slug}/billing/accounts/{account.pk}/entries"
    ).json()
    assert entries[0]["id"] == charge.pk and entries[0]["open_amount"] == "60.00"
    missing = client.get(f"/api/providers/{t.provider.slug}/billing/accounts/{other.pk}/entries")
    assert missing.status_code == 404
    client.force_login(t.users["staff"])
    assert client.get(f"/api/providers/{t.provider.slug}/billing/accounts").status_code == 403
    client.force_login(t.users["director"])
    rows = client.get(f"/api/providers/{t.provider.slug}/billing/accounts").json()
    assert {r["id"] for r in rows} == {account.pk, other.pk}


def test_the_deposit_account_number_is_never_shown_again_and_kept_when_left_empty(client, a1):
    from ccms.billing.accounts import billing_settings
    from ccms.core.models import AuditEvent

    settings = billing_settings(a1.provider)
    settings.ach_settlement_account = "123456789"
    settings.save()
    client.force_login(a1.users["director"])
    page = client.get(url(a1, "billing_prices")).content.decode()
    assert "123456789" not in page and "ending 6789" in page
    form = {
        "billing_frequency": "monthly",
        "due_days": 10,
        "late_payment_fee": "15.00",
        "late_payment_grace_days": 5,
        "late_pickup_fee_per_minute": "1.00",
        "late_pickup_grace_minutes": 5,
        "nsf_fee": "30.00",
        "sibling_discount_percent": "10",
        "staff_discount_percent": "0",
        "reminder_days": "7,14",
        "ach_settlement_account": "",
    }
    assert client.post(url(a1, "billing_prices"), form).status_code == 302
    settings.refresh_from_db()
    assert settings.ach_settlement_account == "123456789"
    assert settings.sibling_discount_percent == 10
    assert not any("123456789" in str(e.changes) for e in AuditEvent.objects.all())
