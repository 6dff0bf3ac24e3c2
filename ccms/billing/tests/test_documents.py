"""Statements, invoices, receipts and year-end tax statements: their figures, their PDFs, and who
may open them."""

import re
import zlib
from datetime import date
from decimal import Decimal
from itertools import count

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ccms.billing import ledger, pdf, statements
from ccms.billing.accounts import family_account
from ccms.billing.models import (
    AccountKind,
    BillingRun,
    BillingSettings,
    LedgerEntry,
    PayerAccount,
)
from ccms.families.models import Child, Guardian
from ccms.tenancy.models import Role

D = Decimal
_keys = count()


class Books:
    """Posts entries on one account with fresh idempotency keys."""

    def __init__(self, account):
        self.account = account

    def post(self, kind, amount, on, **fields):
        return ledger.post_entry(
            self.account,
            kind=kind,
            amount=D(amount),
            on=on,
            key=f"test:{next(_keys)}",
            actor=None,
            **fields,
        )

    def charge(self, amount, on, **fields):
        return self.post("charge", amount, on, **fields)

    def pay(self, amount, on, **fields):
        return self.post("payment", amount, on, **fields)

    def reverse(self, entry, on):
        return ledger.reverse_entry(entry, actor=None, reason="bank return", on=on)


@pytest.fixture
def books(world):
    return Books(family_account(world.a1.family))


@pytest.fixture
def november(books, world):
    """Oct: tuition 500, paid 300. Nov: tuition 500 and a 50 fee, paid 400, credited 25."""
    child = world.a1.child
    b = books
    b.charge(
        "500", date(2025, 10, 1), child=child, category="tuition", description="Tuition October"
    )
    b.pay("300", date(2025, 10, 5), method="cash", receipt_number="R-1")
    b.charge(
        "500",
        date(2025, 11, 1),
        child=child,
        category="tuition",
        description="Tuition November",
        due_on=date(2025, 11, 11),
    )
    b.charge("50", date(2025, 11, 1), child=child, category="supply", description="Supply fee")
    b.pay("400", date(2025, 11, 10), method="check", receipt_number="R-2")
    b.post("credit", "25", date(2025, 11, 15), description="Goodwill credit")
    return b


# --- figures ---------------------------------------------------------------------------------


def test_statement_carries_the_opening_balance_and_a_running_balance(november):
    s = statements.statement(november.account, 2025, 11, today=date(2025, 12, 5))
    assert s.opening_balance == D("200.00")
    assert [line.balance for line in s.lines] == [D("700"), D("750"), D("350"), D("325")]
    assert s.closing_balance == D("325.00")
    assert s.charges_total == D("550.00")
    assert s.credits_total == D("425.00")
    assert s.payments_total == D("400.00")
    assert s.amount_due == D("325.00") and s.credit_balance == 0
    assert [p.entry.receipt_number for p in s.payments] == ["R-2"]


def test_statement_ages_what_fifo_leaves_open_and_says_when_it_is_due(november):
    s = statements.statement(november.account, 2025, 11, today=date(2025, 12, 5))
    # 725 paid and credited covers October (500) and 225 of November's tuition.
    assert [(c.description, c.open) for c in s.open_charges] == [
        ("Tuition November", D("275.00")),
        ("Supply fee", D("50.00")),
    ]
    assert s.statement_date == date(2025, 11, 30)
    assert [c.age_days for c in s.open_charges] == [29, 29]
    assert s.aging == {"0-30": D("325.00"), "31-60": 0, "61-90": 0, "90+": 0}
    # The supply fee has no due date of its own: due 10 days (the default) after its date.
    assert s.due_on == date(2025, 11, 11)
    assert s.past_due == D("325.00")


def test_statement_of_the_running_month_is_dated_today(november):
    s = statements.statement(november.account, 2025, 11, today=date(2025, 11, 12))
    assert s.statement_date == date(2025, 11, 12)
    assert [c.age_days for c in s.open_charges] == [11, 11]
    assert s.open_charges[0].overdue  # due Nov 11


