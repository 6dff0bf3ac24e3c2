"""The Iron Triangle metrics, version 1 (specs/iron-triangle-metrics.md): the one definition of
every figure that the dashboards, reports, exports, the `ccms metrics` command and the API use.

Reading and computing are apart. `load_months` reads what a month's figures need for many
providers at once, a fixed number of queries per batch of providers whatever their size, with no
joins across providers; `compute` turns one provider's rows into exact figures (Decimal and
Fraction); `combine` adds providers' figures up into an alliance total; `as_json` rounds half-up,
only when a figure is shown. Collections come from the billing ledger's FIFO allocation
(`billing.allocation`), never from a second implementation."""

from __future__ import annotations

import calendar
import re
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import NamedTuple

from django.db.models import Q

from ccms.attendance.models import Closure
from ccms.attendance.ratios import staffed_capacity_of_rooms
from ccms.billing.allocation import AGING_BUCKETS, aging, allocate
from ccms.billing.models import (
    PAYER_TYPE_OF_KIND,
    EntryKind,
    LedgerEntry,
    PayerAccount,
)
from ccms.core.money import to_cents
from ccms.enrollment.models import Enrollment, EnrollmentStatus
from ccms.enrollment.queries import staffed_capacity
from ccms.insights.models import CLASSROOM_CATEGORIES, Expense, ExpenseCategory, Targets
from ccms.tenancy.models import Alliance, Classroom, Provider

VERSION = 1
PAYERS = ("family", "cca", "other")
AGE_GROUPS = ("infant_toddler", "preschool", "school_age")
AGE_GROUP_LABELS = {
    "infant_toddler": "Infant / toddler",
    "preschool": "Preschool",
    "school_age": "School age",
}
SIDES = ("enrollment", "fee_collection", "cost_coverage")
GREEN, YELLOW, RED = "green", "yellow", "red"
STATUS_WORDS = {GREEN: "On target", YELLOW: "Watch", RED: "Act now", None: "No figure"}
ZERO = Decimal("0.00")
# Providers read per batch: bounds memory and the length of IN lists.
BATCH = 50


class MonthError(ValueError):
    """A month or date argument that does not parse."""


# Months ------------------------------------------------------------------------------------------


def parse_month(text: str) -> tuple[int, int]:
    match = re.fullmatch(r"(\d{4})-(\d{2})", text or "")
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise MonthError(f"“{text}” is not a month; write it as YYYY-MM, e.g. 2026-10.")
    return int(match.group(1)), int(match.group(2))


def parse_day(text: str) -> date:
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text or ""):
            return date.fromisoformat(text)
    except ValueError:
        pass
    raise MonthError(f"“{text}” is not a date; write it as YYYY-MM-DD, e.g. 2026-11-29.")


def month_bounds(year: int, month: int) -> tuple[date, date]:
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def month_key(first: date) -> str:
    return f"{first:%Y-%m}"


def shift_month(first: date, months: int) -> date:
    index = first.year * 12 + first.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def operating_days(first: date, last: date, closures: Iterable[date]) -> list[date]:
    """Monday to Friday of the month, minus the provider's closure days."""
    closed = set(closures)
    days = (first + timedelta(days=n) for n in range((last - first).days + 1))
    return [d for d in days if d.weekday() < 5 and d not in closed]


def classroom_age_group(room: Classroom) -> str:
    """The CCA age group of the youngest children a classroom serves."""
    if room.min_age_months < 36:
        return "infant_toddler"
    if room.min_age_months < 60:
        return "preschool"
    return "school_age"


# Rounding, only when shown -----------------------------------------------------------------------


def round_half_up(value, places: int) -> Decimal | None:
    """An exact figure (Fraction, Decimal or int) rounded half-up (away from zero) to `places`
    decimals, exactly: no binary or 28-digit intermediate."""
    if value is None:
        return None
    exact = Fraction(value)
    scaled = abs(exact) * 10**places
    whole = int(scaled + Fraction(1, 2))  # floor, as scaled >= 0
    return Decimal(-whole if exact < 0 else whole).scaleb(-places)


