"""Costs: monthly expenses entered, uploaded as CSV, spread from a yearly budget, or priced from
timesheets and wages. Every write is a service here: validated first, one transaction, audited."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from ccms.attendance.reports import hours, timesheet
from ccms.core.bundle.base import CellError, Choice, Key, Money, Text
from ccms.core.money import to_cents
from ccms.core.services import save_audited
from ccms.insights.metrics import MonthError, month_bounds, parse_month, shift_month
from ccms.insights.models import (
    BudgetLine,
    Expense,
    ExpenseCategory,
    ExpenseSource,
    StaffWage,
)
from ccms.tenancy.models import Classroom, Membership, Provider, Role, User

# Sources a director's own figures come from: the budget never overwrites them.
ACTUAL_SOURCES = (ExpenseSource.ENTERED, ExpenseSource.IMPORTED, ExpenseSource.TIMESHEETS)


def _audited(instance, *, actor, reason: str = "") -> None:
    save_audited(instance, actor=actor, reason=reason)


# Expenses entered by hand ------------------------------------------------------------------------


@transaction.atomic
def record_expense(
    *,
    provider: Provider,
    month: date,
    category: str,
    amount: Decimal,
    classroom: Classroom | None = None,
    note: str = "",
    actor,
    source: str = ExpenseSource.ENTERED,
) -> Expense:
    expense = Expense(
        provider=provider,
        month=month.replace(day=1),
        category=category,
        classroom=classroom,
        amount=to_cents(amount),
        note=note,
        source=source,
    )
    _audited(expense, actor=actor)
    return expense


@transaction.atomic
def update_expense(*, expense: Expense, data: dict, actor, reason: str) -> Expense:
    for name in ("month", "category", "classroom", "amount", "note"):
        if name in data:
            setattr(expense, name, data[name])
    expense.month = expense.month.replace(day=1)
    expense.amount = to_cents(expense.amount)
    expense.source = ExpenseSource.ENTERED
    _audited(expense, actor=actor, reason=reason)
    return expense


@transaction.atomic
def delete_expense(*, expense: Expense, actor, reason: str) -> None:
    if not reason.strip():
        raise ValidationError("Say why this expense is removed.")
    expense._history_user = actor
    expense._change_reason = reason
    expense.delete()


# The CSV of expenses (the bundle's expenses.csv columns) -----------------------------------------


@dataclass(frozen=True)
class MonthColumn(Key):
    """A month written YYYY-MM."""

    def parse(self, text: str) -> date:
        try:
            year, number = parse_month(text)
        except MonthError as error:
            raise CellError(str(error)) from None
        return date(year, number, 1)

    def format(self, value) -> str:
        return "" if value is None else f"{value:%Y-%m}"


MONTH = MonthColumn("month", required=True)
CATEGORY = Choice("category", required=True, choices=tuple(ExpenseCategory.values))
AMOUNT = Money("amount", required=True)
CLASSROOM_KEY = Key("classroom_key")
NOTE = Text("note", max_length=200)


@dataclass
class ExpenseRow:
    line: int
    month: date
    category: str
    amount: Decimal
    classroom: Classroom | None
    classroom_key: str = ""


def check_category(row_category: str, classroom_key: str) -> str:
    """What is wrong with a category and classroom pair ("" when nothing)."""
    if row_category == ExpenseCategory.PER_CLASSROOM and not classroom_key:
        return "A per_classroom expense names its classroom in classroom_key."
    if classroom_key and row_category not in (
        ExpenseCategory.PER_CLASSROOM,
        ExpenseCategory.PERSONNEL,
    ):
        return "Only per_classroom and personnel expenses name a classroom; leave it empty."
    return ""


def match_expenses(
    existing: list[Expense], rows: list[tuple[date, str, int | None, Decimal]]
) -> list[tuple[int, Expense | None, Decimal]]:
    """Pair incoming rows with stored expenses of the same month, category and classroom, in
    order: the n-th row with those three goes to the n-th such expense (by id). Returns
    (row index, matched expense or None, amount): importing the same rows twice changes
    nothing, and a provider may have several expenses of one category in a month."""
    pool: dict[tuple, list[Expense]] = defaultdict(list)
    for expense in sorted(existing, key=lambda e: e.pk):
        pool[(expense.month, expense.category, expense.classroom_id)].append(expense)
    taken: dict[tuple, int] = defaultdict(int)
    result = []
    for index, (month, category, classroom_id, amount) in enumerate(rows):
        key = (month, category, classroom_id)
        candidates = pool.get(key, [])
        n = taken[key]
        taken[key] += 1
        result.append((index, candidates[n] if n < len(candidates) else None, amount))
    return result


@dataclass
class UploadResult:
    errors: list[str] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    unchanged: int = 0


UPLOAD_COLUMNS = (MONTH, CATEGORY, AMOUNT, CLASSROOM_KEY, NOTE)


def parse_upload(provider: Provider, text: str) -> tuple[list[ExpenseRow], list[str], list[str]]:
    """Rows of an expenses CSV (columns month, category, amount, classroom_key, note; a
    provider_key column, when present, must name this provider). Returns rows, notes and
    every error as `line: column: message`."""
    errors: list[str] = []
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip() for h in (reader.fieldnames or [])]
    known = {c.name for c in UPLOAD_COLUMNS} | {"provider_key"}
    for name in header:
        if name not in known:
            errors.append(f"1: {name}: Unknown column; use {', '.join(sorted(known))}.")
    for column in UPLOAD_COLUMNS:
        if column.required and column.name not in header:
            errors.append(f"1: {column.name}: Required column is missing.")
    if errors:
        return [], [], errors
    rooms = {r.key: r for r in Classroom.objects.filter(provider=provider)}
    rows, notes = [], []
    for line, raw in enumerate(reader, start=2):
        cells = {k.strip(): (v or "").strip() for k, v in raw.items() if k}
        if not any(cells.values()):
            continue
        key = cells.get("provider_key", "")
        if key and key != provider.slug:
            errors.append(f"{line}: provider_key: “{key}” is not {provider.slug}; upload it there.")
        values = {}
        for column in UPLOAD_COLUMNS:
            text_value = cells.get(column.name, "")
            if not text_value:
                if column.required:
                    errors.append(f"{line}: {column.name}: Required; fill it in.")
                continue
            try:
                values[column.name] = column.parse(text_value)
            except CellError as error:
                errors.append(f"{line}: {column.name}: {error}")
        problem = ""
        if "category" in values:
            problem = check_category(values["category"], values.get("classroom_key", ""))
            if problem:
                errors.append(f"{line}: classroom_key: {problem}")
        room = None
        if values.get("classroom_key") and not problem:
            room = rooms.get(values["classroom_key"])
            if room is None:
                errors.append(
                    f"{line}: classroom_key: Unknown classroom “{values['classroom_key']}”; "
                    f"use one of {', '.join(sorted(rooms)) or 'none yet'}."
                )
        if {"month", "category", "amount"} <= values.keys():
            rows.append(
                ExpenseRow(
                    line,
                    values["month"],
                    values["category"],
                    values["amount"],
                    room,
                    values.get("classroom_key", ""),
                )
            )
            notes.append(values.get("note", ""))
    return rows, notes, errors


@transaction.atomic
def upload_expenses(*, provider: Provider, text: str, actor) -> UploadResult:
    """Import an expenses CSV: all or nothing, every error listed; the same file twice changes
    nothing (rows are matched by month, category and classroom, in order)."""
    result = UploadResult()
    rows, notes, result.errors = parse_upload(provider, text)
    if result.errors:
        return result
    months = {r.month for r in rows}
    existing = list(Expense.objects.filter(provider=provider, month__in=months))
    incoming = [
        (r.month, r.category, r.classroom.pk if r.classroom else None, r.amount) for r in rows
    ]
    matched = match_expenses(existing, incoming)
    for index, expense, amount in matched:
        note = notes[index]
        if expense is None:
            row = rows[index]
            record_expense(
                provider=provider,
                month=row.month,
                category=row.category,
                amount=amount,
                classroom=row.classroom,
                note=note,
                actor=actor,
                source=ExpenseSource.IMPORTED,
            )
            result.created += 1
        elif expense.amount != amount or (note and expense.note != note):
            expense.amount = amount
            expense.note = note or expense.note
            _audited(expense, actor=actor, reason="Uploaded expenses")
            result.updated += 1
        else:
            result.unchanged += 1
    return result


# The yearly budget -------------------------------------------------------------------------------


def monthly_shares(annual: Decimal) -> list[Decimal]:
    """A yearly amount in twelve monthly amounts that add up to it exactly: equal to the cent,
    the cents left over go to the first months."""
    cents = int(to_cents(annual) * 100)
    base, rest = divmod(cents, 12)
    return [Decimal(base + (1 if m < rest else 0)) / 100 for m in range(12)]


@transaction.atomic
def save_budget_line(
    *,
    provider: Provider,
    year: int,
    category: str,
    annual_amount: Decimal,
    classroom: Classroom | None = None,
    note: str = "",
    actor,
) -> BudgetLine:
    """Add a budget line, or change the amount of the year's line for that category and
    classroom."""
    line = BudgetLine.objects.filter(
        provider=provider, year=year, category=category, classroom=classroom
    ).first() or BudgetLine(provider=provider, year=year, category=category, classroom=classroom)
    line.annual_amount = to_cents(annual_amount)
    line.note = note
    _audited(line, actor=actor, reason="Budget")
    return line


@transaction.atomic
def delete_budget_line(*, line: BudgetLine, actor) -> None:
    line._history_user = actor
    line._change_reason = "Removed from the budget"
    line.delete()


@dataclass
class BudgetResult:
    written: int = 0
    kept_actuals: int = 0
    removed: int = 0


@transaction.atomic
def apply_budget(*, provider: Provider, year: int, actor) -> BudgetResult:
    """Spread the year's budget over its months as expenses (source: budget). A month that
    already has entered, imported or timesheet figures for a line's category and classroom
    keeps them; budget expenses of lines no longer in the budget are removed."""
    result = BudgetResult()
    lines = list(BudgetLine.objects.filter(provider=provider, year=year))
    start, end = date(year, 1, 1), date(year, 12, 1)
    expenses = list(Expense.objects.filter(provider=provider, month__range=(start, end)))
    actual = {(e.month, e.category, e.classroom_id) for e in expenses if e.source in ACTUAL_SOURCES}
    budgeted = {
        (e.month, e.category, e.classroom_id): e
        for e in expenses
        if e.source == ExpenseSource.BUDGET
    }
    wanted = set()
    for line in lines:
        for index, amount in enumerate(monthly_shares(line.annual_amount)):
            month = date(year, index + 1, 1)
            key = (month, line.category, line.classroom_id)
            if key in actual:
                result.kept_actuals += 1
                continue
            wanted.add(key)
            expense = budgeted.get(key)
            if expense is None:
                record_expense(
                    provider=provider,
                    month=month,
                    category=line.category,
                    amount=amount,
                    classroom=line.classroom,
                    note=f"Budget {year}" + (f": {line.note}" if line.note else ""),
                    actor=actor,
                    source=ExpenseSource.BUDGET,
                )
                result.written += 1
            elif expense.amount != amount:
                expense.amount = amount
                _audited(expense, actor=actor, reason=f"Budget {year} changed")
                result.written += 1
    for key, expense in budgeted.items():
        if key not in wanted:
            delete_expense(expense=expense, actor=actor, reason=f"No longer in the {year} budget")
            result.removed += 1
    return result


# Wages and staff cost per classroom --------------------------------------------------------------


def staff_members(provider: Provider) -> list[User]:
    """People whose time may be priced: the provider's staff and directors."""
    ids = Membership.objects.filter(provider=provider, role__in=[Role.STAFF, Role.DIRECTOR]).values(
        "user_id"
    )
    return list(User.objects.filter(pk__in=ids).order_by("last_name", "first_name", "email"))


