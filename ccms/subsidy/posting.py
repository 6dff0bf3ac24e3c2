"""What CCA bills and collects, posted to the billing ledger: a submitted period charges the
state's share to the provider's CCA payer account and the family fee and any agreed difference
to the family's account; a recall reverses those charges; a state payment is a payment on the
CCA account.

Every posting carries an idempotency key (unique per provider), so posting the same submission
or payment twice never charges twice. The keys name the period, the submission number and the
child, e.g. `cca:2026-10-04:2:381:state`.
"""

from __future__ import annotations

from django.utils import timezone

from ccms.billing.accounts import cca_account, family_account
from ccms.billing.ledger import post_entry, reverse_entry
from ccms.billing.models import Category, EntryKind, LedgerEntry, Method
from ccms.subsidy.models import StatePayment, Submission, SubmissionLine
from ccms.subsidy.periods import Period

# (what is posted, line amount field, line entry id field, ledger category)
PARTS = (
    ("state", "state_amount", "state_entry_id", Category.CCA),
    ("fee", "family_fee", "family_fee_entry_id", Category.CCA_FAMILY_FEE),
    ("difference", "family_difference", "difference_entry_id", Category.CCA_DIFFERENCE),
)
DESCRIPTIONS = {
    "state": "CCA state share",
    "fee": "CCA family fee",
    "difference": "Difference to the private rate (signed agreement)",
}


def _key(submission: Submission, line: SubmissionLine, part: str) -> str:
    return f"cca:{submission.period_start:%Y-%m-%d}:{submission.number}:{line.child_id}:{part}"


def post_submission(submission: Submission, *, actor) -> None:
    """Charge what the submission bills, one entry per child and part."""
    provider = submission.provider
    on = timezone.localtime(submission.submitted_at, provider.tz).date()
    state = cca_account(provider)
    family_accounts = {}
    lines = list(submission.lines.select_related("child", "family"))
    for line in lines:
        for part, amount_field, id_field, category in PARTS:
            amount = getattr(line, amount_field)
            if amount <= 0:
                continue
            if part == "state":
                account = state
            else:
                account = family_accounts.get(line.family_id)
                if account is None:
                    account = family_accounts[line.family_id] = family_account(line.family)
            entry = post_entry(
                account,
                kind=EntryKind.CHARGE,
                amount=amount,
                on=on,
                key=_key(submission, line, part),
                actor=_user(actor),
                child=line.child,
                family=line.family,
                category=category,
                description=(
                    f"{DESCRIPTIONS[part]}, {line.child.first_name}, {_label(submission)}: "
                    f"{line.units_billable} units (submission {submission.number})"
                ),
                reference=f"CCA {submission.period_start:%Y-%m-%d} #{submission.number}",
            )
            setattr(line, id_field, entry.pk)
    SubmissionLine.objects.bulk_update(
        lines, ["state_entry_id", "family_fee_entry_id", "difference_entry_id"]
    )


def reverse_submission(submission: Submission, *, actor, reason: str) -> None:
    """Reverse every charge a recalled submission posted; the resubmission posts anew."""
    ids = []
    for line in submission.lines.all():
        ids += [getattr(line, id_field) for _, _, id_field, _ in PARTS]
    entries = LedgerEntry.objects.filter(
        provider_id=submission.provider_id, pk__in=[pk for pk in ids if pk]
    )
    on = timezone.localtime(timezone.now(), submission.provider.tz).date()
    for entry in entries:
        reverse_entry(
            entry,
            actor=_user(actor),
            reason=f"CCA submission {submission.number} recalled: {reason}",
            key=f"{entry.key}:reversal",
            on=on,
        )


def post_state_payments(payments: list[StatePayment], *, period: Period, actor) -> None:
    """Each child's payment from the state, on the provider's CCA payer account."""
    if not payments:
        return
    account = cca_account(payments[0].provider)
    for payment in payments:
        if payment.amount <= 0:
            continue
        child = payment.child
        entry = post_entry(
            account,
            kind=EntryKind.PAYMENT,
            amount=payment.amount,
            on=payment.paid_on,
            key=f"cca:payment:{payment.pk}",
            actor=_user(actor),
            child=child,
            family=child.family,
            category=Category.CCA,
            method=Method.STATE,
            receipt_number=payment.reference,
            description=f"CCA payment for {child.first_name}, {period.label}",
        )
        payment.ledger_entry_id = entry.pk
        StatePayment.objects.filter(pk=payment.pk).update(ledger_entry_id=entry.pk)


def _label(submission: Submission) -> str:
    return f"{submission.period_start:%b %-d}–{submission.period_end:%b %-d, %Y}"


def _user(actor):
    return actor if getattr(actor, "pk", None) else None
