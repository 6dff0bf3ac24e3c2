"""attendance.csv of the data bundle: a row per check-in/check-out pair and per absence, with
times on the provider's local clock."""

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone

from ccms.attendance.models import Absence, AbsenceReason, Method, Presence
from ccms.attendance.services import ensure_day_open
from ccms.core.bundle.base import (
    CREATED,
    UNCHANGED,
    BundleFile,
    CellError,
    Choice,
    Column,
    Date,
    FilePlan,
    ImportPlan,
    Key,
    Row,
    report_progress,
)
from ccms.enrollment.models import Enrollment, EnrollmentStatus
from ccms.families.models import Child
from ccms.tenancy.models import Provider


@dataclass(frozen=True)
class Time(Column):
    """A time of day on the 24-hour clock, HH:MM, in the provider's time zone."""

    default: Any = None

    def parse(self, text: str) -> time:
        # Spreadsheets drop the leading zero (7:30); accept it, write 07:30.
        match = re.fullmatch(r"(\d{1,2}):(\d{2})", text)
        if match and int(match[1]) < 24 and int(match[2]) < 60:
            return time(int(match[1]), int(match[2]))
        raise CellError(
            f"“{text}” is not a time; write times as HH:MM on the 24-hour clock, e.g. 07:30 "
            "or 16:45."
        )

    def format(self, value: Any) -> str:
        return "" if value is None else f"{value:%H:%M}"


@dataclass
class _Pair:
    row: Row
    check_in: datetime
    check_out: datetime


@dataclass
class _Day:
    """The file's rows of one child on one day, next to what is stored for that day."""

    provider: Provider
    child: Child
    day: date
    pairs: list[_Pair] = field(default_factory=list)
    absences: list[Row] = field(default_factory=list)


class AttendanceFile(BundleFile):
    name = "attendance.csv"
    columns = (
        Key("child_key", required=True),
        Date("date", required=True),
        Time("check_in"),
        Time("check_out"),
        Choice("absence_reason", choices=tuple(AbsenceReason.values)),
    )
    # No set of columns names every row: a pair is matched by its check-in, an absence by its day.
    key = ()
    # The columns an update may change, so the import preview names them.
    fields = {"check_out": "check_out", "absence_reason": "reason"}

    def plan(self, rows: list[Row], job: ImportPlan) -> None:
        if not rows:
            return
        days: dict[tuple[str, str, date], _Day] = {}
        for row in rows:
            kind = _check_row(row, job)
            found = job.resolve(row, "child_key", "child", defined_in="children.csv")
            day = row.values.get("date")
            if found is None or day is None or kind is None:
                continue
            provider_key, child = found
            entry = days.get((provider_key, child.key, day))
            if entry is None:
                entry = _Day(job.providers[provider_key], child, day)
                days[(provider_key, child.key, day)] = entry
            if kind == "absence":
                entry.absences.append(row)
                continue
            moments = _moments(row, job, entry)
            if moments is not None:
                entry.pairs.append(_Pair(row, *moments))
        presences, absences = _stored(job, days.values())
        for entry in days.values():
            key = (entry.child.pk, entry.day)
            _plan_day(entry, job, presences.get(key, []), absences.get(key))
        # Days are planned one by one; the preview lists rows in the file's order.
        job.files[self.name].rows.sort(key=lambda planned: planned.line)

    def write(self, plan: FilePlan, job: ImportPlan, *, actor, reason: str, progress) -> None:
        pending = [row for row in plan.rows if row.action != UNCHANGED]
        _place_in_classrooms(
            [
                r.instance
                for r in pending
                if r.action == CREATED and isinstance(r.instance, Presence)
            ]
        )
        for done, row in enumerate(pending, start=1):
            # The plan checked every row, and the database's constraints guard one open pair per
            # child and one absence a day. full_clean would refuse a pair without a classroom,
            # which a day with no enrollment and a child with no current classroom gives.
            job.save(self.name, row.line, row.instance, actor=actor, reason=reason, validate=False)
            report_progress(progress, f"{self.name}: {done}/{len(pending)} written", done)

    def export(self, provider: Provider, warnings: list[str]) -> list[dict]:
        tz = provider.tz
        rows = []
        in_care: set[tuple[int, date]] = set()
        presences = Presence.objects.filter(provider=provider).select_related("child")
        for presence in presences:
            child, day = presence.child, presence.service_date
            # A row is a closed pair: a child still checked in is exported once checked out.
            if presence.check_out is None:
                warnings.append(
                    f"{self.name}: {child} is checked in since {_clock(presence.check_in, tz)} "
                    f"on {day}; the open pair is left out until the check-out."
                )
                continue
            check_in = timezone.localtime(presence.check_in, tz)
            check_out = timezone.localtime(presence.check_out, tz)
            if check_in.date() != day or check_out.date() != day:
                warnings.append(
                    f"{self.name}: the pair of {child} on {day} ({check_in:%Y-%m-%d %H:%M} to "
                    f"{check_out:%Y-%m-%d %H:%M}) is left out: a row holds one day's times."
                )
                continue
            in_care.add((child.pk, day))
            rows.append(
                {
                    "child_key": child.key,
                    "date": day,
                    "check_in": check_in.time(),
                    "check_out": check_out.time(),
                }
            )
        for absence in Absence.objects.filter(provider=provider).select_related("child"):
            child, day = absence.child, absence.service_date
            if (child.pk, day) in in_care:
                warnings.append(
                    f"{self.name}: the absence of {child} on {day} is left out: the child has "
                    "check-ins that day."
                )
                continue
            rows.append({"child_key": child.key, "date": day, "absence_reason": absence.reason})
        return sorted(
            rows, key=lambda r: (r["child_key"], r["date"], r.get("check_in") or time.min)
        )


