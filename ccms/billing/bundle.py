"""ledger.csv of the data bundle: the charges, payments, credits and write-offs of each family,
one row per ledger entry. A provider switching to us brings its opening balances as `charge`
rows (what each payer owes), and a provider leaving takes its whole ledger along.

The ledger is append-only, so an import only ever adds entries: a row whose reference is posted
already must say what the ledger holds, and a correction is a new row under a new reference."""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ccms.billing import ledger
from ccms.billing.accounts import cca_account, family_accounts_by_family
from ccms.billing.models import AccountKind, EntryKind, LedgerEntry, PayerAccount, PayerType
from ccms.core.bundle.base import (
    CREATED,
    UNCHANGED,
    BundleFile,
    CellError,
    Choice,
    Date,
    FilePlan,
    ImportPlan,
    Key,
    Money,
    Row,
    RowPlan,
    Text,
)
from ccms.tenancy.models import Provider

KINDS = (EntryKind.CHARGE, EntryKind.PAYMENT, EntryKind.CREDIT, EntryKind.WRITE_OFF)
PAYERS = tuple(PayerType.values)  # family, cca, other
OTHER_PAYERS = "Other payers"
# The bundle's reference is stored in LedgerEntry.reference.
REFERENCE_LENGTH = LedgerEntry._meta.get_field("reference").max_length
# Rows posted per statement.
CHUNK = 1000
# The columns a posted entry is compared on when its reference comes again.
COMPARED = ("date", "kind", "payer", "amount", "description")


def entry_key(family_key: str, reference: str) -> str:
    """The idempotency key of an imported row: the same row imported again posts nothing."""
    return f"bundle:{family_key}:{reference}"


def reference_of(entry: LedgerEntry) -> str:
    """The reference an entry is exported under, unique within its family: the reference it
    was imported with, else its own idempotency key (shortened to a digest when too long for
    the column). An import of the export matches the entry by it, so nothing posts twice."""
    prefix = entry_key(entry.family.key, "")
    if entry.key.startswith(prefix):
        return entry.key[len(prefix) :]
    if len(entry.key) <= REFERENCE_LENGTH:
        return entry.key
    return "key-" + hashlib.sha256(entry.key.encode()).hexdigest()[:32]


def as_row(entry: LedgerEntry) -> dict[str, Any]:
    """An entry as a ledger.csv row. A refund raises what the payer owes exactly as a charge
    does, and the format has no refund kind: it is exported as a charge with its description."""
    kind = EntryKind.CHARGE if entry.kind == EntryKind.REFUND else entry.kind
    return {
        "family_key": entry.family.key,
        "date": entry.on,
        "kind": str(kind),
        "payer": str(entry.account.payer_type),
        "amount": entry.amount,
        # Cells are read stripped, so an exported description is written stripped.
        "description": entry.description.strip(),
        "reference": reference_of(entry),
    }


@dataclass(frozen=True)
class Amount(Money):
    """An entry's amount: more than zero, its kind says which way it moves the balance."""

    def parse(self, text: str) -> Decimal:
        if text.startswith("-"):
            raise CellError(
                f"{text} is negative; write every amount as a positive number: the kind says "
                "which way it moves the balance."
            )
        value = super().parse(text)
        if value == 0:
            raise CellError(
                f"{text} moves no money; a ledger amount is more than zero (leave the row out)."
            )
        return value


@dataclass
class LedgerRowPlan(RowPlan):
    payer: str = ""


