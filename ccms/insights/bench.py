"""The metrics benchmark: the Iron Triangle figures of every provider of the seeded alliance and
the alliance total, for its last closed month, through `metrics.alliance_figures` (the code every
page, report, command and API uses), against one hand-written SQL aggregate that reads the same
rows and sums them per provider in the database (no FIFO allocation, calendar-day FTE): the
lower bound of any computation of these figures.

The seeded alliance has enrollments and attendance; this adds what the figures also need, for
each of its months: tuition charges (a third of them to the state's CCA account), payments
(most in full, some in part, a few never), write-offs, and expenses by category."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal
from time import perf_counter

from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from ccms.billing.models import AccountKind, EntryKind, LedgerEntry, PayerAccount
from ccms.core.money import to_cents
from ccms.enrollment.models import Enrollment, EnrollmentStatus
from ccms.families.models import Family
from ccms.insights import metrics
from ccms.insights.models import Expense, ExpenseCategory
from ccms.tenancy.models import Alliance, Classroom, Provider

BASELINE = (
    "one SQL aggregate of the same rows per provider (capacity, FTE-days, billed, paid, "
    "written off, expenses; no FIFO)"
)
KEY = "bench-metrics"


def seed_money(alliance: Alliance, *, months: int, today: date, seed: int = 2026) -> int:
    """Charges, payments, write-offs and expenses for the alliance's last `months` months and
    this one. Returns the number of ledger entries written."""
    rng = random.Random(seed)
    providers = list(Provider.objects.filter(alliance=alliance).order_by("pk"))
    ids = [p.pk for p in providers]
    if LedgerEntry.objects.filter(provider_id__in=ids, key__startswith=KEY).exists():
        return 0
    first = metrics.shift_month(today.replace(day=1), -months)
    month_list = [metrics.shift_month(first, n) for n in range(months + 1)]
    with transaction.atomic():
        families = Family.objects.filter(provider_id__in=ids).values_list("pk", "provider_id")
        PayerAccount.objects.bulk_create(
            [
                PayerAccount(
                    provider_id=provider_id, kind=AccountKind.FAMILY, family_id=pk, name="F"
                )
                for pk, provider_id in families
            ]
            + [PayerAccount(provider=p, kind=AccountKind.CCA, name="CCA") for p in providers],
            batch_size=5000,
            ignore_conflicts=True,
        )
        accounts = {
            (a.provider_id, a.family_id, a.kind): a.pk
            for a in PayerAccount.objects.filter(provider_id__in=ids)
        }
        enrollments = list(
            Enrollment.objects.filter(provider_id__in=ids, status=EnrollmentStatus.ACTIVE)
            .values_list(
                "provider_id", "child_id", "child__family_id", "tuition_amount", "start_date"
            )
            .order_by("pk")
        )
        entries, written = [], 0
        for provider_id, child_id, family_id, weekly, start in enrollments:
            cca = rng.random() < 0.33
            account = (
                accounts[(provider_id, None, AccountKind.CCA)]
                if cca
                else accounts[(provider_id, family_id, AccountKind.FAMILY)]
            )
            price = to_cents((weekly or Decimal(200)) * 52 / 12)
            for month in month_list:
                if metrics.month_bounds(month.year, month.month)[1] < start:
                    continue
                base = f"{KEY}:{child_id}:{month}"
                entries.append(_entry(provider_id, account, child_id, "charge", month, price, base))
                roll = rng.random()
                paid_on = month + timedelta(days=rng.randint(2 if cca else 0, 25))
                if paid_on > today:
                    continue
                if roll < 0.9:
                    entries.append(
                        _entry(provider_id, account, None, "payment", paid_on, price, base)
                    )
                elif roll < 0.97:
                    half = to_cents(price / 2)
                    entries.append(
                        _entry(provider_id, account, None, "payment", paid_on, half, base)
                    )
                elif roll < 0.985 and paid_on + timedelta(days=60) <= today:
                    entries.append(
                        _entry(
                            provider_id,
                            account,
                            None,
                            "write_off",
                            paid_on + timedelta(days=60),
                            price,
                            base,
                        )
                    )
            if len(entries) > 20000:
                written += _flush(entries)
        written += _flush(entries)
        _expenses(providers, month_list)
    return written


def _entry(provider_id, account_id, child_id, kind, on, amount, base) -> LedgerEntry:
    sign = 1 if kind == EntryKind.CHARGE else -1
    return LedgerEntry(
        provider_id=provider_id,
        account_id=account_id,
        child_id=child_id,
        kind=kind,
        on=on,
        amount=amount,
        effect=amount * sign,
        key=f"{base}:{kind}",
    )


def _flush(entries: list) -> int:
    LedgerEntry.objects.bulk_create(entries, batch_size=5000, ignore_conflicts=True)
    count = len(entries)
    entries.clear()
    return count


def _expenses(providers: list[Provider], months: list[date]) -> None:
    rooms: dict[int, list[Classroom]] = {}
    for room in Classroom.objects.filter(provider__in=providers):
        rooms.setdefault(room.provider_id, []).append(room)
    rows = []
    for p in providers:
        seats = sum(r.licensed_capacity for r in rooms.get(p.pk, []))
        for month in months:
            for room in rooms.get(p.pk, []):
                rows.append(
                    Expense(
                        provider=p,
                        month=month,
                        category=ExpenseCategory.PERSONNEL,
                        classroom=room,
                        amount=Decimal(3050) * max(1, room.licensed_capacity // 8),
                    )
                )
            rows += [
                Expense(
                    provider=p,
                    month=month,
                    category=ExpenseCategory.SITE,
                    amount=Decimal(38) * seats,
                ),
                Expense(
                    provider=p,
                    month=month,
                    category=ExpenseCategory.ADMIN,
                    amount=Decimal(900 + 10 * seats),
                ),
                Expense(
                    provider=p,
                    month=month,
                    category=ExpenseCategory.PER_CHILD,
                    amount=Decimal(80) * seats,
                ),
            ]
    Expense.objects.bulk_create(rows, batch_size=5000)


def sql_aggregate(alliance: Alliance, first: date, last: date) -> list[tuple]:
    """The month's sums per provider in one statement: licensed capacity, FTE-days of active
    enrollments (calendar days), billed, paid or credited by `last`, written off, expenses and
    per-child expenses. What the metrics read, added up by the database."""
    q = connection.ops.quote_name
    if connection.vendor == "postgresql":
        overlap = (
            "(LEAST(COALESCE(e.end_date, %(last)s::date), %(last)s::date) "
            "- GREATEST(e.start_date, %(first)s::date) + 1)"
        )
    else:
        overlap = (
            "(julianday(MIN(COALESCE(e.end_date, %(last)s), %(last)s)) "
            "- julianday(MAX(e.start_date, %(first)s)) + 1)"
        )
    ledger = q(LedgerEntry._meta.db_table)
    sql = f"""
        SELECT p.id,
          (SELECT COALESCE(SUM(c.licensed_capacity), 0) FROM {q(Classroom._meta.db_table)} c
             WHERE c.provider_id = p.id),
          (SELECT COALESCE(SUM(e.fte * {overlap}), 0) FROM {q(Enrollment._meta.db_table)} e
             WHERE e.provider_id = p.id AND e.status = 'active' AND e.start_date <= %(last)s
               AND (e.end_date IS NULL OR e.end_date >= %(first)s)),
          (SELECT COALESCE(SUM(l.amount), 0) FROM {ledger} l
             WHERE l.provider_id = p.id AND l.kind = 'charge'
               AND l.{q("on")} BETWEEN %(first)s AND %(last)s),
          (SELECT COALESCE(SUM(l.amount), 0) FROM {ledger} l
             WHERE l.provider_id = p.id AND l.kind IN ('payment', 'credit')
               AND l.{q("on")} BETWEEN %(first)s AND %(last)s),
          (SELECT COALESCE(SUM(l.amount), 0) FROM {ledger} l
             WHERE l.provider_id = p.id AND l.kind = 'write_off'
               AND l.{q("on")} BETWEEN %(first)s AND %(last)s),
          (SELECT COALESCE(SUM(x.amount), 0) FROM {q(Expense._meta.db_table)} x
             WHERE x.provider_id = p.id AND x.month = %(first)s),
          (SELECT COALESCE(SUM(x.amount), 0) FROM {q(Expense._meta.db_table)} x
             WHERE x.provider_id = p.id AND x.month = %(first)s AND x.category = 'per_child')
        FROM {q(Provider._meta.db_table)} p WHERE p.alliance_id = %(alliance)s
    """  # noqa: S608 (table and column names only; every value is a parameter)
    with connection.cursor() as cursor:
        cursor.execute(sql, {"first": first, "last": last, "alliance": alliance.pk})
        return cursor.fetchall()


def metrics_benchmark(alliance: Alliance, *, today: date, name: str) -> dict:
    """Time the alliance's figures for its last closed month, and the SQL lower bound."""
    first = metrics.shift_month(today.replace(day=1), -1)
    _, last = metrics.month_bounds(first.year, first.month)
    providers = Provider.objects.filter(alliance=alliance).count()
    with CaptureQueriesContext(connection) as captured:
        started = perf_counter()
        result = metrics.alliance_figures(alliance, first.year, first.month, last)
        total = metrics.as_json(result.total, key="alliance")
        seconds = perf_counter() - started
    with CaptureQueriesContext(connection) as baseline_queries:
        started = perf_counter()
        rows = sql_aggregate(alliance, first, last)
        baseline_seconds = perf_counter() - started
    # The same rows: the billed total and expenses the aggregate sums must be the figures'.
    billed = sum((Decimal(str(r[3])) for r in rows), Decimal(0))
    expenses = sum((Decimal(str(r[6])) for r in rows), Decimal(0))
    if to_cents(billed) != Decimal(total["billed"]["total"]) or to_cents(expenses) != Decimal(
        total["expenses"]
    ):
        raise RuntimeError(
            "The SQL aggregate and the metrics read different rows "
            f"(billed {billed} / {total['billed']['total']}, expenses {expenses} / "
            f"{total['expenses']}): it would not be a baseline of the same work."
        )
    return {
        "name": name,
        "value": round(seconds, 3),
        "unit": "s",
        "queries": len(captured),
        "providers": providers,
        "month": f"{first:%Y-%m}",
        "entries_read": LedgerEntry.objects.filter(
            provider__alliance=alliance, on__lte=last
        ).count(),
        "fte_enrolled": total["fte_enrolled"],
        "billed": total["billed"]["total"],
        "baseline": BASELINE,
        "baseline_value": round(baseline_seconds, 4),
        "baseline_queries": len(baseline_queries),
        "ratio": round(seconds / baseline_seconds, 1) if baseline_seconds else None,
    }
