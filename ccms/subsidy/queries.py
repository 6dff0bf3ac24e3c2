"""Reads of CCA data that pages, the API, the command line and the services share."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import QuerySet, Sum
from django.shortcuts import get_object_or_404

from ccms.attendance.models import Absence, Presence
from ccms.core.access import ProviderAccess
from ccms.core.dates import provider_today
from ccms.core.money import to_cents
from ccms.subsidy import units
from ccms.subsidy.models import (
    AGE_GROUP_CHOICES,
    QUALITY_BAND_OF_LEVEL,
    RATE_TYPE_OF_KIND,
    Authorization,
    CcaSettings,
    CcaTransport,
    FeeChart,
    RateTable,
    StatePayment,
    Submission,
    SubmissionStatus,
)
from ccms.subsidy.periods import Period
from ccms.tenancy.models import Provider

# Authorizations ending within this many days are flagged.
EXPIRY_WARNING_DAYS = 30


# Settings and the state's tables ------------------------------------------------------------


def settings_on(provider: Provider, day: date) -> CcaSettings:
    """The provider's CCA settings in force on `day`; the state's defaults when none are."""
    found = (
        CcaSettings.objects.filter(provider=provider, effective_from__lte=day)
        .order_by("-effective_from")
        .first()
    )
    return found or CcaSettings(provider=provider, effective_from=day)


def settings_history(provider: Provider) -> QuerySet[CcaSettings]:
    return CcaSettings.objects.filter(provider=provider).order_by("-effective_from")


def transport_of(provider: Provider) -> CcaTransport:
    return CcaTransport.objects.filter(provider=provider).first() or CcaTransport(provider=provider)


def rate_table_on(day: date) -> RateTable | None:
    return RateTable.objects.filter(effective_from__lte=day).order_by("-effective_from").first()


def fee_chart_on(day: date) -> FeeChart | None:
    return FeeChart.objects.filter(effective_from__lte=day).order_by("-effective_from").first()


def provider_rates(provider: Provider, table: RateTable) -> list[dict]:
    """The rows of a rate table that apply to the provider: basic and special-needs rates by
    age group, for its provider type and IQ4K level."""
    found = {
        (rate.age_group, rate.special_needs): rate.amount
        for rate in table.rates.filter(
            provider_type=RATE_TYPE_OF_KIND[provider.kind],
            quality_band=QUALITY_BAND_OF_LEVEL[provider.iq4k_level],
        )
    }
    return [
        {
            "age_group": label,
            "basic": found.get((group, False)),
            "special": found.get((group, True)),
        }
        for group, label in AGE_GROUP_CHOICES
    ]


def rules_for(provider: Provider, period: Period, *, today: date | None = None) -> units.Rules:
    """What is in force for the provider on the period's first day, for `units`."""
    table = rate_table_on(period.start)
    chart = fee_chart_on(period.start)
    if table is None or chart is None:
        first = RateTable.objects.order_by("effective_from").first()
        since = f"; the first starts {first.effective_from:%Y-%m-%d}" if first else ""
        raise ValidationError(
            f"No CCA rate table or family fee chart is in force on {period.start:%Y-%m-%d}"
            f"{since}. Choose a later period, or add the tables of that time."
        )
    rates = {
        (rate.age_group, rate.special_needs): rate.amount
        for rate in table.rates.filter(
            provider_type=RATE_TYPE_OF_KIND[provider.kind],
            quality_band=QUALITY_BAND_OF_LEVEL[provider.iq4k_level],
        )
    }
    fees = {
        fee.level: (fee.one_child, fee.two_children, fee.three_or_more) for fee in chart.fees.all()
    }
    in_force = settings_on(provider, period.start)
    return units.Rules(
        provider_key=provider.slug,
        kindertrack_provider_id=provider.kindertrack_provider_id,
        period=period,
        tz=provider.tz,
        rates=rates,
        fees=fees,
        max_units_per_day=in_force.max_units_per_day,
        today=today if today is not None else provider_today(provider),
    )


# Units and amounts of a period --------------------------------------------------------------


def authorizations_in(provider: Provider, period: Period) -> QuerySet[Authorization]:
    return Authorization.objects.filter(
        provider=provider, start_date__lte=period.end, end_date__gte=period.start
    ).select_related("child__family")


def child_records(provider: Provider, period: Period) -> list[units.ChildRecord]:
    """Every child with an authorization overlapping the period, with the period's pairs and
    absences. A child with two (a renewal inside the period) is priced by the later one."""
    by_child: dict[int, list[Authorization]] = defaultdict(list)
    for authorization in authorizations_in(provider, period).order_by("start_date"):
        by_child[authorization.child_id].append(authorization)
    if not by_child:
        return []
    scope = {
        "provider": provider,
        "child_id__in": list(by_child),
        "service_date__range": (period.start, period.end),
    }
    pairs: dict[int, list[units.Pair]] = defaultdict(list)
    for p in Presence.objects.filter(**scope).only(
        "id", "child_id", "service_date", "check_in", "check_out"
    ):
        pairs[p.child_id].append(units.Pair(p.service_date, p.check_in, p.check_out, p.pk))
    absences: dict[int, dict[date, str]] = defaultdict(dict)
    for a in Absence.objects.filter(**scope).only("child_id", "service_date", "reason"):
        absences[a.child_id][a.service_date] = a.reason
    records = []
    for child_id, authorizations in by_child.items():
        current = authorizations[-1]
        child = current.child
        terms = units.Terms(
            start=current.start_date,
            end=current.end_date,
            units_per_period=current.units_per_period,
            private_rate=current.private_rate,
            special_needs=current.special_needs,
            age_group_override=current.age_group_override,
            fee_level=current.fee_level,
            difference_agreement_signed_on=current.difference_agreement_signed_on,
            authorization_id=current.pk,
            also_authorized=tuple((a.start_date, a.end_date) for a in authorizations[:-1]),
        )
        records.append(
            units.ChildRecord(
                key=child.key,
                first_name=child.first_name,
                last_name=child.last_name,
                birth_date=child.birth_date,
                family_id=child.family_id,
                kindertrack_child_id=child.kindertrack_child_id,
                terms=terms,
                pairs=tuple(pairs[child_id]),
                absences=absences[child_id],
                child_id=child_id,
            )
        )
    return records


