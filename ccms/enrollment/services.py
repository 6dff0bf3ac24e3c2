"""Every write of the enrollment pipeline: inquiries, stage moves, enrollments, confirmations."""

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from ccms.core.services import save_audited
from ccms.enrollment.models import (
    STAGE_MOVES,
    WEEKDAYS,
    Enrollment,
    EnrollmentStatus,
    Inquiry,
    Stage,
    StageChange,
    VacancyConfirmation,
)
from ccms.families.models import Child, Family, Guardian
from ccms.tenancy.models import Classroom, Provider

# A scheduled day longer than this many hours is a full day; shorter is half (CCA's 5-hour unit).
HALF_DAY_HOURS = 5


def schedule_fte(days: str, daily_hours: Decimal | None = None) -> Decimal:
    """FTE of a weekly schedule: days / 5, halved for days of 5 hours or less."""
    if not days or any(d not in WEEKDAYS for d in days):
        raise ValidationError(f"Days must be letters from {WEEKDAYS}, e.g. MWF.")
    fte = Decimal(len(set(days))) / Decimal(5)
    if daily_hours is not None and daily_hours <= HALF_DAY_HOURS:
        fte /= 2
    return fte.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@transaction.atomic
def record_inquiry(
    *,
    provider: Provider,
    guardian_first_name: str,
    guardian_last_name: str,
    email: str = "",
    phone: str = "",
    child_first_name: str,
    child_last_name: str,
    birth_date: date,
    desired_start: date | None = None,
    desired_classroom: Classroom | None = None,
    desired_days: str = WEEKDAYS,
    source: str = "phone",
    staff_child: bool = False,
    cca_family: bool = False,
    notes: str = "",
    stage: str = Stage.INQUIRY,
    actor=None,
) -> Inquiry:
    """A family asks about care: creates the family, guardian, child and the inquiry."""
    if desired_classroom is not None and desired_classroom.provider_id != provider.pk:
        raise ValidationError({"desired_classroom": "Choose a classroom of this provider."})
    family = Family(
        provider=provider, name=f"{guardian_last_name} family", email=email, phone=phone
    )
    save_audited(family, actor=actor)
    guardian = Guardian(
        provider=provider,
        family=family,
        first_name=guardian_first_name,
        last_name=guardian_last_name,
        email=email,
        phone=phone,
    )
    save_audited(guardian, actor=actor)
    child = Child(
        provider=provider,
        family=family,
        first_name=child_first_name,
        last_name=child_last_name,
        birth_date=birth_date,
    )
    save_audited(child, actor=actor)
    inquiry = Inquiry(
        provider=provider,
        family=family,
        child=child,
        source=source,
        desired_start=desired_start,
        desired_classroom=desired_classroom,
        desired_days=desired_days,
        staff_child=staff_child,
        cca_family=cca_family,
        notes=notes,
        stage=Stage.INQUIRY,
        applied_on=timezone.localdate() if stage == Stage.APPLICATION else None,
    )
    save_audited(inquiry, actor=actor)
    _record_stage(inquiry, "", Stage.INQUIRY, actor, "")
    if stage != Stage.INQUIRY:
        inquiry = move_inquiry(inquiry=inquiry, to_stage=stage, actor=actor)
    return inquiry


def _record_stage(inquiry: Inquiry, from_stage: str, to_stage: str, actor, note: str) -> None:
    StageChange.objects.create(
        provider_id=inquiry.provider_id,
        inquiry=inquiry,
        from_stage=from_stage,
        to_stage=to_stage,
        at=timezone.now(),
        by=actor if getattr(actor, "pk", None) else None,
        note=note,
    )


@transaction.atomic
def move_inquiry(
    *,
    inquiry: Inquiry,
    to_stage: str,
    actor,
    note: str = "",
    tour_at=None,
    offer_expires_on: date | None = None,
) -> Inquiry:
    """Move an inquiry to the next stage, recording who moved it and when."""
    inquiry = Inquiry.objects.select_for_update().get(pk=inquiry.pk)
    if to_stage not in STAGE_MOVES.get(inquiry.stage, set()):
        allowed = ", ".join(sorted(STAGE_MOVES[inquiry.stage])) or "nowhere"
        raise ValidationError(
            f"An inquiry at “{inquiry.get_stage_display()}” cannot move to “{to_stage}”; "
            f"it can move to: {allowed}."
        )
    if to_stage == Stage.ENROLLED:
        raise ValidationError("Use enroll_from_inquiry to enroll: it needs a classroom and a date.")
    from_stage = inquiry.stage
    inquiry.stage = to_stage
    inquiry.stage_changed_at = timezone.now()
    if to_stage == Stage.TOUR and tour_at:
        inquiry.tour_at = tour_at
    if to_stage in (Stage.APPLICATION, Stage.WAITLIST) and inquiry.applied_on is None:
        inquiry.applied_on = timezone.localdate()
    if to_stage == Stage.OFFER:
        inquiry.offer_expires_on = offer_expires_on or timezone.localdate() + timedelta(days=7)
    save_audited(inquiry, actor=actor, reason=note or f"Moved from {from_stage} to {to_stage}")
    _record_stage(inquiry, from_stage, to_stage, actor, note)
    return inquiry


