"""Billing for the demo alliance: prices and policy, four months of billing runs posted through
the real billing-run code, payments with a realistic mix of on-time, late, partial and missing
ones (so aging has every bucket), and the Garcia family's bill split between two households."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from ccms.billing import ledger, runs
from ccms.billing.accounts import billing_settings
from ccms.billing.models import (
    AccountKind,
    BillingSplit,
    EntryKind,
    Fee,
    LedgerEntry,
    Method,
    PayerAccount,
    TuitionPlan,
)
from ccms.core.dates import add_months
from ccms.families.models import Guardian

DEMO_BANK_ROUTING = "073000228"  # a well-formed routing number (checksum digit correct)


def load_billing_demo(providers: dict, today: date) -> None:
    rng = random.Random(5)
    first_month = add_months(today.replace(day=1), -3)
    for index, provider in enumerate(providers.values()):
        _policy(provider, index)
        if provider.slug == "sunrise":
            _split_garcia_bill(provider)
        month = first_month
        while month <= today:
            run, _ = runs.prepare_run(provider, month, None, "monthly")
            runs.post_run(run.pk)
            _payments(provider, month, today, rng)
            month = add_months(month, 1)
        if provider.slug == "sunrise":
            _autopay(provider, today)


def _policy(provider, index: int) -> None:
    settings = billing_settings(provider)
    settings.billing_frequency = "monthly"
    settings.due_days = 10
    settings.late_payment_fee = Decimal("15.00")
    settings.late_payment_grace_days = 5
    settings.late_pickup_fee_per_minute = Decimal("1.00")
    settings.sibling_discount_percent = Decimal("10")
    settings.staff_discount_percent = Decimal("25")
    settings.legal_name = f"{provider.name} LLC"
    settings.ein = f"42-{1234500 + index:07d}"
    settings.remit_address = f"{100 + index * 12} Main St, {provider.city}, IA 50{300 + index}"
    settings.ach_company_name = provider.name[:16].upper()
    settings.ach_company_id = f"1{settings.ein.replace('-', '')}"
    settings.ach_bank_name = "HAWKEYE COMMUNITY BANK"
    settings.ach_odfi_routing = DEMO_BANK_ROUTING
    settings.ach_settlement_account = f"55501{index:04d}"
    settings.full_clean()
    settings.save()
    for room in provider.classrooms.all():
        monthly = Decimal(
            1250 if room.max_age_months < 24 else 1150 if room.max_age_months < 36 else 980
        )
        if room.min_age_months >= 60:
            monthly = Decimal(640)
        TuitionPlan.objects.create(
            provider=provider,
            name=f"{room.name}, full time",
            classroom=room,
            min_age_months=room.min_age_months,
            max_age_months=room.max_age_months,
            frequency="monthly",
            amount=monthly,
        )
    Fee.objects.create(
        provider=provider, kind="registration", name="Registration", amount=75, timing="enrollment"
    )
    Fee.objects.create(
        provider=provider, kind="supply", name="Supplies", amount=40, timing="annual"
    )


def _autopay(provider, today: date) -> None:
    """A few Sunrise families pay by bank debit: today's autopay run makes the ACH file."""
    from ccms.billing import autopay
    from ccms.tenancy.models import User

    director = User.objects.get(email="director@sunrise.demo")
    balances = ledger.balances(
        PayerAccount.objects.filter(provider=provider, kind=AccountKind.FAMILY).order_by("pk")
    )
    owing = [pk for pk, balance in balances.items() if balance > 0][:6]
    for n, account in enumerate(PayerAccount.objects.filter(pk__in=owing)):
        autopay.set_up_ach(
            account,
            holder_name=account.name.replace(" family", "")[:22],
            routing_number=DEMO_BANK_ROUTING,
            account_number=f"8812{n:05d}",
            account_type="checking",
            accepted=True,
            actor=director,
        )
    autopay.run_autopay(provider, today, director)


def _split_garcia_bill(provider) -> None:
    """Maria and Luis live apart and split Lucia's and Diego's care 60/40."""
    maria = Guardian.objects.select_related("family").get(
        provider=provider, user__email="parent@sunrise.demo"
    )
    family = maria.family
    luis = Guardian.objects.create(
        provider=provider,
        family=family,
        first_name="Luis",
        last_name="Garcia",
        relationship="Father",
        email="luis.garcia@example.com",
        address="418 Grand Ave, Des Moines, IA 50309",
    )
    shares = []
    for guardian, percent in ((maria, "60"), (luis, "40")):
        account = PayerAccount.objects.create(
            provider=provider,
            kind=AccountKind.GUARDIAN,
            family=family,
            guardian=guardian,
            name=f"{guardian.first_name} {guardian.last_name}",
            email=guardian.email or "",
            address=guardian.address,
        )
        shares.append((account, Decimal(percent)))
    for child in family.children.all():
        for account, percent in shares:
            BillingSplit.objects.create(
                provider=provider, child=child, account=account, percent=percent
            )


def _payments(provider, month: date, today: date, rng: random.Random) -> None:
    """Payers pay the month's charges: most in full and on time, some late or in part, a few
    not at all. Maria Garcia has paid everything but the current month (she pays it in the
    demo); Luis has not paid this month either."""
    charges = LedgerEntry.objects.filter(
        provider=provider, kind=EntryKind.CHARGE, on=month
    ).select_related("account", "account__guardian")
    owed: dict[int, tuple] = {}
    for c in charges:
        account, total = owed.get(c.account_id, (c.account, Decimal(0)))
        owed[c.account_id] = (account, total + c.amount)
    rows = []
    current = month == today.replace(day=1)
    for account_id, (account, total) in sorted(owed.items()):
        if account.kind == AccountKind.GUARDIAN and current:
            continue
        roll = rng.random()
        if account.kind == AccountKind.GUARDIAN:
            roll = 0.5  # the Garcias pay in full every month
        elif roll < (0.3 if current else 0.05):
            continue  # not paid (yet)
        amount = total if roll < 0.93 else (total / 2).quantize(Decimal("0.01"))
        paid_on = month + timedelta(days=rng.randint(1, 24))
        if paid_on > today:
            continue
        method = rng.choice([Method.CHECK, Method.ACH, Method.ACH, Method.CARD, Method.CASH])
        rows.append(
            {
                "account": account,
                "kind": EntryKind.PAYMENT,
                "amount": amount,
                "on": paid_on,
                "key": f"demo-payment:{account_id}:{month}",
                "description": f"{Method(method).label} payment",
                "method": method,
            }
        )
    ledger.post_many(rows, actor=None)
