"""Reads behind staff timesheets and the attendance reports. Each runs a fixed handful of
queries whatever the number of children, staff or days, and works in the provider's time zone."""

from __future__ import annotations

import csv
import io
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Q
from django.utils import timezone

from ccms.attendance.models import Absence, AbsenceReason, Closure, Presence, StaffShift
from ccms.enrollment.models import WEEKDAYS, Enrollment
from ccms.enrollment.queries import in_effect
from ccms.families.models import Child
from ccms.tenancy.models import Classroom, Provider

# Providers do not record a closing time yet; until they do, a check-out after 18:00 local time
# counts as a late pick-up unless the child's enrollment names its own daily pick-up time.
CLOSING_TIME = time(18, 0)

HUNDREDTH = Decimal("0.01")
MICROSECONDS_PER_HOUR = Decimal(3_600_000_000)


def hours(duration: timedelta) -> Decimal:
    """A duration in hours, exact to the microsecond, rounded half-up to hundredths once."""
    microseconds = duration // timedelta(microseconds=1)
    return (Decimal(microseconds) / MICROSECONDS_PER_HOUR).quantize(HUNDREDTH, ROUND_HALF_UP)


def whole_minutes(duration: timedelta) -> int:
    """A duration in minutes, rounded half-up (a 90-second break is 2 minutes)."""
    microseconds = duration // timedelta(microseconds=1)
    return int((Decimal(microseconds) / 60_000_000).quantize(Decimal("1"), ROUND_HALF_UP))


def weekday_letter(day: date) -> str:
    """The enrollment letter of a day (MTWRF), or "" on a weekend."""
    return WEEKDAYS[day.weekday()] if day.weekday() < len(WEEKDAYS) else ""


def scheduled_on(enrollment: Enrollment, day: date) -> bool:
    letter = weekday_letter(day)
    return bool(letter) and letter in enrollment.days


def person_name(user) -> str:
    return (user.get_full_name() or user.email) if user else ""


# Staff timesheets ---------------------------------------------------------------------------


@dataclass
class ShiftLine:
    shift: StaffShift
    break_time: timedelta
    worked: timedelta | None  # None while the shift is open: not counted until clock-out

    @property
    def break_minutes(self) -> int:
        return whole_minutes(self.break_time)

    @property
    def worked_hours(self) -> Decimal | None:
        return None if self.worked is None else hours(self.worked)


@dataclass
class TimesheetDay:
    day: date
    lines: list[ShiftLine] = field(default_factory=list)

    @property
    def first_in(self) -> datetime:
        return self.lines[0].shift.clock_in

    @property
    def last_out(self) -> datetime | None:
        last = self.lines[-1].shift
        return last.clock_out

    @property
    def is_open(self) -> bool:
        return any(line.worked is None for line in self.lines)

    @property
    def break_time(self) -> timedelta:
        return sum((line.break_time for line in self.lines), timedelta())

    @property
    def worked(self) -> timedelta:
        return sum((line.worked for line in self.lines if line.worked is not None), timedelta())

    @property
    def break_minutes(self) -> int:
        return whole_minutes(self.break_time)

    @property
    def worked_hours(self) -> Decimal:
        return hours(self.worked)

    @property
    def classrooms(self) -> list[str]:
        names = [line.shift.classroom.name if line.shift.classroom else "" for line in self.lines]
        return list(dict.fromkeys(n or "No classroom" for n in names))


@dataclass
class StaffTimesheet:
    user: object
    days: list[TimesheetDay] = field(default_factory=list)

    @property
    def name(self) -> str:
        return person_name(self.user)

    @property
    def worked(self) -> timedelta:
        return sum((d.worked for d in self.days), timedelta())

    @property
    def worked_hours(self) -> Decimal:
        return hours(self.worked)

    @property
    def break_minutes(self) -> int:
        return whole_minutes(sum((d.break_time for d in self.days), timedelta()))

    @property
    def open_shifts(self) -> int:
        return sum(1 for d in self.days for line in d.lines if line.worked is None)


@dataclass
class Timesheet:
    provider: Provider
    start: date
    end: date
    staff: list[StaffTimesheet]

    @property
    def worked_hours(self) -> Decimal:
        return hours(sum((s.worked for s in self.staff), timedelta()))


def _break_time(shift: StaffShift, until: datetime) -> timedelta:
    """Breaks inside the shift; an open break runs to `until` (the clock-out or now)."""
    total = timedelta()
    for brk in shift.breaks.all():
        start = max(brk.start, shift.clock_in)
        end = min(brk.end or until, until)
        if end > start:
            total += end - start
    return total