def _plan_day(
    entry: _Day, job: ImportPlan, stored: list[Presence], absence: Absence | None
) -> None:
    """Match the day's rows to what is stored, and check that together they make one day: pairs
    that do not overlap, or one absence."""
    _check_rows_of_the_day(entry, job)
    changes, unlisted = _match_pairs(entry, job, stored)
    tz, child_key, day = entry.provider.tz, entry.child.key, entry.day
    for pair in entry.pairs:
        clash = next(
            (
                p
                for p in unlisted
                if _overlap(pair.check_in, pair.check_out, p.check_in, p.check_out)
            ),
            None,
        )
        if clash is not None:
            job.error(
                pair.row,
                "check_in",
                f"Overlaps the pair {_stored_span(clash, tz)} stored for {child_key} on {day}, "
                "which this file does not list; pairs of one child on one day may not overlap.",
            )
    if entry.pairs and absence is not None and not entry.absences:
        job.error(
            entry.pairs[0].row,
            "check_in",
            f"{child_key} is recorded absent on {day} ({absence.reason}); a child absent that "
            "day has no check-ins. Remove the absence first, or leave the day out.",
        )
    if entry.absences:
        row = entry.absences[0]
        if unlisted:
            job.error(
                row,
                "absence_reason",
                f"{child_key} was checked in at {_clock(unlisted[0].check_in, tz)} on {day}; a "
                "child in care that day was not absent.",
            )
        absence = absence or Absence(provider=entry.provider, child=entry.child, service_date=day)
        plan = job.record(row, absence, {"reason": row.values.get("absence_reason")})
        if plan.action != UNCHANGED:
            changes.append(row)
    # A day submitted for CCA is locked; a re-import that leaves it as it is stays allowed.
    if changes and entry.child.pk is not None:
        try:
            ensure_day_open(child=entry.child, day=day)
        except ValidationError as error:
            job.error(min(changes, key=lambda row: row.line), "date", " ".join(error.messages))


def _check_rows_of_the_day(entry: _Day, job: ImportPlan) -> None:
    """The file's own rows of the day: pairs or an absence, one absence, no overlaps."""
    child_key, day, tz = entry.child.key, entry.day, entry.provider.tz
    if entry.absences and entry.pairs:
        first_absence, first_pair = entry.absences[0], entry.pairs[0].row
        if first_absence.line < first_pair.line:
            job.error(
                first_pair,
                "check_in",
                f"Line {first_absence.line} records {child_key} absent on {day}; a child absent "
                "that day has no check-ins. Keep the pairs or the absence.",
            )
        else:
            job.error(
                first_absence,
                "absence_reason",
                f"Line {first_pair.line} has {child_key} in care on {day}; a child in care that "
                "day was not absent. Keep the pairs or the absence.",
            )
    for later in entry.absences[1:]:
        job.error(
            later,
            "absence_reason",
            f"Line {entry.absences[0].line} records {child_key} absent on {day} already; a child "
            "has one absence a day.",
        )
    for index, pair in enumerate(entry.pairs):
        for earlier in entry.pairs[:index]:
            if _overlap(pair.check_in, pair.check_out, earlier.check_in, earlier.check_out):
                job.error(
                    pair.row,
                    "check_in",
                    f"Overlaps line {earlier.row.line} ({_span(earlier, tz)}); pairs of one "
                    "child on one day may not overlap.",
                )
                break


def _match_pairs(
    entry: _Day, job: ImportPlan, stored: list[Presence]
) -> tuple[list[Row], list[Presence]]:
    """Plan each pair of the day: a stored pair with the same check-in is updated, any other is
    new. Returns the rows that change something and the stored pairs no row names."""
    # The bundle holds minutes: a stored time within the same minute stays as it is.
    by_minute = {_whole_minute(p.check_in): p for p in stored}
    matched: set[int] = set()
    changes = []
    for pair in entry.pairs:
        presence = by_minute.get(pair.check_in)
        if presence is None or id(presence) in matched:
            presence = Presence(
                provider=entry.provider,
                child=entry.child,
                service_date=entry.day,
                check_in=pair.check_in,
                check_in_method=Method.IMPORT,
                check_out_method=Method.IMPORT,
            )
        matched.add(id(presence))
        check_out = pair.check_out
        if presence.check_out is not None and _whole_minute(presence.check_out) == check_out:
            check_out = presence.check_out
        plan = job.record(pair.row, presence, {"check_out": check_out})
        if "check_out" in plan.changed and not presence._state.adding:
            presence.check_out_method = Method.IMPORT
        if plan.action != UNCHANGED:
            changes.append(pair.row)
    return changes, [p for p in stored if id(p) not in matched]


