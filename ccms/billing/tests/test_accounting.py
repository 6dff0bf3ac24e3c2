"""The general-ledger journal of a month: every entry a balanced transaction on the right
accounts, totals that agree with the ledger, and CSV and QuickBooks IIF files that read back."""

import csv
import io
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from itertools import count

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ccms.billing import accounting, ledger
from ccms.billing.accounts import cca_account, family_account
from ccms.billing.models import BillingSettings, LedgerEntry
from ccms.core.models import AuditEvent
from ccms.tenancy.models import Role

D = Decimal
_keys = count()


def post(account, kind, amount, on, **fields):
    return ledger.post_entry(
        account, kind=kind, amount=D(amount), on=on, key=f"gl:{next(_keys)}", actor=None, **fields
    )


@pytest.fixture
def month(world):
    """March 2025 at a1: every kind of entry, a reversal of February's charge, and the state."""
    family = family_account(world.a1.family)
    state = cca_account(world.a1.provider)
    feb = post(family, "charge", "90", date(2025, 2, 20), category="activity", description="Trip")
    entries = {
        "tuition": post(family, "charge", "800", date(2025, 3, 1), category="tuition"),
        "fee": post(family, "charge", "25", date(2025, 3, 1), category="late_pickup"),
        "payment": post(family, "payment", "500", date(2025, 3, 5), method="check"),
        "credit": post(family, "credit", "40", date(2025, 3, 6), category="discount"),
        "write_off": post(family, "write_off", "25", date(2025, 3, 7), reason="Goodwill"),
        "refund": post(family, "refund", "10", date(2025, 3, 8)),
        "state_charge": post(state, "charge", "600", date(2025, 3, 1), category="cca"),
        "state_payment": post(state, "payment", "600", date(2025, 3, 20), method="state"),
    }
    entries["reversal"] = ledger.reverse_entry(
        feb, actor=None, reason="Trip cancelled", on=date(2025, 3, 10)
    )
    post(family, "charge", "800", date(2025, 4, 1), category="tuition")  # another month
    return entries


def lines_of(journal, entry):
    return [
        (line.account, line.debit, line.credit)
        for t in journal.transactions
        if t.entry.pk == entry.pk
        for line in t.lines
    ]


def test_each_kind_of_entry_is_booked_on_its_accounts(world, month):
    j = accounting.journal(world.a1.provider, 2025, 3)
    assert len(j.transactions) == 9  # February's and April's entries are not in March
    z = D("0.00")
    assert lines_of(j, month["tuition"]) == [
        ("Accounts Receivable", D("800.00"), z),
        ("Tuition Income", z, D("800.00")),
    ]
    assert lines_of(j, month["fee"])[1][0] == "Late Fee Income"
    assert lines_of(j, month["payment"]) == [
        ("Undeposited Funds", D("500.00"), z),
        ("Accounts Receivable", z, D("500.00")),
    ]
    assert [a for a, *_ in lines_of(j, month["credit"])] == [
        "Discounts Given",
        "Accounts Receivable",
    ]
    assert [a for a, *_ in lines_of(j, month["write_off"])] == [
        "Bad Debt Expense",
        "Accounts Receivable",
    ]
    assert [a for a, *_ in lines_of(j, month["refund"])] == [
        "Accounts Receivable",
        "Undeposited Funds",
    ]
    # The reversal of February's activity charge: its lines turned around.
    assert lines_of(j, month["reversal"]) == [
        ("Activity Fee Income", D("90.00"), z),
        ("Accounts Receivable", z, D("90.00")),
    ]
    # No CCA receivable named: the state's entries go through accounts receivable too.
    assert lines_of(j, month["state_charge"])[0][0] == "Accounts Receivable"


def test_every_transaction_balances_and_the_journal_does(world, month):
    j = accounting.journal(world.a1.provider, 2025, 3)
    assert all(t.balanced for t in j.transactions)
    assert j.total_debit == j.total_credit == D("2690.00")


def test_journal_totals_per_account_equal_the_ledgers_figures(world, month):
    provider = world.a1.provider
    j = accounting.journal(provider, 2025, 3)
    net = {name: debit - credit for name, debit, credit in j.totals_by_account()}
    entries = list(
        LedgerEntry.objects.filter(provider=provider, on__year=2025, on__month=3).select_related(
            "reverses"
        )
    )
    # What the payers owe moved by the sum of the month's effects.
    assert net["Accounts Receivable"] == sum((e.effect for e in entries), D(0))
    # Income per category: the month's charges less reversed charges of that category.
    income = defaultdict(lambda: D(0))
    for e in entries:
        if e.kind == "charge":
            income[e.category] += e.amount
        elif e.kind == "reversal" and e.reverses.kind == "charge":
            income[e.reverses.category] -= e.amount
    names = accounting.gl_accounts(None)
    for category, amount in income.items():
        assert -net[names[accounting.income_item(category)]] == amount
    payments = sum((e.amount for e in entries if e.kind == "payment"), D(0))
    refunds = sum((e.amount for e in entries if e.kind == "refund"), D(0))
    assert net["Undeposited Funds"] == payments - refunds
    assert net["Bad Debt Expense"] == D("25.00")
    assert net["Discounts Given"] == D("40.00")