def money(value) -> str | None:
    return None if value is None else str(to_cents(Fraction(value)))


def ratio(value) -> str | None:
    return None if value is None else str(round_half_up(value, 4))


def fte(value) -> str | None:
    return None if value is None else str(round_half_up(value, 2))


def divide(part, whole) -> Fraction | None:
    """part / whole exactly, empty when the whole is zero (or either is missing)."""
    if part is None or whole is None or whole == 0:
        return None
    return Fraction(part) / Fraction(whole)


# What a month's figures are read from ------------------------------------------------------------


class Entry(NamedTuple):
    """A ledger entry as allocation reads it (a light row instead of a model instance)."""

    pk: int
    account_id: int
    child_id: int | None
    kind: str
    on: date
    amount: Decimal
    reverses_id: int | None
    applies_to_id: int | None


class Placement(NamedTuple):
    child_id: int
    classroom_id: int
    start_date: date
    end_date: date | None
    fte: Decimal


class Cost(NamedTuple):
    category: str
    classroom_id: int | None
    amount: Decimal


@dataclass
class TargetValues:
    enrollment_green: Decimal = Decimal("0.95")
    enrollment_yellow: Decimal = Decimal("0.85")
    collection_green: Decimal = Decimal("0.98")
    collection_yellow: Decimal = Decimal("0.97")
    coverage_margin: Decimal = Decimal("0.05")

    @classmethod
    def of(cls, targets: Targets | None) -> TargetValues:
        if targets is None:
            return cls()
        return cls(
            targets.enrollment_green,
            targets.enrollment_yellow,
            targets.collection_green,
            targets.collection_yellow,
            targets.coverage_margin,
        )


@dataclass
class MonthRows:
    """Everything one provider's figures for one month are computed from."""

    provider: Provider
    first: date
    last: date
    as_of: date
    rooms: list[Classroom]
    staffed: dict[int, int]  # classroom id -> staffed capacity
    closures: list[date]
    placements: list[Placement]
    payer_of_account: dict[int, str]
    entries: list[Entry]
    costs: list[Cost]
    targets: TargetValues


def targets_for(alliance_ids: Iterable[int]) -> dict[int, TargetValues]:
    ids = set(alliance_ids)
    found = {t.alliance_id: t for t in Targets.objects.filter(alliance_id__in=ids)}
    return {a: TargetValues.of(found.get(a)) for a in ids}


def load_months(providers: list[Provider], year: int, month: int, as_of: date) -> list[MonthRows]:
    """The rows of each provider's month, nine queries per batch of providers. Ledger entries are
    read up to the later of `as_of` and the month's end (and any later charge a write-off names):
    what follows cannot change how the month's charges are covered, FIFO being oldest first."""
    out = []
    for start in range(0, len(providers), BATCH):
        out += _load_batch(providers[start : start + BATCH], year, month, as_of)
    return out