@transaction.atomic
def set_wage(
    *, provider: Provider, user: User, hourly_wage: Decimal, effective_from: date, actor
) -> StaffWage:
    if not Membership.objects.filter(provider=provider, user=user).exists():
        raise ValidationError({"user": "Choose a member of this provider's staff."})
    wage = StaffWage.objects.filter(
        provider=provider, user=user, effective_from=effective_from
    ).first() or StaffWage(provider=provider, user=user, effective_from=effective_from)
    wage.hourly_wage = to_cents(hourly_wage)
    _audited(wage, actor=actor, reason="Wage")
    return wage


def wages_of(provider: Provider) -> dict[int, list[StaffWage]]:
    """Each person's wages, newest first."""
    found: dict[int, list[StaffWage]] = defaultdict(list)
    for wage in StaffWage.objects.filter(provider=provider).order_by("user_id", "-effective_from"):
        found[wage.user_id].append(wage)
    return found


def wage_on(wages: list[StaffWage], day: date) -> Decimal | None:
    for wage in wages:  # newest first
        if wage.effective_from <= day:
            return wage.hourly_wage
    return None


@dataclass
class RoomCost:
    classroom: Classroom | None
    hours: Decimal = Decimal("0.00")
    cost: Decimal = Decimal("0.00")


@dataclass
class StaffCosts:
    month: date
    rooms: list[RoomCost]
    unpriced: dict[str, Decimal]  # person -> hours worked without a wage

    @property
    def total(self) -> Decimal:
        return sum((r.cost for r in self.rooms), Decimal("0.00"))


