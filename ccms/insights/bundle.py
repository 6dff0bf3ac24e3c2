"""expenses.csv of the data bundle: a provider's monthly expenses by category.

The file has no key column, so a row is matched to a stored expense of the same provider, month,
category and classroom, in order: the n-th such row to the n-th such expense. Importing the same
bundle twice changes nothing, and an export imported into an empty database gives the same
expenses back (several of one category in a month included)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from ccms.core.bundle.base import (
    CREATED,
    UNCHANGED,
    UPDATED,
    BundleFile,
    ImportPlan,
    Row,
    RowPlan,
    Slug,
)
from ccms.insights.costs import (
    AMOUNT,
    CATEGORY,
    CLASSROOM_KEY,
    MONTH,
    check_category,
    match_expenses,
)
from ccms.insights.models import Expense, ExpenseSource
from ccms.tenancy.models import Provider


class ExpensesFile(BundleFile):
    name = "expenses.csv"
    columns = (Slug("provider_key", required=True), MONTH, CATEGORY, AMOUNT, CLASSROOM_KEY)
    # No set of columns names every row: rows are matched in order (see the module's notes).
    key = ()
    fields = {"amount": "amount"}

    def plan(self, rows: list[Row], job: ImportPlan) -> None:
        if not rows:
            return
        wanted: list[tuple[Row, Provider, Any]] = []
        for row in rows:
            provider = job.provider(row)
            category, classroom_key = row.values.get("category"), row.values.get("classroom_key")
            if category is not None:
                problem = check_category(category, classroom_key or "")
                if problem:
                    job.error(row, "classroom_key", problem)
                    continue
            if provider is None:
                continue
            room = None
            if classroom_key:
                found = job.resolve(
                    row,
                    "classroom_key",
                    "classroom",
                    defined_in="classrooms.csv",
                    provider_key=provider.slug,
                )
                if found is None:
                    continue
                room = found[1]
            if not row.failed:
                wanted.append((row, provider, room))
        ids = job.existing_provider_ids()
        stored: dict[int, list[Expense]] = defaultdict(list)
        for expense in Expense.objects.filter(provider_id__in=ids):
            stored[expense.provider_id].append(expense)
        by_provider: dict[str, list[tuple[Row, Provider, Any]]] = defaultdict(list)
        for item in wanted:
            by_provider[item[1].slug].append(item)
        for items in by_provider.values():
            provider = items[0][1]
            incoming = [
                (row.values["month"], row.values["category"], _room_key(room), row.values["amount"])
                for row, _, room in items
            ]
            existing = stored.get(provider.pk, []) if provider.pk else []
            for index, expense, amount in match_expenses(existing, incoming):
                row, _, room = items[index]
                if expense is None:
                    expense = Expense(
                        provider=provider,
                        month=row.values["month"],
                        category=row.values["category"],
                        classroom=room,
                        amount=amount,
                        source=ExpenseSource.IMPORTED,
                    )
                    action, changed = CREATED, []
                elif expense.amount != amount:
                    expense.amount = amount
                    action, changed = UPDATED, ["amount"]
                else:
                    action, changed = UNCHANGED, []
                job.files[self.name].rows.append(RowPlan(row.line, expense, action, changed))

    def export(self, provider: Provider, warnings: list[str]) -> list[dict[str, Any]]:
        expenses = Expense.objects.filter(provider=provider).select_related("classroom")
        return [
            {
                "provider_key": provider.slug,
                "month": e.month,
                "category": e.category,
                "amount": e.amount,
                "classroom_key": e.classroom.key if e.classroom else "",
            }
            for e in expenses.order_by("month", "category", "classroom__key", "pk")
        ]


def _room_key(room):
    """A classroom as matching sees it: its id, or a key of its own while the same import is
    about to create it (so it never matches an expense without a classroom)."""
    if room is None:
        return None
    return room.pk or ("new", id(room))


EXPENSES = ExpensesFile()
