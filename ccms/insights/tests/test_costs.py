"""Costs: expenses entered, uploaded, imported in the data bundle, spread from a yearly budget,
and staff cost per classroom from timesheets and wages."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from ccms.attendance.models import StaffBreak, StaffShift
from ccms.core.bundle.base import ImportScope
from ccms.core.bundle.services import export_provider, import_bundle
from ccms.core.models import AuditEvent
from ccms.insights import costs
from ccms.insights.models import Expense, ExpenseSource
from ccms.insights.tests.test_metrics_db import provider_metrics

OCT = date(2026, 10, 1)


def test_a_recorded_expense_is_validated_and_audited(world):
    a1 = world.a1
    director = a1.users["director"]
    expense = costs.record_expense(
        provider=a1.provider,
        month=date(2026, 10, 17),
        category="per_classroom",
        amount=Decimal("250.004"),
        classroom=a1.classroom,
        actor=director,
    )
    assert expense.month == OCT and expense.amount == Decimal("250.00")
    event = AuditEvent.objects.filter(object_type__icontains="expense").get()
    assert event.actor == director and event.provider_id == a1.provider.pk
    with pytest.raises(ValidationError, match="names its classroom"):
        costs.record_expense(
            provider=a1.provider, month=OCT, category="per_classroom", amount=1, actor=director
        )
    with pytest.raises(ValidationError, match="Only per-classroom and personnel"):
        costs.record_expense(
            provider=a1.provider,
            month=OCT,
            category="site",
            amount=1,
            classroom=a1.classroom,
            actor=director,
        )
    with pytest.raises(ValidationError, match="of this provider"):
        costs.record_expense(
            provider=a1.provider,
            month=OCT,
            category="personnel",
            amount=1,
            classroom=world.b1.classroom,
            actor=director,
        )


UPLOAD = """month,category,amount,classroom_key,note
2026-10,personnel,4200.00,{room},Lead teacher
2026-10,site,1800.00,,Rent
2026-10,site,200.00,,Utilities
2026-11,per_child,310.50,,Food
"""


def test_an_uploaded_csv_is_imported_once(world):
    a1 = world.a1
    text = UPLOAD.format(room=a1.classroom.key)
    first = costs.upload_expenses(provider=a1.provider, text=text, actor=None)
    assert (first.errors, first.created) == ([], 4)
    again = costs.upload_expenses(provider=a1.provider, text=text, actor=None)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 4)
    changed = costs.upload_expenses(
        provider=a1.provider, text=text.replace("1800.00", "1850.00"), actor=None
    )
    assert (changed.created, changed.updated) == (0, 1)
    assert Expense.objects.filter(provider=a1.provider, source="imported").count() == 4


def test_an_upload_with_errors_lists_every_one_and_writes_nothing(world):
    bad = (
        "month,category,amount,classroom_key\n"
        "2026-13,site,10.00,\n"
        "2026-10,rent,10.00,\n"
        "2026-10,per_classroom,-5,\n"
        "2026-10,site,10.00,toddlers\n"
        "2026-10,personnel,10.00,no-such-room\n"
    )
    result = costs.upload_expenses(provider=world.a1.provider, text=bad, actor=None)
    assert [e.split(":")[0:2] for e in result.errors] == [
        ["2", " month"],
        ["3", " category"],
        ["4", " amount"],
        ["4", " classroom_key"],
        ["5", " classroom_key"],
        ["6", " classroom_key"],
    ]
    assert not Expense.objects.exists()
    unknown = costs.upload_expenses(provider=world.a1.provider, text="when,what\n", actor=None)
    assert "Unknown column" in unknown.errors[0]


def bundle_files(world, expenses_csv: str) -> dict[str, bytes]:
    files = export_provider(provider=world.a1.provider).files
    return {**files, "expenses.csv": expenses_csv.encode()}


def test_expenses_csv_in_the_data_bundle_imports_once_and_exports_the_same(world):
    room = world.a1.classroom.key
    text = (
        "provider_key,month,category,amount,classroom_key\n"
        f"a1,2026-10,personnel,4200.00,{room}\n"
        "a1,2026-10,site,1800.00,\n"
        "a1,2026-10,site,200.00,\n"
        "a1,2026-10,per_child,310.50,\n"
    )
    report = import_bundle(files=bundle_files(world, text), scope=ImportScope())
    assert report.ok and report.written, report.issues
    assert Expense.objects.filter(provider=world.a1.provider).count() == 4
    again = import_bundle(files=bundle_files(world, text), scope=ImportScope())
    assert again.changed == 0
    exported = export_provider(provider=world.a1.provider).files["expenses.csv"].decode()
    assert sorted(exported.splitlines()[1:]) == sorted(text.splitlines()[1:])
    assert provider_metrics(world.a1.provider, 2026, 10, date(2026, 11, 29))["expenses"] == (
        "6510.50"
    )


def test_expenses_csv_errors_name_file_line_and_column(world):
    text = (
        "provider_key,month,category,amount,classroom_key\n"
        "a1,2026-10,per_classroom,10.00,\n"
        "a1,Oct,site,10.00,\n"
        "a1,2026-10,personnel,10.00,nowhere\n"
        "b1,2026-10,site,10.00,\n"
    )
    report = import_bundle(
        files=bundle_files(world, text), scope=ImportScope(provider=world.a1.provider)
    )
    issues = [str(i) for i in report.issues]
    assert any(i.startswith("expenses.csv:2: classroom_key: A per_classroom") for i in issues)
    assert any(i.startswith("expenses.csv:3: month:") for i in issues)
    assert any(i.startswith("expenses.csv:4: classroom_key: Unknown") for i in issues)
    assert any(i.startswith("expenses.csv:5: provider_key:") for i in issues)
    assert not Expense.objects.exists()


# The yearly budget -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("annual", "first", "last"),
    [("12000.00", "1000.00", "1000.00"), ("1000.00", "83.34", "83.33"), ("0.05", "0.01", "0")],
)
def test_a_yearly_amount_splits_into_months_that_add_up(annual, first, last):
    shares = costs.monthly_shares(Decimal(annual))
    assert sum(shares) == Decimal(annual) and len(shares) == 12
    assert (shares[0], shares[-1]) == (Decimal(first), Decimal(last))


def test_applying_the_budget_keeps_actual_figures_and_follows_changes(world):
    a1 = world.a1
    director = a1.users["director"]
    costs.record_expense(
        provider=a1.provider, month=OCT, category="site", amount=2000, actor=director
    )
    costs.save_budget_line(
        provider=a1.provider, year=2026, category="site", annual_amount=12000, actor=director
    )
    costs.save_budget_line(
        provider=a1.provider,
        year=2026,
        category="personnel",
        classroom=a1.classroom,
        annual_amount=60000,
        actor=director,
    )
    result = costs.apply_budget(provider=a1.provider, year=2026, actor=director)
    assert (result.written, result.kept_actuals) == (23, 1)
    october = {e.category: e.amount for e in costs.expenses_of(a1.provider, OCT)}
    assert october == {"site": Decimal("2000.00"), "personnel": Decimal("5000.00")}
    line = costs.save_budget_line(
        provider=a1.provider, year=2026, category="site", annual_amount=6000, actor=director
    )
    assert costs.apply_budget(provider=a1.provider, year=2026, actor=director).written == 11
    costs.delete_budget_line(line=line, actor=director)
    assert costs.apply_budget(provider=a1.provider, year=2026, actor=director).removed == 11
    assert not Expense.objects.filter(source=ExpenseSource.BUDGET, category="site").exists()


# Staff cost per classroom ------------------------------------------------------------------------


def shift(t, user, room, day, start_hour, end_hour):
    return StaffShift.objects.create(
        provider=t.provider,
        user=user,
        classroom=room,
        service_date=day,
        clock_in=datetime(day.year, day.month, day.day, start_hour, tzinfo=UTC),
        clock_out=datetime(day.year, day.month, day.day, end_hour, tzinfo=UTC),
    )


def test_staff_cost_per_classroom_from_timesheets_and_wages(world):
    a1 = world.a1
    teacher, director = a1.users["staff"], a1.users["director"]
    costs.set_wage(
        provider=a1.provider,
        user=teacher,
        hourly_wage=Decimal("15.00"),
        effective_from=date(2026, 1, 1),
        actor=director,
    )
    costs.set_wage(
        provider=a1.provider,
        user=teacher,
        hourly_wage=Decimal("16.50"),
        effective_from=date(2026, 10, 15),
        actor=director,
    )
    first = shift(a1, teacher, a1.classroom, date(2026, 10, 5), 13, 21)  # 8 h at 15.00
    StaffBreak.objects.create(
        provider=a1.provider,
        shift=first,
        start=datetime(2026, 10, 5, 17, tzinfo=UTC),
        end=datetime(2026, 10, 5, 17, 30, tzinfo=UTC),
    )  # less a 30-minute break: 7.5 h, 112.50
    shift(a1, teacher, a1.classroom, date(2026, 10, 20), 13, 19)  # 6 h at 16.50 = 99.00
    shift(a1, teacher, a1.other_classroom, date(2026, 10, 21), 13, 15)  # 2 h at 16.50
    shift(a1, director, None, date(2026, 10, 21), 13, 17)  # no wage: hours listed, not priced
    found = costs.staff_costs(a1.provider, OCT)
    by_room = {r.classroom.name if r.classroom else "": (r.hours, r.cost) for r in found.rooms}
    assert by_room == {
        "Toddlers": (Decimal("13.50"), Decimal("211.50")),
        "Preschool": (Decimal("2.00"), Decimal("33.00")),
        "": (Decimal("4.00"), Decimal("0.00")),
    }
    assert found.unpriced == {director.get_full_name() or director.email: Decimal("4.00")}
    costs.post_staff_costs(provider=a1.provider, month=OCT, actor=director)
    costs.post_staff_costs(provider=a1.provider, month=OCT, actor=director)  # replaces, once
    posted = Expense.objects.filter(provider=a1.provider, source=ExpenseSource.TIMESHEETS)
    assert sorted(e.amount for e in posted) == [Decimal("33.00"), Decimal("211.50")]
    assert {e.category for e in posted} == {"personnel"}


def test_a_wage_is_only_for_the_providers_own_people(world):
    with pytest.raises(ValidationError, match="member of this provider"):
        costs.set_wage(
            provider=world.a1.provider,
            user=world.b1.users["staff"],
            hourly_wage=Decimal("20"),
            effective_from=OCT,
            actor=None,
        )


def test_an_export_with_expenses_imported_into_an_empty_database_is_the_same(world):
    from ccms.core.tests.test_bundle import empty_the_database

    a1 = world.a1
    for category, amount, room in (
        ("personnel", "4200.00", a1.classroom),
        ("per_classroom", "120.00", a1.other_classroom),
        ("site", "1800.00", None),
        ("site", "200.00", None),
    ):
        costs.record_expense(
            provider=a1.provider,
            month=OCT,
            category=category,
            amount=Decimal(amount),
            classroom=room,
            actor=None,
        )
    first = export_provider(provider=a1.provider).files
    Expense.objects.all().delete()
    empty_the_database()
    report = import_bundle(files=first, scope=ImportScope())
    assert report.ok, report.issues
    provider = Expense.objects.first().provider
    assert export_provider(provider=provider).files == first
