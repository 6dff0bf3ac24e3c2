"""Reads shared by the enrollment pages, the vacancy feed and reports."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Q

from ccms.attendance.ratios import staffed_capacity_from_schedules
from ccms.core.access import ProviderAccess
from ccms.core.dates import add_months, age_in_months, provider_today, week_starts
from ccms.enrollment.models import Enrollment, Inquiry, Stage, VacancyConfirmation
from ccms.tenancy.models import Classroom, Provider

# Age groups for vacancies, by the youngest age a classroom serves (months).
AGE_GROUPS = [(0, "Infant"), (12, "Toddler"), (36, "Preschool"), (60, "School age")]
FORECAST_WEEKS = 12


def age_group(months: int) -> str:
    return [label for low, label in AGE_GROUPS if months >= low][-1]


def age_out_date(birth_date: date, classroom: Classroom) -> date:
    """The first day the child is older than the classroom's oldest age served."""
    return add_months(birth_date, classroom.max_age_months + 1)


def in_effect(on: date) -> Q:
    """Enrollments that place a child in care on `on`."""
    return Q(start_date__lte=on) & (Q(end_date__isnull=True) | Q(end_date__gte=on))


def _counts_on(enrollment: Enrollment, day: date) -> bool:
    """In care that day and not yet aged out of the classroom (an age-out with no transfer
    booked still frees the seat)."""
    if enrollment.start_date > day or (enrollment.end_date and enrollment.end_date < day):
        return False
    return day < age_out_date(enrollment.child.birth_date, enrollment.classroom)


@dataclass
class ClassroomVacancy:
    classroom: Classroom
    licensed_capacity: int
    staffed_capacity: int
    fte_by_week: list[Decimal] = field(default_factory=list)

    @property
    def age_group(self) -> str:
        return age_group(self.classroom.min_age_months)

    @property
    def fte_now(self) -> Decimal:
        return self.fte_by_week[0]

    @property
    def vacancies_by_week(self) -> list[Decimal]:
        return [Decimal(self.staffed_capacity) - fte for fte in self.fte_by_week]

    @property
    def vacancies_now(self) -> Decimal:
        return self.vacancies_by_week[0]

    @property
    def efficiency_licensed(self) -> Decimal:
        return _ratio(self.fte_now, self.licensed_capacity)

    @property
    def efficiency_staffed(self) -> Decimal:
        return _ratio(self.fte_now, self.staffed_capacity)


def _ratio(part: Decimal, whole: int) -> Decimal:
    if not whole:
        return Decimal("0")
    return (Decimal(part) * 100 / whole).quantize(Decimal("1"))


@dataclass
class VacancyReport:
    provider: Provider
    as_of: date
    weeks: list[date]
    rooms: list[ClassroomVacancy]
    confirmed: VacancyConfirmation | None

    def total(self, attribute: str) -> Decimal:
        return sum((getattr(r, attribute) for r in self.rooms), Decimal("0"))

    @property
    def vacancies_by_week(self) -> list[Decimal]:
        return [
            sum((r.vacancies_by_week[i] for r in self.rooms), Decimal("0"))
            for i in range(len(self.weeks))
        ]

    @property
    def by_age_group(self) -> list[tuple[str, Decimal, Decimal, int]]:
        """(age group, FTE enrolled, vacancies now, staffed capacity), youngest first."""
        groups: dict[str, list[ClassroomVacancy]] = defaultdict(list)
        for room in self.rooms:
            groups[room.age_group].append(room)
        order = [label for _, label in AGE_GROUPS]
        return [
            (
                label,
                sum((r.fte_now for r in rooms), Decimal("0")),
                sum((r.vacancies_now for r in rooms), Decimal("0")),
                sum(r.staffed_capacity for r in rooms),
            )
            for label, rooms in sorted(groups.items(), key=lambda item: order.index(item[0]))
        ]

    @property
    def licensed_capacity(self) -> int:
        return sum(r.licensed_capacity for r in self.rooms)

    @property
    def staffed_capacity(self) -> int:
        return sum(r.staffed_capacity for r in self.rooms)

    @property
    def fte_now(self) -> Decimal:
        return self.total("fte_now")

    @property
    def efficiency_licensed(self) -> Decimal:
        return _ratio(self.fte_now, self.licensed_capacity)

    @property
    def efficiency_staffed(self) -> Decimal:
        return _ratio(self.fte_now, self.staffed_capacity)