def staff_costs(provider: Provider, month: date) -> StaffCosts:
    """Hours worked per classroom in the month (breaks deducted) priced at each person's wage
    on the day: staff cost per classroom from timesheets and wages."""
    first, last = month_bounds(month.year, month.month)
    sheet = timesheet(provider, first, last)
    wages = wages_of(provider)
    exact: dict[int | None, list] = {}
    rooms: dict[int | None, RoomCost] = {}
    unpriced: dict[str, timedelta] = defaultdict(timedelta)
    for person in sheet.staff:
        for day in person.days:
            for line in day.lines:
                if line.worked is None:
                    continue
                shift = line.shift
                room = rooms.setdefault(shift.classroom_id, RoomCost(shift.classroom))
                sums = exact.setdefault(shift.classroom_id, [timedelta(), Decimal(0)])
                sums[0] += line.worked
                room.hours = hours(sums[0])
                wage = wage_on(wages.get(person.user.pk, []), day.day)
                if wage is None:
                    unpriced[person.name] += line.worked
                    continue
                seconds = Decimal(line.worked // timedelta(microseconds=1)) / 1_000_000
                sums[1] += seconds / 3600 * wage
    for key, room in rooms.items():
        room.cost = to_cents(exact[key][1])
    ordered = sorted(
        rooms.values(),
        key=lambda r: (r.classroom is None, r.classroom.min_age_months if r.classroom else 0),
    )
    return StaffCosts(month, ordered, {name: hours(t) for name, t in unpriced.items()})


@transaction.atomic
def post_staff_costs(*, provider: Provider, month: date, actor) -> StaffCosts:
    """Write the month's staff cost per classroom as personnel expenses (source: timesheets),
    replacing what an earlier run wrote for the month."""
    costs = staff_costs(provider, month)
    first = month.replace(day=1)
    earlier = {
        e.classroom_id: e
        for e in Expense.objects.filter(
            provider=provider, month=first, source=ExpenseSource.TIMESHEETS
        )
    }
    for room in costs.rooms:
        if not room.cost:
            continue  # hours with no wage yet: nothing to post
        key = room.classroom.pk if room.classroom else None
        expense = earlier.pop(key, None)
        if expense is None:
            record_expense(
                provider=provider,
                month=first,
                category=ExpenseCategory.PERSONNEL,
                amount=room.cost,
                classroom=room.classroom,
                note=f"Timesheets: {room.hours} hours",
                actor=actor,
                source=ExpenseSource.TIMESHEETS,
            )
        elif expense.amount != room.cost:
            expense.amount = room.cost
            expense.note = f"Timesheets: {room.hours} hours"
            _audited(expense, actor=actor, reason="Timesheets priced again")
    for expense in earlier.values():
        delete_expense(expense=expense, actor=actor, reason="No hours this month any more")
    return costs


# Reads -------------------------------------------------------------------------------------------


def expenses_of(provider: Provider, month: date):
    return (
        Expense.objects.filter(provider=provider, month=month.replace(day=1))
        .select_related("classroom")
        .order_by("category", "classroom__min_age_months", "id")
    )


def expense_months(provider: Provider, last: date, count: int = 12) -> list[dict]:
    """Totals of the last `count` months up to `last`, by category (for the costs page)."""
    first = shift_month(last.replace(day=1), -(count - 1))
    totals: dict[date, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for month, category, amount in Expense.objects.filter(
        provider=provider, month__range=(first, last.replace(day=1))
    ).values_list("month", "category", "amount"):
        totals[month][category] += amount
    return [
        {
            "month": shift_month(first, n),
            "by_category": dict(totals[shift_month(first, n)]),
            "total": sum(totals[shift_month(first, n)].values(), Decimal("0.00")),
        }
        for n in range(count)
    ]


def access_expense(provider: Provider, expense_id: int) -> Expense:
    from django.http import Http404

    found = Expense.objects.filter(provider=provider, pk=expense_id).first()
    if found is None:
        raise Http404("No such expense.")
    return found


def budget_lines(provider: Provider, year: int):
    return BudgetLine.objects.filter(provider=provider, year=year).select_related("classroom")