class LedgerFile(BundleFile):
    name = "ledger.csv"
    columns = (
        Key("family_key", required=True),
        Date("date", required=True),
        Choice("kind", required=True, choices=tuple(str(k) for k in KINDS)),
        Choice("payer", required=True, choices=PAYERS),
        Amount("amount", required=True),
        Text("description", max_length=LedgerEntry._meta.get_field("description").max_length),
        Text("reference", required=True, max_length=REFERENCE_LENGTH),
    )
    # A reference is unique within its family.
    key = ("reference", "family_key")

    def plan(self, rows: list[Row], job: ImportPlan) -> None:
        if not rows:
            return
        posted = _posted_entries(job)
        for row in rows:
            found = job.resolve(row, "family_key", "family", defined_in="families.csv")
            if found is None:
                continue
            provider_key, family = found
            reference = row.values["reference"]
            existing = posted.get((provider_key, family.key, reference))
            if existing is not None:
                _check_unchanged(row, existing, job)
                job.files[self.name].rows.append(LedgerRowPlan(row.line, existing, UNCHANGED))
                continue
            if row.failed:
                continue
            entry = LedgerEntry(
                provider=job.providers[provider_key],
                family=family,
                kind=row.values["kind"],
                on=row.values["date"],
                amount=row.values["amount"],
                description=row.values["description"],
                reference=reference,
                key=entry_key(family.key, reference),
            )
            job.files[self.name].rows.append(
                LedgerRowPlan(row.line, entry, CREATED, payer=row.values["payer"])
            )

    def write(self, plan: FilePlan, job: ImportPlan, *, actor, reason: str, progress) -> None:
        # In the file's order: entries of one day keep it, and FIFO allocation follows it.
        pending = sorted((r for r in plan.rows if r.action == CREATED), key=lambda r: r.line)
        if not pending:
            return
        accounts = _Accounts(pending)
        rows = []
        for planned in pending:
            entry = planned.instance
            rows.append(
                {
                    "account": accounts.of(planned.payer, entry),
                    "family_id": entry.family.pk,  # saved by families.csv by now
                    "kind": entry.kind,
                    "amount": entry.amount,
                    "on": entry.on,
                    "description": entry.description,
                    "key": entry.key,
                    "reference": entry.reference,
                }
            )
        for start in range(0, len(rows), CHUNK):
            # post_many skips keys posted meanwhile (a concurrent import of the same file).
            ledger.post_many(rows[start : start + CHUNK], actor=actor)
            if progress is not None:
                progress(f"{self.name}: {min(start + CHUNK, len(rows))}/{len(rows)} written")

    def export(self, provider: Provider, warnings: list[str]) -> list[dict]:
        # Every entry that belongs to a family, whichever account it is on. A reversed entry and
        # its reversal cancel each other, so both are left out: the file holds what stands.
        entries = (
            LedgerEntry.objects.filter(provider=provider, family__isnull=False)
            .exclude(kind=EntryKind.REVERSAL)
            .filter(reversed_by__isnull=True)
            .select_related("family", "account")
        )
        rows, order, named, merged = [], {}, 0, Counter()
        for entry in entries:
            row = as_row(entry)
            rows.append(row)
            order[id(row)] = entry.pk
            if entry.kind == EntryKind.WRITE_OFF and entry.applies_to_id:
                named += 1
            if not _kept_as_it_is(entry.account):
                merged[entry.account.kind] += 1
        _warn_of_what_the_format_cannot_hold(provider, warnings, named, merged)
        # Entries of one family by date, and on one date in the order they were posted (which
        # decides what a payment covers first): re-imported in this order, they keep it.
        return sorted(rows, key=lambda r: (r["family_key"], r["date"], order[id(r)]))


def _posted_entries(job: ImportPlan) -> dict[tuple[str, str, str], LedgerEntry]:
    """The entries stored for the bundle's providers' families, by (provider key, family key,
    reference as exported)."""
    keys = job.provider_keys_by_id()
    if not keys:
        return {}
    entries = (
        LedgerEntry.objects.filter(provider_id__in=keys, family__isnull=False)
        .exclude(kind=EntryKind.REVERSAL)
        .select_related("family", "account")
    )
    return {(keys[e.provider_id], e.family.key, reference_of(e)): e for e in entries}