def test_statement_with_a_credit_balance_asks_for_nothing(books, world):
    books.charge("100", date(2025, 3, 1), child=world.a1.child)
    books.pay("130", date(2025, 3, 2))
    s = statements.statement(books.account, 2025, 3, today=date(2025, 6, 1))
    assert s.closing_balance == D("-30.00")
    assert s.amount_due == 0 and s.credit_balance == D("30.00")
    assert s.open_charges == [] and s.due_on is None


def test_a_reversal_in_a_later_month_leaves_the_earlier_statement_alone(books, world):
    payment = books.pay("100", date(2025, 3, 10))
    books.charge("100", date(2025, 3, 1), child=world.a1.child)
    books.reverse(payment, on=date(2025, 4, 2))
    march = statements.statement(books.account, 2025, 3, today=date(2025, 6, 1))
    april = statements.statement(books.account, 2025, 4, today=date(2025, 6, 1))
    assert march.closing_balance == 0
    assert march.lines[1].reversed  # the payment is marked: it was reversed since
    assert april.opening_balance == 0 and april.closing_balance == D("100.00")
    assert [c.open for c in april.open_charges] == [D("100.00")]


def test_documents_name_the_provider_from_the_billing_settings(world):
    provider = world.a1.provider
    assert statements.issuer_of(provider).name == "Provider a1"
    assert not BillingSettings.objects.filter(provider=provider).exists()  # reading made nothing
    BillingSettings.objects.create(
        provider=provider, legal_name="A1 Learning LLC", ein="12-3456789", remit_address="1 Main"
    )
    issuer = statements.issuer_of(provider)
    assert (issuer.name, issuer.trade_name, issuer.ein, issuer.address) == (
        "A1 Learning LLC",
        "Provider a1",
        "12-3456789",
        "1 Main",
    )


def _run(provider, start=date(2025, 12, 1), end=date(2025, 12, 31)):
    return BillingRun.objects.create(
        provider=provider, frequency="monthly", period_start=start, period_end=end
    )


def test_invoice_lists_the_runs_charges_with_the_previous_balance(november, world):
    run = _run(world.a1.provider)
    child = world.a1.child
    november.charge(
        "500",
        date(2025, 12, 1),
        child=child,
        category="tuition",
        description="Tuition December",
        due_on=date(2025, 12, 11),
        billing_run=run,
    )
    cancelled = november.charge(
        "40", date(2025, 12, 1), child=child, description="Activity fee", billing_run=run
    )
    november.reverse(cancelled, on=date(2025, 12, 3))
    november.charge("15", date(2025, 12, 1), description="Not from the run")
    inv = statements.invoice(november.account, run)
    assert [line.description for line in inv.lines] == ["Tuition December", "Activity fee"]
    assert [line.reversed for line in inv.lines] == [False, True]
    assert inv.total == D("500.00")
    assert inv.previous_balance == D("325.00")
    assert inv.amount_due == D("825.00")
    assert inv.due_on == date(2025, 12, 11)
    other = PayerAccount.objects.create(provider=world.a1.provider, kind="other", name="Employer")
    assert statements.invoice(other, run) is None


def test_receipt_shows_what_the_payment_paid_for_and_the_balance_after(november):
    payment = LedgerEntry.objects.get(receipt_number="R-2")
    r = statements.receipt(payment)
    assert r.number == "R-2"
    # The 300 of October left 200 of October open: this payment covers it, then November's.
    assert [(c.description, a) for c, a in r.applied] == [
        ("Tuition October", D("200.00")),
        ("Tuition November", D("200.00")),
    ]
    assert r.balance_after == D("350.00")
    assert r.paid_ahead == 0 and r.reversal is None


# --- year-end tax statements -----------------------------------------------------------------


@pytest.fixture
def sibling(world):
    return Child.objects.create(
        provider=world.a1.provider,
        family=world.a1.family,
        classroom=world.a1.other_classroom,
        first_name="Sib",
        last_name="Alpha",
        birth_date=date(2022, 1, 1),
    )