def period_result(
    provider: Provider, period: Period, *, today: date | None = None
) -> units.PeriodResult:
    """The period's units and amounts as the attendance stands now."""
    rules = rules_for(provider, period, today=today)
    return units.compute_period(rules, child_records(provider, period))


# Submissions --------------------------------------------------------------------------------


def live_submission(provider: Provider, period: Period) -> Submission | None:
    return Submission.objects.filter(
        provider=provider, period_start=period.start, status=SubmissionStatus.SUBMITTED
    ).first()


def submissions_of(provider: Provider, period: Period) -> list[Submission]:
    """Every submission of the period, newest first, with its transmissions."""
    return list(
        Submission.objects.filter(provider=provider, period_start=period.start)
        .select_related("submitted_by", "recalled_by")
        .prefetch_related("transmissions")
        .order_by("-number")
    )


# Authorizations -----------------------------------------------------------------------------


def access_authorization(access: ProviderAccess, authorization_id: int) -> Authorization:
    """An authorization of the provider in the URL, else 404 like a missing one."""
    rows = Authorization.objects.filter(provider=access.provider).select_related("child__family")
    return get_object_or_404(rows, pk=authorization_id)


@dataclass
class AuthorizationRow:
    authorization: Authorization
    status: str  # "current", "upcoming", "ended"
    ends_soon: bool
    renewed: bool
    units_used: int | None = None
    # The units the child will have used by the period's end at its pace so far.
    units_projected: int | None = None
    period_end: date | None = None

    @property
    def warnings(self) -> list[str]:
        found = []
        a = self.authorization
        if self.ends_soon and not self.renewed:
            found.append(f"Ends {a.end_date:%b %-d, %Y}: ask the family to renew")
        if self.units_used is not None and self.units_used > a.units_per_period:
            over = self.units_used - a.units_per_period
            found.append(
                f"{self.units_used} units used of {a.units_per_period} authorized this period: "
                f"{over} will not be paid"
            )
        elif self.units_projected is not None and self.units_projected > a.units_per_period:
            found.append(
                f"{self.units_used} of {a.units_per_period} units used; at this pace "
                f"{self.units_projected} by {self.period_end:%b %-d}"
            )
        return found


def authorization_rows(
    provider: Provider, today: date, current: units.PeriodResult | None
) -> list[AuthorizationRow]:
    """Every authorization of the provider with its warnings: ending within 30 days (and not
    renewed), and over the current period's units or on pace to be."""
    authorizations = list(
        Authorization.objects.filter(provider=provider).select_related("child__family")
    )
    latest_end: dict[int, date] = {}
    for a in authorizations:
        latest_end[a.child_id] = max(latest_end.get(a.child_id, a.end_date), a.end_date)
    used, projected = {}, {}
    if current is not None:
        for c in current.children:
            key = c.record.terms.authorization_id
            used[key] = c.units_attended
            projected[key] = units.projected_units(c.units_attended, current.period, today)
    rows = []
    for a in authorizations:
        status = (
            "upcoming" if a.start_date > today else "ended" if a.end_date < today else "current"
        )
        rows.append(
            AuthorizationRow(
                authorization=a,
                status=status,
                ends_soon=status != "ended"
                and a.end_date <= today + timedelta(EXPIRY_WARNING_DAYS),
                renewed=latest_end[a.child_id] > a.end_date,
                units_used=used.get(a.pk),
                units_projected=projected.get(a.pk),
                period_end=current.period.end if current is not None else None,
            )
        )
    return rows


def expiring_authorizations(providers: list[Provider], today: date) -> list[Authorization]:
    """Authorizations ending within 30 days with no later one for the child, across providers
    (the hub's work queue: a named cross-provider read)."""
    soon = today + timedelta(days=EXPIRY_WARNING_DAYS)
    ending = list(
        Authorization.objects.filter(
            provider__in=providers, end_date__gte=today, end_date__lte=soon
        ).select_related("child", "provider")
    )
    if not ending:
        return []
    later = set(
        Authorization.objects.filter(
            child_id__in={a.child_id for a in ending}, end_date__gt=soon
        ).values_list("child_id", flat=True)
    )
    return sorted((a for a in ending if a.child_id not in later), key=lambda a: a.end_date)


# Payments -----------------------------------------------------------------------------------


def paid_by_child(provider: Provider, period: Period) -> dict[int, Decimal]:
    rows = (
        StatePayment.objects.filter(provider=provider, period_start=period.start)
        .values("child_id")
        .annotate(total=Sum("amount"))
    )
    return {row["child_id"]: to_cents(row["total"]) for row in rows}


def payments_of(provider: Provider, period: Period) -> QuerySet[StatePayment]:
    return StatePayment.objects.filter(provider=provider, period_start=period.start).select_related(
        "child", "entered_by"
    )