def _load_batch(providers: list[Provider], year: int, month: int, as_of: date) -> list[MonthRows]:
    first, last = month_bounds(year, month)
    ids = [p.pk for p in providers]
    horizon = max(as_of, last)
    rooms_of: dict[int, list[Classroom]] = defaultdict(list)
    all_rooms = list(
        Classroom.objects.filter(provider_id__in=ids).order_by("min_age_months", "name", "pk")
    )
    for room in all_rooms:
        rooms_of[room.provider_id].append(room)
    from_schedules = staffed_capacity_of_rooms(all_rooms, last)
    closures: dict[int, list[date]] = defaultdict(list)
    for provider_id, day in Closure.objects.filter(
        provider_id__in=ids, service_date__range=(first, last)
    ).values_list("provider_id", "service_date"):
        closures[provider_id].append(day)
    placements: dict[int, list[Placement]] = defaultdict(list)
    for provider_id, *row in (
        Enrollment.objects.filter(
            provider_id__in=ids, status=EnrollmentStatus.ACTIVE, start_date__lte=last
        )
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=first))
        .values_list("provider_id", "child_id", "classroom_id", "start_date", "end_date", "fte")
        .order_by("pk")
    ):
        placements[provider_id].append(Placement(*row))
    payer_of_account: dict[int, dict[int, str]] = defaultdict(dict)
    for provider_id, account_id, kind in PayerAccount.objects.filter(
        provider_id__in=ids
    ).values_list("provider_id", "pk", "kind"):
        payer_of_account[provider_id][account_id] = str(PAYER_TYPE_OF_KIND[kind])
    named_later = LedgerEntry.objects.filter(
        provider_id__in=ids,
        kind=EntryKind.WRITE_OFF,
        on__lte=as_of,
        applies_to__isnull=False,
        applies_to__on__gt=horizon,
    ).values("applies_to_id")
    entries: dict[int, list[Entry]] = defaultdict(list)
    for provider_id, *row in (
        LedgerEntry.objects.filter(provider_id__in=ids)
        .filter(Q(on__lte=horizon) | Q(pk__in=named_later))
        .values_list(
            "provider_id",
            "pk",
            "account_id",
            "child_id",
            "kind",
            "on",
            "amount",
            "reverses_id",
            "applies_to_id",
        )
        .order_by()
    ):
        entries[provider_id].append(Entry(*row))
    costs: dict[int, list[Cost]] = defaultdict(list)
    for provider_id, *row in Expense.objects.filter(provider_id__in=ids, month=first).values_list(
        "provider_id", "category", "classroom_id", "amount"
    ):
        costs[provider_id].append(Cost(*row))
    targets = targets_for(p.alliance_id for p in providers)
    result = []
    for p in providers:
        rooms = rooms_of[p.pk]
        schedules = from_schedules.get(p.pk, {})
        result.append(
            MonthRows(
                provider=p,
                first=first,
                last=last,
                as_of=as_of,
                rooms=rooms,
                staffed={room.pk: staffed_capacity(room, schedules) for room in rooms},
                closures=closures[p.pk],
                placements=placements[p.pk],
                payer_of_account=payer_of_account[p.pk],
                entries=entries[p.pk],
                costs=costs[p.pk],
                targets=targets[p.alliance_id],
            )
        )
    return result


# Exact figures -----------------------------------------------------------------------------------


def _payers() -> dict[str, Decimal]:
    return dict.fromkeys(PAYERS, ZERO)


def _groups(value=Fraction(0)) -> dict:
    return dict.fromkeys(AGE_GROUPS, value)


@dataclass
class RoomFigures:
    key: str
    name: str
    age_group: str
    licensed_capacity: int
    staffed_capacity: int
    fte_enrolled: Fraction

    @property
    def vacancies(self) -> Fraction:
        return max(Fraction(self.staffed_capacity) - self.fte_enrolled, Fraction(0))


@dataclass
class Figures:
    """A provider's (or, combined, an alliance's) month, exact. Derived figures are properties,
    so a combined total derives them from its own sums."""

    label: str
    month: date
    as_of: date
    targets: TargetValues
    operating_days: int | None = 0
    fte_enrolled: Fraction = Fraction(0)
    licensed_capacity: int = 0
    staffed_capacity: int = 0
    vacancies: Fraction = Fraction(0)
    rooms: list[RoomFigures] = field(default_factory=list)
    fte_by_group: dict[str, Fraction] = field(default_factory=_groups)
    vacancies_by_group: dict[str, Fraction] = field(default_factory=_groups)
    staffed_by_group: dict[str, int] = field(default_factory=lambda: dict.fromkeys(AGE_GROUPS, 0))
    groups_present: set[str] = field(default_factory=set)
    billed: dict[str, Decimal] = field(default_factory=_payers)
    collected: dict[str, Decimal] = field(default_factory=_payers)
    written_off: dict[str, Decimal] = field(default_factory=_payers)
    aging: dict[str, dict[str, Decimal]] = field(
        default_factory=lambda: {p: dict.fromkeys(AGING_BUCKETS, ZERO) for p in PAYERS}
    )
    expenses: Decimal = ZERO
    expenses_variable: Decimal = ZERO
    # Costs and revenue by age group, shared ones already spread by FTE (sums over groups of a
    # provider equal its totals when it has FTE enrolled).
    cost_by_group: dict[str, Fraction] = field(default_factory=_groups)
    revenue_by_group: dict[str, Fraction] = field(default_factory=_groups)
    # The costs that name a classroom, by its age group (before sharing the rest).
    direct_cost_by_group: dict[str, Fraction] = field(default_factory=_groups)
    # FTE of children with a CCA charge in the month, and what was billed for them (scenarios).
    cca_fte: Fraction = Fraction(0)
    billed_for_cca_children: Decimal = ZERO
    providers: int = 1

    # totals

    @property
    def billed_total(self) -> Decimal:
        return sum(self.billed.values(), ZERO)

    @property
    def collected_total(self) -> Decimal:
        return sum(self.collected.values(), ZERO)

    @property
    def written_off_total(self) -> Decimal:
        return sum(self.written_off.values(), ZERO)

    @property
    def aging_total(self) -> dict[str, Decimal]:
        return {b: sum((self.aging[p][b] for p in PAYERS), ZERO) for b in AGING_BUCKETS}

    @property
    def expenses_fixed(self) -> Decimal:
        return self.expenses - self.expenses_variable

    # the three sides

    @property
    def efficiency_licensed(self) -> Fraction | None:
        return divide(self.fte_enrolled, self.licensed_capacity)

    @property
    def efficiency_staffed(self) -> Fraction | None:
        return divide(self.fte_enrolled, self.staffed_capacity)

    def collection_rate(self, payer: str | None = None) -> Fraction | None:
        if payer is None:
            return divide(self.collected_total, self.billed_total)
        return divide(self.collected[payer], self.billed[payer])

    @property
    def bad_debt_rate(self) -> Fraction | None:
        return divide(self.written_off_total, self.billed_total)

    @property
    def cost_per_child(self) -> Fraction | None:
        return divide(self.expenses, self.fte_enrolled)

    @property
    def revenue_per_child(self) -> Fraction | None:
        return divide(self.billed_total, self.fte_enrolled)

    @property
    def break_even_fte(self) -> Fraction | None:
        """fixed / (revenue per child - variable / FTE); empty when that is not above zero."""
        if not self.fte_enrolled:
            return None
        margin = (Fraction(self.billed_total) - Fraction(self.expenses_variable)) / Fraction(
            self.fte_enrolled
        )
        if margin <= 0:
            return None
        return Fraction(self.expenses_fixed) / margin

    @property
    def break_even_enrollment(self) -> Fraction | None:
        return divide(self.break_even_fte, self.licensed_capacity)

    @property
    def net_income(self) -> Decimal:
        return self.billed_total - self.written_off_total - self.expenses

    def group_cost_per_child(self, group: str) -> Fraction | None:
        return divide(self.cost_by_group[group], self.fte_by_group[group])

    def group_revenue_per_child(self, group: str) -> Fraction | None:
        return divide(self.revenue_by_group[group], self.fte_by_group[group])

    # status

    @property
    def status(self) -> dict[str, str | None]:
        t = self.targets
        return {
            "enrollment": _band(self.efficiency_staffed, t.enrollment_green, t.enrollment_yellow),
            "fee_collection": _band(
                self.collection_rate(), t.collection_green, t.collection_yellow
            ),
            "cost_coverage": _coverage(self.revenue_per_child, self.cost_per_child, t),
        }


def _band(value, green: Decimal, yellow: Decimal) -> str | None:
    if value is None:
        return None
    if value >= Fraction(green):
        return GREEN
    if value >= Fraction(yellow):
        return YELLOW
    return RED


def _coverage(revenue, cost, targets: TargetValues) -> str | None:
    """Revenue per child at or above the cost per child is green; within the margin below it
    (5%: revenue >= 95% of cost) yellow; else red."""
    if revenue is None or cost is None:
        return None
    if revenue >= cost:
        return GREEN
    if revenue >= cost * (1 - Fraction(targets.coverage_margin)):
        return YELLOW
    return RED