def shift_line(shift: StaffShift, now: datetime | None = None) -> ShiftLine:
    if shift.clock_out is None:
        return ShiftLine(shift, _break_time(shift, now or timezone.now()), None)
    breaks = _break_time(shift, shift.clock_out)
    return ShiftLine(shift, breaks, shift.clock_out - shift.clock_in - breaks)


def timesheet(
    provider: Provider, start: date, end: date, users: Iterable | None = None
) -> Timesheet:
    """Per staff member and day: first in, last out, breaks and hours worked (breaks deducted)
    for the service days start..end inclusive. Two queries; `users` narrows to those people."""
    shifts = (
        StaffShift.objects.filter(provider=provider, service_date__range=(start, end))
        .select_related("user", "classroom")
        .prefetch_related("breaks")
        .order_by("user__last_name", "user__first_name", "user__email", "clock_in")
    )
    if users is not None:
        shifts = shifts.filter(user__in=list(users))
    now = timezone.now()
    people: dict[int, StaffTimesheet] = {}
    for shift in shifts:
        sheet = people.setdefault(shift.user_id, StaffTimesheet(shift.user))
        if not sheet.days or sheet.days[-1].day != shift.service_date:
            sheet.days.append(TimesheetDay(shift.service_date))
        sheet.days[-1].lines.append(shift_line(shift, now))
    return Timesheet(provider, start, end, list(people.values()))


TIMESHEET_COLUMNS = [
    "staff_email",
    "name",
    "date",
    "classroom",
    "clock_in",
    "clock_out",
    "break_minutes",
    "worked_hours",
]


def timesheet_rows(sheet: Timesheet) -> list[list]:
    """One row per shift (a move to another classroom starts a new one), times local to the
    provider. An open shift has no clock-out and no hours yet."""
    tz = sheet.provider.tz
    rows = []
    for person in sheet.staff:
        for day in person.days:
            for line in day.lines:
                shift = line.shift
                clock_out = shift.clock_out
                rows.append(
                    [
                        person.user.email,
                        person.user.get_full_name(),
                        day.day.isoformat(),
                        shift.classroom.name if shift.classroom else "",
                        f"{timezone.localtime(shift.clock_in, tz):%Y-%m-%d %H:%M}",
                        f"{timezone.localtime(clock_out, tz):%Y-%m-%d %H:%M}" if clock_out else "",
                        line.break_minutes,
                        "" if line.worked_hours is None else f"{line.worked_hours:.2f}",
                    ]
                )
    return rows


# CSV ---------------------------------------------------------------------------------------


def _cell(value) -> str:
    """Text a spreadsheet would run as a formula gets a leading apostrophe (CSV injection)."""
    text = "" if value is None else str(value)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text


