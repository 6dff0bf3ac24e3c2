"""The billing benchmark: a monthly billing run of a large center through the real code path
(preview, then posting), against its lower bound measured in the same database: one set-based
INSERT ... SELECT of the same charges, for the following month under keys of its own.

Nothing is deleted between the two (the ledger is append-only): the baseline bills a period the
run did not, so no key collides with the run's."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from time import perf_counter

from django.db import connection
from django.db.models import Count, Sum
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ccms.billing import ledger, runs
from ccms.billing.accounts import billing_settings
from ccms.billing.models import (
    AccountKind,
    Category,
    EntryKind,
    Frequency,
    LedgerEntry,
    PayerAccount,
)
from ccms.core.dates import add_months
from ccms.enrollment.models import Enrollment, EnrollmentStatus
from ccms.families.models import Child
from ccms.tenancy.models import Classroom, Provider

BASELINE = "single INSERT ... SELECT of the same charges"
BASELINE_KEY = "bench-baseline"


def billing_run_benchmark(provider: Provider, *, today: date) -> dict:
    """Post next month's billing run of `provider` and measure it, then its baseline."""
    period = add_months(today.replace(day=1), 1)
    with CaptureQueriesContext(connection) as captured:
        started = perf_counter()
        run, _ = runs.prepare_run(provider, period, actor=None, frequency=Frequency.MONTHLY)
        run = runs.post_run(run.pk)
        seconds = perf_counter() - started
    children = Enrollment.objects.filter(provider=provider, status=EnrollmentStatus.ACTIVE).count()

    baseline_period = add_months(period, 1)
    due_on = baseline_period + timedelta(days=billing_settings(provider).due_days)
    with CaptureQueriesContext(connection) as baseline_queries:
        started = perf_counter()
        # One statement, atomic by itself (committed on its own outside a transaction).
        inserted = insert_select_charges(provider, baseline_period, due_on=due_on)
        baseline_seconds = perf_counter() - started

    # The baseline is a lower bound only if it does the same work: the same charges, to the
    # cent, on the same accounts.
    same = _totals(provider, run=run) == _totals(provider, key_prefix=_prefix(baseline_period))
    if inserted != run.lines_posted or not same:
        raise RuntimeError(
            f"The baseline inserted {inserted} charges but the run posted {run.lines_posted}, "
            "or their amounts differ: it would not be a baseline of the same work."
        )
    return {
        "name": "billing_run_10k_children",
        "value": round(seconds, 3),
        "unit": "s",
        "queries": len(captured),
        "children": children,
        "charges": run.lines_posted,
        "amount": f"{run.amount_posted:.2f}",
        "baseline": BASELINE,
        "baseline_value": round(baseline_seconds, 3),
        "baseline_queries": len(baseline_queries),
        "ratio": round(seconds / baseline_seconds, 2) if baseline_seconds else None,
    }


def _prefix(period: date) -> str:
    return f"{BASELINE_KEY}:{period.isoformat()}:"


def _totals(provider, *, run=None, key_prefix: str = "") -> tuple[int, Decimal]:
    entries = LedgerEntry.objects.filter(provider=provider)
    if run is not None:
        entries = entries.filter(billing_run=run)
    else:
        entries = entries.filter(key__startswith=key_prefix)
    found = entries.aggregate(n=Count("id"), total=Sum("amount"))
    return found["n"], ledger.sum_of(found["total"])


def insert_select_charges(provider: Provider, period: date, *, due_on: date) -> int:
    """The month's tuition of every child enrolled the whole month, on the family's account, in
    one statement. Returns the number of rows inserted."""
    start, end = runs.period_of(provider, Frequency.MONTHLY, period)
    q = connection.ops.quote_name
    text = "VARCHAR(300)"
    price = (
        "CASE WHEN e.tuition_frequency = 'weekly' "
        "THEN ROUND(e.tuition_amount * 52 / 12.0, 2) ELSE e.tuition_amount END"
    )
    label = f"Tuition {start:%b %-d}-{end:%b %-d}, "
    # Columns computed per row, with their parameters.
    computed = {
        "provider_id": ("e.provider_id", []),
        "account_id": ("a.id", []),
        "family_id": ("c.family_id", []),
        "child_id": ("c.id", []),
        "amount": (price, []),
        "effect": (price, []),
        "description": (
            f"CAST(%s AS {text}) || c.first_name || ' (' || r.name || ')'",
            [label],
        ),
        "key": (
            f"CAST(%s AS {text}) || CAST(e.id AS {text}) || ':' || CAST(a.id AS {text})",
            [_prefix(start)],
        ),
    }
    # The same value on every row; any other column gets the model's default, as the ORM
    # would write it.
    constant = {
        "kind": EntryKind.CHARGE.value,
        "category": Category.TUITION.value,
        "on": start,
        "due_on": due_on,
        "created_at": timezone.now(),
    }
    columns, values, params = [], [], []
    for field in LedgerEntry._meta.concrete_fields:
        if field.primary_key:
            continue
        columns.append(q(field.column))
        if field.attname in computed:
            expression, args = computed[field.attname]
        else:
            value = constant[field.attname] if field.attname in constant else field.get_default()
            expression, args = "%s", [field.get_db_prep_save(value, connection)]
        values.append(expression)
        params.extend(args)
    # Table and column names come from the models; every value is a parameter.
    sql = (
        f"INSERT INTO {q(LedgerEntry._meta.db_table)} ({', '.join(columns)}) "  # noqa: S608
        f"SELECT {', '.join(values)} "
        f"FROM {q(Enrollment._meta.db_table)} e "
        f"JOIN {q(Child._meta.db_table)} c ON c.id = e.child_id "
        f"JOIN {q(Classroom._meta.db_table)} r ON r.id = e.classroom_id "
        f"JOIN {q(PayerAccount._meta.db_table)} a ON a.provider_id = e.provider_id "
        "AND a.family_id = c.family_id AND a.kind = %s "
        "WHERE e.provider_id = %s AND e.status = %s AND e.tuition_amount IS NOT NULL "
        "AND e.start_date <= %s AND (e.end_date IS NULL OR e.end_date >= %s)"
    )
    day = connection.ops.adapt_datefield_value
    params += [AccountKind.FAMILY.value, provider.pk, EnrollmentStatus.ACTIVE.value]
    params += [day(start), day(end)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount
