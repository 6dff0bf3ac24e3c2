"""Reads behind the insights pages, reports and exports. A closed month is read from its frozen
snapshot (taken here when it has none); the month under way is computed live, as of today. Every
figure comes from `metrics`, so a director, a consultant, the alliance and the state see the same
numbers."""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.utils import timezone

from ccms.core.access import PERMISSIONS, accessible_providers, provider_roles
from ccms.core.dates import provider_today
from ccms.insights import metrics, snapshots
from ccms.insights.metrics import Figures, TargetValues
from ccms.insights.models import Alert, MetricSnapshot
from ccms.tenancy.models import Alliance, Provider, User


@dataclass
class Month:
    """One provider's figures for one month, as shown."""

    provider: Provider
    first: date
    closed: bool
    data: dict  # the metrics JSON
    figures: Figures
    snapshot: MetricSnapshot | None = None
    original: MetricSnapshot | None = None  # the first version, when this one restates it

    @property
    def label(self) -> str:
        return f"{self.first:%B %Y}"

    @property
    def has_data(self) -> bool:
        d = self.data
        return not (
            d["fte_enrolled"] == "0.00"
            and d["billed"]["total"] == "0.00"
            and d["expenses"] == "0.00"
        )


def default_month(provider_or_today) -> date:
    """The month a dashboard opens on: the last closed month."""
    today = (
        provider_today(provider_or_today)
        if isinstance(provider_or_today, Provider)
        else provider_or_today
    )
    return metrics.shift_month(today.replace(day=1), -1)


def month_options(today: date, count: int = 13) -> list[date]:
    """This month and the twelve before it, newest first (for the month picker)."""
    this = today.replace(day=1)
    return [metrics.shift_month(this, -n) for n in range(count)]


def pick_month(text: str | None, today: date) -> date:
    """The month named by ?month=YYYY-MM (not in the future), else the last closed month."""
    if text:
        try:
            year, number = metrics.parse_month(text)
        except metrics.MonthError:
            return default_month(today)
        chosen = date(year, number, 1)
        if chosen <= today.replace(day=1):
            return chosen
    return default_month(today)


def _targets(providers: list[Provider]) -> dict[int, TargetValues]:
    return metrics.targets_for(p.alliance_id for p in providers)


def months_of(providers: list[Provider], months: list[date]) -> dict[tuple[int, date], Month]:
    """Each provider's figures for each month: frozen for closed months (snapshots taken where
    missing), live for a month under way. A fixed number of queries per month."""
    closed = {(p.pk, m): snapshots.is_closed(p, m) for p in providers for m in months}
    snapshots.ensure_snapshots(providers, months)
    ids = [p.pk for p in providers]
    latest = snapshots.latest_snapshots(ids, months)
    firsts = snapshots.first_versions(ids, months)
    targets = _targets(providers)
    out: dict[tuple[int, date], Month] = {}
    for month in months:
        by_today: dict[date, list[Provider]] = defaultdict(list)
        for provider in providers:
            if not closed[(provider.pk, month)]:
                by_today[provider_today(provider)].append(provider)
        for today, live in by_today.items():
            for provider, rows in zip(
                live, metrics.load_months(live, month.year, month.month, today), strict=True
            ):
                figures = metrics.compute(rows)
                out[(provider.pk, month)] = Month(
                    provider, month, False, metrics.as_json(figures), figures
                )
        for provider in providers:
            if closed[(provider.pk, month)]:
                snap = latest[(provider.pk, month)]
                original = firsts.get((provider.pk, month))
                out[(provider.pk, month)] = Month(
                    provider,
                    month,
                    True,
                    snap.figures,
                    metrics.from_exact(snap.exact, targets[provider.alliance_id]),
                    snap,
                    original if original and original.pk != snap.pk else None,
                )
    return out


def provider_month(provider: Provider, month: date) -> Month:
    return months_of([provider], [month])[(provider.pk, month)]


def history(provider: Provider, last: date, count: int = 12) -> list[Month]:
    """The `count` months up to `last`, oldest first."""
    months = [metrics.shift_month(last, -n) for n in range(count - 1, -1, -1)]
    found = months_of([provider], months)
    return [found[(provider.pk, m)] for m in months]


def live_differences(month: Month) -> dict[str, list]:
    """For a closed month: what changed in the data since it was frozen (figure -> [frozen,
    now]), computed as of the month's last day as the snapshot was."""
    if not month.closed or month.snapshot is None:
        return {}
    _, last = metrics.month_bounds(month.first.year, month.first.month)
    now = metrics.provider_metrics(month.provider, month.first.year, month.first.month, last)
    return snapshots.differences(month.snapshot.figures, now)


# Several providers -------------------------------------------------------------------------------


