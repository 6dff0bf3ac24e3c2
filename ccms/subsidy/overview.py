"""Where each billing period stands (in progress, due, submitted, paid, reconciled), the link
that fixes each error, and the hub's work queue across the providers it serves."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from ccms.core.dates import provider_today
from ccms.subsidy import queries
from ccms.subsidy.models import Submission, SubmissionStatus, TransmissionStatus
from ccms.subsidy.periods import Period, recent_periods
from ccms.subsidy.reconcile import Reconciliation, reconcile
from ccms.subsidy.units import ErrorCode, FeedError, PeriodResult, Problem
from ccms.tenancy.models import Provider

# Periods looked at: the one in progress and the three before it.
LOOKBACK_PERIODS = 4

STATES = {
    "in_progress": ("In progress", ""),
    "due": ("Due to submit", "warn"),
    "blocked": ("Errors to fix", "bad"),
    "submitted": ("Submitted, awaiting payment", ""),
    "overdue": ("Payment overdue", "bad"),
    "differences": ("Paid with differences", "warn"),
    "reconciled": ("Reconciled", "good"),
    "empty": ("No CCA children", ""),
    "no_attendance": ("No attendance recorded", "warn"),
    "unavailable": ("No rate table", "bad"),
}


@dataclass
class PeriodStatus:
    provider: Provider
    period: Period
    state: str
    submission: Submission | None = None
    result: PeriodResult | None = None
    reconciliation: Reconciliation | None = None
    unavailable: str = ""

    @property
    def label(self) -> str:
        return STATES[self.state][0]

    @property
    def tone(self) -> str:
        return STATES[self.state][1]

    @property
    def blocking(self) -> list:
        if self.result is None:
            return []
        return [*self.result.blocking_errors, *self.result.problems]

    @property
    def url(self) -> str:
        return reverse("cca_period", args=[self.provider.slug, self.period.slug])


def period_status(provider: Provider, period: Period, *, today: date) -> PeriodStatus:
    submission = queries.live_submission(provider, period)
    if submission is not None:
        rec = reconcile(provider, period, today=today)
        state = {"unpaid": "submitted"}.get(rec.status, rec.status)
        return PeriodStatus(provider, period, state, submission, reconciliation=rec)
    try:
        result = queries.period_result(provider, period, today=today)
    except ValidationError as error:
        return PeriodStatus(provider, period, "unavailable", unavailable=" ".join(error.messages))
    if not result.children:
        state = "empty"
    elif period.end >= today:
        state = "in_progress"
    elif not result.has_attendance:
        state = "no_attendance"
    else:
        state = "blocked" if (result.blocking_errors or result.problems) else "due"
    return PeriodStatus(provider, period, state, result=result)


def period_statuses(
    provider: Provider, *, today: date, count: int = LOOKBACK_PERIODS
) -> list[PeriodStatus]:
    return [period_status(provider, p, today=today) for p in recent_periods(provider, today, count)]


# Links that fix errors ----------------------------------------------------------------------

ERROR_FIXES = {
    ErrorCode.MISSING_CHECK_OUT: "Add the check-out",
    ErrorCode.OVERLAPPING_PAIRS: "Correct the times",
    ErrorCode.OUTSIDE_AUTHORIZATION: "Check the authorization's dates",
    ErrorCode.OVER_AUTHORIZATION: "See the authorization",
    ErrorCode.MISSING_CHILD_ID: "Add the KinderTrack child ID",
    ErrorCode.MISSING_PROVIDER_ID: "Add the KinderTrack provider ID",
    "missing_fee_level": "Set the family's fee level",
}


def fix_link(provider: Provider, issue: FeedError | Problem) -> tuple[str, str]:
    """(url, label) of the page where the error is corrected."""
    slug = provider.slug
    code = issue.code
    label = ERROR_FIXES.get(code, "Open")
    if code in (ErrorCode.MISSING_CHECK_OUT, ErrorCode.OVERLAPPING_PAIRS) and getattr(
        issue, "presence_id", None
    ):
        return reverse("presence_correct", args=[slug, issue.presence_id]), label
    if code in (ErrorCode.OUTSIDE_AUTHORIZATION, ErrorCode.OVER_AUTHORIZATION):
        return reverse("cca_authorization_edit", args=[slug, issue.authorization_id]), label
    if code == ErrorCode.MISSING_CHILD_ID and issue.child_id:
        return reverse("child_edit", args=[slug, issue.child_id]), label
    if code == ErrorCode.MISSING_PROVIDER_ID:
        return reverse("provider_settings", args=[slug]), label
    if code == "missing_fee_level" and issue.family_id:
        return reverse("family_edit", args=[slug, issue.family_id]), label
    return reverse("cca_home", args=[slug]), label


# The hub's work queue -----------------------------------------------------------------------

SEVERITY_ORDER = {"bad": 0, "warn": 1, "info": 2}


@dataclass
class QueueItem:
    severity: str  # bad, warn or info
    kind: str
    provider: Provider
    title: str
    detail: str
    url: str
    action: str
    when: date | None = None
    children: list[tuple[str, str, str]] = field(default_factory=list)  # (text, url, action)

    @property
    def tone(self) -> str:
        return {"info": ""}.get(self.severity, self.severity)

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.kind]


KIND_LABELS = {
    "errors": "Errors block a period",
    "due": "Period due",
    "payment": "Payment missing",
    "transmission": "Not delivered",
    "differences": "Payment differs",
    "open_errors": "Fix before the period ends",
    "expiring": "Authorization ending",
    "no_attendance": "No attendance",
    "unavailable": "Cannot compute",
}


def work_queue(providers: list[Provider], *, today: date | None = None) -> list[QueueItem]:
    """Across the providers given: periods due and the errors blocking them, payments missing
    or different, deliveries that failed, and authorizations ending within 30 days; most urgent
    first. Reads each provider separately (no cross-provider joins in the hot path)."""
    items: list[QueueItem] = []
    with_cca = set(
        queries.Authorization.objects.filter(provider__in=providers).values_list(
            "provider_id", flat=True
        )
    )
    live = set(
        Submission.objects.filter(
            provider__in=providers, status=SubmissionStatus.SUBMITTED
        ).values_list("provider_id", flat=True)
    )
    for provider in providers:
        if provider.pk not in with_cca and provider.pk not in live:
            continue
        day = today or provider_today(provider)
        for status in period_statuses(provider, today=day):
            items.extend(_items(status, day))
    for authorization in queries.expiring_authorizations(
        [p for p in providers if p.pk in with_cca], today or timezone.localdate()
    ):
        child = authorization.child
        items.append(
            QueueItem(
                "info",
                "expiring",
                authorization.provider,
                f"{child.first_name} {child.last_name}'s authorization ends "
                f"{authorization.end_date:%b %-d}",
                "No renewal is on file; ask the family for the new authorization.",
                reverse(
                    "cca_authorization_edit", args=[authorization.provider.slug, authorization.pk]
                ),
                "Open the authorization",
                authorization.end_date,
            )
        )
    items.sort(
        key=lambda i: (SEVERITY_ORDER[i.severity], i.when or date.max, i.provider.name, i.title)
    )
    return items


def _items(status: PeriodStatus, today: date) -> list[QueueItem]:
    provider, period = status.provider, status.period
    url = status.url
    if status.state == "unavailable":
        return [
            QueueItem(
                "bad",
                "unavailable",
                provider,
                f"{period.label}",
                status.unavailable,
                url,
                "Open the period",
                period.end,
            )
        ]
    if status.state in ("due", "blocked"):
        blocking = status.blocking
        names = child_names(status.result)
        fixes = [(issue_text(i, names), *fix_link(provider, i)) for i in blocking]
        if blocking:
            return [
                QueueItem(
                    "bad",
                    "errors",
                    provider,
                    f"{period.label}: "
                    + (
                        "1 error blocks the submission"
                        if len(blocking) == 1
                        else f"{len(blocking)} errors block the submission"
                    ),
                    f"Ended {period.end:%b %-d}. Fix each one, then submit the period.",
                    url,
                    "Open the period",
                    period.end,
                    fixes,
                )
            ]
        result = status.result
        return [
            QueueItem(
                "warn",
                "due",
                provider,
                f"{period.label} is ready to submit",
                f"{_count(len(result.children), 'child', 'children')}, "
                f"{_count(result.units_billable, 'unit', 'units')}, "
                f"${result.state_amount:,.2f} from the state.",
                url,
                "Review and submit",
                period.end,
            )
        ]
    if status.state == "no_attendance":
        count = len(status.result.children)
        return [
            QueueItem(
                "info",
                "no_attendance",
                provider,
                f"{period.label}: no attendance recorded",
                f"{count} child{'ren' if count != 1 else ''} had a CCA authorization; record the "
                "days they attended or were absent, or confirm they did not come.",
                url,
                "Open the period",
                period.end,
            )
        ]
    if status.state == "in_progress" and status.result is not None:
        past = [e for e in status.result.blocking_errors if e.date is not None and e.date < today]
        if past:
            return [
                QueueItem(
                    "info",
                    "open_errors",
                    provider,
                    f"{period.label} (in progress): {len(past)} day"
                    f"{'s' if len(past) != 1 else ''} to correct",
                    f"The period ends {period.end:%b %-d}.",
                    url,
                    "Open the period",
                    period.end,
                    [
                        (issue_text(e, child_names(status.result)), *fix_link(provider, e))
                        for e in past
                    ],
                )
            ]
        return []
    found = []
    submission = status.submission
    if submission is not None and submission.transmission_status in (
        TransmissionStatus.FAILED,
        TransmissionStatus.REJECTED,
    ):
        found.append(
            QueueItem(
                "bad",
                "transmission",
                provider,
                f"{period.label}: submission {submission.number} "
                f"{TransmissionStatus(submission.transmission_status).label.lower()}",
                submission.last_error or "Send it again from the period page.",
                url,
                "Open the period",
                period.end,
            )
        )
    rec = status.reconciliation
    if status.state == "overdue" and rec is not None:
        found.append(
            QueueItem(
                "bad",
                "payment",
                provider,
                f"{period.label}: the state's payment is late",
                f"Submitted {submission.submitted_at:%b %-d}; due by {rec.due_by:%b %-d} "
                f"(10 business days). ${rec.billed:,.2f} billed.",
                reverse("cca_reconcile", args=[provider.slug, period.slug]),
                "Record the payment",
                rec.due_by,
            )
        )
    if status.state == "differences" and rec is not None:
        flagged = rec.flagged or [r for r in rec.rows if r.paid is None]
        found.append(
            QueueItem(
                "warn",
                "differences",
                provider,
                f"{period.label}: the state paid ${rec.paid:,.2f} of ${rec.billed:,.2f}",
                f"{len(flagged)} child{'ren' if len(flagged) != 1 else ''} to look into.",
                reverse("cca_reconcile", args=[provider.slug, period.slug]),
                "Reconcile",
                period.end,
            )
        )
    return found


def issue_text(issue: FeedError | Problem, names: dict[str, str]) -> str:
    """The error with the child's name and the day, for lists outside the period page."""
    key = getattr(issue, "child_key", None)
    who = f"{names.get(key, key)}: " if key else ""
    when = f" on {issue.date:%a %b %-d}" if getattr(issue, "date", None) else ""
    return f"{who}{issue.message}{when}"


def child_names(result: PeriodResult | None) -> dict[str, str]:
    if result is None:
        return {}
    return {c.record.key: f"{c.record.first_name} {c.record.last_name}" for c in result.children}


def _count(number: int, one: str, many: str) -> str:
    return f"{number} {one if number == 1 else many}"