def test_cca_receivable_and_renamed_accounts_are_used_when_configured(world, month):
    provider = world.a1.provider
    accounting.update_gl_accounts(
        provider,
        names={
            accounting.CCA_RECEIVABLE: "Accounts Receivable:State CCA",
            accounting.income_item("tuition"): "Income:Tuition",
        },
        actor=world.a1.users[Role.DIRECTOR],
    )
    j = accounting.journal(provider, 2025, 3)
    assert lines_of(j, month["state_charge"])[0][0] == "Accounts Receivable:State CCA"
    assert lines_of(j, month["state_payment"])[1][0] == "Accounts Receivable:State CCA"
    assert lines_of(j, month["tuition"])[1][0] == "Income:Tuition"
    assert lines_of(j, month["tuition"])[0][0] == "Accounts Receivable"
    stored = BillingSettings.objects.get(provider=provider).gl_accounts
    assert stored == {
        accounting.CCA_RECEIVABLE: "Accounts Receivable:State CCA",
        accounting.income_item("tuition"): "Income:Tuition",
    }  # names left at their default are not stored


@pytest.mark.parametrize(
    "name, message",
    [
        ("", "Name the account"),
        ("Income\tTuition", "tabs"),
        ('Tuition "main"', "quotes"),
        ("Income:", "Parent:Child"),
        ("A" * 32, "QuickBooks allows 31"),
    ],
)
def test_account_names_quickbooks_cannot_take_are_refused(world, name, message):
    item = accounting.income_item("tuition")
    with pytest.raises(ValidationError) as caught:
        accounting.update_gl_accounts(world.a1.provider, names={item: name}, actor=None)
    assert message in " ".join(caught.value.message_dict[item])


def test_csv_lists_every_line_and_reads_back_balanced(world, month):
    j = accounting.journal(world.a1.provider, 2025, 3)
    rows = list(csv.DictReader(io.StringIO(accounting.to_csv(j))))
    assert list(rows[0]) == accounting.CSV_COLUMNS
    assert len(rows) == 18
    by_entry = defaultdict(lambda: D(0))
    for row in rows:
        by_entry[row["entry_id"]] += D(row["debit"] or 0) - D(row["credit"] or 0)
    assert set(by_entry.values()) == {D(0)}
    assert rows[0]["date"] == "2025-03-01" and rows[0]["name"] == "Family a1"


def test_iif_reads_back_as_balanced_general_journal_transactions(world, month):
    j = accounting.journal(world.a1.provider, 2025, 3)
    text = accounting.iif_bytes(j).decode("cp1252")
    lines = text.split("\r\n")
    assert "!TRNS\tTRNSID\tTRNSTYPE\tDATE\tACCNT\tNAME\tAMOUNT\tDOCNUM\tMEMO" in lines
    assert "!SPL\tSPLID\tTRNSTYPE\tDATE\tACCNT\tNAME\tAMOUNT\tDOCNUM\tMEMO" in lines
    assert "!ENDTRNS" in lines
    assert "ACCNT\tUndeposited Funds\tOCASSET" in lines  # the accounts used, with their types
    transactions = accounting.read_iif(text)
    assert len(transactions) == len(j.transactions)
    for t in transactions:
        assert t.type == "GENERAL JOURNAL"
        assert t.total == 0
        assert len(t.lines) == 2
    first = transactions[0].lines[0]
    assert first["DATE"] == "03/01/2025"
    assert first["ACCNT"] == "Accounts Receivable" and first["AMOUNT"] == "800.00"
    assert transactions[0].lines[1]["AMOUNT"] == "-800.00"
    assert {t.lines[0]["DOCNUM"] for t in transactions} == {f"L{e.pk}" for e in month.values()}


def test_iif_fields_never_break_the_tab_layout(world):
    account = family_account(world.a1.family)
    post(account, "charge", "5", date(2025, 3, 2), description='Art\tclass "deluxe"\nfee')
    text = accounting.to_iif(accounting.journal(world.a1.provider, 2025, 3))
    assert "Art class 'deluxe' fee" in text
    (t,) = accounting.read_iif(text)
    assert t.total == 0