def compute(rows: MonthRows) -> Figures:
    """One provider's figures for the month, exactly as the spec defines them."""
    figures = Figures(
        label=rows.provider.slug, month=rows.first, as_of=rows.as_of, targets=rows.targets
    )
    days = operating_days(rows.first, rows.last, rows.closures)
    figures.operating_days = len(days)
    _enrollment(figures, rows, days)
    by_child_room = _rooms_of_children(rows)
    _money(figures, rows, by_child_room)
    _costs(figures, rows)
    return figures


def _enrollment(figures: Figures, rows: MonthRows, days: list[date]) -> None:
    """FTE enrolled: the mean over operating days of the FTE of active enrollments in care that
    day, per classroom; capacities and vacancies (floored at 0 per classroom)."""
    fte_days: dict[int, Fraction] = defaultdict(Fraction)
    for p in rows.placements:
        start = bisect_left(days, max(p.start_date, rows.first))
        end = bisect_right(days, min(p.end_date or rows.last, rows.last))
        if end > start:
            fte_days[p.classroom_id] += Fraction(p.fte) * (end - start)
    for room in rows.rooms:
        mean = fte_days[room.pk] / len(days) if days else Fraction(0)
        group = classroom_age_group(room)
        room_figures = RoomFigures(
            room.key,
            room.name,
            group,
            room.licensed_capacity,
            rows.staffed[room.pk],
            mean,
        )
        figures.rooms.append(room_figures)
        figures.groups_present.add(group)
        figures.fte_by_group[group] += mean
        figures.vacancies_by_group[group] += room_figures.vacancies
        figures.staffed_by_group[group] += room_figures.staffed_capacity
        figures.fte_enrolled += mean
        figures.licensed_capacity += room.licensed_capacity
        figures.staffed_capacity += room_figures.staffed_capacity
        figures.vacancies += room_figures.vacancies


def _rooms_of_children(rows: MonthRows) -> dict[int, list[Placement]]:
    by_child: dict[int, list[Placement]] = defaultdict(list)
    for p in rows.placements:
        by_child[p.child_id].append(p)
    return by_child


def _room_of_charge(placements: list[Placement], on: date) -> int | None:
    """The classroom of the child's enrollment in care on the charge's date, else of its latest
    enrollment in the month."""
    if not placements:
        return None
    for p in placements:
        if p.start_date <= on and (p.end_date is None or p.end_date >= on):
            return p.classroom_id
    return max(placements, key=lambda p: p.start_date).classroom_id


def _money(figures: Figures, rows: MonthRows, by_child: dict[int, list[Placement]]) -> None:
    """Billed, collected and written off of the month's charges, per payer, from each account's
    FIFO allocation as of `as_of`; A/R aging on `as_of`; revenue by age group."""
    group_of_room = {room.pk: classroom_age_group(room) for room in rows.rooms}
    by_account: dict[int, list[Entry]] = defaultdict(list)
    for entry in rows.entries:
        by_account[entry.account_id].append(entry)
    kinds = {e.pk: e.kind for e in rows.entries}
    revenue_direct = _groups(Fraction(0))
    revenue_shared = Fraction(0)
    cca_children = set()
    billed_by_child: dict[int | None, Decimal] = defaultdict(lambda: ZERO)
    for account_id, entries in by_account.items():
        payer = rows.payer_of_account.get(account_id, "other")
        allocation = allocate(entries, rows.as_of)
        for bucket, amount in aging(allocation, rows.as_of).items():
            figures.aging[payer][bucket] += amount
        covered: dict[int, dict[str, Decimal]] = defaultdict(lambda: defaultdict(lambda: ZERO))
        for credit_id, debit_id, amount in allocation.applications:
            covered[debit_id][kinds[credit_id]] += amount
        for charge in allocation.debits:
            if charge.kind != EntryKind.CHARGE or not rows.first <= charge.on <= rows.last:
                continue
            figures.billed[payer] += charge.amount
            by_kind = covered[charge.pk]
            figures.collected[payer] += by_kind[EntryKind.PAYMENT] + by_kind[EntryKind.CREDIT]
            figures.written_off[payer] += by_kind[EntryKind.WRITE_OFF]
            billed_by_child[charge.child_id] += charge.amount
            if payer == "cca" and charge.child_id is not None:
                cca_children.add(charge.child_id)
            room = _room_of_charge(by_child.get(charge.child_id, []), charge.on)
            if room in group_of_room:
                revenue_direct[group_of_room[room]] += Fraction(charge.amount)
            else:
                revenue_shared += Fraction(charge.amount)
    figures.revenue_by_group = _spread(figures, revenue_direct, revenue_shared)
    figures.billed_for_cca_children = sum((billed_by_child[c] for c in cca_children), ZERO)
    figures.cca_fte = _fte_of_children(rows, cca_children, figures.operating_days or 0)


def _fte_of_children(rows: MonthRows, children: set[int], day_count: int) -> Fraction:
    if not children or not day_count:
        return Fraction(0)
    days = operating_days(rows.first, rows.last, rows.closures)
    total = Fraction(0)
    for p in rows.placements:
        if p.child_id not in children:
            continue
        start = bisect_left(days, max(p.start_date, rows.first))
        end = bisect_right(days, min(p.end_date or rows.last, rows.last))
        total += Fraction(p.fte) * max(end - start, 0)
    return total / day_count


def _spread(figures: Figures, direct: dict[str, Fraction], shared) -> dict[str, Fraction]:
    """Direct amounts stay with their age group; shared ones are spread by FTE."""
    spread = dict(direct)
    if figures.fte_enrolled:
        for group in AGE_GROUPS:
            spread[group] += Fraction(shared) * figures.fte_by_group[group] / figures.fte_enrolled
    return spread


def _costs(figures: Figures, rows: MonthRows) -> None:
    """Expenses: variable = per child, fixed = the rest. By age group, per-classroom expenses and
    personnel with a classroom go to the classroom's age group; the rest is shared by FTE."""
    group_of_room = {room.pk: classroom_age_group(room) for room in rows.rooms}
    direct = _groups(Fraction(0))
    shared = Fraction(0)
    for cost in rows.costs:
        figures.expenses += cost.amount
        if cost.category == ExpenseCategory.PER_CHILD:
            figures.expenses_variable += cost.amount
        if cost.category in CLASSROOM_CATEGORIES and cost.classroom_id in group_of_room:
            group = group_of_room[cost.classroom_id]
            direct[group] += Fraction(cost.amount)
            figures.groups_present.add(group)
        else:
            shared += Fraction(cost.amount)
    figures.cost_by_group = _spread(figures, direct, shared)
    figures.direct_cost_by_group = direct


def combine(label: str, parts: list[Figures], month: date, as_of: date, targets) -> Figures:
    """An alliance's total from its providers' figures: sums of the parts, ratios of the sums."""
    total = Figures(label=label, month=month, as_of=as_of, targets=targets)
    total.operating_days = None  # differs by provider (closures)
    total.providers = len(parts)
    for part in parts:
        total.fte_enrolled += part.fte_enrolled
        total.licensed_capacity += part.licensed_capacity
        total.staffed_capacity += part.staffed_capacity
        total.vacancies += part.vacancies
        total.groups_present |= part.groups_present
        total.expenses += part.expenses
        total.expenses_variable += part.expenses_variable
        total.cca_fte += part.cca_fte
        total.billed_for_cca_children += part.billed_for_cca_children
        for group in AGE_GROUPS:
            total.fte_by_group[group] += part.fte_by_group[group]
            total.vacancies_by_group[group] += part.vacancies_by_group[group]
            total.staffed_by_group[group] += part.staffed_by_group[group]
            total.cost_by_group[group] += part.cost_by_group[group]
            total.revenue_by_group[group] += part.revenue_by_group[group]
            total.direct_cost_by_group[group] += part.direct_cost_by_group[group]
        for payer in PAYERS:
            total.billed[payer] += part.billed[payer]
            total.collected[payer] += part.collected[payer]
            total.written_off[payer] += part.written_off[payer]
            for bucket in AGING_BUCKETS:
                total.aging[payer][bucket] += part.aging[payer][bucket]
    return total


