"""The monthly allocation: for every rule, the member fees of a pool add up to its cost less
grants, to the cent, each member's fee is the one worked out by hand, and a month is allocated
once. The members and their October are in conftest.py."""

from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ccms.alliance import allocation, hub, services
from ccms.alliance.models import AllocationLine, AllocationRule, CostPool, SharedService
from ccms.alliance.tests.conftest import AS_OF, OCTOBER
from ccms.billing import ledger
from ccms.billing.models import Category, LedgerEntry
from ccms.core.money import apportion
from ccms.tenancy.models import Provider

COST, GRANT = Decimal("1000.01"), Decimal("100.00")  # 900.01 to share

# rule -> the fee of (a1, a2, a3), worked out by hand in cents (largest remainder):
CASES = [
    # Equal shares by days a member: 31, 15, 31 of 31 days.
    (AllocationRule.FLAT, ("362.34", "175.33", "362.34")),
    # FTE 2, 1 x 15/31, 1: weights 62, 15, 31 of 108.
    (AllocationRule.PER_FTE, ("516.67", "125.00", "258.34")),
    # Billed $1,000, $500 x 15/31, $300: weights 31000, 7500, 9300 of 47800.
    (AllocationRule.BILLED, ("583.69", "141.21", "175.11")),
    # Collected $800, $500 x 15/31, $0: weights 24800, 7500, 0 of 32300.
    (AllocationRule.COLLECTED, ("691.03", "208.98", "0.00")),
    # The service's users: a1 all month, a3 from October 11 (21 days); a2 does not use it.
    (AllocationRule.PER_SERVICE, ("536.54", "0", "363.47")),
]


def _pool(members, rule, *, cost=COST, grant=GRANT):
    alliance = members.world.alliance_a
    service = None
    if rule == AllocationRule.PER_SERVICE:
        service = SharedService.objects.create(
            alliance=alliance, category="purchasing", name="Bulk purchasing", delivered_by="Hub"
        )
        services.start_use(
            member=members.a1, service=service, started_on=date(2026, 1, 1), actor=None
        )
        services.start_use(
            member=members.a3, service=service, started_on=date(2026, 10, 11), actor=None
        )
    pool = services.save_pool(
        CostPool(alliance=alliance, name=f"Pool {rule}", kind="staff", rule=rule, service=service),
        actor=None,
    )
    services.add_cost(pool=pool, month=OCTOBER, amount=cost, description="October", actor=None)
    if grant:
        services.add_grant(pool=pool, month=OCTOBER, amount=grant, funder="ECI", actor=None)
    return pool


@pytest.mark.parametrize(("rule", "expected"), CASES, ids=[c[0] for c in CASES])
def test_each_rule_shares_the_pool_to_the_cent(members, rule, expected):
    _pool(members, rule)
    run, created = allocation.run(
        members.world.alliance_a, OCTOBER, actor=members.admin, as_of=AS_OF
    )
    assert created
    fees = {line.member_id: line.amount for line in run.lines.all()}
    by_member = [fees.get(m.pk, Decimal("0.00")) for m in (members.a1, members.a2, members.a3)]
    assert by_member == [Decimal(x) for x in expected]
    assert sum(fees.values()) == COST - GRANT == run.allocated
    # Each fee is a charge on the member's account at the hub, dated the month's last day.
    entries = LedgerEntry.objects.filter(provider=hub.hub_for(members.world.alliance_a))
    assert sum(e.amount for e in entries) == COST - GRANT
    assert {e.on for e in entries} == {date(2026, 10, 31)}
    assert {e.category for e in entries} == {Category.SHARED_SERVICES}
    assert ledger.balance(members.a1.account) == by_member[0]