def staffed_capacity(room: Classroom, from_schedules: dict[int, int]) -> int:
    """A staffed capacity typed on the classroom wins; else staff schedules; else the license;
    never above the license."""
    staffed = room.staffed_capacity
    if staffed is None:
        staffed = from_schedules.get(room.pk, room.licensed_capacity)
    return min(staffed, room.licensed_capacity)


def vacancy_report(provider: Provider, as_of: date | None = None) -> VacancyReport:
    """Capacity, FTE enrolled and vacancies per classroom now and for each of the next 12 weeks,
    from known starts, withdrawals and age-outs. A fixed handful of queries whatever the size."""
    as_of = as_of or provider_today(provider)
    weeks = [as_of] + week_starts(as_of, FORECAST_WEEKS)[1:]
    rooms = list(Classroom.objects.filter(provider=provider).order_by("min_age_months", "name"))
    enrollments = (
        Enrollment.objects.filter(provider=provider)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=as_of))
        .select_related("child", "classroom")
    )
    by_room: dict[int, list[Enrollment]] = defaultdict(list)
    for enrollment in enrollments:
        by_room[enrollment.classroom_id].append(enrollment)
    from_schedules = staffed_capacity_from_schedules(provider, as_of)
    report_rooms = []
    for room in rooms:
        vacancy = ClassroomVacancy(
            classroom=room,
            licensed_capacity=room.licensed_capacity,
            staffed_capacity=staffed_capacity(room, from_schedules),
        )
        vacancy.fte_by_week = [
            sum((e.fte for e in by_room[room.pk] if _counts_on(e, day)), Decimal("0"))
            for day in weeks
        ]
        report_rooms.append(vacancy)
    confirmed = VacancyConfirmation.objects.filter(provider=provider).first()
    return VacancyReport(provider, as_of, weeks, report_rooms, confirmed)


@dataclass
class AgeOut:
    enrollment: Enrollment
    on: date
    days_away: int
    next_classroom: Classroom | None
    transfer_booked: bool


def age_out_forecast(
    provider: Provider, within_days: int = 90, as_of: date | None = None
) -> list[AgeOut]:
    """Children who will outgrow their classroom within `within_days`, soonest first, with the
    classroom they would move to and whether that move is already booked."""
    as_of = as_of or provider_today(provider)
    horizon = as_of + timedelta(days=within_days)
    rooms = list(Classroom.objects.filter(provider=provider).order_by("min_age_months"))
    current = (
        Enrollment.objects.filter(provider=provider)
        .filter(in_effect(as_of))
        .select_related("child", "classroom")
    )
    booked = set(
        Enrollment.objects.filter(provider=provider, start_date__gt=as_of).values_list(
            "child_id", flat=True
        )
    )
    result = []
    for enrollment in current:
        leaves = age_out_date(enrollment.child.birth_date, enrollment.classroom)
        if not as_of <= leaves <= horizon:
            continue
        if enrollment.end_date and enrollment.end_date < leaves:
            continue
        age_then = age_in_months(enrollment.child.birth_date, leaves)
        next_room = next(
            (
                r
                for r in rooms
                if r.min_age_months <= age_then <= r.max_age_months
                and r.pk != enrollment.classroom_id
            ),
            None,
        )
        result.append(
            AgeOut(
                enrollment, leaves, (leaves - as_of).days, next_room, enrollment.child_id in booked
            )
        )
    return sorted(result, key=lambda a: a.on)


