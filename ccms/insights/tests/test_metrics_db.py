"""The metrics read from the database: the loader, the command, the API; one implementation,
the same JSON everywhere, a fixed number of queries whatever the size."""

import json
from datetime import date, timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ccms.attendance.models import Closure
from ccms.billing.accounts import cca_account, family_account
from ccms.billing.ledger import post_entry, reverse_entry
from ccms.enrollment.models import Enrollment
from ccms.families.models import Child
from ccms.insights.metrics import alliance_metrics, provider_metrics
from ccms.insights.models import Expense, Targets
from ccms.tenancy.models import Role

AS_OF = date(2026, 11, 29)


def enroll(t, child, room, start, end=None, status="active", fte="1.00"):
    return Enrollment.objects.create(
        provider=t.provider,
        child=child,
        classroom=room,
        start_date=start,
        end_date=end,
        status=status,
        fte=Decimal(fte),
    )


def post(account, kind, on, amount, key, **kw):
    return post_entry(account, kind=kind, amount=Decimal(amount), on=on, key=key, actor=None, **kw)


@pytest.fixture
def october(world):
    """a1 in October 2026: two children, a closure, family and CCA charges, expenses."""
    t = world.a1
    enroll(t, t.child, t.classroom, date(2026, 9, 1))
    enroll(t, t.other_child, t.other_classroom, date(2026, 10, 15), fte="0.50")
    # a withdrawn enrollment does not count, even on the days it covered
    enroll(t, t.child, t.other_classroom, date(2026, 9, 1), date(2026, 10, 31), "withdrawn")
    Closure.objects.create(provider=t.provider, service_date=date(2026, 10, 12), reason="Staff day")
    family, state = family_account(t.family), cca_account(t.provider)
    october_charge = post(family, "charge", date(2026, 10, 1), "900.00", "c1", child=t.child)
    post(family, "payment", date(2026, 10, 8), "600.00", "p1")
    post(family, "write_off", date(2026, 11, 20), "100.00", "w1", applies_to=october_charge)
    post(state, "charge", date(2026, 10, 31), "400.00", "c2", child=t.other_child)
    wrong = post(state, "charge", date(2026, 10, 31), "999.00", "c3", child=t.other_child)
    reverse_entry(wrong, actor=None, reason="Posted twice", on=date(2026, 11, 2))
    post(state, "payment", date(2026, 11, 10), "400.00", "p2")
    for category, amount, room in (
        ("personnel", "900.00", t.classroom),
        ("site", "300.00", None),
        ("per_child", "150.00", None),
    ):
        Expense.objects.create(
            provider=t.provider,
            month=date(2026, 10, 1),
            category=category,
            classroom=room,
            amount=Decimal(amount),
        )
    return t


def test_provider_metrics_from_the_database(october):
    data = provider_metrics(october.provider, 2026, 10, AS_OF)
    assert data["operating_days"] == 21
    # 1.00 all month + 0.50 from the 15th (12 of 21 days: the closure was the 12th)
    assert data["fte_enrolled"] == "1.29"
    assert data["licensed_capacity"] == 20 and data["staffed_capacity"] == 20
    assert data["billed"] == {
        "family": "900.00",
        "cca": "400.00",
        "other": "0.00",
        "total": "1300.00",
    }
    assert data["collected"]["total"] == "1000.00"
    assert data["fee_collection_rate"]["family"] == "0.6667"
    assert data["bad_debt_rate"] == "0.0769"
    assert data["aging"]["31-60"] == "200.00"
    assert data["expenses"] == "1350.00"
    assert data["net_income"] == "-150.00"
    assert data["by_age_group"]["infant_toddler"]["fte_enrolled"] == "1.00"


def test_the_number_of_queries_does_not_grow_with_the_data(world):
    t = world.a1
    with CaptureQueriesContext(connection) as small:
        provider_metrics(t.provider, 2026, 10, AS_OF)
    account = family_account(t.family)
    for n in range(15):
        kid = Child.objects.create(
            provider=t.provider,
            family=t.family,
            first_name=f"K{n}",
            last_name="X",
            birth_date=date(2024, 1, 1),
        )
        enroll(t, kid, t.classroom, date(2026, 9, 1))
        post(account, "charge", date(2026, 10, 1) + timedelta(days=n), "10.00", f"k{n}", child=kid)
        post(account, "payment", date(2026, 10, 2) + timedelta(days=n), "5.00", f"q{n}")
        Expense.objects.create(
            provider=t.provider, month=date(2026, 10, 1), category="site", amount=Decimal(1)
        )
    with CaptureQueriesContext(connection) as large:
        data = provider_metrics(t.provider, 2026, 10, AS_OF)
    assert data["fte_enrolled"] == "15.00"
    assert len(large) == len(small) <= 12


