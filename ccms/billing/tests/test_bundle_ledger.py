"""ledger.csv in the data bundle: opening balances come in when a provider switches to us, every
error is listed and nothing written, importing twice posts nothing, a posted entry never changes,
and export -> import into an empty database -> export gives the same bytes."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from ccms.billing import ledger
from ccms.billing.accounts import accounts_for, cca_account, family_account
from ccms.billing.allocation import aging, allocate
from ccms.billing.bundle import OTHER_PAYERS, entry_key
from ccms.billing.models import AccountKind, LedgerEntry, PayerAccount
from ccms.core.access import access_provider
from ccms.core.bundle.base import ImportScope
from ccms.core.bundle.services import export_provider, import_bundle
from ccms.core.tests.test_bundle import VALID_BUNDLE, empty_the_database
from ccms.families.models import Family, Guardian
from ccms.tenancy.models import Provider

HEADER = "family_key,date,kind,payer,amount,description,reference\n"
D = Decimal


def import_ledger(ledger_csv: str, scope=None, **files: str):
    """Import the valid gamma-kids bundle (families f-1 and f-2) with this ledger.csv."""
    bundle = {**VALID_BUNDLE, **files, "ledger.csv": ledger_csv}
    return import_bundle(
        files={name: text.encode() for name, text in bundle.items()}, scope=scope or ImportScope()
    )


def summary(report) -> tuple[int, int, int]:
    found = next(f for f in report.files if f.name == "ledger.csv")
    return found.created, found.updated, found.unchanged


def account_balances(provider) -> dict[tuple[str, str], Decimal]:
    accounts = PayerAccount.objects.filter(provider=provider)
    found = ledger.balances(accounts)
    return {(a.kind, a.name): found[a.pk] for a in accounts}


OPENING = HEADER + (
    "f-1,2026-01-05,charge,family,640.00,January tuition,INV-1001\n"
    "f-1,2026-02-02,charge,family,640.00,February tuition,INV-1002\n"
    "f-1,2026-02-10,payment,family,500.00,Check 4411,PAY-77\n"
    "f-1,2026-02-02,charge,cca,310.00,CCA February,CCA-FEB\n"
    "f-2,2026-01-05,charge,family,120.00,Supply fee,INV-1003\n"
    "f-2,2026-02-20,write_off,family,100.00,Uncollectible,WO-1\n"
    "f-2,2026-02-01,credit,other,50.00,Scholarship,SCH-1\n"
    "f-2,2026-02-01,charge,other,200.00,Employer share,EMP-1\n"
)


def test_opening_balances_come_in_as_entries_on_each_payers_account(world):
    report = import_ledger(OPENING)
    assert report.ok and report.written, report.issues
    assert summary(report) == (8, 0, 0)
    provider = Provider.objects.get(slug="gamma-kids")
    rivera = Family.objects.get(provider=provider, key="f-1")
    olsen = Family.objects.get(provider=provider, key="f-2")
    assert account_balances(provider) == {
        (AccountKind.FAMILY, "Rivera"): D("780.00"),
        (AccountKind.FAMILY, "Olsen"): D("20.00"),
        (AccountKind.CCA, "Iowa Child Care Assistance (HHS)"): D("310.00"),
        (AccountKind.OTHER, OTHER_PAYERS): D("150.00"),  # one account for both families
    }
    january = LedgerEntry.objects.get(provider=provider, reference="INV-1001")
    assert (january.key, january.family, january.account) == (
        entry_key("f-1", "INV-1001"),
        rivera,
        family_account(rivera),
    )
    assert january.description == "January tuition" and january.kind == "charge"
    cca = LedgerEntry.objects.get(provider=provider, reference="CCA-FEB")
    assert cca.account == cca_account(provider) and cca.family == rivera
    # The payment covers January, then part of February (FIFO); the write-off closes the oldest
    # open charge of its payer, as allocation does when a write-off names none.
    entries = LedgerEntry.objects.filter(account=family_account(rivera))
    allocation = allocate(entries)
    assert [allocation.open_amount(d) for d in allocation.debits] == [D("140.00"), D("640.00")]
    olsen_entries = allocate(LedgerEntry.objects.filter(account=family_account(olsen)))
    assert olsen_entries.open_total == D("20.00") and not olsen_entries.unapplied
    assert aging(allocation, date(2026, 3, 10)) == {
        "0-30": D("0.00"),
        "31-60": D("640.00"),
        "61-90": D("140.00"),
        "90+": D("0.00"),
    }


def test_a_guardian_sees_the_opening_balance_of_the_family(client, world):
    t = world.a1
    rows = HEADER + f"{t.family.key},2026-01-31,charge,family,412.50,Balance brought forward,OB\n"
    report = import_bundle(
        files={"ledger.csv": rows.encode(), **_a1_manifest()}, scope=ImportScope(t.provider)
    )
    assert report.ok and report.written, report.issues
    access = access_provider(t.users["guardian"], "a1", "billing.own")
    [account] = accounts_for(access)
    assert account.family == t.family
    assert ledger.balance(account) == D("412.50")
    [entry] = account.entries.all()
    assert entry.description == "Balance brought forward" and entry.on == date(2026, 1, 31)
    client.force_login(t.users["guardian"])
    page = client.get(reverse("billing_mine", args=["a1"])).content.decode()
    assert "Balance brought forward" in page and "$412.50" in page


def _a1_manifest() -> dict[str, bytes]:
    return {
        "manifest.json": b'{"format": "ccms-bundle", "version": 1}',
        "providers.csv": b"provider_key,name,kind\na1,Provider a1,center\n",
    }


def test_importing_the_same_ledger_twice_posts_nothing_the_second_time(world):
    first = import_ledger(OPENING)
    assert first.ok and first.written, first.issues
    count = LedgerEntry.objects.count()
    accounts = PayerAccount.objects.count()

    second = import_ledger(OPENING)
    assert second.ok and second.written, second.issues
    assert summary(second) == (0, 0, 8)
    assert second.changed == 0
    assert LedgerEntry.objects.count() == count and PayerAccount.objects.count() == accounts

    # A later file with one more row posts only that row.
    third = import_ledger(OPENING + "f-1,2026-03-02,charge,family,640.00,March,INV-1004\n")
    assert summary(third) == (1, 0, 8)
    assert LedgerEntry.objects.count() == count + 1


def test_a_changed_amount_is_refused_because_the_ledger_is_append_only(world):
    import_ledger(OPENING)
    count = LedgerEntry.objects.count()
    changed = OPENING.replace("2026-02-02,charge,family,640.00", "2026-02-02,charge,family,600.00")
    report = import_ledger(changed)
    assert not report.written
    assert [str(issue) for issue in report.issues] == [
        "ledger.csv:3: amount: Reference “INV-1002” of family f-1 is posted already as a family "
        "charge of 640.00 on 2026-02-02; this row has amount 600.00 instead of 640.00. The "
        "ledger is append-only, so a posted entry never changes: put the row back as it was, "
        "and correct the balance with a new row under a new reference (a credit lowers it, a "
        "charge raises it)."
    ]
    assert LedgerEntry.objects.count() == count

    # Every other column of a posted row is held to what was posted too.
    moved = OPENING.replace(
        "2026-02-10,payment,family,500.00,Check 4411", "2026-02-11,credit,cca,500.00,Check"
    )
    report = import_ledger(moved)
    assert [(i.line, i.column) for i in report.issues] == [
        (4, "date"),
        (4, "kind"),
        (4, "payer"),
        (4, "description"),
    ]
    # The correction the message asks for goes through.
    fixed = OPENING + "f-1,2026-03-01,credit,family,40.00,February tuition corrected,INV-1002-FIX\n"
    assert import_ledger(fixed).ok


LEDGER_ERRORS = HEADER + (
    "f-1,2026-01-05,charge,family,640.00,January,INV-1\n"  # fine
    "f-1,2026-01-05,refund,family,10.00,,INV-2\n"
    "f-1,2026-01-05,charge,state,10.00,,INV-3\n"
    "f-1,2026-01-05,payment,family,-5.00,,INV-4\n"
    "f-1,2026-01-05,payment,family,0.00,,INV-5\n"
    "f-1,2026-01-05,payment,family,$12,,INV-6\n"
    "f-1,2026-02-30,payment,family,12.00,,INV-7\n"
    "f-1,2026-01-05,payment,family,12.00,,\n"
    "nobody,2026-01-05,payment,family,12.00,,INV-8\n"
    "f-1,2026-01-05,charge,family,640.00,January again,INV-1\n"
    f"f-2,2026-01-05,charge,family,1.00,,{'R' * 65}\n"
    "f-2,2026-01-05,charge,family,1.00,,INV-1\n"  # fine: another family's INV-1
)


def test_every_error_is_listed_with_its_place_and_nothing_is_written(world):
    report = import_ledger(LEDGER_ERRORS)
    assert not report.written
    assert [str(issue) for issue in report.issues] == [
        "ledger.csv:3: kind: “refund” is not allowed; use one of: charge, payment, credit, "
        "write_off.",
        "ledger.csv:4: payer: “state” is not allowed; use one of: family, cca, other.",
        "ledger.csv:5: amount: -5.00 is negative; write every amount as a positive number: the "
        "kind says which way it moves the balance.",
        "ledger.csv:6: amount: 0.00 moves no money; a ledger amount is more than zero (leave "
        "the row out).",
        "ledger.csv:7: amount: “$12” is not an amount; write money as 1234.56 (no currency "
        "symbol, no thousands separator, at most two decimals).",
        "ledger.csv:8: date: “2026-02-30” is not a date; write dates as YYYY-MM-DD, e.g. "
        "2026-09-01.",
        "ledger.csv:9: reference: Required; fill in this cell.",
        "ledger.csv:10: family_key: Unknown family_key “nobody”; add the family to families.csv.",
        "ledger.csv:11: reference: Duplicate reference “INV-1”, family_key “f-1”: line 2 has it "
        "already; keys are unique within the file.",
        "ledger.csv:12: reference: Too long (65 characters); shorten it to at most 64.",
    ]
    assert not Provider.objects.filter(slug="gamma-kids").exists()
    assert LedgerEntry.objects.count() == 0 and PayerAccount.objects.count() == 0


def test_an_import_for_one_provider_cannot_post_to_another_providers_families(world):
    rows = HEADER + f"{world.a2.family.key},2026-01-05,charge,family,10.00,,X\n"
    report = import_bundle(
        files={"ledger.csv": rows.encode(), **_a1_manifest()},
        scope=ImportScope(world.a1.provider),
    )
    assert [(i.line, i.column) for i in report.issues] == [(2, "family_key")]
    assert LedgerEntry.objects.count() == 0


def fill_ledger(world):
    """Entries of every kind at a1, as the billing screens post them: a billing run's charge, a
    payment with its receipt, a refund, a payment reversed after it bounced, a guardian's own
    share, the state's share, an employer's share and a lump sum of no family."""
    t = world.a1
    account = family_account(t.family)
    post = ledger.post_entry
    post(
        account,
        kind="charge",
        amount="980.00",
        on=date(2026, 1, 1),
        actor=None,
        key="run:monthly:2026-01-01:tuition:1:1",
        child=t.child,
        category="tuition",
        description="Tuition Jan 1-Jan 31, Kida1 (Toddlers)",
    )
    post(
        account,
        kind="charge",
        amount="25.00",
        on=date(2026, 1, 1),
        actor=None,
        key="fee:1:1:1",
        child=t.child,
        category="registration",
        description="Registration",
    )
    post(
        account,
        kind="payment",
        amount="500.00",
        on=date(2026, 1, 9),
        actor=None,
        key="pay-1",
        method="check",
        receipt_number="R-1",
        description="  Check 101 ",
    )
    bounced = post(
        account,
        kind="payment",
        amount="505.00",
        on=date(2026, 1, 20),
        actor=None,
        key="pay-2",
        method="ach",
        description="Autopay",
    )
    ledger.reverse_entry(bounced, actor=None, reason="R01", on=date(2026, 1, 23))
    post(
        account,
        kind="refund",
        amount="20.00",
        on=date(2026, 1, 25),
        actor=None,
        key="refund-1",
        description="Refund of a deposit",
    )
    post(
        account,
        kind="credit",
        amount="15.00",
        on=date(2026, 1, 25),
        actor=None,
        key="x" * 80,
        description="Goodwill credit",
    )
    guardian = Guardian.objects.get(family=t.family)
    share = PayerAccount.objects.create(
        provider=t.provider,
        kind=AccountKind.GUARDIAN,
        name="Pat's share",
        family=t.family,
        guardian=guardian,
    )
    post(
        share,
        kind="charge",
        amount="100.00",
        on=date(2026, 1, 1),
        actor=None,
        key="share-1",
        description="Pat's half",
    )
    post(
        cca_account(t.provider),
        kind="charge",
        amount="300.00",
        on=date(2026, 1, 1),
        actor=None,
        key="cca-1",
        family=t.family,
        description="CCA January",
    )
    employer = PayerAccount.objects.create(
        provider=t.provider, kind=AccountKind.EMPLOYER, name="Acme Corp"
    )
    post(
        employer,
        kind="charge",
        amount="75.00",
        on=date(2026, 1, 1),
        actor=None,
        key="emp-1",
        family=t.family,
        description="Acme share",
    )
    post(
        cca_account(t.provider),
        kind="payment",
        amount="3000.00",
        on=date(2026, 2, 3),
        actor=None,
        key="cca-lump",
        description="State remittance",
    )
    other = family_account(t.other_child.family)
    post(other, kind="charge", amount="40.00", on=date(2026, 1, 2), actor=None, key="o-1")
    post(
        other,
        kind="write_off",
        amount="40.00",
        on=date(2026, 3, 1),
        actor=None,
        key="wo-1",
        applies_to=LedgerEntry.objects.get(key="o-1"),
        description="Moved away",
    )


def test_export_then_import_into_an_empty_database_gives_the_same_ledger(world):
    fill_ledger(world)
    t = world.a1
    first = export_provider(provider=t.provider)
    fam, other = t.family.key, t.other_child.family.key
    rows = first.files["ledger.csv"].decode().splitlines()
    assert rows == [
        HEADER.strip(),
        *sorted(
            [
                f"{fam},2026-01-01,charge,family,980.00,"
                f'"Tuition Jan 1-Jan 31, Kida1 (Toddlers)",run:monthly:2026-01-01:tuition:1:1',
                f"{fam},2026-01-01,charge,family,25.00,Registration,fee:1:1:1",
                f"{fam},2026-01-01,charge,family,100.00,Pat's half,share-1",
                f"{fam},2026-01-01,charge,cca,300.00,CCA January,cca-1",
                f"{fam},2026-01-01,charge,other,75.00,Acme share,emp-1",
                f"{fam},2026-01-09,payment,family,500.00,Check 101,pay-1",
                f"{fam},2026-01-25,charge,family,20.00,Refund of a deposit,refund-1",
                f"{fam},2026-01-25,credit,family,15.00,Goodwill credit,key-"
                + __import__("hashlib").sha256(b"x" * 80).hexdigest()[:32],
                f"{other},2026-01-02,charge,family,40.00,,o-1",
                f"{other},2026-03-01,write_off,family,40.00,Moved away,wo-1",
            ],
            key=lambda line: line.split(",")[0],
        ),
    ]
    assert first.warnings == [
        "ledger.csv: write-offs that name the charge they close: 1. The file has no column for "
        "it, so an import closes the oldest open charge of the payer instead.",
        "ledger.csv: entries of employer accounts: 1. They are exported with payer other, and "
        f"an import posts them to “{OTHER_PAYERS}”.",
        "ledger.csv: entries of guardian (own share) accounts: 1. They are exported with payer "
        "family, and an import posts them to the family's account.",
        "ledger.csv: entries of no family (e.g. a lump-sum payment of a third party): 1. They "
        "are left out: a row names its family.",
    ]
    before = {
        payer: sum(
            (
                ledger.balance(a)
                for a in PayerAccount.objects.filter(provider=t.provider)
                if a.payer_type == payer and a.kind != AccountKind.CCA
            ),
            D(0),
        )
        for payer in ("family", "other")
    }

    empty_the_database()
    assert LedgerEntry.objects.count() == 0
    report = import_bundle(files=first.files, scope=ImportScope())
    assert report.ok and report.written, report.issues
    assert summary(report) == (10, 0, 0)

    provider = Provider.objects.get(slug="a1")
    second = export_provider(provider=provider)
    assert second.files == first.files
    assert second.warnings == []  # what the file could not hold stayed behind the first time
    after = {
        payer: sum(
            (
                ledger.balance(a)
                for a in PayerAccount.objects.filter(provider=provider)
                if a.payer_type == payer and a.kind != AccountKind.CCA
            ),
            D(0),
        )
        for payer in ("family", "other")
    }
    assert after == before == {"family": D("610.00"), "other": D("75.00")}
    assert ledger.balance(cca_account(provider)) == D("300.00")  # the lump sum stayed behind
    # A third round changes nothing.
    assert summary(import_bundle(files=second.files, scope=ImportScope())) == (0, 0, 10)


def test_importing_a_providers_own_export_into_its_database_posts_nothing(world):
    fill_ledger(world)
    exported = export_provider(provider=world.a1.provider)
    count = LedgerEntry.objects.count()
    report = import_bundle(files=exported.files, scope=ImportScope())
    assert report.ok and report.written, report.issues
    assert summary(report) == (0, 0, 10)
    assert LedgerEntry.objects.count() == count


def test_export_leaves_out_other_providers_entries(world):
    fill_ledger(world)
    ledger.post_entry(
        family_account(world.a2.family),
        kind="charge",
        amount="1.00",
        on=date(2026, 1, 1),
        actor=None,
        key="a2-secret",
        description="a2 only",
    )
    text = export_provider(provider=world.a1.provider).files["ledger.csv"].decode()
    assert "a2-secret" not in text and world.a2.family.key not in text


@pytest.mark.parametrize("payer", ["family", "cca", "other"])
def test_each_payer_is_posted_to_its_account_and_exported_back_as_that_payer(world, payer):
    report = import_ledger(HEADER + f"f-1,2026-01-05,charge,{payer},10.00,x,R1\n")
    assert report.ok, report.issues
    entry = LedgerEntry.objects.get(reference="R1")
    assert entry.account.payer_type == payer
    exported = export_provider(provider=Provider.objects.get(slug="gamma-kids"))
    assert f"f-1,2026-01-05,charge,{payer},10.00,x,R1" in exported.files["ledger.csv"].decode()


def test_the_queries_of_an_import_do_not_grow_with_its_families(world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    t = world.a1
    families = Family.objects.bulk_create(
        Family(provider=t.provider, key=f"fam-{n}", name=f"Family {n}") for n in range(24)
    )

    def queries(some) -> int:
        rows = "".join(
            f"{f.key},2026-01-05,{kind},{payer},10.00,,{kind}-{payer}\n"
            for f in some
            for kind, payer in (("charge", "family"), ("charge", "cca"), ("payment", "other"))
        )
        files = {"ledger.csv": (HEADER + rows).encode(), **_a1_manifest()}
        with CaptureQueriesContext(connection) as captured:
            report = import_bundle(files=files, scope=ImportScope(t.provider))
        assert report.ok and report.written, report.issues
        return len(captured)

    assert queries(families[:2]) >= queries(families[2:])