def _check_unchanged(row: Row, entry: LedgerEntry, job: ImportPlan) -> None:
    stored = as_row(entry)
    for column in COMPARED:
        if column not in row.values:
            continue  # a cell that did not parse has its own error
        given, kept = row.values[column], stored[column]
        if given == kept:
            continue
        job.error(
            row,
            column,
            f"Reference “{stored['reference']}” of family {stored['family_key']} is posted "
            f"already as {_described(stored)}; this row has {column} {_shown(given)} instead "
            f"of {_shown(kept)}. The ledger is append-only, so a posted entry never changes: "
            "put the row back as it was, and correct the balance with a new row under a new "
            "reference (a credit lowers it, a charge raises it).",
        )


def _described(row: dict) -> str:
    kind = row["kind"].replace("_", "-")
    return f"a {row['payer']} {kind} of {row['amount']:.2f} on {row['date']:%Y-%m-%d}"


def _shown(value: Any) -> str:
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if value == "":
        return "(empty)"
    return f"“{value}”" if isinstance(value, str) else str(value)


class _Accounts:
    """The payer accounts of the rows to post, found or created once each. A planned entry
    holds the bundle's provider and family (saved by now)."""

    def __init__(self, pending: list[LedgerRowPlan]):
        families: dict[int, tuple[Provider, set[int]]] = {}
        for planned in pending:
            if planned.payer == PayerType.FAMILY:
                entry = planned.instance
                provider = entry.provider
                families.setdefault(provider.pk, (provider, set()))[1].add(entry.family.pk)
        self._families: dict[int, PayerAccount] = {}
        for provider, ids in families.values():
            self._families.update(family_accounts_by_family(provider, ids))
        self._providers: dict[tuple[str, int], PayerAccount] = {}

    def of(self, payer: str, entry: LedgerEntry) -> PayerAccount:
        if payer == PayerType.FAMILY:
            return self._families[entry.family.pk]
        provider = entry.provider
        found = self._providers.get((payer, provider.pk))
        if found is None:
            found = cca_account(provider) if payer == PayerType.CCA else other_payers(provider)
            self._providers[(payer, provider.pk)] = found
        return found


def _kept_as_it_is(account: PayerAccount) -> bool:
    """Whether an import of the account's rows posts them to an account like it."""
    if account.kind in (AccountKind.FAMILY, AccountKind.CCA):
        return True
    return account.kind == AccountKind.OTHER and account.name == OTHER_PAYERS


def other_payers(provider: Provider) -> PayerAccount:
    """The provider's account for payers the bundle calls `other` (employers, scholarships and
    the like, which the format does not tell apart)."""
    lookup = {"provider": provider, "kind": AccountKind.OTHER, "name": OTHER_PAYERS}
    found = PayerAccount.objects.filter(**lookup, family__isnull=True).order_by("pk").first()
    return found or PayerAccount.objects.create(**lookup)


def _warn_of_what_the_format_cannot_hold(
    provider: Provider, warnings: list[str], named: int, merged: Counter
) -> None:
    name = LEDGER.name
    if named:
        warnings.append(
            f"{name}: write-offs that name the charge they close: {named}. The file has no "
            "column for it, so an import closes the oldest open charge of the payer instead."
        )
    for kind, count in sorted(merged.items()):
        label = AccountKind(kind).label.lower()
        into = "the family's account" if kind == AccountKind.GUARDIAN else f"“{OTHER_PAYERS}”"
        warnings.append(
            f"{name}: entries of {label} accounts: {count}. They are exported with payer "
            f"{PayerAccount(kind=kind).payer_type}, and an import posts them to {into}."
        )
    without = (
        LedgerEntry.objects.filter(provider=provider, family__isnull=True)
        .exclude(kind=EntryKind.REVERSAL)
        .filter(reversed_by__isnull=True)
        .count()
    )
    if without:
        warnings.append(
            f"{name}: entries of no family (e.g. a lump-sum payment of a third party): "
            f"{without}. They are left out: a row names its family."
        )


LEDGER = LedgerFile()