def csv_text(header: list[str], rows: Iterable[list]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([_cell(v) for v in row])
    return buffer.getvalue()


# Daily attendance sheet ---------------------------------------------------------------------


@dataclass
class SheetRow:
    child: Child
    enrollment: Enrollment | None = None
    pairs: list[Presence] = field(default_factory=list)
    absence: Absence | None = None

    @property
    def expected(self) -> bool:
        return self.enrollment is not None

    @property
    def duration(self) -> timedelta:
        return sum((p.check_out - p.check_in for p in self.pairs if p.check_out), timedelta())

    @property
    def hours(self) -> Decimal:
        return hours(self.duration)

    @property
    def status(self) -> str:
        if self.pairs:
            return "in" if any(p.check_out is None for p in self.pairs) else "present"
        if self.absence:
            return "absent"
        return "no_record"


@dataclass
class DailySheet:
    classroom: Classroom
    day: date
    rows: list[SheetRow]
    closure: Closure | None

    @property
    def counts(self) -> dict[str, int]:
        statuses = Counter(row.status for row in self.rows)
        return {
            "expected": sum(1 for row in self.rows if row.expected),
            "present": statuses["present"] + statuses["in"],
            "absent": statuses["absent"],
            "no_record": statuses["no_record"],
        }


def daily_sheets(provider: Provider, day: date, classrooms: list[Classroom]) -> list[DailySheet]:
    """Per classroom: every child expected that day (enrollment in effect, weekday scheduled)
    or present in the room, each in/out pair with who recorded it, and absences with their
    reason. Four queries for any number of classrooms."""
    room_ids = [room.pk for room in classrooms]
    rows: dict[int, dict[int, SheetRow]] = {pk: {} for pk in room_ids}
    enrollments = list(
        Enrollment.objects.filter(provider=provider, classroom_id__in=room_ids)
        .filter(in_effect(day))
        .select_related("child")
    )
    enrolled_in: dict[int, int] = {}
    for enrollment in enrollments:
        enrolled_in[enrollment.child_id] = enrollment.classroom_id
        if scheduled_on(enrollment, day):
            rows[enrollment.classroom_id][enrollment.child_id] = SheetRow(
                enrollment.child, enrollment
            )
    enrolled = {e.child_id: e for e in enrollments}
    presences = Presence.objects.filter(
        provider=provider, service_date=day, classroom_id__in=room_ids
    ).select_related("child", "checked_in_by", "checked_out_by", "dropped_off_by")
    for presence in presences:
        room_rows = rows[presence.classroom_id]
        if presence.child_id not in room_rows:
            room_rows[presence.child_id] = SheetRow(presence.child)
        room_rows[presence.child_id].pairs.append(presence)
    absences = Absence.objects.filter(provider=provider, service_date=day).select_related(
        "child", "entered_by"
    )
    for absence in absences:
        room_id = enrolled_in.get(absence.child_id)
        if room_id is None:
            continue
        row = rows[room_id].get(absence.child_id)
        if row is None:
            row = rows[room_id][absence.child_id] = SheetRow(
                absence.child, enrolled.get(absence.child_id)
            )
            # Absent on a day off the schedule: recorded, but not expected.
            if not scheduled_on(row.enrollment, day):
                row.enrollment = None
        row.absence = absence
    closure = Closure.objects.filter(provider=provider, service_date=day).first()

    def order(row: SheetRow):
        return (row.child.last_name.lower(), row.child.first_name.lower(), row.child.pk)

    return [
        DailySheet(room, day, sorted(rows[room.pk].values(), key=order), closure)
        for room in classrooms
    ]


# Monthly attendance per child --------------------------------------------------------------


@dataclass
class ChildMonth:
    child: Child
    classroom: Classroom | None
    days: set = field(default_factory=set)
    duration: timedelta = timedelta()
    open_pairs: int = 0
    absences: Counter = field(default_factory=Counter)

    @property
    def days_present(self) -> int:
        return len(self.days)

    @property
    def hours(self) -> Decimal:
        return hours(self.duration)

    @property
    def absence_counts(self) -> list[int]:
        return [self.absences[reason] for reason in AbsenceReason.values]

    @property
    def absence_cells(self) -> list[tuple[str, int]]:
        return list(zip(AbsenceReason.labels, self.absence_counts, strict=True))

    @property
    def absences_total(self) -> int:
        return sum(self.absences.values())


@dataclass
class MonthlyReport:
    month: date
    rows: list[ChildMonth]
    reasons: list[str] = field(default_factory=lambda: list(AbsenceReason.labels))

    @property
    def hours(self) -> Decimal:
        return hours(sum((r.duration for r in self.rows), timedelta()))

    @property
    def open_pairs(self) -> int:
        return sum(r.open_pairs for r in self.rows)


def month_bounds(month: date) -> tuple[date, date]:
    first = month.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return first, following - timedelta(days=1)


def monthly_attendance(provider: Provider, month: date) -> MonthlyReport:
    """Per child enrolled in the month or with any record in it: days present, hours in care
    (closed pairs only), absences by reason. Four queries."""
    first, last = month_bounds(month)
    enrollments = (
        Enrollment.objects.filter(provider=provider, start_date__lte=last)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=first))
        .select_related("child", "classroom")
        .order_by("start_date", "pk")
    )
    rows: dict[int, ChildMonth] = {}
    for enrollment in enrollments:  # the latest enrollment of the month names the classroom
        rows[enrollment.child_id] = ChildMonth(enrollment.child, enrollment.classroom)
    presences = Presence.objects.filter(
        provider=provider, service_date__range=(first, last)
    ).values_list("child_id", "service_date", "check_in", "check_out")
    absences = Absence.objects.filter(
        provider=provider, service_date__range=(first, last)
    ).values_list("child_id", "reason")
    presences, absences = list(presences), list(absences)
    missing = {child_id for child_id, *_ in presences} | {child_id for child_id, _ in absences}
    missing -= rows.keys()
    if missing:
        for child in Child.objects.filter(provider=provider, pk__in=missing).select_related(
            "classroom"
        ):
            rows[child.pk] = ChildMonth(child, child.classroom)
    for child_id, day, check_in, check_out in presences:
        row = rows[child_id]
        row.days.add(day)
        if check_out is None:
            row.open_pairs += 1
        else:
            row.duration += check_out - check_in
    for child_id, reason in absences:
        rows[child_id].absences[reason] += 1

    def order(row: ChildMonth):
        room = row.classroom
        return (
            room.min_age_months if room else 999,
            room.name if room else "",
            row.child.last_name.lower(),
            row.child.first_name.lower(),
        )

    return MonthlyReport(first, sorted(rows.values(), key=order))