# Exact figures kept with a snapshot --------------------------------------------------------------

_FRACTIONS = ("fte_enrolled", "vacancies", "cca_fte")
_DECIMALS = ("expenses", "expenses_variable", "billed_for_cca_children")
_INTS = ("operating_days", "licensed_capacity", "staffed_capacity", "providers")
_GROUP_FRACTIONS = (
    "fte_by_group",
    "vacancies_by_group",
    "cost_by_group",
    "revenue_by_group",
    "direct_cost_by_group",
)
_PAYER_DECIMALS = ("billed", "collected", "written_off")


def _fraction_text(value: Fraction) -> str:
    return f"{value.numerator}/{value.denominator}"


def to_exact(figures: Figures) -> dict:
    """The figures without rounding, as JSON (fractions as "n/d"), so that totals built later
    from frozen months are exactly the totals of the month as computed then."""
    return {
        "label": figures.label,
        "month": figures.month.isoformat(),
        "as_of": figures.as_of.isoformat(),
        **{name: getattr(figures, name) for name in _INTS},
        **{name: _fraction_text(Fraction(getattr(figures, name))) for name in _FRACTIONS},
        **{name: str(getattr(figures, name)) for name in _DECIMALS},
        **{
            name: {g: _fraction_text(Fraction(v)) for g, v in getattr(figures, name).items()}
            for name in _GROUP_FRACTIONS
        },
        "staffed_by_group": dict(figures.staffed_by_group),
        **{
            name: {p: str(v) for p, v in getattr(figures, name).items()} for name in _PAYER_DECIMALS
        },
        "aging": {
            p: {b: str(v) for b, v in buckets.items()} for p, buckets in figures.aging.items()
        },
        "groups_present": sorted(figures.groups_present),
        "rooms": [
            [
                r.key,
                r.name,
                r.age_group,
                r.licensed_capacity,
                r.staffed_capacity,
                _fraction_text(r.fte_enrolled),
            ]
            for r in figures.rooms
        ],
    }


def from_exact(data: dict, targets: TargetValues) -> Figures:
    figures = Figures(
        label=data["label"],
        month=date.fromisoformat(data["month"]),
        as_of=date.fromisoformat(data["as_of"]),
        targets=targets,
    )
    for name in _INTS:
        setattr(figures, name, data[name])
    for name in _FRACTIONS:
        setattr(figures, name, Fraction(data[name]))
    for name in _DECIMALS:
        setattr(figures, name, Decimal(data[name]))
    for name in _GROUP_FRACTIONS:
        setattr(figures, name, {g: Fraction(v) for g, v in data[name].items()})
    figures.staffed_by_group = dict(data["staffed_by_group"])
    for name in _PAYER_DECIMALS:
        setattr(figures, name, {p: Decimal(v) for p, v in data[name].items()})
    figures.aging = {
        p: {b: Decimal(v) for b, v in buckets.items()} for p, buckets in data["aging"].items()
    }
    figures.groups_present = set(data["groups_present"])
    figures.rooms = [
        RoomFigures(key, name, group, licensed, staffed, Fraction(value))
        for key, name, group, licensed, staffed, value in data["rooms"]
    ]
    return figures


# The JSON of the spec ----------------------------------------------------------------------------


def _by_payer(values: dict[str, Decimal], total: Decimal) -> dict[str, str]:
    return {**{p: money(values[p]) for p in PAYERS}, "total": money(total)}