def _check_row(row: Row, job: ImportPlan) -> str | None:
    """Whether the row is a "pair" or an "absence", judged on the row alone; None with an error
    when it is neither. A cell that did not parse has its own error already."""
    values = row.values

    def given(column: str) -> bool:
        return values.get(column, "?") not in (None, "")

    if given("absence_reason"):
        if given("check_in") or given("check_out"):
            job.error(
                row,
                "absence_reason",
                "A row is a pair of times or an absence, not both; leave check_in and check_out "
                "empty on an absence row.",
            )
            return None
        return "absence" if "absence_reason" in values else None
    if not given("check_in") and not given("check_out"):
        job.error(
            row,
            "check_in",
            "Give check_in and check_out, or absence_reason when the child was absent.",
        )
        return None
    for column in ("check_in", "check_out"):
        if not given(column):
            job.error(row, column, f"A pair needs both times; fill in {column}.")
            return None
    start, end = values.get("check_in"), values.get("check_out")
    if start is None or end is None:
        return None
    if end <= start:
        job.error(
            row,
            "check_out",
            f"The check-out {end:%H:%M} is not after the check-in {start:%H:%M}; a pair ends "
            "after it starts, on the same day.",
        )
        return None
    return "pair"


def _moments(row: Row, job: ImportPlan, entry: _Day) -> tuple[datetime, datetime] | None:
    """The row's times as aware datetimes, read on the provider's clock on the row's day."""
    tz = entry.provider.tz
    moments = []
    for column in ("check_in", "check_out"):
        local = datetime.combine(entry.day, row.values[column], tzinfo=tz)
        # A time the clocks skip when they spring forward would quietly move by an hour.
        if local.astimezone(UTC).astimezone(tz).replace(tzinfo=None) != local.replace(tzinfo=None):
            job.error(
                row,
                column,
                f"{local:%H:%M} does not exist on {entry.day} in {entry.provider.timezone}: the "
                "clocks skip that hour when they move forward; check the time.",
            )
            return None
        moments.append(local)
    return moments[0], moments[1]


def _stored(
    job: ImportPlan, days: Iterable[_Day]
) -> tuple[dict[tuple[int, date], list[Presence]], dict[tuple[int, date], Absence]]:
    """What is stored for the file's children on the file's days, by (child id, day)."""
    days = [entry for entry in days if entry.child.pk is not None]
    presences: dict[tuple[int, date], list[Presence]] = defaultdict(list)
    absences: dict[tuple[int, date], Absence] = {}
    if not days:
        return presences, absences
    scope = {
        "provider_id__in": job.existing_provider_ids(),
        "service_date__range": (min(e.day for e in days), max(e.day for e in days)),
    }
    for presence in Presence.objects.filter(**scope).order_by("check_in"):
        presences[(presence.child_id, presence.service_date)].append(presence)
    for absence in Absence.objects.filter(**scope):
        absences[(absence.child_id, absence.service_date)] = absence
    return presences, absences


def _place_in_classrooms(presences: list[Presence]) -> None:
    """An imported pair counts in the classroom of the enrollment in effect that day, or else
    in the child's current classroom, as a missed pair added by hand does."""
    if not presences:
        return
    enrollments = defaultdict(list)
    for enrollment in Enrollment.objects.filter(
        child_id__in={p.child.pk for p in presences},
        status__in=[EnrollmentStatus.ACTIVE, EnrollmentStatus.WITHDRAWN],
    ).order_by("start_date"):
        enrollments[enrollment.child_id].append(enrollment)
    for presence in presences:
        in_effect = [
            e
            for e in enrollments[presence.child.pk]
            if e.start_date <= presence.service_date
            and (e.end_date is None or presence.service_date <= e.end_date)
        ]
        presence.classroom_id = (
            in_effect[-1].classroom_id if in_effect else presence.child.classroom_id
        )


def _overlap(start: datetime, end: datetime | None, other_start: datetime, other_end) -> bool:
    """Whether two pairs share a moment; an open pair (no end) lasts until it is closed."""
    return (other_end is None or start < other_end) and (end is None or other_start < end)


def _whole_minute(moment: datetime) -> datetime:
    return moment.replace(second=0, microsecond=0)


def _clock(moment: datetime, tz) -> str:
    return f"{timezone.localtime(moment, tz):%H:%M}"


def _span(pair: _Pair, tz) -> str:
    return f"{_clock(pair.check_in, tz)}–{_clock(pair.check_out, tz)}"


def _stored_span(presence: Presence, tz) -> str:
    end = _clock(presence.check_out, tz) if presence.check_out else "still open"
    return f"{_clock(presence.check_in, tz)}–{end}"


ATTENDANCE = AttendanceFile()
