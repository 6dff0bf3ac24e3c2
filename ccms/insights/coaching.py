"""The consultant's tools: coaching notes, action plans tied to a metric (progress is read from
the metric itself, never typed in), and acknowledging alerts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from ccms.core.services import save_audited
from ccms.insights.models import ActionPlan, Alert, CoachingNote, PlanStatus
from ccms.tenancy.models import Membership, Provider, Role, User


@dataclass(frozen=True)
class PlanMetric:
    label: str
    unit: str  # percent, money or fte
    better: str  # up or down


# The figures a plan may aim at: a path into the metrics JSON -> how it reads.
PLAN_METRICS = {
    "enrollment_efficiency_staffed": PlanMetric("Enrollment efficiency (staffed)", "percent", "up"),
    "enrollment_efficiency_licensed": PlanMetric(
        "Enrollment efficiency (licensed)", "percent", "up"
    ),
    "fte_enrolled": PlanMetric("FTE enrolled", "fte", "up"),
    "vacancies": PlanMetric("Vacancies", "fte", "down"),
    "fee_collection_rate.total": PlanMetric("Fee collection rate", "percent", "up"),
    "fee_collection_rate.family": PlanMetric("Fee collection rate, families", "percent", "up"),
    "fee_collection_rate.cca": PlanMetric("Fee collection rate, CCA", "percent", "up"),
    "bad_debt_rate": PlanMetric("Bad debt rate", "percent", "down"),
    "revenue_per_child": PlanMetric("Revenue per child", "money", "up"),
    "cost_per_child": PlanMetric("Cost per child", "money", "down"),
    "break_even_enrollment": PlanMetric("Break-even enrollment", "percent", "down"),
    "net_income": PlanMetric("Net income", "money", "up"),
}


def metric_value(data: dict, path: str) -> Decimal | None:
    for part in path.split("."):
        if not isinstance(data, dict):
            return None
        data = data.get(part)
    return None if data is None else Decimal(data)


# Notes -------------------------------------------------------------------------------------------


@transaction.atomic
def add_note(*, provider: Provider, author: User, body: str, month: date | None = None):
    body = body.strip()
    if not body:
        raise ValidationError({"body": "Write the note first."})
    note = CoachingNote(
        provider=provider,
        author=author,
        body=body,
        month=month.replace(day=1) if month else None,
        created_at=timezone.now(),
    )
    save_audited(note, actor=author)
    return note


def notes_of(provider: Provider, limit: int = 50):
    return CoachingNote.objects.filter(provider=provider).select_related("author")[:limit]


# Action plans ------------------------------------------------------------------------------------


def plan_owners(provider: Provider) -> list[User]:
    """Who may own a plan: the provider's directors and consultants."""
    ids = Membership.objects.filter(
        provider=provider, role__in=[Role.DIRECTOR, Role.CONSULTANT]
    ).values("user_id")
    return list(User.objects.filter(pk__in=ids).order_by("email"))


@transaction.atomic
def create_plan(
    *,
    provider: Provider,
    title: str,
    metric: str,
    target: Decimal,
    due_on: date,
    owner: User,
    steps: str = "",
    baseline: Decimal | None,
    actor: User,
) -> ActionPlan:
    """A goal on a metric. The baseline is the metric's value when the plan is made."""
    errors = {}
    if metric not in PLAN_METRICS:
        errors["metric"] = "Choose one of the listed figures."
    if owner.pk not in {u.pk for u in plan_owners(provider)}:
        errors["owner"] = "Choose a director or consultant of this provider."
    if due_on < timezone.localdate():
        errors["due_on"] = "The due date is in the past; choose a day from today on."
    if errors:
        raise ValidationError(errors)
    plan = ActionPlan(
        provider=provider,
        title=title.strip(),
        metric=metric,
        baseline=baseline if baseline is not None else Decimal(0),
        target=target,
        due_on=due_on,
        owner=owner,
        steps=steps.strip(),
        created_by=actor,
        created_at=timezone.now(),
    )
    save_audited(plan, actor=actor)
    return plan


@transaction.atomic
def set_plan_status(*, plan: ActionPlan, status: str, actor: User) -> ActionPlan:
    if status not in PlanStatus.values:
        raise ValidationError({"status": "Choose open, done or dropped."})
    plan.status = status
    save_audited(plan, actor=actor, reason=f"Marked {PlanStatus(status).label.lower()}")
    return plan


def access_plan(provider: Provider, plan_id: int) -> ActionPlan:
    found = ActionPlan.objects.filter(provider=provider, pk=plan_id).select_related("owner").first()
    if found is None:
        raise Http404("No such action plan.")
    return found


@dataclass
class Progress:
    plan: ActionPlan
    current: Decimal | None
    month: date | None

    @property
    def metric(self) -> PlanMetric:
        return PLAN_METRICS.get(self.plan.metric, PlanMetric(self.plan.metric, "fte", "up"))

    @property
    def met(self) -> bool:
        if self.current is None:
            return False
        if self.metric.better == "up":
            return self.current >= self.plan.target
        return self.current <= self.plan.target

    @property
    def share(self) -> Decimal:
        """How far from the baseline to the target the metric has come, 0 to 1."""
        if self.current is None:
            return Decimal(0)
        if self.met:
            return Decimal(1)
        span = self.plan.target - self.plan.baseline
        if span == 0:
            return Decimal(0)
        moved = (self.current - self.plan.baseline) / span
        return max(Decimal(0), min(Decimal(1), moved))

    @property
    def percent(self) -> int:
        return int((self.share * 100).to_integral_value())

    @property
    def state(self) -> str:
        if self.plan.status != PlanStatus.OPEN:
            return self.plan.get_status_display()
        if self.met:
            return "Target met"
        if self.plan.due_on < timezone.localdate():
            return "Overdue"
        if self.current is not None and self.moved_away:
            return "Moved away from the target"
        return "In progress"

    @property
    def moved_away(self) -> bool:
        if self.current is None:
            return False
        if self.metric.better == "up":
            return self.current < self.plan.baseline
        return self.current > self.plan.baseline


def progress_of(plans, figures: dict | None, month: date | None) -> list[Progress]:
    """Each plan with the current value of its metric (from the month's figures)."""
    return [
        Progress(plan, metric_value(figures, plan.metric) if figures else None, month)
        for plan in plans
    ]


def plans_of(provider: Provider):
    return ActionPlan.objects.filter(provider=provider).select_related("owner", "created_by")


# Alerts ------------------------------------------------------------------------------------------


def open_alerts(provider: Provider):
    return Alert.objects.filter(provider=provider, acknowledged_at__isnull=True)


@transaction.atomic
def acknowledge_alert(*, provider: Provider, alert_id: int, actor: User) -> Alert:
    alert = Alert.objects.filter(provider=provider, pk=alert_id).first()
    if alert is None:
        raise Http404("No such alert.")
    if alert.acknowledged_at is None:
        alert.acknowledged_at = timezone.now()
        alert.acknowledged_by = actor
        save_audited(alert, actor=actor, reason="Alert acknowledged")
    return alert