def test_tax_statement_counts_the_years_payments_per_child_fifo(books, world, sibling):
    kid = world.a1.child
    books.charge("300", date(2024, 12, 1), child=kid)  # paid in 2024: not in 2025's statement
    books.pay("300", date(2024, 12, 20))
    books.charge("400", date(2025, 1, 1), child=kid)
    books.charge("200", date(2025, 1, 1), child=sibling)
    books.charge("30", date(2025, 2, 1), description="Late payment fee")
    books.post("credit", "100", date(2025, 1, 5), description="Sibling goodwill")
    books.pay("450", date(2025, 1, 10))
    books.pay("80", date(2025, 3, 1))
    books.charge("500", date(2026, 1, 1), child=kid)
    books.pay("100", date(2025, 12, 30))  # paid in December for January's care
    books.pay("600", date(2025, 12, 31))  # 400 more for January, 200 ahead of any charge
    t = statements.tax_statement(books.account, 2025)
    # The credit covers 100 of the first child's 400 (not counted as paid); the 450 covers his
    # remaining 300 and 150 of the sibling's 200; the 80 covers her last 50 and the 30 fee;
    # December's payments cover his January (a payment counts in the year it is made).
    assert [(c.label, c.amount) for c in t.children] == [
        ("Kida1 Alpha", D("800.00")),
        ("Sib Alpha", D("200.00")),
        ("Charges not for a particular child", D("30.00")),
    ]
    assert t.paid_ahead == D("200.00")
    assert t.total == D("1230.00") == t.payments_gross
    assert statements.tax_statement(books.account, 2026).total == 0


def test_refunds_and_returned_payments_reduce_what_was_paid(books, world):
    kid = world.a1.child
    books.charge("500", date(2025, 3, 1), child=kid)
    overpaid = books.pay("600", date(2025, 3, 5))
    books.post("refund", "100", date(2025, 3, 20), applies_to=overpaid)
    returned = books.pay("200", date(2025, 12, 28))
    books.charge("200", date(2025, 12, 1), child=kid)
    books.reverse(returned, on=date(2026, 1, 4))  # the bank returned it in January
    t = statements.tax_statement(books.account, 2025)
    assert [(c.label, c.amount) for c in t.children] == [("Kida1 Alpha", D("500.00"))]
    assert t.total == D("500.00")
    assert t.refunds == D("100.00")
    assert [(p.amount, net) for p, net in t.payments] == [(D("600.00"), D("500.00"))]


def test_a_refund_of_a_credit_balance_counts_as_money_given_back(books, world):
    kid = world.a1.child
    books.charge("500", date(2025, 3, 1), child=kid)
    books.pay("500", date(2025, 3, 5))
    books.post("credit", "100", date(2025, 3, 10), description="Closed a week")
    books.post("refund", "100", date(2025, 3, 12))
    t = statements.tax_statement(books.account, 2025)
    assert t.total == D("400.00")
    assert [(c.label, c.amount) for c in t.children] == [("Kida1 Alpha", D("400.00"))]


history = st.lists(
    st.tuples(
        st.sampled_from(["charge", "charge_sib", "payment", "credit", "refund", "reverse"]),
        st.integers(min_value=1, max_value=40000).map(lambda c: D(c) / 100),
        st.integers(min_value=0, max_value=700),
    ),
    min_size=1,
    max_size=20,
)


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(steps=history)
def test_tax_statements_never_count_more_than_was_paid(world, sibling, steps):
    from datetime import timedelta

    account = PayerAccount.objects.create(
        provider=world.a1.provider, kind=AccountKind.OTHER, name="Random"
    )
    b = Books(account)
    posted = []
    for kind, amount, offset in steps:
        on = date(2024, 7, 1) + timedelta(days=offset)
        if kind == "reverse":
            live = [e for e in posted if not LedgerEntry.objects.filter(reverses=e).exists()]
            if live:
                b.reverse(live[offset % len(live)], on=on)
            continue
        child = {"charge": world.a1.child, "charge_sib": sibling}.get(kind)
        posted.append(b.post("charge" if child else kind, amount, on, child=child))
    entries = list(LedgerEntry.objects.filter(account=account))
    reversed_ids = {e.reverses_id for e in entries if e.reverses_id}
    live = [e for e in entries if e.kind != "reversal" and e.pk not in reversed_ids]
    for year in (2024, 2025, 2026):
        t = statements.tax_statement(account, year)
        paid = sum((e.amount for e in live if e.kind == "payment" and e.on.year == year), D(0))
        assert 0 <= t.total <= paid
        assert t.total == sum((net for _, net in t.payments), D(0))
        assert all(c.amount > 0 for c in t.children)
        for c in t.children:
            charged = sum(
                (e.amount for e in live if e.kind == "charge" and e.child_id == c.child.pk),
                D(0),
            )
            assert c.amount <= charged
    # Over all years together, what counts is every payment less every refund it absorbed.
    total = sum((statements.tax_statement(account, y).total for y in (2024, 2025, 2026)), D(0))
    refunds = sum((e.amount for e in live if e.kind == "refund"), D(0))
    paid = sum((e.amount for e in live if e.kind == "payment"), D(0))
    assert max(paid - refunds, D(0)) <= total <= paid