def test_a_write_off_naming_a_later_charge_is_read_with_it(world):
    t = world.a1
    account = family_account(t.family)
    post(account, "charge", date(2026, 10, 1), "100.00", "oct")
    later = post(account, "charge", date(2027, 1, 1), "50.00", "jan")
    post(account, "write_off", date(2026, 11, 1), "50.00", "w", applies_to=later)
    data = provider_metrics(t.provider, 2026, 10, AS_OF)
    # the write-off closes January's charge, not October's
    assert data["written_off"]["total"] == "0.00"


def test_alliance_metrics_adds_up_its_own_providers_only(october, world):
    b1 = world.b1
    post(family_account(b1.family), "charge", date(2026, 10, 1), "5000.00", "b")
    data = alliance_metrics(world.alliance_a, 2026, 10, AS_OF)
    assert [p["provider"] for p in data["providers"]] == ["a1", "a2"]
    assert data["total"]["billed"]["total"] == "1300.00"
    assert data["total"]["licensed_capacity"] == 40
    assert data["total"]["providers"] == 2


def test_alliance_targets_change_the_status(october, world):
    before = provider_metrics(october.provider, 2026, 10, AS_OF)["status"]["enrollment"]
    Targets.objects.create(
        alliance=world.alliance_a, enrollment_green=Decimal("0.05"), enrollment_yellow=0
    )
    after = provider_metrics(october.provider, 2026, 10, AS_OF)["status"]["enrollment"]
    assert (before, after) == ("red", "green")


# The command -------------------------------------------------------------------------------------


def run(*args) -> str:
    out = StringIO()
    call_command("metrics", *args, stdout=out)
    return out.getvalue()


def test_command_prints_the_same_json(october):
    printed = json.loads(
        run("--provider", "a1", "--month", "2026-10", "--as-of", "2026-11-29", "--json")
    )
    assert printed == provider_metrics(october.provider, 2026, 10, AS_OF)


def test_command_for_the_alliance_and_as_a_table(october):
    printed = json.loads(
        run("--alliance", "alpha", "--month", "2026-10", "--as-of", "2026-11-29", "--json")
    )
    assert printed["total"]["billed"]["total"] == "1300.00"
    table = run("--alliance", "alpha", "--month", "2026-10", "--as-of", "2026-11-29")
    assert "alpha (total)" in table and "a2" in table


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--provider", "a1", "--month", "2026-13"], "is not a month"),
        (["--provider", "a1", "--month", "2026-10", "--as-of", "29/11"], "is not a date"),
        (["--provider", "nope", "--month", "2026-10"], "No provider"),
        (["--month", "2026-10"], "either --provider"),
        (["--alliance", "--month", "2026-10"], "Name the alliance"),
    ],
)
def test_command_explains_bad_arguments(world, args, message):
    with pytest.raises(CommandError, match=message):
        run(*args)


# The API -----------------------------------------------------------------------------------------


def test_api_returns_the_same_json(client, october):
    client.force_login(october.users[Role.CONSULTANT])
    response = client.get("/api/providers/a1/metrics?month=2026-10&as_of=2026-11-29")
    assert response.status_code == 200
    assert response.json() == provider_metrics(october.provider, 2026, 10, AS_OF)
    assert client.get("/api/providers/a1/metrics?month=October").status_code == 400


@pytest.mark.parametrize(
    ("who", "status"),
    [(Role.DIRECTOR, 200), (Role.CONSULTANT, 200), (Role.STAFF, 403), (Role.GUARDIAN, 403)],
)
def test_api_provider_metrics_by_role(client, world, who, status):
    client.force_login(world.a1.users[who])
    assert client.get("/api/providers/a1/metrics?month=2026-10").status_code == status


@pytest.mark.parametrize(
    ("role", "status"),
    [(Role.ALLIANCE_ADMIN, 200), (Role.HUB_STAFF, 200), (Role.STATE_VIEWER, 403)],
)
def test_api_alliance_metrics_by_role(client, world, role, status):
    client.force_login(world.alliance_users[("alpha", role)])
    response = client.get("/api/alliances/alpha/metrics?month=2026-10")
    assert response.status_code == status
    if status == 200:
        assert response.json()["total"]["providers"] == 2
