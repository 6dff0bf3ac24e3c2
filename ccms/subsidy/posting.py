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

from ccms.billing.accounts import cca_account, family_accounts_by_family
from ccms.billing.ledger import post_many, reverse_entry
from ccms.billing.models import Category, EntryKind, LedgerEntry, Method
from ccms.subsidy.models import StatePayment, Submission, SubmissionLine
from ccms.subsidy.periods import Period, add_business_days
from ccms.subsidy.reconcile import PAYMENT_DAYS

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
    """Charge what the submission bills, one entry per child and part, in one statement. The
    charges are dated the period's last day (the care they bill); the state's share is due 10
    business days after the submission."""
    provider = submission.provider
    submitted_on = timezone.localtime(submission.submitted_at, provider.tz).date()
    state_due = add_business_days(submitted_on, PAYMENT_DAYS)
    lines = list(submission.lines.select_related("child", "family"))
    state = cca_account(provider)
    families = family_accounts_by_family(provider, {line.family_id for line in lines})
    rows, keys = [], {}
    for line in lines:
        for part, amount_field, id_field, category in PARTS:
            amount = getattr(line, amount_field)
            if amount <= 0:
                continue
            key = _key(submission, line, part)
            keys[key] = (line, id_field)
            rows.append(
                {
                    "account": state if part == "state" else families[line.family_id],
                    "kind": EntryKind.CHARGE,
                    "amount": amount,
                    "on": submission.period_end,
                    "due_on": state_due if part == "state" else None,
                    "key": key,
                    "child": line.child,
                    "family_id": line.family_id,
                    "category": category,
                    "description": (
                        f"{DESCRIPTIONS[part]}, {line.child.first_name}, {_label(submission)}: "
                        f"{line.units_billable} units (submission {submission.number})"
                    ),
                    "reference": f"CCA {submission.period_start:%Y-%m-%d} #{submission.number}",
                }
            )
    if not rows:
        return
    # Keys already posted are skipped by the database: posting twice charges nothing twice.
    post_many(rows, actor=_user(actor))
    posted = LedgerEntry.objects.filter(provider_id=provider.pk, key__in=list(keys))
    for key, pk in posted.values_list("key", "id"):
        line, id_field = keys[key]
        setattr(line, id_field, pk)
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
    """Each child's payment from the state, on the provider's CCA payer account, in one
    statement (a remittance may cover many children)."""
    paid = [p for p in payments if p.amount > 0]
    if not paid:
        return
    account = cca_account(paid[0].provider)
    rows = [
        {
            "account": account,
            "kind": EntryKind.PAYMENT,
            "amount": payment.amount,
            "on": payment.paid_on,
            "key": f"cca:payment:{payment.pk}",
            "child": payment.child,
            "family_id": payment.child.family_id,
            "category": Category.CCA,
            "method": Method.STATE,
            "reference": payment.reference,
            "description": f"CCA payment for {payment.child.first_name}, {period.label}",
        }
        for payment in paid
    ]
    post_many(rows, actor=_user(actor))
    by_key = dict(
        LedgerEntry.objects.filter(
            provider_id=account.provider_id, key__in=[row["key"] for row in rows]
        ).values_list("key", "id")
    )
    for payment in paid:
        payment.ledger_entry_id = by_key.get(f"cca:payment:{payment.pk}")
    StatePayment.objects.bulk_update(paid, ["ledger_entry_id"])


def _label(submission: Submission) -> str:
    return f"{submission.period_start:%b %-d}–{submission.period_end:%b %-d, %Y}"


def _user(actor):
    return actor if getattr(actor, "pk", None) else None