def test_read_iif_reports_a_broken_file():
    with pytest.raises(ValueError, match="no ENDTRNS"):
        accounting.read_iif("!TRNS\tTRNSTYPE\tAMOUNT\nTRNS\tGENERAL JOURNAL\t1.00\n")


steps = st.lists(
    st.tuples(
        st.sampled_from(["charge", "payment", "credit", "write_off", "refund", "reverse"]),
        st.integers(min_value=1, max_value=90000).map(lambda c: D(c) / 100),
        st.integers(min_value=0, max_value=80),
        st.sampled_from(["tuition", "registration", "late_payment", "", "deposit"]),
        st.booleans(),
    ),
    min_size=1,
    max_size=25,
)


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(history=steps)
def test_random_months_always_balance_and_match_the_ledger(world, history):
    provider = world.a1.provider
    tag = next(_keys)
    accounts = [family_account(world.a1.family), cca_account(provider)]
    BillingSettings.objects.update_or_create(
        provider=provider, defaults={"gl_accounts": {accounting.CCA_RECEIVABLE: "CCA Receivable"}}
    )
    posted = []
    for i, (kind, amount, day, category, state) in enumerate(history):
        on = date(2024, 1, 1) + timedelta(days=day)
        account = accounts[state]
        if kind == "reverse":
            live = [e for e in posted if not LedgerEntry.objects.filter(reverses=e).exists()]
            if live:
                target = live[day % len(live)]
                ledger.reverse_entry(target, actor=None, reason="test", on=on, key=f"r{tag}:{i}")
            continue
        posted.append(
            ledger.post_entry(
                account,
                kind=kind,
                amount=amount,
                on=on,
                category=category,
                key=f"h{tag}:{i}",
                actor=None,
            )
        )
    for month in (1, 2, 3):
        j = accounting.journal(provider, 2024, month)
        assert all(t.balanced for t in j.transactions)
        entries = list(
            LedgerEntry.objects.filter(provider=provider, on__year=2024, on__month=month)
        )
        net = {name: d - c for name, d, c in j.totals_by_account()}
        family_effect = sum((e.effect for e in entries if e.account_id == accounts[0].pk), D(0))
        state_effect = sum((e.effect for e in entries if e.account_id == accounts[1].pk), D(0))
        assert net.get("Accounts Receivable", D(0)) == family_effect
        assert net.get("CCA Receivable", D(0)) == state_effect
        assert all(t.total == 0 for t in accounting.read_iif(accounting.to_iif(j)))


# --- the export page -------------------------------------------------------------------------


def test_export_page_shows_the_months_totals_and_downloads(client, world, month):
    client.force_login(world.a1.users[Role.DIRECTOR])
    url = reverse("billing_accounting", args=["a1"])
    page = client.get(url + "?month=2025-03")
    body = page.content.decode()
    assert page.status_code == 200
    assert "Tuition Income" in body and "$2,690.00" in body and "balanced" in body
    csv_file = client.get(url + "?month=2025-03&format=csv")
    assert csv_file["Content-Type"].startswith("text/csv")
    assert 'filename="journal-a1-2025-03.csv"' in csv_file["Content-Disposition"]
    iif = client.get(url + "?month=2025-03&format=iif")
    assert 'filename="journal-a1-2025-03.iif"' in iif["Content-Disposition"]
    assert len(accounting.read_iif(iif.content.decode("cp1252"))) == 9


def test_director_renames_accounts_on_the_export_page(client, world):
    client.force_login(world.a1.users[Role.DIRECTOR])
    url = reverse("billing_accounting", args=["a1"])
    data = {item: default for item, _, default, _ in accounting.GL_ITEMS}
    data[accounting.BAD_DEBT] = "Expenses:Bad Debt"
    before = AuditEvent.objects.count()
    response = client.post(url, data)
    assert response.status_code == 302
    settings_row = BillingSettings.objects.get(provider=world.a1.provider)
    assert settings_row.gl_accounts == {accounting.BAD_DEBT: "Expenses:Bad Debt"}
    assert AuditEvent.objects.count() > before  # who changed the accounts is on record
    data[accounting.BAD_DEBT] = "x" * 40
    page = client.post(url, data)
    assert page.status_code == 200
    assert "QuickBooks allows 31" in page.content.decode()


def test_consultant_reads_the_export_but_may_not_rename_accounts(client, world, month):
    client.force_login(world.a1.users[Role.CONSULTANT])
    url = reverse("billing_accounting", args=["a1"])
    assert client.get(url + "?month=2025-03&format=csv").status_code == 200
    assert client.post(url, {accounting.BAD_DEBT: "Mine"}).status_code == 403
    client.force_login(world.a1.users[Role.GUARDIAN])
    assert client.get(url).status_code == 403