# --- PDFs ------------------------------------------------------------------------------------


def pdf_text(content: bytes) -> str:
    """The text drawn on the pages of an fpdf2 PDF (its content streams, inflated)."""
    assert content.startswith(b"%PDF-")
    text = []
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", content, re.S):
        try:
            data = zlib.decompress(stream)
        except zlib.error:
            data = stream
        for block in re.findall(rb"BT(.*?)ET", data, re.S):
            parts = re.findall(rb"\((.*?)(?<!\\)\)\s*Tj", block, re.S)
            if parts:
                text.append(b"".join(parts).decode("latin-1"))
    return "\n".join(text).replace("\\(", "(").replace("\\)", ")")


def page_count(content: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page\b", content))


def test_statement_pdf_has_the_header_totals_and_page_numbers(november, world):
    BillingSettings.objects.create(
        provider=world.a1.provider,
        legal_name="A1 Learning LLC",
        ein="12-3456789",
        remit_address="100 Main St, Des Moines, IA 50309",
    )
    november.charge("1234.56", date(2025, 11, 20), description="Field trip – zoo")
    s = statements.statement(november.account, 2025, 11, today=date(2025, 12, 5))
    text = pdf_text(pdf.statement_pdf(s))
    for expected in (
        "A1 Learning LLC",
        "100 Main St, Des Moines, IA 50309",
        "EIN 12-3456789",
        "STATEMENT",
        "Family a1",
        "Tuition November",
        "Field trip - zoo",  # the en dash printed plainly
        "$1,234.56",
        "$1,559.56",  # the closing balance
        "Page 1 of 1",
    ):
        assert expected in text, expected


def test_a_long_statement_runs_over_pages_numbered_1_of_n(books, world):
    for day in range(1, 29):
        books.charge("10", date(2025, 5, day), description=f"Late pick-up May {day}")
        books.pay("5", date(2025, 5, day), method="cash")
    s = statements.statement(books.account, 2025, 5, today=date(2025, 6, 1))
    content = pdf.statement_pdf(s)
    pages = page_count(content)
    assert pages >= 2
    text = pdf_text(content)
    assert f"Page 1 of {pages}" in text and f"Page {pages} of {pages}" in text
    assert len(re.findall(r"^STATEMENT$", text, re.M)) == pages  # the header on every page


def test_invoice_receipt_and_tax_statement_pdfs(november, world):
    run = _run(world.a1.provider)
    november.charge("500", date(2025, 12, 1), child=world.a1.child, billing_run=run)
    inv_text = pdf_text(pdf.invoice_pdf(statements.invoice(november.account, run)))
    assert "INVOICE" in inv_text and "$825.00" in inv_text and "Kida1" in inv_text
    receipt = statements.receipt(LedgerEntry.objects.get(receipt_number="R-2"))
    receipt_text = pdf_text(pdf.receipt_pdf(receipt))
    assert "RECEIPT" in receipt_text and "R-2" in receipt_text and "$400.00" in receipt_text
    tax_text = pdf_text(pdf.tax_statement_pdf(statements.tax_statement(november.account, 2025)))
    assert "Kida1 Alpha" in tax_text and "$700.00" in tax_text
    assert "not on file" in tax_text  # no EIN yet, said plainly


def test_text_outside_latin_1_is_printed_plainly():
    assert pdf.plain("Zoë “Ziggy” Łukasz — 5€ ✓") == 'Zoë "Ziggy" Lukasz - 5EUR ?'


# --- pages and access ------------------------------------------------------------------------


def statement_url(account, year=2025, month=11, name="billing_statement"):
    return reverse(name, args=[account.provider.slug, account.pk, year, month])


def test_director_reads_a_statement_on_screen_and_as_pdf(client, world, november):
    client.force_login(world.a1.users[Role.DIRECTOR])
    page = client.get(statement_url(november.account))
    assert page.status_code == 200
    body = page.content.decode()
    assert "Tuition November" in body and "$325.00" in body and "past due" in body
    as_pdf = client.get(statement_url(november.account) + "?format=pdf")
    assert as_pdf["Content-Type"] == "application/pdf"
    assert as_pdf.content.startswith(b"%PDF")
    named = client.get(statement_url(november.account, name="billing_statement_pdf"))
    assert named["Content-Type"] == "application/pdf"
    assert "statement-2025-11" in named["Content-Disposition"]


def test_the_month_picker_goes_to_the_chosen_month(client, world, november):
    client.force_login(world.a1.users[Role.DIRECTOR])
    response = client.get(statement_url(november.account) + "?month=2025-10")
    assert response.status_code == 302
    assert response["Location"] == statement_url(november.account, 2025, 10)
    assert client.get(statement_url(november.account, 2025, 13)).status_code == 404


def test_guardian_sees_their_own_documents_only(client, world, november):
    a1 = world.a1
    client.force_login(a1.users[Role.GUARDIAN])
    assert client.get(statement_url(november.account)).status_code == 200
    other = Books(family_account(a1.other_child.family))
    other.charge("75", date(2025, 11, 1), child=a1.other_child)
    other_payment = other.pay("75", date(2025, 11, 2))
    assert client.get(statement_url(other.account)).status_code == 404
    assert client.get(statement_url(other.account, name="billing_statement_pdf")).status_code == 404
    receipt = LedgerEntry.objects.get(receipt_number="R-2")
    assert client.get(reverse("billing_receipt_pdf", args=["a1", receipt.pk])).status_code == 200
    assert (
        client.get(reverse("billing_receipt_pdf", args=["a1", other_payment.pk])).status_code == 404
    )
    charge = LedgerEntry.objects.filter(account=november.account, kind="charge").first()
    assert client.get(reverse("billing_receipt_pdf", args=["a1", charge.pk])).status_code == 404
    tax = reverse("billing_tax_statement_pdf", args=["a1", other.account.pk, 2025])
    assert client.get(tax).status_code == 404
    mine = reverse("billing_tax_statement_pdf", args=["a1", november.account.pk, 2025])
    assert client.get(mine)["Content-Type"] == "application/pdf"
    listing = client.get(reverse("billing_tax_statements", args=["a1", 2025])).content.decode()
    assert "Family a1" in listing and "Other family a1" not in listing
    assert client.get(reverse("billing_statements", args=["a1"])).status_code == 403


def test_guardian_does_not_see_the_other_households_share(client, world, november):
    a1 = world.a1
    other_parent = Guardian.objects.create(
        provider=a1.provider, family=a1.family, first_name="Sam", last_name="Alpha"
    )
    share = PayerAccount.objects.create(
        provider=a1.provider,
        kind=AccountKind.GUARDIAN,
        family=a1.family,
        guardian=other_parent,
        name="Sam Alpha (share)",
    )
    Books(share).charge("100", date(2025, 11, 1), child=a1.child)
    client.force_login(a1.users[Role.GUARDIAN])
    assert client.get(statement_url(share)).status_code == 404
    client.force_login(a1.users[Role.DIRECTOR])
    assert client.get(statement_url(share)).status_code == 200


def test_staff_may_not_open_billing_documents(client, world, november):
    client.force_login(world.a1.users[Role.STAFF])
    assert client.get(statement_url(november.account)).status_code == 403
    assert client.get(reverse("billing_tax_statements", args=["a1"])).status_code == 403


def test_consultant_and_hub_staff_read_documents(client, world, november):
    for user in (world.a1.users[Role.CONSULTANT], world.alliance_users[("alpha", Role.HUB_STAFF)]):
        client.force_login(user)
        assert client.get(statement_url(november.account)).status_code == 200


def test_invoice_pages(client, world, november):
    run = _run(world.a1.provider)
    november.charge("500", date(2025, 12, 1), child=world.a1.child, billing_run=run)
    client.force_login(world.a1.users[Role.DIRECTOR])
    url = reverse("billing_invoice", args=["a1", november.account.pk, run.pk])
    page = client.get(url)
    assert page.status_code == 200 and "$825.00" in page.content.decode()
    assert client.get(url + "?format=pdf")["Content-Type"] == "application/pdf"
    pdf_url = reverse("billing_invoice_pdf", args=["a1", november.account.pk, run.pk])
    assert client.get(pdf_url).content.startswith(b"%PDF")
    other = family_account(world.a1.other_child.family)
    assert client.get(reverse("billing_invoice", args=["a1", other.pk, run.pk])).status_code == 404


def test_statements_list_and_account_documents(client, world, november):
    client.force_login(world.a1.users[Role.DIRECTOR])
    listing = client.get(reverse("billing_statements", args=["a1", 2025, 11])).content.decode()
    assert "Family a1" in listing and "$325.00" in listing
    assert client.get(reverse("billing_statements", args=["a1"])).status_code == 200
    settled = Books(family_account(world.a1.other_child.family))
    settled.charge("80", date(2025, 11, 3), child=world.a1.other_child)
    settled.pay("80", date(2025, 11, 4))
    url = reverse("billing_statements", args=["a1", 2025, 11])
    assert "Other family a1" in client.get(url).content.decode()
    owing = client.get(url + "?owing=1").content.decode()
    assert "Other family a1" not in owing and "1 account" in owing
    picked = client.get(reverse("billing_statements", args=["a1"]) + "?month=2025-10")
    assert picked["Location"] == reverse("billing_statements", args=["a1", 2025, 10])
    docs = client.get(reverse("billing_account_documents", args=["a1", november.account.pk]))
    body = docs.content.decode()
    assert "November 2025" in body and "October 2025" in body and "R-2" in body
    assert reverse("billing_tax_statement", args=["a1", november.account.pk, 2025]) in body


def test_tax_statements_page_warns_when_the_ein_is_missing(client, world, november):
    client.force_login(world.a1.users[Role.DIRECTOR])
    url = reverse("billing_tax_statements", args=["a1", 2025])
    body = client.get(url).content.decode()
    assert "Your EIN is missing" in body
    assert reverse("billing_prices", args=["a1"]) in body  # where to enter it
    assert "Family a1" in body and "$700.00" in body
    BillingSettings.objects.create(provider=world.a1.provider, ein="12-3456789")
    body = client.get(url).content.decode()
    assert "EIN is missing" not in body and "12-3456789" in body
    assert client.get(reverse("billing_tax_statements", args=["a1"]) + "?year=2024").status_code
    single = client.get(reverse("billing_tax_statement", args=["a1", november.account.pk, 2025]))
    assert "Kida1 Alpha" in single.content.decode()


def test_the_state_account_gets_no_tax_statement(client, world):
    from ccms.billing.accounts import cca_account

    cca = cca_account(world.a1.provider)
    Books(cca).pay("900", date(2025, 3, 1), method="state")
    client.force_login(world.a1.users[Role.DIRECTOR])
    listing = client.get(reverse("billing_tax_statements", args=["a1", 2025])).content.decode()
    assert cca.name not in listing
    url = reverse("billing_tax_statement_pdf", args=["a1", cca.pk, 2025])
    assert client.get(url).status_code == 404


def test_billing_menu_lists_the_documents_pages(client, world):
    client.force_login(world.a1.users[Role.DIRECTOR])
    body = client.get(reverse("billing_statements", args=["a1"])).content.decode()
    for label in ("Statements", "Tax statements", "Accounting export"):
        assert f">{label}<" in body or f">{label} " in body, label