def test_all_rules_together_add_up_and_a_month_is_allocated_once(members):
    for rule, _ in CASES:
        _pool(members, rule)
    alliance = members.world.alliance_a
    run, created = allocation.run(alliance, OCTOBER, actor=members.admin, as_of=AS_OF)
    assert created and run.allocated == (COST - GRANT) * len(CASES)
    assert run.pooled_cost == COST * len(CASES) and run.grants == GRANT * len(CASES)
    posted = LedgerEntry.objects.count()
    again, created = allocation.run(alliance, OCTOBER, actor=members.admin, as_of=AS_OF)
    assert not created and again.pk == run.pk
    assert LedgerEntry.objects.count() == posted
    assert (
        AllocationLine.objects.filter(run=run).count() == 3 * len(CASES) - 1
    )  # a2 uses no service


def test_members_of_other_alliances_and_former_members_pay_nothing(members):
    _pool(members, AllocationRule.FLAT)
    run, _ = allocation.run(members.world.alliance_a, OCTOBER, actor=None, as_of=AS_OF)
    providers = set(run.lines.values_list("member__provider__slug", flat=True))
    assert providers == {"a1", "a2", "a3"}
    # a2's earlier membership (January to June) is not billed for October.
    assert run.lines.filter(member__left_on__isnull=False).count() == 0


def test_grants_above_cost_are_refused_before_anything_is_written(members):
    _pool(members, AllocationRule.FLAT, cost=Decimal("50.00"), grant=Decimal("80.00"))
    with pytest.raises(ValidationError, match="grants of 80.00 are more than its costs of 50.00"):
        allocation.run(members.world.alliance_a, OCTOBER, actor=None, as_of=AS_OF)
    assert LedgerEntry.objects.filter(kind="charge", category=Category.SHARED_SERVICES).count() == 0


def test_a_pool_nobody_can_share_names_the_fix(members):
    pool = _pool(members, AllocationRule.PER_SERVICE)
    pool.service.uses.all().delete()
    with pytest.raises(ValidationError, match="no member has anything to share"):
        allocation.plan(members.world.alliance_a, OCTOBER, as_of=AS_OF)


def test_costs_cannot_be_added_to_an_allocated_month(members):
    pool = _pool(members, AllocationRule.FLAT)
    allocation.run(members.world.alliance_a, OCTOBER, actor=None, as_of=AS_OF)
    with pytest.raises(ValidationError, match="already allocated"):
        services.add_cost(
            pool=pool, month=OCTOBER, amount="5.00", description="Late bill", actor=None
        )


def test_the_hub_is_no_child_care_provider(members):
    _pool(members, AllocationRule.FLAT)
    allocation.run(members.world.alliance_a, OCTOBER, actor=None, as_of=AS_OF)
    hub_row = hub.hub_for(members.world.alliance_a)
    assert not Provider.objects.filter(pk=hub_row.pk).exists()
    assert Provider.all_objects.filter(pk=hub_row.pk).exists()
    assert hub.hub_for(members.world.alliance_a) == hub_row  # one hub per alliance


@given(
    total=st.decimals(min_value=0, max_value=100000, places=2),
    weights=st.lists(st.fractions(min_value=0, max_value=1000), min_size=1, max_size=12),
)
@settings(max_examples=100, suppress_health_check=[HealthCheck.too_slow], deadline=None)
def test_apportion_always_adds_up_and_is_within_a_cent_of_exact(total, weights):
    if sum(weights) == 0:
        weights[0] = 1
    shares = apportion(total, dict(enumerate(weights)))
    assert sum(shares.values()) == total
    whole = sum(weights)
    for key, weight in enumerate(weights):
        exact = Fraction(total) * weight / whole
        assert abs(Fraction(shares[key]) - exact) < Fraction(1, 100)
        assert shares[key] >= 0


def test_an_import_cannot_make_a_provider_into_a_hub(world, tmp_path):
    from ccms.core.tests.test_bundle import MANIFEST, import_folder, write_folder

    bundle = {"manifest.json": MANIFEST, "providers.csv": "provider_key,name,kind\na1,A1,hub\n"}
    report = import_folder(write_folder(tmp_path, bundle))
    assert not report.written
    assert "kind: “hub” is not allowed" in str(report.issues[0])
    assert Provider.objects.filter(slug="a1").exists()
