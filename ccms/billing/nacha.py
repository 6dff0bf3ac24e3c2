"""NACHA (ACH) files: the autopay debit file a provider uploads to its bank, a structural checker,
and the bank's return file (payments the payers' banks sent back, e.g. R01 insufficient funds).

A file is fixed-width text, 94 characters a record, in blocks of ten records:

    1  File Header
    5  Batch Header      one batch of PPD (consumer) entries, service class 200 (debits and credits)
    6  Entry Detail      a debit of a payer's account (27 checking, 37 savings), and one balancing
                         credit (22) of the provider's own deposit account for the batch total
    7  Addenda           in return files: type 99 with the return reason and the original trace
    8  Batch Control     entry count, entry hash, debit and credit totals
    9  File Control      batch, block and entry counts, hash and totals; then 9-filled padding

The entry hash is the sum of the entries' 8-digit receiving bank routing numbers, last 10 digits.
A trace number is the originating bank's 8-digit routing number and a 7-digit sequence."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.conf import settings as django_settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from ccms.billing import ledger
from ccms.billing.models import (
    AccountType,
    AchBatch,
    AchEntry,
    BillingSettings,
    Category,
    EntryKind,
    LedgerEntry,
)
from ccms.core.dates import provider_today
from ccms.core.services import save_audited

RECORD = 94
BLOCKING = 10
PADDING = "9" * RECORD
SERVICE_MIXED = "200"
SEC_PPD = "PPD"
DEBIT_CODES = {"27", "37"}
CREDIT_CODES = {"22", "32"}
# A returned debit comes back as a credit to the originator (26, 36), a returned credit as a
# debit (21, 31).
RETURN_DEBIT_CODES = {"21", "31"}
RETURN_CREDIT_CODES = {"26", "36"}
SERVICE_CREDITS = "220"
DEBIT_CODE_OF = {AccountType.CHECKING: "27", AccountType.SAVINGS: "37"}
ENTRY_DESCRIPTION = "TUITION"

RETURN_REASONS = {
    "R01": "Insufficient funds",
    "R02": "Account closed",
    "R03": "No account or unable to locate account",
    "R04": "Invalid account number",
    "R05": "Unauthorized debit to consumer account",
    "R06": "Returned at the originating bank's request",
    "R07": "Authorization revoked by customer",
    "R08": "Payment stopped",
    "R09": "Uncollected funds",
    "R10": "Customer advises not authorized",
    "R11": "Customer advises entry not in accordance with the terms of the authorization",
    "R12": "Account sold to another bank",
    "R14": "Representative payee deceased",
    "R15": "Beneficiary or account holder deceased",
    "R16": "Account frozen",
    "R20": "Non-transaction account",
    "R23": "Credit entry refused by receiver",
    "R24": "Duplicate entry",
    "R29": "Corporate customer advises not authorized",
}
# After these the authorization cannot be used again: the payer must set up autopay anew.
MANDATE_ENDING_CODES = {
    "R02",
    "R03",
    "R04",
    "R05",
    "R07",
    "R10",
    "R11",
    "R12",
    "R14",
    "R15",
    "R16",
    "R20",
    "R29",
}


def routing_is_valid(routing: str) -> bool:
    """The ABA check digit: 3, 7, 1 weights over the nine digits sum to a multiple of 10."""
    if len(routing) != 9 or not routing.isdigit():
        return False
    d = [int(c) for c in routing]
    total = 3 * (d[0] + d[3] + d[6]) + 7 * (d[1] + d[4] + d[7]) + (d[2] + d[5] + d[8])
    return total % 10 == 0


def ach_setup_problems(settings: BillingSettings) -> list[str]:
    """What is missing before the provider can originate ACH debits."""
    problems = []
    if not settings.ach_company_name:
        problems.append("the ACH company name (as the bank set it up, up to 16 characters)")
    if not settings.ach_company_id or len(settings.ach_company_id) != 10:
        problems.append("the 10-character ACH company ID from the bank")
    if not routing_is_valid(settings.ach_odfi_routing or ""):
        problems.append("the bank's 9-digit routing number (one whose check digit matches)")
    if not settings.ach_settlement_account:
        problems.append("the provider's deposit account number (where debits are credited)")
    return problems


# --- writing -------------------------------------------------------------------------------


def text(value, width: int) -> str:
    """Alphanumeric field: upper-case ASCII, left-justified, space-filled, cut to width."""
    plain = unicodedata.normalize("NFKD", str(value or "")).encode("ascii", "ignore").decode()
    plain = "".join(c if 32 <= ord(c) < 127 else " " for c in plain).upper()
    return plain[:width].ljust(width)


def number(value: int, width: int) -> str:
    """Numeric field: zero-filled, right-justified; refuses what does not fit."""
    out = str(int(value)).zfill(width)
    if len(out) != width:
        raise ValueError(f"{value} does not fit in {width} digits")
    return out


def cents(amount: Decimal) -> int:
    return int(amount * 100)


def entry_hash(routings: list[str]) -> int:
    return sum(int(r[:8]) for r in routings) % 10**10


@dataclass(frozen=True)
class Debit:
    routing: str
    account_number: str
    account_type: str
    amount: Decimal
    individual_id: str
    name: str
    trace: str


def build_file(
    *,
    settings: BillingSettings,
    modifier: str,
    effective: date,
    created: datetime,
    debits: list[Debit],
    offset_trace: str,
) -> str:
    """One file, one PPD batch: the debits and a balancing credit to the provider's account."""
    odfi = settings.ach_odfi_routing
    total = sum((d.amount for d in debits), Decimal("0.00"))
    header = (
        "1"
        + "01"
        + " "
        + odfi
        + text(settings.ach_company_id, 10)
        + created.strftime("%y%m%d%H%M")
        + text(modifier, 1)
        + "094"
        + "10"
        + "1"
        + text(settings.ach_bank_name or "BANK", 23)
        + text(settings.ach_company_name, 23)
        + text("", 8)
    )
    batch_header = (
        "5"
        + SERVICE_MIXED
        + text(settings.ach_company_name, 16)
        + text("", 20)
        + text(settings.ach_company_id, 10)
        + SEC_PPD
        + text(ENTRY_DESCRIPTION, 10)
        + text(effective.strftime("%b %y"), 6)
        + effective.strftime("%y%m%d")
        + "   "
        + "1"
        + odfi[:8]
        + number(1, 7)
    )
    offset = Debit(
        routing=odfi,
        account_number=settings.ach_settlement_account or "",
        account_type=AccountType.CHECKING,
        amount=total,
        individual_id="OFFSET",
        name=settings.ach_company_name,
        trace=offset_trace,
    )
    entries = [_entry("22", offset)] + [_entry(DEBIT_CODE_OF[d.account_type], d) for d in debits]
    routings = [offset.routing] + [d.routing for d in debits]
    count = len(entries)
    batch_control = (
        "8"
        + SERVICE_MIXED
        + number(count, 6)
        + number(entry_hash(routings), 10)
        + number(cents(total), 12)
        + number(cents(total), 12)
        + text(settings.ach_company_id, 10)
        + text("", 19)
        + text("", 6)
        + odfi[:8]
        + number(1, 7)
    )
    lines = [header, batch_header, *entries, batch_control]
    blocks = -(-(len(lines) + 1) // BLOCKING)
    file_control = (
        "9"
        + number(1, 6)
        + number(blocks, 6)
        + number(count, 8)
        + number(entry_hash(routings), 10)
        + number(cents(total), 12)
        + number(cents(total), 12)
        + text("", 39)
    )
    lines.append(file_control)
    lines += [PADDING] * (blocks * BLOCKING - len(lines))
    return "\n".join(lines) + "\n"


def _entry(code: str, d: Debit) -> str:
    return (
        "6"
        + code
        + d.routing[:8]
        + d.routing[8]
        + text(d.account_number, 17)
        + number(cents(d.amount), 10)
        + text(d.individual_id, 15)
        + text(d.name, 22)
        + "  "
        + "0"
        + d.trace
    )


def next_business_day(day: date) -> date:
    """The next weekday (bank holidays are the bank's to skip: it settles the next day)."""
    day += timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


# --- checking --------------------------------------------------------------------------------


def _records(text_: str) -> list[str]:
    lines = text_.replace("\r\n", "\n").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def check(text_: str) -> list[str]:
    """Every structural problem of a file: record lengths and order, counts, hash totals,
    balanced batches, totals, blocking. An empty list means the file is well formed."""
    problems: list[str] = []
    lines = _records(text_)
    if not lines:
        return ["The file is empty."]
    for n, line in enumerate(lines, 1):
        if len(line) != RECORD:
            problems.append(f"line {n}: {len(line)} characters, not {RECORD}")
    if problems:
        return problems
    if lines[0][0] != "1":
        problems.append("line 1: the file does not start with a File Header (1) record")
    elif lines[0][34:37] != "094" or lines[0][37:39] != "10" or lines[0][39] != "1":
        problems.append("line 1: record size, blocking factor or format code is wrong")
    if len(lines) % BLOCKING:
        problems.append(f"{len(lines)} lines is not a multiple of {BLOCKING} (blocking)")
    body = list(lines)
    while body and body[-1] == PADDING:
        body.pop()
    if any(line[0] == "9" and line == PADDING for line in body[:-1]):
        problems.append("padding records appear before the File Control record")
    if not body or body[-1][0] != "9":
        problems.append("the file does not end with a File Control (9) record")
        return problems
    batches = 0
    file_entries = file_hash = file_debits = file_credits = 0
    batch = None
    for n, line in enumerate(body[1:-1], 2):
        kind = line[0]
        if kind == "5":
            if batch is not None:
                problems.append(f"line {n}: a batch starts before the previous one ended")
            batches += 1
            batch = {
                "line": n,
                "service": line[1:4],
                "company": line[40:50],
                "odfi": line[79:87],
                "number": line[87:94],
                "entries": 0,
                "hash": 0,
                "debits": 0,
                "credits": 0,
                "last_trace": "",
            }
            if line[50:53] != SEC_PPD:
                problems.append(f"line {n}: SEC code {line[50:53]!r}, expected PPD")
            if line[1:4] not in ("200", "220", "225"):
                problems.append(f"line {n}: unknown service class {line[1:4]!r}")
            if int(line[87:94] or 0) != batches:
                problems.append(f"line {n}: batch number {line[87:94]} out of sequence")
        elif kind == "6":
            if batch is None:
                problems.append(f"line {n}: an entry outside a batch")
                continue
            _check_entry(n, line, batch, problems)
        elif kind == "7":
            if batch is None:
                problems.append(f"line {n}: an addenda outside a batch")
                continue
            batch["entries"] += 1
        elif kind == "8":
            if batch is None:
                problems.append(f"line {n}: a Batch Control without a batch")
                continue
            _check_batch_control(n, line, batch, problems)
            file_entries += batch["entries"]
            file_hash += batch["hash"]
            file_debits += batch["debits"]
            file_credits += batch["credits"]
            batch = None
        else:
            problems.append(f"line {n}: unexpected record type {kind!r}")
    if batch is not None:
        problems.append(f"line {batch['line']}: the batch has no Batch Control (8) record")
    control = body[-1]
    n = len(body)
    expected = {
        "batch count": (control[1:7], batches),
        "block count": (control[7:13], len(lines) // BLOCKING),
        "entry/addenda count": (control[13:21], file_entries),
        "entry hash": (control[21:31], file_hash % 10**10),
        "total debits": (control[31:43], file_debits),
        "total credits": (control[43:55], file_credits),
    }
    for name, (found, value) in expected.items():
        if not found.isdigit() or int(found) != value:
            problems.append(f"line {n}: File Control {name} is {found}, expected {value}")
    return problems


def _check_entry(n: int, line: str, batch: dict, problems: list[str]) -> None:
    code, routing, amount, trace = line[1:3], line[3:12], line[29:39], line[79:94]
    if not routing_is_valid(routing):
        problems.append(f"line {n}: routing number {routing} fails its check digit")
    if not amount.isdigit():
        problems.append(f"line {n}: amount {amount!r} is not numeric")
        return
    if code in DEBIT_CODES | RETURN_DEBIT_CODES:
        batch["debits"] += int(amount)
    elif code in CREDIT_CODES | RETURN_CREDIT_CODES:
        batch["credits"] += int(amount)
    else:
        problems.append(f"line {n}: unknown transaction code {code}")
    if not trace.isdigit():
        problems.append(f"line {n}: trace number {trace!r} is not numeric")
    elif trace <= batch["last_trace"]:
        problems.append(f"line {n}: trace numbers are not in ascending order")
    batch["last_trace"] = trace
    batch["entries"] += 1
    batch["hash"] += int(routing[:8])


def _check_batch_control(n: int, line: str, batch: dict, problems: list[str]) -> None:
    expected = {
        "service class": (line[1:4], batch["service"]),
        "entry/addenda count": (line[4:10], str(batch["entries"]).zfill(6)),
        "entry hash": (line[10:20], str(batch["hash"] % 10**10).zfill(10)),
        "total debits": (line[20:32], str(batch["debits"]).zfill(12)),
        "total credits": (line[32:44], str(batch["credits"]).zfill(12)),
        "company ID": (line[44:54], batch["company"]),
        "originating bank": (line[79:87], batch["odfi"]),
        "batch number": (line[87:94], batch["number"]),
    }
    for name, (found, value) in expected.items():
        if found != value:
            problems.append(f"line {n}: Batch Control {name} is {found!r}, expected {value!r}")
    if batch["service"] == SERVICE_MIXED and batch["debits"] != batch["credits"]:
        problems.append(
            f"line {n}: the batch is not balanced: debits {batch['debits']} cents, "
            f"credits {batch['credits']} cents"
        )


# --- the bank's return file ------------------------------------------------------------------


@dataclass(frozen=True)
class ReturnItem:
    line: int
    code: str
    original_trace: str
    amount: Decimal
    name: str

    @property
    def reason(self) -> str:
        return RETURN_REASONS.get(self.code, "Returned by the bank")


@dataclass
class ParsedReturns:
    items: list[ReturnItem] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    notices: int = 0  # notifications of change (addenda 98): nothing to reverse


def parse_returns(text_: str) -> ParsedReturns:
    """Each returned entry: its Entry Detail (6) followed by an addenda (7) of type 99 with the
    return reason code and the trace number of the entry we originated."""
    parsed = ParsedReturns()
    lines = _records(text_)
    if not lines or not lines[0].startswith("1"):
        parsed.problems.append("This is not an ACH file: it does not start with a File Header.")
        return parsed
    pending = None
    for n, raw in enumerate(lines, 1):
        if len(raw) > RECORD:
            parsed.problems.append(f"line {n}: {len(raw)} characters, more than {RECORD}")
            continue
        line = raw.ljust(RECORD)  # some banks trim trailing spaces
        if line[0] == "6":
            if pending is not None and pending[1][78] == "1":
                parsed.problems.append(f"line {pending[0]}: an entry without its addenda")
            pending = (n, line)
        elif line[0] == "7":
            if pending is None:
                parsed.problems.append(f"line {n}: an addenda without an entry")
                continue
            entry_line, entry = pending
            pending = None
            if line[1:3] == "98":
                parsed.notices += 1
                continue
            if line[1:3] != "99":
                parsed.problems.append(f"line {n}: addenda type {line[1:3]} is not a return")
                continue
            code, trace, amount = line[3:6], line[6:21], entry[29:39]
            if not (code.startswith("R") and code[1:].isdigit()):
                parsed.problems.append(f"line {n}: {code!r} is not a return reason code")
            elif not trace.isdigit() or not amount.isdigit():
                parsed.problems.append(f"line {n}: the original trace or amount is not numeric")
            else:
                parsed.items.append(
                    ReturnItem(
                        line=entry_line,
                        code=code,
                        original_trace=trace,
                        amount=Decimal(int(amount)) / 100,
                        name=entry[54:76].strip(),
                    )
                )
        elif line[0] in "58":
            if pending is not None and pending[1][78] == "1":
                parsed.problems.append(f"line {pending[0]}: an entry without its addenda")
            pending = None
    return parsed


def build_return_file(batch: AchBatch, returns: dict[str, str], settings: BillingSettings) -> str:
    """The return file a payer's bank sends back for some entries of `batch` (trace -> reason
    code). Tests and the demo use it to stand in for the bank."""
    entries = [e for e in batch.entries.select_related("mandate") if e.trace_number in returns]
    odfi = settings.ach_odfi_routing
    now = timezone.now()
    lines = [
        "1"
        + "01"
        + " "
        + odfi
        + " "
        + odfi
        + now.strftime("%y%m%d%H%M")
        + "A094101"
        + text(settings.ach_company_name, 23)
        + text(settings.ach_bank_name or "BANK", 23)
        + text("", 8),
        "5"
        + SERVICE_CREDITS
        + text(settings.ach_company_name, 16)
        + text("", 20)
        + text(settings.ach_company_id, 10)
        + SEC_PPD
        + text("RETURN", 10)
        + text("", 6)
        + now.strftime("%y%m%d")
        + "   "
        + "1"
        + odfi[:8]
        + number(1, 7),
    ]
    total = 0
    routings = []
    for i, e in enumerate(entries, 1):
        routing = e.mandate.routing_number
        code = "26" if e.mandate.bank_account_type == AccountType.CHECKING else "36"
        trace = routing[:8] + number(i, 7)
        lines.append(
            "6"
            + code
            + routing[:8]
            + routing[8]
            + text(e.mandate.bank_account_number, 17)
            + number(cents(e.amount), 10)
            + text(f"ACCT{e.account_id}", 15)
            + text(e.mandate.holder_name, 22)
            + "  "
            + "1"
            + trace
        )
        lines.append(
            "7"
            + "99"
            + text(returns[e.trace_number], 3)
            + e.trace_number
            + text("", 6)
            + odfi[:8]
            + text("", 44)
            + trace
        )
        total += cents(e.amount)
        routings.append(routing)
    count = len(entries) * 2
    lines.append(
        "8"
        + SERVICE_CREDITS
        + number(count, 6)
        + number(entry_hash(routings), 10)
        + number(0, 12)
        + number(total, 12)
        + text(settings.ach_company_id, 10)
        + text("", 25)
        + odfi[:8]
        + number(1, 7)
    )
    blocks = -(-(len(lines) + 1) // BLOCKING)
    lines.append(
        "9"
        + number(1, 6)
        + number(blocks, 6)
        + number(count, 8)
        + number(entry_hash(routings), 10)
        + number(0, 12)
        + number(total, 12)
        + text("", 39)
    )
    lines += [PADDING] * (blocks * BLOCKING - len(lines))
    return "\n".join(lines) + "\n"


@dataclass
class ReturnResult:
    returned: list[AchEntry] = field(default_factory=list)
    already: list[AchEntry] = field(default_factory=list)
    unknown: list[ReturnItem] = field(default_factory=list)
    notices: int = 0
    problems: list[str] = field(default_factory=list)
    nsf_fees: int = 0


def process_returns(provider, text_: str, *, actor, base_url: str = "") -> ReturnResult:
    """Apply the bank's return file: reverse exactly the returned payments, charge the returned
    payment fee once each, end authorizations the bank says are no longer good, and tell the
    payer and the director. Processing the same file again changes nothing."""
    from ccms.billing import payments

    parsed = parse_returns(text_)
    if parsed.problems and not parsed.items:
        raise ValidationError(["The return file could not be read:", *parsed.problems[:20]])
    result = ReturnResult(notices=parsed.notices, problems=parsed.problems)
    today = provider_today(provider)
    with transaction.atomic():
        settings = payments.lock_billing_settings(provider)
        for item in parsed.items:
            entry = (
                AchEntry.objects.select_for_update(of=("self",))
                .select_related("payment", "account", "mandate")
                .filter(provider=provider, trace_number=item.original_trace)
                .first()
            )
            if entry is None:
                result.unknown.append(item)
                continue
            if entry.return_code:
                result.already.append(entry)
                continue
            if item.amount != entry.amount:
                result.problems.append(
                    f"line {item.line}: trace {item.original_trace} is for ${entry.amount}, "
                    f"the return says ${item.amount}; it was not processed."
                )
                continue
            _return_entry(entry, item, settings, actor, today, result)
        if result.returned:
            returned_ids = [e.pk for e in result.returned]
            transaction.on_commit(
                lambda: notify_returns(provider.pk, returned_ids, base_url=base_url)
            )
    return result


def _return_entry(entry, item, settings, actor, today, result) -> None:
    payment = entry.payment
    reason = f"ACH return {item.code}: {item.reason}"
    if not LedgerEntry.objects.filter(reverses=payment).exists():
        ledger.reverse_entry(
            payment, actor=actor, reason=reason, key=f"ach-return:{payment.pk}", on=today
        )
    if settings.nsf_fee > 0:
        posted = ledger.post(
            entry.account,
            kind=EntryKind.CHARGE,
            category=Category.NSF,
            amount=settings.nsf_fee,
            on=today,
            due_on=today,
            key=f"nsf:{payment.pk}",
            actor=actor,
            description=f"Returned payment fee: bank debit of {payment.on:%b %-d} ({item.code})",
        )
        result.nsf_fees += int(posted.created)
    entry.return_code = item.code
    entry.returned_at = timezone.now()
    entry.save(update_fields=["return_code", "returned_at"])
    if item.code in MANDATE_ENDING_CODES and entry.mandate.is_active:
        mandate = entry.mandate
        mandate.is_active = False
        mandate.revoked_at = timezone.now()
        save_audited(mandate, actor=actor, reason=reason, update_fields=["is_active", "revoked_at"])
    result.returned.append(entry)


def notify_returns(provider_id: int, entry_ids: list[int], *, base_url: str = "") -> None:
    """E-mail each payer about their returned payment, and the directors a summary."""
    from ccms.billing import payments

    entries = list(
        AchEntry.objects.filter(provider_id=provider_id, pk__in=entry_ids).select_related(
            "payment", "account__provider", "account__family", "account__guardian__user"
        )
    )
    if not entries:
        return
    provider = entries[0].account.provider
    settings = BillingSettings.objects.get(provider=provider)
    lines = []
    for e in entries:
        reason = RETURN_REASONS.get(e.return_code, "returned by the bank")
        balance = ledger.balance(e.account)
        fee = (
            f" A returned payment fee of ${settings.nsf_fee} was added to your account."
            if settings.nsf_fee > 0
            else ""
        )
        link = _pay_link(provider, e.account, base_url)
        body = (
            f"Hello,\n\nYour bank returned the automatic payment of ${e.amount} that "
            f"{provider.name} requested on {e.payment.on:%B %-d, %Y} "
            f"({e.return_code}: {reason.lower()}). The payment has been taken off your "
            f"account.{fee}\n\nYour balance is now ${balance}."
            + (f" You can pay it online here:\n{link}\n" if link else "\n")
            + "\nIf your bank details changed, please set up autopay again.\n\n"
            + f"{provider.name}\n"
        )
        recipients = payments.payer_emails(e.account)
        if recipients:
            send_mail(
                subject=f"{provider.name}: your bank returned your payment of ${e.amount}",
                message=body,
                from_email=django_settings.DEFAULT_FROM_EMAIL,
                recipient_list=recipients,
            )
        lines.append(
            f"- {e.account.name}: ${e.amount} debited {e.payment.on:%b %-d}, "
            f"{e.return_code} {reason}" + ("" if recipients else " (no e-mail address on file)")
        )
    directors = payments.director_emails(provider)
    if directors:
        send_mail(
            subject=f"{provider.name}: {len(entries)} ACH payment(s) returned",
            message=(
                "The bank's return file reversed these autopay payments; each payer was "
                "charged the returned payment fee once and told by e-mail:\n\n"
                + "\n".join(lines)
                + "\n"
            ),
            from_email=django_settings.DEFAULT_FROM_EMAIL,
            recipient_list=directors,
        )


def _pay_link(provider, account, base_url: str) -> str:
    base_url = base_url or getattr(django_settings, "SITE_URL", "")
    if not base_url:
        return ""
    try:
        path = reverse("billing_pay", args=[provider.slug, account.pk])
    except NoReverseMatch:
        return ""
    return base_url.rstrip("/") + path
