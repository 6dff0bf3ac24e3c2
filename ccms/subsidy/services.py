"""Every write of CCA data: authorizations, the state's tables, settings, submitting and
recalling a period, transmitting it, and recording what the state paid."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from ccms.core.dates import provider_today
from ccms.core.money import to_cents
from ccms.core.services import save_audited
from ccms.families.models import Child, FeeLevel
from ccms.subsidy import feed as feeds
from ccms.subsidy import queries
from ccms.subsidy.models import (
    Authorization,
    CcaSettings,
    CcaTransport,
    FamilyFee,
    FeeChart,
    PaymentSource,
    QualityBand,
    Rate,
    RateProviderType,
    RateTable,
    StatePayment,
    Submission,
    SubmissionLine,
    SubmissionStatus,
    Transmission,
    TransmissionStatus,
    TransportMethod,
)
from ccms.subsidy.periods import Period, period_containing
from ccms.subsidy.transport import check_url, transport_for
from ccms.subsidy.units import AgeGroup, PeriodResult
from ccms.tenancy.models import Provider

AUTHORIZATION_FIELDS = [
    "child",
    "case_number",
    "start_date",
    "end_date",
    "units_per_period",
    "special_needs",
    "age_group_override",
    "private_rate",
    "fee_level_override",
    "difference_agreement_signed_on",
]
# Fields that price a submitted period: they change only after the submission is recalled.
PRICING_FIELDS = [
    "units_per_period",
    "special_needs",
    "age_group_override",
    "private_rate",
    "fee_level_override",
    "difference_agreement_signed_on",
]
# How many blocking errors a refused submission names before "and N more".
NAMED_ERRORS = 3


# Attendance locks ---------------------------------------------------------------------------


def check_day_open(*, child: Child, day: date) -> None:
    """Registered in attendance.services.DAY_LOCK_CHECKS: a day of a submitted period is locked
    for the children in the submission until the submission is recalled."""
    line = (
        SubmissionLine.objects.filter(
            child=child,
            submission__status=SubmissionStatus.SUBMITTED,
            submission__period_start__lte=day,
            submission__period_end__gte=day,
        )
        .select_related("submission")
        .first()
    )
    if line is not None:
        submission = line.submission
        raise ValidationError(
            f"{child.first_name}'s attendance on {day:%b %-d, %Y} was submitted for CCA "
            f"(period starting {submission.period_start:%b %-d}, submission "
            f"{submission.number}) and is locked. Recall the submission with a reason on the "
            "CCA period page, correct the day, then submit the period again."
        )


def check_days_open(*, children: list[Child], days: dict[int, date]) -> None:
    """check_day_open for several children at once (the kiosk), in one query."""
    if not children:
        return
    lines = SubmissionLine.objects.filter(
        child_id__in=[c.pk for c in children],
        submission__status=SubmissionStatus.SUBMITTED,
        submission__period_start__lte=max(days.values()),
        submission__period_end__gte=min(days.values()),
    ).select_related("submission")
    by_id = {child.pk: child for child in children}
    for line in lines:
        day = days[line.child_id]
        if line.submission.period_start <= day <= line.submission.period_end:
            check_day_open(child=by_id[line.child_id], day=day)


check_day_open.many = check_days_open


# Authorizations -----------------------------------------------------------------------------


@transaction.atomic
def save_authorization(
    *,
    provider: Provider,
    actor,
    data: dict,
    authorization: Authorization | None = None,
    reason: str = "",
) -> Authorization:
    """Add an authorization, or change one (with a reason, kept in the audit trail)."""
    child = data.get("child") or (authorization.child if authorization else None)
    if child is None or child.provider_id != provider.pk:
        raise ValidationError({"child": "Choose a child of this provider."})
    if authorization is not None:
        if authorization.provider_id != provider.pk:
            raise ValidationError("This authorization belongs to another provider.")
        if not reason.strip():
            raise ValidationError({"reason": "Give a reason for the change."})
        refuse_changing_submitted(authorization, data)
    authorization = authorization or Authorization(provider=provider)
    for name in AUTHORIZATION_FIELDS:
        if name in data:
            setattr(authorization, name, data[name])
    authorization.child = child
    authorization.case_number = (authorization.case_number or "").strip() or None
    if authorization.private_rate is not None:
        authorization.private_rate = to_cents(authorization.private_rate)
    _refuse_overlap(authorization)
    save_audited(authorization, actor=actor, reason=reason)
    return authorization


def _refuse_overlap(authorization: Authorization) -> None:
    if authorization.start_date is None or authorization.end_date is None:
        return
    clash = (
        Authorization.objects.filter(
            child_id=authorization.child_id,
            start_date__lte=authorization.end_date,
            end_date__gte=authorization.start_date,
        )
        .exclude(pk=authorization.pk)
        .first()
    )
    if clash is not None:
        raise ValidationError(
            {
                "start_date": f"{authorization.child.first_name} already has an authorization "
                f"from {clash.start_date:%b %-d, %Y} to {clash.end_date:%b %-d, %Y}; a child "
                "has one authorization a day. Change that one's dates first."
            }
        )


def refuse_changing_submitted(authorization: Authorization, data: dict) -> None:
    """A submitted period keeps the pricing it was billed with: its authorization's pricing
    fields, and dates that would leave the period out, change only after a recall."""
    lines = SubmissionLine.objects.filter(
        authorization=authorization, submission__status=SubmissionStatus.SUBMITTED
    ).select_related("submission")
    submitted = [line.submission for line in lines]
    if not submitted:
        return
    changed = [
        name
        for name in PRICING_FIELDS
        if name in data and data[name] != getattr(authorization, name)
    ]
    first = min(s.period_start for s in submitted)
    last = max(s.period_end for s in submitted)
    if data.get("start_date") and data["start_date"] > first:
        changed.append("start_date")
    if data.get("end_date") and data["end_date"] < last:
        changed.append("end_date")
    if changed:
        labels = ", ".join(Authorization._meta.get_field(n).verbose_name for n in changed)
        raise ValidationError(
            f"This authorization priced the submitted period starting {first:%b %-d, %Y}; "
            f"changing {labels} would change what was billed. Recall that submission first, "
            "or add a new authorization from a later date."
        )


# The state's tables -------------------------------------------------------------------------


@transaction.atomic
def add_rate_table(*, effective_from: date, source: str, rates: list[dict]) -> RateTable:
    """A new rate table from a date. Tables are never edited: a change of rates is a new table.
    `rates`: dicts of provider_type, age_group, special_needs, quality_band, amount. Every
    provider type, age group and IQ4K band needs a basic rate; special-needs rates are optional
    (where there is none, the basic rate applies)."""
    if RateTable.objects.filter(effective_from=effective_from).exists():
        raise ValidationError(
            f"A rate table from {effective_from:%Y-%m-%d} exists already and is never edited; "
            "give the new table the date its rates start."
        )
    if not source.strip():
        raise ValidationError("Say where the rates come from (e.g. the rule and its date).")
    seen = set()
    for row in rates:
        key = (
            row["provider_type"],
            row["age_group"],
            bool(row["special_needs"]),
            row["quality_band"],
        )
        if row["provider_type"] not in RateProviderType.values:
            raise ValidationError(f"Unknown provider type “{row['provider_type']}”.")
        if row["age_group"] not in [g.value for g in AgeGroup]:
            raise ValidationError(f"Unknown age group “{row['age_group']}”.")
        if row["quality_band"] not in QualityBand.values:
            raise ValidationError(f"Unknown IQ4K band “{row['quality_band']}”.")
        if key in seen:
            raise ValidationError(f"The rate {', '.join(map(str, key))} is given twice.")
        if Decimal(row["amount"]) < 0:
            raise ValidationError("Rates are zero or more.")
        seen.add(key)
    missing = [
        (t, g.value, b)
        for t in RateProviderType.values
        for g in AgeGroup
        for b in QualityBand.values
        if (t, g.value, False, b) not in seen
    ]
    if missing:
        named = "; ".join(", ".join(m) for m in missing[:3])
        raise ValidationError(
            f"The table lacks {len(missing)} basic rate(s) (e.g. {named}); give every provider "
            "type, age group and IQ4K band a rate."
        )
    table = RateTable.objects.create(effective_from=effective_from, source=source.strip())
    Rate.objects.bulk_create(
        Rate(
            table=table,
            provider_type=row["provider_type"],
            age_group=row["age_group"],
            special_needs=bool(row["special_needs"]),
            quality_band=row["quality_band"],
            amount=to_cents(row["amount"]),
        )
        for row in rates
    )
    return table


@transaction.atomic
def add_fee_chart(
    *, effective_from: date, source: str, fees: dict[str, tuple[Decimal, Decimal, Decimal]]
) -> FeeChart:
    """A new family fee chart from a date: fee level -> fee per unit for 1, 2 and 3+ children."""
    if FeeChart.objects.filter(effective_from=effective_from).exists():
        raise ValidationError(
            f"A family fee chart from {effective_from:%Y-%m-%d} exists already and is never "
            "edited; give the new chart the date its fees start."
        )
    missing = [level for level in FeeLevel.values if level not in fees]
    if missing:
        raise ValidationError(f"The chart lacks fee levels {', '.join(missing)}.")
    chart = FeeChart.objects.create(effective_from=effective_from, source=source.strip())
    FamilyFee.objects.bulk_create(
        FamilyFee(
            chart=chart,
            level=level,
            one_child=to_cents(one),
            two_children=to_cents(two),
            three_or_more=to_cents(three),
        )
        for level, (one, two, three) in fees.items()
    )
    return chart


# Provider settings --------------------------------------------------------------------------


@transaction.atomic
def save_cca_settings(
    *,
    provider: Provider,
    effective_from: date,
    max_units_per_day: int,
    absence_allowance_per_month: int,
    actor,
    reason: str,
) -> CcaSettings:
    """Settings from a date. A submitted period keeps the settings it was billed with, so the
    date must come after every submitted period."""
    if not reason.strip():
        raise ValidationError({"reason": "Give a reason for the change."})
    last = (
        Submission.objects.filter(provider=provider, status=SubmissionStatus.SUBMITTED)
        .order_by("-period_end")
        .first()
    )
    if last is not None and effective_from <= last.period_end:
        raise ValidationError(
            {
                "effective_from": f"The period up to {last.period_end:%b %-d, %Y} is submitted "
                "with the settings in force then; choose a later date, or recall it first."
            }
        )
    row = CcaSettings.objects.filter(provider=provider, effective_from=effective_from).first()
    row = row or CcaSettings(provider=provider, effective_from=effective_from)
    row.max_units_per_day = max_units_per_day
    row.absence_allowance_per_month = absence_allowance_per_month
    save_audited(row, actor=actor, reason=reason)
    return row


@transaction.atomic
def save_transport(
    *,
    provider: Provider,
    method: str,
    actor,
    reason: str,
    endpoint_url: str = "",
    token_url: str = "",
    client_id: str = "",
    client_secret: str | None = None,
) -> CcaTransport:
    """How submissions reach KinderTrack. `client_secret=None` keeps the stored secret."""
    if not reason.strip():
        raise ValidationError({"reason": "Give a reason for the change."})
    config = CcaTransport.objects.filter(provider=provider).first() or CcaTransport(
        provider=provider
    )
    config.method = method
    config.endpoint_url, config.token_url = endpoint_url.strip(), token_url.strip()
    config.client_id = client_id.strip()
    if client_secret:
        config.client_secret = client_secret
    if method == TransportMethod.HTTP:
        problems = {}
        if not config.endpoint_url:
            problems["endpoint_url"] = "Give the address the feed is sent to."
        if not config.client_id:
            problems["client_id"] = "Give the client ID KinderTrack issued to this provider."
        if not config.client_secret:
            problems["client_secret"] = "Give the client secret KinderTrack issued."
        if problems:
            raise ValidationError(problems)
    check_url(config.endpoint_url, "endpoint_url")
    check_url(config.token_url, "token_url")
    save_audited(config, actor=actor, reason=reason)
    return config


# Submitting ---------------------------------------------------------------------------------


def submit_period(
    *,
    provider: Provider,
    period: Period,
    actor,
    today: date | None = None,
    at: datetime | None = None,
) -> Submission:
    """Submit a period that has ended and has no blocking errors: the feed is stored as sent,
    the children's days lock, and the amounts are billed. Transmit it with
    `transmit_submission` once this returns (outside the transaction). `at` is the moment of
    submission, now unless given (the demo submits past periods when they were due)."""
    at = at or timezone.now()
    today = today or timezone.localtime(at, provider.tz).date()
    if period.end >= today:
        raise ValidationError(
            f"The period {period.label} ends on {period.end:%b %-d}; submit it from "
            f"{period.end + timedelta(days=1):%b %-d}."
        )
    try:
        with transaction.atomic():
            return _submit(provider=provider, period=period, actor=actor, today=today, at=at)
    except IntegrityError:
        if queries.live_submission(provider, period) is not None:
            raise ValidationError(f"The period {period.label} was just submitted.") from None
        raise


def _submit(*, provider: Provider, period: Period, actor, today: date, at) -> Submission:
    # Serialize submissions of one provider: the number sequence and the one-live rule.
    Provider.objects.select_for_update().filter(pk=provider.pk).first()
    live = queries.live_submission(provider, period)
    if live is not None:
        raise ValidationError(
            f"The period {period.label} is submitted already (submission {live.number}); recall "
            "it with a reason to submit a correction."
        )
    result = queries.period_result(provider, period, today=today)
    refuse_unsubmittable(result)
    previous = Submission.objects.filter(provider=provider, period_start=period.start)
    number = (previous.aggregate(n=Max("number"))["n"] or 0) + 1
    config = queries.transport_of(provider)
    submission = Submission(
        provider=provider,
        period_start=period.start,
        period_end=period.end,
        period_kind=period.kind,
        number=number,
        submitted_at=at,
        submitted_by=actor if getattr(actor, "pk", None) else None,
        units_billable=result.units_billable,
        state_amount=result.state_amount,
        family_fee=result.family_fee,
        family_difference=result.family_difference,
        transport=config.method,
        transmission_status=TransmissionStatus.READY
        if config.method == TransportMethod.FILE
        else TransmissionStatus.PENDING,
    )
    submission.feed = feeds.feed_json(result, submission=submission)
    reason = f"Submission {number} of the CCA period {period.label}"
    if number > 1:
        reason += " (a correction after a recall)"
    save_audited(submission, actor=actor, reason=reason)
    SubmissionLine.objects.bulk_create(_lines(submission, result))
    _post_billing(submission, actor=actor)
    return submission


def refuse_unsubmittable(result: PeriodResult) -> None:
    if not result.children:
        raise ValidationError(
            f"No child has a CCA authorization in the period {result.period.label}; there is "
            "nothing to submit."
        )
    if not result.has_attendance:
        raise ValidationError(
            f"No attendance is recorded for the {len(result.children)} CCA children in the "
            f"period {result.period.label}; record it (or the absences) before submitting."
        )
    blocking = [f"{e.child_key or 'provider'}: {e.message}" for e in result.blocking_errors]
    blocking += [p.message for p in result.problems]
    if blocking:
        more = len(blocking) - NAMED_ERRORS
        named = "; ".join(blocking[:NAMED_ERRORS]) + (f"; and {more} more" if more > 0 else "")
        raise ValidationError(
            f"The period {result.period.label} has {len(blocking)} error"
            f"{'s' if len(blocking) != 1 else ''} to fix before it can be submitted: {named}."
        )


def _lines(submission: Submission, result: PeriodResult) -> list[SubmissionLine]:
    return [
        SubmissionLine(
            provider_id=submission.provider_id,
            submission=submission,
            child_id=child.record.child_id,
            family_id=child.record.family_id,
            authorization_id=child.record.terms.authorization_id,
            kindertrack_child_id=child.record.kindertrack_child_id,
            units_attended=child.units_attended,
            units_authorized=child.units_authorized,
            units_billable=child.units_billable,
            private_rate=child.private_rate,
            table_rate=child.table_rate,
            state_rate=child.state_rate,
            fee_per_unit=child.fee_per_unit,
            family_fee=child.family_fee,
            state_amount=child.state_amount,
            family_difference=child.family_difference,
        )
        for child in result.children
    ]


@transaction.atomic
def recall_submission(*, submission: Submission, actor, reason: str) -> Submission:
    """Withdraw a submitted period to correct it: its days unlock and what it billed is
    reversed. The recall and its reason stay on record; the next submission takes the next
    number."""
    if not reason.strip():
        raise ValidationError({"reason": "Say why the submission is recalled."})
    submission = Submission.objects.select_for_update().get(pk=submission.pk)
    if submission.status != SubmissionStatus.SUBMITTED:
        raise ValidationError(f"Submission {submission.number} is recalled already.")
    submission.status = SubmissionStatus.RECALLED
    submission.recalled_at = timezone.now()
    submission.recalled_by = actor if getattr(actor, "pk", None) else None
    submission.recall_reason = reason.strip()
    save_audited(submission, actor=actor, reason=f"Recalled: {reason.strip()}")
    _reverse_billing(submission, actor=actor, reason=reason.strip())
    return submission


def transmit_submission(*, submission: Submission, actor) -> Transmission:
    """Deliver a live submission through the provider's transport and record what came back.
    Runs outside a transaction: the delivery may wait on the network."""
    if submission.status != SubmissionStatus.SUBMITTED:
        raise ValidationError("A recalled submission is not sent; submit the period again.")
    if submission.transmission_status == TransmissionStatus.ACKNOWLEDGED:
        raise ValidationError("KinderTrack acknowledged this submission already.")
    config = queries.transport_of(submission.provider)
    body = feeds.dumps(submission.feed).encode()
    key = f"{submission.provider.slug}:{submission.period_start:%Y-%m-%d}:{submission.number}"
    delivery = transport_for(config).deliver(body=body, idempotency_key=key)
    with transaction.atomic():
        transmission = Transmission.objects.create(
            provider_id=submission.provider_id,
            submission=submission,
            at=timezone.now(),
            by=actor if getattr(actor, "pk", None) else None,
            method=config.method,
            outcome=delivery.outcome,
            http_status=delivery.http_status,
            reference=delivery.reference,
            message=delivery.message,
        )
        submission.transport = config.method
        submission.transmission_status = delivery.outcome
        if delivery.reference:
            submission.acknowledgement = delivery.reference
        ok = delivery.outcome in (TransmissionStatus.ACKNOWLEDGED, TransmissionStatus.READY)
        submission.last_error = "" if ok else delivery.message
        save_audited(
            submission,
            actor=actor,
            reason=f"Transmission: {TransmissionStatus(delivery.outcome).label}",
            update_fields=["transport", "transmission_status", "acknowledgement", "last_error"],
        )
    return transmission


@transaction.atomic
def record_upload(*, submission: Submission, actor, reference: str = "") -> Transmission:
    """On the file transport: someone uploaded the submitted feed to the KinderTrack portal
    (with the portal's confirmation number, when it gave one)."""
    if submission.transport != TransportMethod.FILE:
        raise ValidationError("This submission is sent over HTTP; send it again instead.")
    if not submission.is_live:
        raise ValidationError("A recalled submission is not uploaded; submit the period again.")
    transmission = Transmission.objects.create(
        provider_id=submission.provider_id,
        submission=submission,
        at=timezone.now(),
        by=actor if getattr(actor, "pk", None) else None,
        method=TransportMethod.FILE,
        outcome=TransmissionStatus.UPLOADED,
        reference=reference.strip()[:200],
        message="Uploaded to the KinderTrack provider portal.",
    )
    submission.transmission_status = TransmissionStatus.UPLOADED
    submission.acknowledgement = reference.strip()[:200] or submission.acknowledgement
    submission.last_error = ""
    save_audited(
        submission,
        actor=actor,
        reason="Feed uploaded to the KinderTrack portal",
        update_fields=["transmission_status", "acknowledgement", "last_error"],
    )
    return transmission


def submit_and_transmit(*, provider: Provider, period: Period, actor) -> Submission:
    """What the page, the API and the command do: submit, then deliver (over HTTP in the
    background)."""
    submission = submit_period(provider=provider, period=period, actor=actor)
    if submission.transport == TransportMethod.HTTP:
        queue_transmission(submission=submission, actor=actor)
        submission.refresh_from_db()
    return submission


def queue_transmission(*, submission: Submission, actor) -> None:
    """Send a submission over HTTP in the background (ccms.core.tasks)."""
    from ccms.core import tasks

    if not submission.is_live:
        raise ValidationError("A recalled submission is not sent; submit the period again.")
    if submission.transmission_status == TransmissionStatus.ACKNOWLEDGED:
        raise ValidationError("KinderTrack acknowledged this submission already.")
    tasks.enqueue(
        "cca.transmit",
        submission_id=submission.pk,
        actor_id=actor.pk if getattr(actor, "pk", None) else None,
    )


# What the state paid ------------------------------------------------------------------------


@dataclass(frozen=True)
class PaymentLine:
    child: Child
    amount: Decimal


@transaction.atomic
def record_state_payments(
    *,
    provider: Provider,
    period: Period,
    lines: list[PaymentLine],
    paid_on: date,
    actor,
    reference: str = "",
    source: str = PaymentSource.FORM,
) -> list[StatePayment]:
    """What the state paid for the period, per child. Each line is a payment on the provider's
    CCA payer account in the ledger."""
    if not lines:
        raise ValidationError("Enter at least one amount the state paid.")
    if not Submission.objects.filter(provider=provider, period_start=period.start).exists():
        raise ValidationError(
            f"The period {period.label} was never submitted; record the state's payment once it "
            "is submitted."
        )
    if paid_on > provider_today(provider):
        raise ValidationError({"paid_on": "The payment date is in the future."})
    payments = []
    for line in lines:
        if line.child.provider_id != provider.pk:
            raise ValidationError("Choose children of this provider.")
        if line.amount < 0:
            raise ValidationError(
                f"The amount for {line.child} is negative; enter what the state paid (0 or more)."
            )
        payment = StatePayment(
            provider=provider,
            period_start=period.start,
            child=line.child,
            amount=to_cents(line.amount),
            paid_on=paid_on,
            reference=reference.strip(),
            source=source,
            entered_by=actor if getattr(actor, "pk", None) else None,
        )
        payment.full_clean(exclude=["provider", "child", "entered_by"])
        payments.append(payment)
    # A remittance covers many children: one statement for the rows, their history and their
    # audit entries, as a save of each would give.
    StatePayment.objects.bulk_create(payments)
    _audit_created(provider, payments, actor=actor, reason=f"State payment for {period.label}")
    _post_payments(payments, period=period, actor=actor)
    return payments


def _audit_created(provider: Provider, rows: list, *, actor, reason: str) -> None:
    from ccms.core.audit import build_audit_event, display_value
    from ccms.core.models import AuditAction, AuditEvent

    user = actor if getattr(actor, "pk", None) else None
    now = timezone.now()
    model = type(rows[0])
    model.history.bulk_history_create(
        rows, default_user=user, default_change_reason=reason, default_date=now
    )
    fields = [f for f in model._meta.concrete_fields if f.attname != "id"]
    AuditEvent.objects.bulk_create(
        build_audit_event(
            row,
            action=AuditAction.CREATED,
            changes={
                f.verbose_name: ["", display_value(getattr(row, f.attname))]
                for f in fields
                if display_value(getattr(row, f.attname))
            },
            actor=user,
            reason=reason,
            at=now,
            owners=(provider.alliance_id, provider.pk),
        )
        for row in rows
    )


PAYMENT_FILE = "payments.csv"


def parse_state_payments(*, provider: Provider, data: bytes) -> list[PaymentLine]:
    """A remittance file: a header row, then per child its KinderTrack child ID (column
    kindertrack_child_id) or its key (child_key), and the amount paid. All rows are checked;
    every error is reported as `file:line: column: message` and nothing is kept."""
    problems = []

    def problem(line: int, column: str, message: str) -> None:
        problems.append(f"{PAYMENT_FILE}:{line}: {column}: {message}")

    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError(
            f"{PAYMENT_FILE}:1: -: Not UTF-8 text; save the file as CSV UTF-8."
        ) from None
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [cell.strip() for cell in next(reader, [])]
    known = {"kindertrack_child_id", "child_key", "amount"}
    for title in header:
        if title and title not in known:
            problem(1, title, f"Unknown column; the columns are {', '.join(sorted(known))}.")
    if "amount" not in header:
        problem(1, "amount", "Required column is missing; add it to the header row.")
    if "kindertrack_child_id" not in header and "child_key" not in header:
        problem(1, "kindertrack_child_id", "Name each child by kindertrack_child_id or child_key.")
    if problems:
        raise ValidationError(problems)
    children = list(Child.objects.filter(provider=provider).select_related("family"))
    by_id = {c.kindertrack_child_id: c for c in children if c.kindertrack_child_id}
    by_key = {c.key: c for c in children}
    lines = []
    for number, cells in enumerate(reader, start=2):
        if not any(cell.strip() for cell in cells):
            continue
        row = {
            title: (cells[i].strip() if i < len(cells) else "") for i, title in enumerate(header)
        }
        child = None
        if row.get("kindertrack_child_id"):
            child = by_id.get(row["kindertrack_child_id"])
            if child is None:
                problem(
                    number,
                    "kindertrack_child_id",
                    f"No child here has the KinderTrack child ID {row['kindertrack_child_id']}; "
                    "add it to the child's record or name the child by child_key.",
                )
        elif row.get("child_key"):
            child = by_key.get(row["child_key"])
            if child is None:
                problem(number, "child_key", f"No child here has the key “{row['child_key']}”.")
        else:
            problem(
                number,
                "kindertrack_child_id",
                "Name the child by kindertrack_child_id or child_key.",
            )
        amount = None
        text = row.get("amount", "")
        if not re.fullmatch(r"\d{1,10}(\.\d{1,2})?", text):
            problem(
                number,
                "amount",
                f"“{text}” is not an amount; write money as 1234.56 (no currency symbol, no "
                "thousands separator, at most two decimals).",
            )
        else:
            try:
                amount = Decimal(text)
            except InvalidOperation:  # pragma: no cover - the pattern above rules it out
                pass
        if child is not None and amount is not None:
            lines.append(PaymentLine(child, amount))
    if problems:
        raise ValidationError(problems)
    if not lines:
        raise ValidationError(f"{PAYMENT_FILE}:2: -: The file has no payment rows.")
    return lines


# Billing ------------------------------------------------------------------------------------


def _post_billing(submission: Submission, *, actor) -> None:
    from ccms.subsidy import posting

    posting.post_submission(submission, actor=actor)


def _reverse_billing(submission: Submission, *, actor, reason: str) -> None:
    from ccms.subsidy import posting

    posting.reverse_submission(submission, actor=actor, reason=reason)


def _post_payments(payments: list[StatePayment], *, period: Period, actor) -> None:
    from ccms.subsidy import posting

    posting.post_state_payments(payments, period=period, actor=actor)


def current_period(provider: Provider) -> Period:
    return period_containing(provider, provider_today(provider))