def insight_providers(user: User) -> list[Provider]:
    """The providers whose figures this user may read, by their role at each."""
    allowed = PERMISSIONS["insights.view"]
    found = []
    for provider in accessible_providers(user).select_related("alliance").order_by("name"):
        roles = provider_roles(user, provider)
        if roles & allowed:
            found.append(provider)
    return found


RISK = {metrics.RED: 3, metrics.YELLOW: 1}
TREND_FIGURES = [
    ("enrollment", "Enrollment efficiency", "enrollment_efficiency_staffed", "percent"),
    ("fee_collection", "Fee collection", "fee_collection_rate.total", "percent"),
    ("cost_coverage", "Revenue per child", "revenue_per_child", "money"),
    (None, "Cost per child", "cost_per_child", "money"),
    (None, "Net income", "net_income", "money"),
]


def value_at(data: dict, path: str):
    for part in path.split("."):
        if data is None:
            return None
        data = data.get(part)
    return data


@dataclass
class PortfolioRow:
    provider: Provider
    month: Month
    trend: list[Month]
    open_alerts: list[Alert] = field(default_factory=list)

    @property
    def statuses(self) -> list[tuple[str, str | None]]:
        """The three sides' statuses in their order (a frozen month's JSON keeps none)."""
        status = self.month.data["status"]
        return [(side, status.get(side)) for side in metrics.SIDES]

    @property
    def risk(self) -> int:
        status = self.month.data["status"]
        return sum(RISK.get(s, 0) for s in status.values()) + len(self.open_alerts)

    def series(self, path: str) -> list[Decimal | None]:
        return [
            Decimal(v) if m.has_data and (v := value_at(m.data, path)) is not None else None
            for m in self.trend
        ]


def portfolio(providers: list[Provider], month: date, count: int = 6) -> list[PortfolioRow]:
    """Every provider's month with its trend, riskiest first (reds weigh three, yellows one,
    open alerts one; then the lowest enrollment efficiency)."""
    months = [metrics.shift_month(month, -n) for n in range(count - 1, -1, -1)]
    found = months_of(providers, months)
    alerts: dict[int, list[Alert]] = defaultdict(list)
    for alert in Alert.objects.filter(
        provider__in=providers, acknowledged_at__isnull=True
    ).order_by("-month"):
        alerts[alert.provider_id].append(alert)
    rows = [
        PortfolioRow(
            p,
            found[(p.pk, month)],
            [found[(p.pk, m)] for m in months],
            alerts[p.pk],
        )
        for p in providers
    ]

    def efficiency(row: PortfolioRow) -> Decimal:
        value = row.month.data["enrollment_efficiency_staffed"]
        return Decimal(value) if value is not None else Decimal(9)

    return sorted(rows, key=lambda r: (-r.risk, efficiency(r), r.provider.name))


@dataclass
class AllianceMonth:
    alliance: Alliance
    month: date
    rows: list[Month]
    total: Figures

    @property
    def total_data(self) -> dict:
        return metrics.as_json(self.total, key="alliance")


def alliance_month(alliance: Alliance, month: date) -> AllianceMonth:
    """Every member's month and the alliance total built from them (frozen months add up the
    frozen figures exactly)."""
    providers = list(Provider.objects.filter(alliance=alliance).order_by("name"))
    found = months_of(providers, [month])
    rows = [found[(p.pk, month)] for p in providers]
    as_of = max((r.figures.as_of for r in rows), default=timezone.localdate())
    targets = metrics.targets_for([alliance.pk])[alliance.pk]
    total = metrics.combine(alliance.slug, [r.figures for r in rows], month, as_of, targets)
    return AllianceMonth(alliance, month, rows, total)


COMPARED = [
    ("enrollment_efficiency_staffed", "Enrollment efficiency (staffed)", "percent", True),
    ("fee_collection_rate.total", "Fee collection rate", "percent", True),
    ("bad_debt_rate", "Bad debt", "percent", False),
    ("cost_per_child", "Cost per child", "money", False),
    ("revenue_per_child", "Revenue per child", "money", True),
    ("break_even_enrollment", "Break-even enrollment", "percent", False),
    ("net_income", "Net income", "money", True),
]


def medians(rows: list[Month]) -> dict[str, Decimal | None]:
    """The alliance median of each compared figure, over providers that have it."""
    out = {}
    for path, *_ in COMPARED:
        values = [
            Decimal(v) for r in rows if r.has_data and (v := value_at(r.data, path)) is not None
        ]
        out[path] = statistics.median(values) if values else None
    return out


def group_totals(rows: list[Month], key) -> list[tuple[str, Figures]]:
    """Alliance figures grouped by a provider attribute (county, kind): sums, never names."""
    groups: dict[str, list[Figures]] = defaultdict(list)
    for row in rows:
        groups[key(row.provider)].append(row.figures)
    return [
        (name, metrics.combine(name, parts, parts[0].month, parts[0].as_of, parts[0].targets))
        for name, parts in sorted(groups.items())
    ]
