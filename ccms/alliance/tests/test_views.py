"""The shared services pages as the hub, a member's director and outsiders use them."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from ccms.alliance import allocation, hub, services
from ccms.alliance.models import AllianceMember, AllocationRule, CostPool, SharedService
from ccms.alliance.tests.conftest import AS_OF, OCTOBER
from ccms.billing import ledger
from ccms.tenancy.models import Role


@pytest.fixture
def allocated(members):
    alliance = members.world.alliance_a
    services.add_agreement(
        alliance=alliance,
        data={"version": "1", "body": "We share costs.", "effective_on": date(2025, 1, 1)},
        actor=None,
    )
    pool = services.save_pool(
        CostPool(alliance=alliance, name="Hub staff", kind="staff", rule=AllocationRule.FLAT),
        actor=None,
    )
    services.add_cost(pool=pool, month=OCTOBER, amount="770.00", description="Staff", actor=None)
    allocation.run(alliance, OCTOBER, actor=None, as_of=AS_OF)
    return members


def _admin(client, members):
    client.force_login(members.admin)
    return members.world.alliance_a.slug


def test_the_hub_sees_every_page_of_the_area(client, allocated):
    slug = _admin(client, allocated)
    for name in (
        "shared_members",
        "shared_services",
        "shared_costs",
        "shared_allocation",
        "shared_recovery",
        "shared_agreement",
    ):
        response = client.get(reverse(name, args=[slug]))
        assert response.status_code == 200, name
    page = client.get(reverse("shared_allocation_month", args=[slug, 2026, 10]))
    assert page.status_code == 200
    assert b"$770.00" in page.content
    statement = client.get(reverse("shared_fee_statement", args=[slug, 2026, 10, allocated.a1.pk]))
    assert statement.status_code == 200 and b"Hub staff" in statement.content
    pdf = client.get(reverse("shared_fee_statement_pdf", args=[slug, 2026, 10, allocated.a1.pk]))
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")


def test_admitting_a_member_twice_is_refused_with_the_fix(client, allocated):
    slug = _admin(client, allocated)
    response = client.post(
        reverse("shared_members", args=[slug]),
        {"provider": allocated.world.a1.provider.pk, "joined_on": "2026-11-01"},
    )
    assert response.status_code == 200
    assert "is already a member" in response.content.decode()
    assert AllianceMember.objects.filter(provider=allocated.world.a1.provider).count() == 1


def test_posting_a_month_from_the_page_is_idempotent(client, members):
    slug = _admin(client, members)
    pool = services.save_pool(
        CostPool(alliance=members.world.alliance_a, name="Rent", kind="rent", rule="flat"),
        actor=None,
    )
    services.add_cost(pool=pool, month=OCTOBER, amount="310.00", description="Rent", actor=None)
    url = reverse("shared_allocation_run", args=[slug])
    first = client.post(url, {"month": "2026-10"}, follow=True)
    assert "allocated" in first.content.decode()
    balance = ledger.balance(hub.member_account(members.a1))
    client.post(url, {"month": "2026-10"})
    assert ledger.balance(hub.member_account(members.a1)) == balance > 0


def test_a_director_signs_and_sees_only_their_own_statement(client, allocated):
    world = allocated.world
    director = world.a1.users[Role.DIRECTOR]
    client.force_login(director)
    home = reverse("membership_home", args=["a1"])
    assert "Please sign" in client.get(home).content.decode()
    client.post(home, {"name": "Dana Director", "title": "Director", "agree": "on"})
    member = AllianceMember.objects.get(pk=allocated.a1.pk)
    assert member.is_signed and member.signed_by_user == director
    own = client.get(reverse("membership_statement", args=["a1", 2026, 10]))
    assert own.status_code == 200 and b"Your share" in own.content
    # The director of a1 cannot open a2's statement, nor the hub's pages.
    assert client.get(reverse("membership_statement", args=["a2", 2026, 10])).status_code == 404
    assert client.get(reverse("shared_members", args=["alpha"])).status_code == 404


def test_staff_cannot_sign_for_the_program(client, allocated):
    client.force_login(allocated.world.a1.users[Role.CONSULTANT])
    response = client.post(reverse("membership_home", args=["a1"]), {"name": "X", "agree": "on"})
    assert response.status_code == 404
    assert not AllianceMember.objects.get(pk=allocated.a1.pk).is_signed


def test_a_service_and_its_users_show_in_the_catalog(client, members):
    slug = _admin(client, members)
    client.post(
        reverse("shared_services", args=[slug]),
        {
            "name": "Payroll",
            "category": "payroll",
            "delivered_by": "Partner firm",
            "standalone_monthly_cost": "300",
            "is_active": "on",
        },
    )
    service = SharedService.objects.get(name="Payroll")
    client.post(
        reverse("shared_member", args=[slug, members.a1.pk]),
        {"action": "use", "service": service.pk, "started_on": "2026-10-01"},
    )
    page = client.get(reverse("shared_services", args=[slug])).content.decode()
    assert "Partner firm" in page and "Provider a1" in page


def test_grants_above_cost_show_as_an_error_on_the_preview(client, members):
    slug = _admin(client, members)
    pool = services.save_pool(
        CostPool(alliance=members.world.alliance_a, name="Rent", kind="rent", rule="flat"),
        actor=None,
    )
    services.add_cost(pool=pool, month=OCTOBER, amount="10.00", description="Rent", actor=None)
    services.add_grant(pool=pool, month=OCTOBER, amount="20.00", funder="ECI", actor=None)
    page = client.get(reverse("shared_allocation", args=[slug]) + "?month=2026-10")
    assert "cannot be allocated yet" in page.content.decode()


def test_the_command_line_previews_posts_once_and_lists(members, capsys):
    from django.core.management import call_command

    pool = services.save_pool(
        CostPool(alliance=members.world.alliance_a, name="Rent", kind="rent", rule="flat"),
        actor=None,
    )
    services.add_cost(pool=pool, month=OCTOBER, amount="310.00", description="Rent", actor=None)
    call_command("alliance", "allocate", "--alliance", "alpha", "--month", "2026-10", "--preview")
    assert "nothing posted" in capsys.readouterr().out
    call_command("alliance", "allocate", "--alliance", "alpha", "--month", "2026-10")
    assert "310.00 posted" in capsys.readouterr().out
    call_command("alliance", "allocate", "--alliance", "alpha", "--month", "2026-10")
    assert "already allocated" in capsys.readouterr().out
    call_command("alliance", "members", "--alliance", "alpha")
    assert "Provider a1" in capsys.readouterr().out


def test_the_api_gives_the_hub_every_fee_and_a_director_their_own(client, allocated):
    client.force_login(allocated.admin)
    data = client.get("/api/alliances/alpha/allocations/2026-10").json()
    assert data["allocated"] == "770.00"
    assert sum(Decimal(line["amount"]) for line in data["lines"]) == Decimal("770.00")
    assert {line["provider"] for line in data["lines"]} == {"a1", "a2", "a3"}
    assert client.get("/api/alliances/alpha/allocations/October").status_code == 400

    client.force_login(allocated.world.a1.users[Role.DIRECTOR])
    own = client.get("/api/providers/a1/alliance-fees/2026-10").json()
    assert {line["provider"] for line in own["lines"]} == {"a1"}
    assert client.get("/api/providers/a2/alliance-fees/2026-10").status_code == 404
    assert client.get("/api/alliances/alpha/allocations/2026-10").status_code == 404


def test_a_pool_is_edited_and_a_per_service_pool_needs_its_service(client, members):
    slug = _admin(client, members)
    pool = services.save_pool(
        CostPool(alliance=members.world.alliance_a, name="Rent", kind="rent", rule="flat"),
        actor=None,
    )
    url = reverse("shared_pool_edit", args=[slug, pool.pk])
    data = {"name": "Office rent", "kind": "rent", "rule": "per_service", "is_active": "on"}
    refused = client.post(url, data)
    assert "The per-service rule needs the service it shares." in refused.content.decode()
    data["rule"] = "billed"
    assert client.post(url, data).status_code == 302
    pool.refresh_from_db()
    assert (pool.name, pool.rule) == ("Office rent", "billed")