@transaction.atomic
def enroll_child(
    *,
    child: Child,
    classroom: Classroom,
    start_date: date,
    end_date: date | None = None,
    days: str = WEEKDAYS,
    daily_start=None,
    daily_end=None,
    fte: Decimal | None = None,
    tuition_amount: Decimal | None = None,
    tuition_frequency: str = "",
    actor=None,
) -> Enrollment:
    """Place a child in a classroom. FTE comes from the schedule unless given."""
    if classroom.provider_id != child.provider_id:
        raise ValidationError({"classroom": "Choose a classroom of this provider."})
    if fte is None:
        hours = None
        if daily_start and daily_end:
            minutes = (daily_end.hour * 60 + daily_end.minute) - (
                daily_start.hour * 60 + daily_start.minute
            )
            hours = Decimal(minutes) / 60
        fte = schedule_fte(days, hours)
    enrollment = Enrollment(
        provider_id=child.provider_id,
        child=child,
        classroom=classroom,
        start_date=start_date,
        end_date=end_date,
        days=days,
        daily_start=daily_start,
        daily_end=daily_end,
        fte=fte,
        tuition_amount=tuition_amount,
        tuition_frequency=tuition_frequency,
    )
    save_audited(enrollment, actor=actor)
    sync_current_classroom(child, actor)
    return enrollment


@transaction.atomic
def enroll_from_inquiry(
    *, inquiry: Inquiry, classroom: Classroom, start_date: date, actor, **schedule
) -> Enrollment:
    inquiry = Inquiry.objects.select_for_update().get(pk=inquiry.pk)
    if inquiry.stage != Stage.OFFER:
        raise ValidationError("Only an accepted offer can be enrolled; make an offer first.")
    enrollment = enroll_child(
        child=inquiry.child,
        classroom=classroom,
        start_date=start_date,
        days=schedule.pop("days", inquiry.desired_days or WEEKDAYS),
        actor=actor,
        **schedule,
    )
    inquiry.stage = Stage.ENROLLED
    inquiry.stage_changed_at = timezone.now()
    save_audited(inquiry, actor=actor, reason="Offer accepted")
    _record_stage(inquiry, Stage.OFFER, Stage.ENROLLED, actor, f"Starts {start_date:%Y-%m-%d}")
    return enrollment


@transaction.atomic
def withdraw_child(*, enrollment: Enrollment, last_day: date, actor, reason: str) -> Enrollment:
    """End an enrollment on its last day of care."""
    if not reason:
        raise ValidationError("Give a reason for the withdrawal.")
    if last_day < enrollment.start_date:
        raise ValidationError("The last day cannot be before the enrollment started.")
    enrollment.end_date = last_day
    enrollment.status = EnrollmentStatus.WITHDRAWN
    save_audited(enrollment, actor=actor, reason=reason)
    for inquiry in Inquiry.objects.filter(child=enrollment.child, stage=Stage.ENROLLED):
        inquiry.stage = Stage.WITHDRAWN
        inquiry.stage_changed_at = timezone.now()
        save_audited(inquiry, actor=actor, reason=reason)
        _record_stage(inquiry, Stage.ENROLLED, Stage.WITHDRAWN, actor, reason)
    sync_current_classroom(enrollment.child, actor)
    return enrollment


@transaction.atomic
def transfer_child(
    *,
    enrollment: Enrollment,
    to_classroom: Classroom,
    on: date,
    actor,
    reason: str = "Moved up to the next classroom",
) -> Enrollment:
    """Move a child to another classroom from `on`: the old enrollment ends the day before and
    a new one starts with the same schedule and tuition."""
    if on <= enrollment.start_date:
        raise ValidationError("A transfer must start after the current enrollment began.")
    enrollment.end_date = on - timedelta(days=1)
    save_audited(enrollment, actor=actor, reason=reason)
    return enroll_child(
        child=enrollment.child,
        classroom=to_classroom,
        start_date=on,
        end_date=None,
        days=enrollment.days,
        daily_start=enrollment.daily_start,
        daily_end=enrollment.daily_end,
        fte=enrollment.fte,
        tuition_amount=enrollment.tuition_amount,
        tuition_frequency=enrollment.tuition_frequency,
        actor=actor,
    )


def sync_current_classroom(child: Child, actor) -> None:
    """Keep Child.classroom equal to the classroom of the enrollment in effect today (or the
    next one to start), so rosters need no date logic."""
    today = timezone.localdate()
    current = (
        Enrollment.objects.filter(child=child, status=EnrollmentStatus.ACTIVE)
        .exclude(end_date__lt=today)
        .order_by("start_date")
        .first()
    )
    classroom_id = current.classroom_id if current else None
    if child.classroom_id != classroom_id:
        child.classroom_id = classroom_id
        save_audited(child, actor=actor, update_fields=["classroom"])


@transaction.atomic
def confirm_vacancies(*, provider: Provider, figures: dict, actor) -> VacancyConfirmation:
    return VacancyConfirmation.objects.create(
        provider=provider, confirmed_at=timezone.now(), confirmed_by=actor, figures=figures
    )
