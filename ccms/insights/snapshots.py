"""Monthly snapshots: a closed month's figures frozen, so history does not move when old data is
corrected. A month is closed once its last day has passed where the provider is; its figures are
computed as of that last day. Taking the snapshot again after a correction adds a restatement (a
new version with the differences) and never changes the version before it.

Snapshots are taken by `ccms metrics snapshot --month` (run it after each month end) and, for
any closed month that has none, when a dashboard asks for it."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from ccms.core.dates import provider_today
from ccms.insights import metrics
from ccms.insights.display import dollars, percent
from ccms.insights.models import Alert, MetricSnapshot, Side
from ccms.tenancy.models import Membership, Provider, Role

log = logging.getLogger(__name__)


def is_closed(provider: Provider, first: date) -> bool:
    _, last = metrics.month_bounds(first.year, first.month)
    return last < provider_today(provider)


def latest_snapshots(provider_ids, months) -> dict[tuple[int, date], MetricSnapshot]:
    """The newest version of each (provider, month) snapshot there is, in one query."""
    rows = MetricSnapshot.objects.filter(provider_id__in=list(provider_ids), month__in=months)
    latest: dict[tuple[int, date], MetricSnapshot] = {}
    for snap in rows.order_by("version"):
        latest[(snap.provider_id, snap.month)] = snap
    return latest


def first_versions(provider_ids, months) -> dict[tuple[int, date], MetricSnapshot]:
    rows = MetricSnapshot.objects.filter(
        provider_id__in=list(provider_ids), month__in=months, version=1
    )
    return {(s.provider_id, s.month): s for s in rows}


@dataclass
class Taken:
    created: int = 0
    restated: int = 0
    unchanged: int = 0
    alerts: int = 0


def take_snapshots(providers: list[Provider], first: date, *, restate: bool = True) -> Taken:
    """Freeze the month for each provider whose month is closed: a first version where there is
    none; with `restate`, a restatement where the figures have changed since. Alerts follow."""
    providers = [p for p in providers if is_closed(p, first)]
    result = Taken()
    if not providers:
        return result
    _, last = metrics.month_bounds(first.year, first.month)
    latest = latest_snapshots([p.pk for p in providers], [first])
    if not restate:
        providers = [p for p in providers if (p.pk, first) not in latest]
    rows = metrics.load_months(providers, first.year, first.month, last)
    now = timezone.now()
    fresh: list[tuple[Provider, dict]] = []
    for provider, month_rows in zip(providers, rows, strict=True):
        computed = metrics.compute(month_rows)
        figures, exact = metrics.as_json(computed), metrics.to_exact(computed)
        before = latest.get((provider.pk, first))
        if before is None:
            made = _create(provider, first, 1, now, figures, exact, {})
            result.created += made is not None
            if made is not None:
                fresh.append((provider, figures))
        elif before.figures != figures:
            changes = differences(before.figures, figures)
            made = _create(provider, first, before.version + 1, now, figures, exact, changes)
            result.restated += made is not None
        else:
            result.unchanged += 1
    result.alerts = raise_alerts(fresh, first)
    return result


def _create(provider, month, version, now, figures, exact, changes) -> MetricSnapshot | None:
    try:
        with transaction.atomic():
            return MetricSnapshot.objects.create(
                provider=provider,
                month=month,
                version=version,
                as_of=date.fromisoformat(figures["as_of"]),
                taken_at=now,
                figures=figures,
                exact=exact,
                differences=changes,
            )
    except IntegrityError:  # taken by a concurrent request a moment ago
        return None


def ensure_snapshots(providers: list[Provider], months: list[date]) -> None:
    """Take the first snapshot of every closed month in `months` that has none (a dashboard
    asking for history). Existing versions are left as they are."""
    have = {
        (p, m)
        for p, m in MetricSnapshot.objects.filter(
            provider_id__in=[p.pk for p in providers], month__in=months
        ).values_list("provider_id", "month")
    }
    for month in sorted(months):
        missing = [p for p in providers if (p.pk, month) not in have and is_closed(p, month)]
        if missing:
            take_snapshots(missing, month, restate=False)


def _flatten(data, prefix="") -> dict[str, object]:
    out = {}
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(_flatten(value, name + "."))
        else:
            out[name] = value
    return out


def differences(before: dict, after: dict) -> dict[str, list]:
    """Each figure that changed: name -> [before, after] (nested keys joined by dots)."""
    old, new = _flatten(before), _flatten(after)
    return {
        key: [old.get(key), new.get(key)]
        for key in sorted(old.keys() | new.keys())
        if old.get(key) != new.get(key)
    }


def difference(pair: list) -> Decimal | None:
    """after - before of a numeric figure (None for words or empty figures)."""
    try:
        return Decimal(pair[1]) - Decimal(pair[0])
    except (TypeError, InvalidOperation):
        return None


def restatements(provider: Provider, months: list[date] | None = None):
    rows = MetricSnapshot.objects.filter(provider=provider, version__gt=1)
    if months is not None:
        rows = rows.filter(month__in=months)
    return rows.order_by("-month", "-version")


def last_version(provider: Provider, month: date) -> int:
    found = MetricSnapshot.objects.filter(provider=provider, month=month)
    return found.aggregate(v=Max("version"))["v"] or 0


# Alerts ------------------------------------------------------------------------------------------

SIDE_VALUE = {
    "enrollment": ("enrollment_efficiency_staffed", "percent"),
    "fee_collection": ("fee_collection_rate.total", "percent"),
    "cost_coverage": ("revenue_per_child", "money"),
}


def shown_value(figures: dict, side: str) -> str:
    path, kind = SIDE_VALUE[side]
    value = _flatten(figures).get(path)
    if value is None:
        return "—"
    if kind == "percent":
        return percent(value)
    cost = figures.get("cost_per_child")
    if cost is None:
        return dollars(value)
    return f"{dollars(value)} revenue per child against a cost of {dollars(cost)}"


def raise_alerts(fresh: list[tuple[Provider, dict]], month: date) -> int:
    """An alert for each side that is red this month and was not red in the month before (a
    month with no frozen month before it cannot say what changed: its status shows, no alert)."""
    if not fresh:
        return 0
    previous_month = metrics.shift_month(month, -1)
    before = first_versions([p.pk for p, _ in fresh], [previous_month])
    now = timezone.now()
    made = []
    for provider, figures in fresh:
        earlier = before.get((provider.pk, previous_month))
        if earlier is None:
            continue
        for side in Side.values:
            if figures["status"].get(side) != metrics.RED:
                continue
            was = earlier.figures["status"].get(side)
            if was == metrics.RED:
                continue
            made.append(
                Alert(
                    provider=provider,
                    month=month,
                    side=side,
                    value=shown_value(figures, side)[:120],
                    previous_status=was or "",
                    created_at=now,
                )
            )
    created = Alert.objects.bulk_create(made, ignore_conflicts=True)
    if made:
        transaction.on_commit(lambda: _mail_consultants(made))
    return len(created)


def _mail_consultants(alerts: list[Alert]) -> None:
    """Tell each provider's consultants which sides turned red (after the commit)."""
    by_provider: dict[int, list[Alert]] = {}
    for alert in alerts:
        by_provider.setdefault(alert.provider_id, []).append(alert)
    consultants = Membership.objects.filter(
        provider_id__in=by_provider, role=Role.CONSULTANT
    ).select_related("user", "provider")
    for membership in consultants:
        found = by_provider[membership.provider_id]
        lines = [f"- {a.get_side_display()}: {a.value} in {a.month:%B %Y}" for a in found]
        try:
            send_mail(
                f"{membership.provider.name}: a figure turned red",
                "\n".join(
                    [
                        f"These Iron Triangle figures of {membership.provider.name} turned red:",
                        *lines,
                        "",
                        f"{settings.SITE_URL}/p/{membership.provider.slug}/insights/",
                    ]
                ),
                None,
                [membership.user.email],
            )
        except Exception:  # mail trouble must not undo the snapshot
            log.exception("Could not e-mail the alert to %s", membership.user.email)
