"""What the state paid for a period against what was billed, child by child, with the likely
cause of each difference; and whether the payment is late (the state pays within 10 business days
of a correct bill)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.utils import timezone

from ccms.families.models import Child
from ccms.subsidy import queries
from ccms.subsidy.models import Submission, SubmissionLine
from ccms.subsidy.periods import Period, add_business_days
from ccms.tenancy.models import Provider

PAYMENT_DAYS = 10
ZERO = Decimal("0.00")
# Fee levels step by 0.25 a unit, and so does a second or third child: a per-unit difference of
# these sizes is most likely a family fee the state assessed differently.
FEE_STEPS = (Decimal("0.25"), Decimal("0.50"))


class Cause:
    MATCHED = "matched"
    AWAITING = "awaiting"
    MISSING_CHILD = "missing_child"
    UNITS_OVER_AUTHORIZATION = "units_over_authorization"
    UNITS = "units"
    FAMILY_FEE = "family_fee"
    RATE = "rate"
    UNEXPLAINED = "unexplained"


CAUSE_LABELS = {
    Cause.MATCHED: "Matches",
    Cause.AWAITING: "Awaiting payment",
    Cause.MISSING_CHILD: "Missing child",
    Cause.UNITS_OVER_AUTHORIZATION: "Units over authorization",
    Cause.UNITS: "Units differ",
    Cause.FAMILY_FEE: "Family fee",
    Cause.RATE: "Rate difference",
    Cause.UNEXPLAINED: "Unexplained",
}


@dataclass
class Row:
    child: Child
    billed: Decimal | None
    paid: Decimal | None
    line: SubmissionLine | None = None
    cause: str = Cause.MATCHED
    explanation: str = ""

    @property
    def difference(self) -> Decimal:
        return (self.paid or ZERO) - (self.billed or ZERO)

    @property
    def flagged(self) -> bool:
        return self.cause not in (Cause.MATCHED, Cause.AWAITING)

    @property
    def cause_label(self) -> str:
        return CAUSE_LABELS[self.cause]


@dataclass
class Reconciliation:
    period: Period
    submission: Submission | None
    rows: list[Row] = field(default_factory=list)
    due_by: date | None = None
    today: date | None = None

    @property
    def billed(self) -> Decimal:
        return sum((r.billed or ZERO for r in self.rows), ZERO)

    @property
    def paid(self) -> Decimal:
        return sum((r.paid or ZERO for r in self.rows), ZERO)

    @property
    def difference(self) -> Decimal:
        return self.paid - self.billed

    @property
    def any_paid(self) -> bool:
        return any(r.paid is not None for r in self.rows)

    @property
    def status(self) -> str:
        """not_submitted, unpaid, overdue, differences or reconciled."""
        if self.submission is None:
            return "not_submitted" if not self.any_paid else "differences"
        if not self.any_paid:
            return "overdue" if self.overdue else "unpaid"
        if any(r.flagged or r.cause == Cause.AWAITING for r in self.rows):
            return "differences"
        return "reconciled"

    @property
    def overdue(self) -> bool:
        """Billed children still unpaid after 10 business days."""
        if self.submission is None or self.due_by is None or self.today is None:
            return False
        unpaid = any(r.billed is not None and r.paid is None for r in self.rows)
        return unpaid and self.today > self.due_by

    @property
    def flagged(self) -> list[Row]:
        return [r for r in self.rows if r.flagged]


def reconcile(provider: Provider, period: Period, *, today: date) -> Reconciliation:
    submission = queries.live_submission(provider, period)
    paid = queries.paid_by_child(provider, period)
    lines: dict[int, SubmissionLine] = {}
    if submission is not None:
        lines = {line.child_id: line for line in submission.lines.select_related("child").all()}
    others = Child.objects.filter(pk__in=set(paid) - set(lines))
    children = {line.child_id: line.child for line in lines.values()}
    children.update({child.pk: child for child in others})
    any_paid = bool(paid)
    rows = []
    for child_id, child in children.items():
        line = lines.get(child_id)
        row = Row(
            child=child,
            billed=line.state_amount if line else None,
            paid=paid.get(child_id),
            line=line,
        )
        row.cause, row.explanation = likely_cause(row, any_paid=any_paid)
        rows.append(row)
    rows.sort(key=lambda r: (r.child.last_name.casefold(), r.child.first_name.casefold()))
    due_by = None
    if submission is not None:
        submitted_on = timezone.localtime(submission.submitted_at, provider.tz).date()
        due_by = add_business_days(submitted_on, PAYMENT_DAYS)
    return Reconciliation(period, submission, rows, due_by, today)


def likely_cause(row: Row, *, any_paid: bool) -> tuple[str, str]:
    """The most likely reason the state paid a child's line differently, in words that say
    where to look."""
    line = row.line
    if row.billed is None:
        return Cause.MISSING_CHILD, (
            "Paid, but not in the submitted period: check the child's authorization dates and "
            "KinderTrack child ID."
        )
    if row.paid is None:
        if not any_paid:
            return Cause.AWAITING, "Waiting for the state's payment."
        return Cause.MISSING_CHILD, (
            "The state paid the period but nothing for this child: check the KinderTrack child "
            "ID and that KinderTrack has the authorization."
        )
    short = row.billed - row.paid
    if short == 0:
        return Cause.MATCHED, ""
    fewer = "fewer" if short > 0 else "more"
    per_unit = short / line.units_billable if line.units_billable else None
    if line.state_rate > 0 and short % line.state_rate == 0:
        count = abs(short / line.state_rate)
        units = f"{count:.0f} unit{'s' if count != 1 else ''}"
        if line.units_attended >= line.units_authorized:
            return Cause.UNITS_OVER_AUTHORIZATION, (
                f"The state paid for {units} {fewer} than billed. The child used all "
                f"{line.units_authorized} authorized units: check the authorization's units "
                "with the caseworker."
            )
        return Cause.UNITS, (
            f"The state paid for {units} {fewer} than billed: compare the days with KinderTrack."
        )
    if (line.family_fee > 0 and abs(short) == line.family_fee) or (
        per_unit is not None and abs(per_unit) in FEE_STEPS
    ):
        return Cause.FAMILY_FEE, (
            f"The difference ({abs(short):.2f}) matches a family fee assessed differently: "
            "check the family's fee level and which child the state charged it on."
        )
    if per_unit is not None and per_unit == per_unit.quantize(Decimal("0.01")):
        return Cause.RATE, (
            f"The state paid {abs(per_unit):.2f} a unit {'less' if short > 0 else 'more'} than "
            f"the billed rate of {line.state_rate:.2f}: check the age group, special needs and "
            "IQ4K level KinderTrack has."
        )
    return Cause.UNEXPLAINED, "Compare the state's remittance with the feed, day by day."