# Waitlist priority rules a provider may order (Provider.waitlist_priorities), each a sort key
# where smaller comes first.
PRIORITY_RULES = {
    "sibling": ("Sibling enrolled", lambda i: 0 if i.has_sibling else 1),
    "staff_child": ("Child of staff", lambda i: 0 if i.staff_child else 1),
    "cca_family": ("CCA family", lambda i: 0 if i.cca_family else 1),
    "applied_on": ("Date applied", lambda i: i.applied_on or date.max),
    "desired_start": ("Desired start", lambda i: i.desired_start or date.max),
}


def waitlist(provider: Provider, classroom: Classroom | None = None) -> list[Inquiry]:
    """Inquiries on the waitlist in the provider's priority order. With a classroom: those who
    asked for it, or asked for none and fit its ages on their desired start date."""
    entries = _ordered_waitlist(provider)
    if classroom is None:
        return entries
    return _for_classroom(entries, classroom, provider_today(provider))


def waitlist_by_classroom(
    provider: Provider, rooms: list[Classroom]
) -> list[tuple[Classroom, list[Inquiry]]]:
    """The waitlist of each classroom, from one read of the whole waitlist."""
    entries, today = _ordered_waitlist(provider), provider_today(provider)
    return [(room, _for_classroom(entries, room, today)) for room in rooms]


def _ordered_waitlist(provider: Provider) -> list[Inquiry]:
    sibling = (
        Enrollment.objects.filter(provider=provider, child__family=OuterRef("family"))
        .exclude(child=OuterRef("child"))
        .filter(end_date__isnull=True)
    )
    entries = (
        Inquiry.objects.filter(provider=provider, stage=Stage.WAITLIST)
        .annotate(has_sibling=Exists(sibling))
        .select_related("child", "family", "desired_classroom")
    )
    rules = [
        PRIORITY_RULES[name][1] for name in provider.waitlist_priorities if name in PRIORITY_RULES
    ]
    rules.append(lambda i: i.pk)  # stable: earlier entries first on a tie
    return sorted(entries, key=lambda i: tuple(rule(i) for rule in rules))


def _for_classroom(entries: list[Inquiry], classroom: Classroom, today: date) -> list[Inquiry]:
    return [
        i
        for i in entries
        if i.desired_classroom_id == classroom.pk
        or (
            i.desired_classroom_id is None
            and classroom.min_age_months
            <= age_in_months(i.child.birth_date, i.desired_start or today)
            <= classroom.max_age_months
        )
    ]


# Stages shown as columns on the pipeline board; enrolled, withdrawn and closed are counted only.
OPEN_STAGES = [Stage.INQUIRY, Stage.TOUR, Stage.APPLICATION, Stage.WAITLIST, Stage.OFFER]


def pipeline(access: ProviderAccess) -> dict:
    """Open inquiries grouped by stage, plus counts of the closed-out stages."""
    access.require("enrollment.view")
    inquiries = (
        Inquiry.objects.filter(provider=access.provider, stage__in=OPEN_STAGES)
        .select_related("child", "desired_classroom")
        .order_by("stage_changed_at", "created_at")
    )
    columns: dict[str, list[Inquiry]] = {stage: [] for stage in OPEN_STAGES}
    for inquiry in inquiries:
        columns[inquiry.stage].append(inquiry)
    counts = dict(
        Inquiry.objects.filter(provider=access.provider)
        .exclude(stage__in=OPEN_STAGES)
        .values_list("stage")
        .annotate(n=Count("pk"))
        .values_list("stage", "n")
    )
    return {
        "columns": [(Stage(stage), columns[stage]) for stage in OPEN_STAGES],
        "closed_counts": [
            (Stage(s), counts.get(s, 0)) for s in Stage.values if s not in OPEN_STAGES
        ],
    }


def vacancy_figures(report: VacancyReport) -> dict:
    """The figures a director confirms, kept with the confirmation."""
    return {
        "as_of": report.as_of.isoformat(),
        "classrooms": {
            room.classroom.key: {
                "name": room.classroom.name,
                "age_group": room.age_group,
                "staffed_capacity": room.staffed_capacity,
                "fte_enrolled": str(room.fte_now),
                "vacancies": str(room.vacancies_now),
            }
            for room in report.rooms
        },
    }
