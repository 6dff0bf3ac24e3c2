"""The ledger's invariants over random histories, and idempotent posting."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ccms.billing import ledger
from ccms.billing.accounts import family_account
from ccms.billing.allocation import allocate
from ccms.billing.models import LedgerEntry

START = date(2026, 1, 1)

steps = st.lists(
    st.tuples(
        st.sampled_from(["charge", "payment", "credit", "write_off", "refund", "reverse"]),
        st.integers(min_value=1, max_value=50000).map(lambda c: Decimal(c) / 100),
        st.integers(min_value=0, max_value=120),
        st.integers(min_value=0, max_value=40),
    ),
    min_size=1,
    max_size=25,
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(history=steps)
def test_random_histories_keep_the_ledger_consistent(world, history):
    account = family_account(world.a1.family)
    LedgerEntry.objects.filter(account=account).exists()  # warm
    posted = []
    tag = len(LedgerEntry.objects.filter(account=account))  # keys unique across examples
    for i, (kind, amount, day, pick) in enumerate(history):
        key = f"h{tag}:{i}"
        on = START + timedelta(days=day)
        if kind == "reverse":
            candidates = [e for e in posted if e.kind != "reversal" and not hasattr_reversal(e)]
            if candidates:
                target = candidates[pick % len(candidates)]
                posted.append(
                    ledger.reverse_entry(target, actor=None, reason="test", key=key, on=on)
                )
            continue
        applies_to = None
        charges = [e for e in posted if e.kind == "charge"]
        if kind == "write_off" and charges and pick % 2:
            applies_to = charges[pick % len(charges)]
        posted.append(
            ledger.post_entry(
                account, kind=kind, amount=amount, on=on, key=key, actor=None, applies_to=applies_to
            )
        )
    entries = list(LedgerEntry.objects.filter(account=account))
    result = allocate(entries)
    # The balance is the sum of the entries' effects...
    assert ledger.balance(account) == sum((e.effect for e in entries), Decimal(0))
    # ...and equals what is open less what is paid ahead.
    assert ledger.balance(account) == result.open_total - result.unapplied_total
    # FIFO never over-applies: no debit is covered beyond its amount, no credit beyond its own.
    for debit in result.debits:
        assert Decimal(0) <= result.covered.get(debit.pk, Decimal(0)) <= debit.amount
    used = {}
    for credit_id, _, amount in result.applications:
        used[credit_id] = used.get(credit_id, Decimal(0)) + amount
    by_id = {e.pk: e for e in entries}
    for credit_id, amount in used.items():
        assert amount + result.unapplied.get(credit_id, Decimal(0)) == by_id[credit_id].amount
    # Oldest first: a debit is covered only once every older one is fully covered, unless a
    # named write-off reached past them.
    if not any(e.kind == "write_off" and e.applies_to_id for e in entries):
        open_seen = False
        for debit in result.debits:
            if result.covered.get(debit.pk, Decimal(0)) > 0:
                assert not open_seen
            if result.open_amount(debit) > 0:
                open_seen = True
    LedgerEntry.objects.filter(account=account).count()


def hasattr_reversal(entry) -> bool:
    return LedgerEntry.objects.filter(reverses=entry).exists()


def test_entries_are_never_updated_or_deleted(world):
    account = family_account(world.a1.family)
    entry = ledger.post_entry(
        account, kind="charge", amount="10.00", on=START, key="k1", actor=None
    )
    entry.amount = Decimal("1.00")
    with pytest.raises(TypeError):
        entry.save()
    with pytest.raises(TypeError):
        entry.delete()
    with pytest.raises(TypeError):
        LedgerEntry.objects.filter(pk=entry.pk).update(amount=1)
    with pytest.raises(TypeError):
        LedgerEntry.objects.filter(pk=entry.pk).delete()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's")
def test_postgresql_refuses_updates_and_deletes_of_entries(world):
    from django.db import DatabaseError, transaction

    account = family_account(world.a1.family)
    entry = ledger.post_entry(account, kind="charge", amount="10.00", on=START, key="k", actor=None)
    for sql in (
        "UPDATE billing_ledgerentry SET amount = 1 WHERE id = %s",
        "DELETE FROM billing_ledgerentry WHERE id = %s",
    ):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(sql, [entry.pk])
    assert LedgerEntry.objects.get(pk=entry.pk).amount == Decimal("10.00")


def test_the_same_key_posts_once_and_a_reused_key_is_refused(world):
    account = family_account(world.a1.family)
    first = ledger.post(account, kind="payment", amount="25.00", on=START, key="pay-1", actor=None)
    again = ledger.post(account, kind="payment", amount="25.00", on=START, key="pay-1", actor=None)
    assert first.created and not again.created and first.entry.pk == again.entry.pk
    with pytest.raises(ledger.IdempotencyConflict, match="already used"):
        ledger.post(account, kind="payment", amount="30.00", on=START, key="pay-1", actor=None)
    assert LedgerEntry.objects.filter(account=account).count() == 1


def test_a_reversal_points_at_what_it_corrects_and_happens_once(world):
    account = family_account(world.a1.family)
    charge = ledger.post_entry(
        account, kind="charge", amount="99.00", on=START, key="c", actor=None
    )
    reversal = ledger.reverse_entry(charge, actor=None, reason="wrong child")
    assert reversal.reverses == charge and reversal.effect == Decimal("-99.00")
    assert ledger.balance(account) == 0
    with pytest.raises(ValidationError, match="already reversed"):
        ledger.reverse_entry(charge, actor=None, reason="again")
    with pytest.raises(ValidationError, match="Say why"):
        ledger.reverse_entry(
            ledger.post_entry(account, kind="charge", amount=1, on=START, key="d", actor=None),
            actor=None,
            reason=" ",
        )


def test_fifo_pays_the_oldest_charge_first_and_write_offs_close_the_named_charge(world):
    account = family_account(world.a1.family)
    post = ledger.post_entry
    jan = post(account, kind="charge", amount="100.00", on=date(2026, 1, 1), key="jan", actor=None)
    feb = post(account, kind="charge", amount="100.00", on=date(2026, 2, 1), key="feb", actor=None)
    mar = post(account, kind="charge", amount="100.00", on=date(2026, 3, 1), key="mar", actor=None)
    post(
        account,
        kind="write_off",
        amount="100.00",
        on=date(2026, 3, 2),
        key="w",
        actor=None,
        applies_to=feb,
    )
    post(account, kind="payment", amount="150.00", on=date(2026, 3, 3), key="p", actor=None)
    result = allocate(LedgerEntry.objects.filter(account=account))
    assert result.open_amount(jan) == 0
    assert result.open_amount(feb) == 0
    assert result.open_amount(mar) == Decimal("50.00")
    # As of before the payment only the write-off counts.
    early = allocate(LedgerEntry.objects.filter(account=account), as_of=date(2026, 3, 2))
    assert early.open_amount(jan) == Decimal("100.00") and early.open_amount(feb) == 0