def as_json(figures: Figures, *, key: str = "provider") -> dict:
    """The spec's JSON: money as strings with two decimals, ratios with four, FTE with two; an
    empty figure is null. Keys after `status` add what the spec defines but its example leaves
    out (per payer and per classroom)."""
    groups = [g for g in AGE_GROUPS if g in figures.groups_present]
    data = {
        key: figures.label,
        "month": month_key(figures.month),
        "as_of": figures.as_of.isoformat(),
        "operating_days": figures.operating_days,
        "fte_enrolled": fte(figures.fte_enrolled),
        "licensed_capacity": figures.licensed_capacity,
        "staffed_capacity": figures.staffed_capacity,
        "enrollment_efficiency_licensed": ratio(figures.efficiency_licensed),
        "enrollment_efficiency_staffed": ratio(figures.efficiency_staffed),
        "vacancies": fte(figures.vacancies),
        "billed": _by_payer(figures.billed, figures.billed_total),
        "collected": _by_payer(figures.collected, figures.collected_total),
        "fee_collection_rate": {
            **{p: ratio(figures.collection_rate(p)) for p in PAYERS},
            "total": ratio(figures.collection_rate()),
        },
        "bad_debt_rate": ratio(figures.bad_debt_rate),
        "aging": {b: money(v) for b, v in figures.aging_total.items()},
        "expenses": money(figures.expenses),
        "cost_per_child": money(figures.cost_per_child),
        "revenue_per_child": money(figures.revenue_per_child),
        "break_even_fte": fte(figures.break_even_fte),
        "break_even_enrollment": ratio(figures.break_even_enrollment),
        "net_income": money(figures.net_income),
        "by_age_group": {
            g: {
                "fte_enrolled": fte(figures.fte_by_group[g]),
                "cost_per_child": money(figures.group_cost_per_child(g)),
                "revenue_per_child": money(figures.group_revenue_per_child(g)),
                "staffed_capacity": figures.staffed_by_group[g],
                "vacancies": fte(figures.vacancies_by_group[g]),
            }
            for g in groups
        },
        "status": figures.status,
        "written_off": _by_payer(figures.written_off, figures.written_off_total),
        "expenses_fixed": money(figures.expenses_fixed),
        "expenses_variable": money(figures.expenses_variable),
        "aging_by_payer": {p: {b: money(v) for b, v in figures.aging[p].items()} for p in PAYERS},
        "cca_fte": fte(figures.cca_fte),
        "billed_for_cca_children": money(figures.billed_for_cca_children),
    }
    if key == "provider":
        data["by_classroom"] = {
            r.key: {
                "name": r.name,
                "age_group": r.age_group,
                "fte_enrolled": fte(r.fte_enrolled),
                "licensed_capacity": r.licensed_capacity,
                "staffed_capacity": r.staffed_capacity,
                "vacancies": fte(r.vacancies),
            }
            for r in figures.rooms
        }
    else:
        data["providers"] = figures.providers
    return data


# The two entry points ----------------------------------------------------------------------------


def provider_figures(provider: Provider, year: int, month: int, as_of: date) -> Figures:
    return compute(load_months([provider], year, month, as_of)[0])


def provider_metrics(provider: Provider, year: int, month: int, as_of: date) -> dict:
    """The spec's figures of one provider and month, as its JSON."""
    return as_json(provider_figures(provider, year, month, as_of))


@dataclass
class AllianceFigures:
    alliance: Alliance
    providers: list[Figures]
    total: Figures


def alliance_figures(
    alliance: Alliance, year: int, month: int, as_of: date, providers=None
) -> AllianceFigures:
    """Every member provider's figures and the alliance total built from them."""
    members = list(
        providers if providers is not None else Provider.objects.filter(alliance=alliance)
    )
    members.sort(key=lambda p: p.slug)
    parts = [compute(rows) for rows in load_months(members, year, month, as_of)]
    first, _ = month_bounds(year, month)
    total = combine(alliance.slug, parts, first, as_of, targets_for([alliance.pk])[alliance.pk])
    return AllianceFigures(alliance, parts, total)


def alliance_metrics(alliance: Alliance, year: int, month: int, as_of: date) -> dict:
    """Every provider's figures, plus the alliance total, as JSON."""
    result = alliance_figures(alliance, year, month, as_of)
    return {
        "alliance": alliance.slug,
        "month": month_key(result.total.month),
        "as_of": as_of.isoformat(),
        "providers": [as_json(f) for f in result.providers],
        "total": as_json(result.total, key="alliance"),
    }
