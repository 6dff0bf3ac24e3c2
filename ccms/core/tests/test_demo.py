"""The demo alliance, loaded once (it is the slowest fixture there is) and checked whole."""

from datetime import date
from decimal import Decimal

from django.contrib.auth import authenticate

from ccms.alliance import allocation
from ccms.alliance.models import AllocationRule
from ccms.billing import ledger, nacha
from ccms.billing.models import AchBatch, LedgerEntry, PayerAccount
from ccms.core.demo import DEMO_PASSWORD, demo_logins, load_demo
from ccms.insights.metrics import shift_month
from ccms.tenancy.models import Alliance, Provider, ProviderKind, Role, User


def test_the_demo_alliance_loads_once_with_every_role_and_a_billing_story(db):
    assert load_demo() is True
    alliance = Alliance.objects.get()
    assert alliance.name == "Prairie Shared Services Alliance"
    kinds = set(Provider.objects.values_list("kind", flat=True))
    assert len(Provider.objects.all()) >= 6
    assert ProviderKind.CENTER in kinds and len(kinds) >= 4
    roles = set(User.objects.values_list("memberships__role", flat=True))
    assert roles == set(Role.values)

    # Every demo login works with the demo password.
    for email, _label, _mfa in demo_logins():
        assert authenticate(email=email, password=DEMO_PASSWORD) is not None, email

    # The Garcias' bill is split between two households, each with this month's share open.
    maria, luis = (
        PayerAccount.objects.get(provider__slug="sunrise", name=name)
        for name in ("Maria Garcia", "Luis Garcia")
    )
    assert ledger.balance(maria) > 0 and ledger.balance(luis) > 0
    assert ledger.balance(maria) / (ledger.balance(maria) + ledger.balance(luis)) == Decimal("0.6")
    # Today's autopay run made a NACHA file that passes the structural check.
    batch = AchBatch.objects.get()
    assert batch.entry_count > 0 and nacha.check(batch.file_text) == []

    # The hub allocates the month just ended over the demo's members: for each pool (one per
    # allocation rule) the member fees add up to its cost less grants, to the cent; posting the
    # month again posts nothing.
    month = shift_month(date.today().replace(day=1), -1)  # noqa: DTZ011 (the demo's own today)
    planned = allocation.plan(alliance, month)
    assert {p.pool.rule for p in planned.pools} == set(AllocationRule.values)
    for pool in planned.pools:
        assert sum(pool.shares.values()) == pool.cost - pool.grants > 0, pool.pool.rule
    run, created = allocation.run(alliance, month, actor=None)
    assert created and run.allocated == planned.allocated == planned.cost - planned.grants
    entries = LedgerEntry.objects.count()
    assert allocation.run(alliance, month, actor=None) == (run, False)
    assert LedgerEntry.objects.count() == entries

    # Loading it again changes nothing.
    counts = (Provider.objects.count(), User.objects.count())
    assert load_demo() is False
    assert (Provider.objects.count(), User.objects.count()) == counts
