"""Child Care Assistance in the demo alliance: about a third of the families are subsidized, with
KinderTrack IDs, fee levels and authorizations; their attendance of the last periods; the two
periods before the last submitted and paid (one provider still waiting past the 10 business
days, one paid a unit short); the period that ended last is due, and at Sunrise one check-out is
missing for the hub to fix."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import transaction

from ccms.attendance.models import Absence, AbsenceReason, Method, Presence
from ccms.core.dates import provider_today
from ccms.families.models import Child, Family
from ccms.subsidy import services
from ccms.subsidy.models import Authorization
from ccms.subsidy.periods import Period, add_business_days, period_containing, preceding
from ccms.tenancy.models import Alliance, BillingPeriod, Provider, Role, User

# Share of families with Child Care Assistance (for many providers a third of revenue).
CCA_SHARE = 0.33
FEE_LEVELS = ["A", "A", "B", "B", "C", "D", "E", "F", "H", "K"]
# Where the demo's story happens.
MISSING_CHECK_OUT_AT = "sunrise"
OVERDUE_AT = "little-oaks"
SHORT_PAID_AT = "maple-street"


@transaction.atomic
def load_subsidy_demo() -> None:
    alliance = Alliance.objects.filter(slug="prairie").first()
    if alliance is None:
        return
    if Authorization.objects.filter(provider__alliance=alliance).exists():
        return
    rng = random.Random(6)
    hub = User.objects.filter(
        memberships__alliance=alliance, memberships__role=Role.HUB_STAFF
    ).first()
    numbers = iter(range(310001, 400000))
    for provider in Provider.objects.filter(alliance=alliance).order_by("pk"):
        today = provider_today(provider)
        current = period_containing(provider, today)
        due = preceding(provider, current)
        older = [preceding(provider, due)]
        older.insert(0, preceding(provider, older[0]))
        children = _subsidized(provider, rng, numbers, first_day=older[0].start, today=today)
        _attendance(provider, children, rng, first=older[0].start, last=today - timedelta(1))
        for period in older:
            _submit_and_pay(provider, period, hub, rng, latest=period == older[-1])
        if provider.slug == MISSING_CHECK_OUT_AT:
            _forget_a_check_out(provider, due)


def _subsidized(provider, rng, numbers, *, first_day: date, today: date) -> list[Child]:
    """Pick the subsidized families and give them fee levels, their children KinderTrack IDs
    and authorizations (a few ending within 30 days)."""
    families = list(
        Family.objects.filter(provider=provider, children__classroom__isnull=False)
        .exclude(guardians__user__isnull=False)  # the demo parent pays privately, split in two
        .distinct()
        .order_by("pk")
    )
    chosen = [f for f in families if rng.random() < CCA_SHARE] or families[:1]
    units = 44 if provider.cca_billing_period == BillingPeriod.MONTHLY else 20
    children = []
    for family in chosen:
        Family.objects.filter(pk=family.pk).update(cca_fee_level=rng.choice(FEE_LEVELS))
        signed = rng.random() < 0.25
        for child in family.children.filter(classroom__isnull=False).select_related("classroom"):
            Child.objects.filter(pk=child.pk).update(kindertrack_child_id=f"{next(numbers)}")
            ends_soon = rng.random() < 0.06
            # Most are authorized full time; some for less than they attend.
            authorized = units if rng.random() < 0.85 else units * 4 // 5
            # The demo's attendance starts with the first period shown as submitted.
            start = first_day
            Authorization.objects.create(
                provider=provider,
                child=child,
                case_number=f"IA-{rng.randint(1000000, 9999999)}",
                start_date=start,
                end_date=today + timedelta(days=rng.randint(5, 28) if ends_soon else 365),
                units_per_period=authorized,
                special_needs=child.special_needs,
                private_rate=_private_rate(child),
                difference_agreement_signed_on=start - timedelta(days=7) if signed else None,
            )
            children.append(child)
    return children


def _private_rate(child: Child) -> Decimal:
    """The provider's price per half-day unit: a tenth of its weekly tuition."""
    room = child.classroom
    weekly = 310 if room.max_age_months < 24 else 285 if room.max_age_months < 36 else 245
    if room.min_age_months >= 60:
        weekly = 160
    return Decimal(weekly) / 10


def _attendance(provider, children, rng, *, first: date, last: date) -> None:
    """Weekdays in care (mostly two units a day), a few absences, from `first` to `last`."""
    presences, absences = [], []
    tz = provider.tz
    for child in children:
        days_off = rng.choice([(), (), (), (4,), (0, 2)])  # some part-time schedules
        day = first
        while day <= last:
            if day.weekday() < 5 and day.weekday() not in days_off:
                draw = rng.random()
                if draw < 0.04:
                    absences.append(
                        Absence(
                            provider=provider,
                            child=child,
                            service_date=day,
                            reason=rng.choice([AbsenceReason.SICK, AbsenceReason.VACATION]),
                        )
                    )
                elif draw < 0.97:
                    # Most stay 7 to 10 hours (two units); some a short day (one unit).
                    arrive = time(7 if draw < 0.8 else 8, rng.randint(0, 40))
                    minutes = rng.randint(420, 600) if draw < 0.9 else rng.randint(180, 290)
                    check_in = datetime.combine(day, arrive, tzinfo=tz)
                    presences.append(
                        Presence(
                            provider=provider,
                            child=child,
                            classroom_id=child.classroom_id,
                            service_date=day,
                            check_in=check_in,
                            check_out=check_in + timedelta(minutes=minutes),
                            check_in_method=Method.KIOSK,
                            check_out_method=Method.KIOSK,
                        )
                    )
            day += timedelta(days=1)
    Presence.objects.bulk_create(presences)
    Absence.objects.bulk_create(absences)


def _submit_and_pay(provider: Provider, period: Period, hub, rng, *, latest: bool) -> None:
    """Submitted two business days after the period ended; the state paid a week later,
    except where the demo shows a late payment or one paid short."""
    submitted_on = add_business_days(period.end, 2)
    at = datetime.combine(submitted_on, time(10, 30), tzinfo=provider.tz)
    submission = services.submit_period(provider=provider, period=period, actor=hub, at=at)
    if latest and provider.slug == OVERDUE_AT:
        return
    lines = []
    for line in submission.lines.select_related("child").order_by("child__last_name", "pk"):
        amount = line.state_amount
        if latest and provider.slug == SHORT_PAID_AT and not lines:
            amount = max(Decimal(0), amount - line.state_rate)  # one unit less for this child
        lines.append(services.PaymentLine(line.child, amount))
    services.record_state_payments(
        provider=provider,
        period=period,
        lines=lines,
        paid_on=add_business_days(submitted_on, rng.randint(5, 8)),
        reference=f"W{rng.randint(100000, 999999)}",
        actor=hub,
    )


def _forget_a_check_out(provider: Provider, period: Period) -> None:
    """One child's check-out on a day of the due period was never recorded."""
    days = [d for d in period.days if d.weekday() < 5]
    presence = (
        Presence.objects.filter(
            provider=provider,
            service_date__in=days[-3:],
            child__cca_authorizations__isnull=False,
        )
        .order_by("service_date", "child__last_name", "check_in")
        .first()
    )
    if presence is not None:
        Presence.objects.filter(pk=presence.pk).update(check_out=None, check_out_method="")