MONTHLY_COLUMNS = [
    "child_last_name",
    "child_first_name",
    "classroom",
    "days_present",
    "hours",
    *[f"absent_{reason}" for reason in AbsenceReason.values],
    "absences",
]


def monthly_rows(report: MonthlyReport) -> list[list]:
    return [
        [
            row.child.last_name,
            row.child.first_name,
            row.classroom.name if row.classroom else "",
            row.days_present,
            f"{row.hours:.2f}",
            *row.absence_counts,
            row.absences_total,
        ]
        for row in report.rows
    ]


# Late pick-ups ------------------------------------------------------------------------------


@dataclass
class LatePickup:
    presence: Presence
    due: datetime  # local
    due_source: str  # "schedule" (the enrollment's daily pick-up) or "closing"
    minutes_late: int


def late_pickups(provider: Provider, start: date, end: date) -> list[LatePickup]:
    """Check-outs after the enrollment's daily pick-up time (when it has one) or after
    CLOSING_TIME, with whole minutes late. Two queries."""
    tz = provider.tz
    presences = list(
        Presence.objects.filter(
            provider=provider, service_date__range=(start, end), check_out__isnull=False
        )
        .select_related("child", "classroom", "checked_out_by")
        .order_by("service_date", "check_out")
    )
    enrollments: dict[int, list[Enrollment]] = defaultdict(list)
    for enrollment in Enrollment.objects.filter(
        provider=provider,
        child_id__in={p.child_id for p in presences},
        start_date__lte=end,
    ).filter(Q(end_date__isnull=True) | Q(end_date__gte=start)):
        enrollments[enrollment.child_id].append(enrollment)
    result = []
    for presence in presences:
        day = presence.service_date
        schedule = next(
            (
                e.daily_end
                for e in enrollments[presence.child_id]
                if e.daily_end and e.start_date <= day and (e.end_date is None or e.end_date >= day)
            ),
            None,
        )
        due = datetime.combine(day, schedule or CLOSING_TIME, tzinfo=tz)
        late = presence.check_out - due
        minutes = late // timedelta(minutes=1)
        if minutes >= 1:
            result.append(LatePickup(presence, due, "schedule" if schedule else "closing", minutes))
    return result


# Unexplained no-shows -----------------------------------------------------------------------


@dataclass
class NoShow:
    child: Child
    enrollment: Enrollment


def no_shows(
    provider: Provider, day: date, classroom_ids: Iterable[int] | None = None
) -> tuple[list[NoShow], Closure | None]:
    """Children scheduled on `day` (enrollment in effect, weekday in its days) with neither a
    presence nor an absence. None on a closure day. Four queries."""
    closure = Closure.objects.filter(provider=provider, service_date=day).first()
    if closure is not None or not weekday_letter(day):
        return [], closure
    enrollments = (
        Enrollment.objects.filter(provider=provider, days__contains=weekday_letter(day))
        .filter(in_effect(day))
        .select_related("child__family", "classroom")
        .order_by("classroom__min_age_months", "classroom__name", "child__last_name")
    )
    if classroom_ids is not None:
        enrollments = enrollments.filter(classroom_id__in=list(classroom_ids))
    present = set(
        Presence.objects.filter(provider=provider, service_date=day).values_list(
            "child_id", flat=True
        )
    )
    absent = set(
        Absence.objects.filter(provider=provider, service_date=day).values_list(
            "child_id", flat=True
        )
    )
    seen: set[int] = set()
    result = []
    for enrollment in enrollments:
        child_id = enrollment.child_id
        if child_id in present or child_id in absent or child_id in seen:
            continue
        seen.add(child_id)
        result.append(NoShow(enrollment.child, enrollment))
    return result, None
