"""Iowa staff:child ratios: which rule applies to a room, and whether a room is in ratio now."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Q
from django.utils import timezone

from ccms.attendance.models import Presence, RatioRule, StaffSchedule, StaffShift
from ccms.core.dates import age_in_months
from ccms.tenancy.models import Classroom, Provider

# A scheduled departure this close makes the board warn before the room falls out of ratio.
DEPARTURE_WARNING = timedelta(minutes=30)
# The hour at which scheduled staff are counted for staffed capacity (the middle of the day).
CORE_HOUR = time(10, 0)
PRESCHOOL_MONTHS = 36


# Iowa center ratios (441 IAC 109.8 as amended by HF 2198, 2022): (from months, to months,
# children per staff). Migration 0002 loads them as dated rows; these stand in only if those rows
# are missing (a database emptied by hand), so that a ratio is never unknown.
IOWA_CENTER_RATIOS = [(0, 23, 4), (24, 35, 7), (36, 47, 10), (48, 59, 12), (60, 240, 15)]


def state_defaults() -> list[RatioRule]:
    return [
        RatioRule(
            min_age_months=low,
            max_age_months=high,
            children_per_staff=per_staff,
            effective_from=date(2022, 7, 1),
        )
        for low, high, per_staff in IOWA_CENTER_RATIOS
    ]


def rules_for(provider: Provider, on: date) -> list[RatioRule]:
    """The rules in force on `on`: the provider's own where it has any, else the state's."""
    return rules_for_many([provider.pk], on)[provider.pk]


def rules_for_many(provider_ids: list[int], on: date) -> dict[int, list[RatioRule]]:
    """`rules_for` of several providers in one query (alliance roll-ups)."""
    rules = list(
        RatioRule.objects.filter(
            Q(provider_id__in=provider_ids) | Q(provider__isnull=True), effective_from__lte=on
        ).order_by("-effective_from")
    )
    state = [r for r in rules if r.provider_id is None] or state_defaults()
    result = {}
    for provider_id in provider_ids:
        chosen = [r for r in rules if r.provider_id == provider_id] or state
        latest: dict[tuple[int, int], RatioRule] = {}
        for rule in chosen:  # newest first: keep the newest rule per age band
            latest.setdefault((rule.min_age_months, rule.max_age_months), rule)
        result[provider_id] = sorted(latest.values(), key=lambda r: r.min_age_months)
    return result


def children_per_staff(rules: list[RatioRule], ages_in_months: list[int]) -> int | None:
    """The ratio for a group: preschool groups (everyone 3 or older) use the age of the
    majority; a group with a younger child uses the youngest child's ratio."""
    if not ages_in_months:
        return None

    def rule_for(months: int) -> int:
        for rule in rules:
            if rule.min_age_months <= months <= rule.max_age_months:
                return rule.children_per_staff
        return (
            rules[-1].children_per_staff
            if months > rules[-1].max_age_months
            else rules[0].children_per_staff
        )

    if min(ages_in_months) >= PRESCHOOL_MONTHS:
        bands = Counter(rule_for(m) for m in ages_in_months)
        top = max(bands.values())
        # On a tie, the stricter ratio.
        return min(ratio for ratio, count in bands.items() if count == top)
    return rule_for(min(ages_in_months))


def required_staff(children: int, per_staff: int | None) -> int:
    return math.ceil(children / per_staff) if children and per_staff else 0


@dataclass
class RoomRatio:
    classroom: Classroom
    children: list = field(default_factory=list)  # Presence rows, open
    staff: list = field(default_factory=list)  # StaffShift rows, open and not on a break
    per_staff: int | None = None
    leaving_soon: list = field(default_factory=list)  # (user, time) scheduled to leave soon

    @property
    def required(self) -> int:
        return required_staff(len(self.children), self.per_staff)

    @property
    def status(self) -> str:
        """`out` below ratio now; `warn` when a scheduled departure would put it out; `ok`."""
        if len(self.staff) < self.required:
            return "out"
        staying = len(self.staff) - len(self.leaving_soon)
        if self.leaving_soon and staying < self.required:
            return "warn"
        return "ok"

    @property
    def ratio_label(self) -> str:
        return f"1:{self.per_staff}" if self.per_staff else "—"


def ratio_board(provider: Provider, now: datetime | None = None) -> list[RoomRatio]:
    """Every classroom now: children present, staff present, the ratio for the ages present.
    Four queries whatever the size of the provider."""
    now = now or timezone.now()
    local = timezone.localtime(now, provider.tz)
    today = local.date()
    rules = rules_for(provider, today)
    rooms = {
        r.pk: RoomRatio(classroom=r)
        for r in Classroom.objects.filter(provider=provider).order_by("min_age_months", "name")
    }
    for presence in Presence.objects.filter(
        provider=provider, check_out__isnull=True
    ).select_related("child"):
        if presence.classroom_id in rooms:
            rooms[presence.classroom_id].children.append(presence)
    shifts = (
        StaffShift.objects.filter(provider=provider, clock_out__isnull=True)
        .select_related("user")
        .prefetch_related("breaks")
    )
    for shift in shifts:
        on_break = any(b.end is None for b in shift.breaks.all())
        if shift.classroom_id in rooms and not on_break:
            rooms[shift.classroom_id].staff.append(shift)
    soon = (local + DEPARTURE_WARNING).time()
    schedules = StaffSchedule.objects.filter(
        provider=provider, weekday=today.weekday(), end__gt=local.time(), end__lte=soon
    )
    for schedule in schedules:
        room = rooms.get(schedule.classroom_id)
        if room and any(s.user_id == schedule.user_id for s in room.staff):
            room.leaving_soon.append((schedule.user_id, schedule.end))
    for room in rooms.values():
        ages = [age_in_months(p.child.birth_date, today) for p in room.children]
        room.per_staff = children_per_staff(rules, ages)
    return list(rooms.values())


def staffed_capacity_from_schedules(provider: Provider, on: date | None = None) -> dict[int, int]:
    """Per classroom with staff schedules: min(licensed capacity, staff scheduled at the core
    hour on its thinnest weekday x children per staff for the youngest age it serves)."""
    rooms = Classroom.objects.filter(provider=provider)
    return staffed_capacity_of_rooms(rooms, on)[provider.pk]


def staffed_capacity_of_rooms(rooms, on: date | None = None) -> dict[int, dict[int, int]]:
    """`staffed_capacity_from_schedules` for the given classrooms of one or many providers, by
    provider: two queries whatever their number (alliance roll-ups)."""
    on = on or timezone.localdate()
    rooms = list(rooms)
    provider_ids = sorted({room.provider_id for room in rooms})
    rules = rules_for_many(provider_ids, on)
    per_day: dict[int, Counter] = defaultdict(Counter)
    for classroom_id, weekday in StaffSchedule.objects.filter(
        provider_id__in=provider_ids, start__lte=CORE_HOUR, end__gt=CORE_HOUR
    ).values_list("classroom_id", "weekday"):
        per_day[classroom_id][weekday] += 1
    result: dict[int, dict[int, int]] = {provider_id: {} for provider_id in provider_ids}
    for room in rooms:
        if room.pk not in per_day:
            continue
        staff = min(per_day[room.pk][weekday] for weekday in range(5))
        per_staff = children_per_staff(rules[room.provider_id], [room.min_age_months]) or 0
        result[room.provider_id][room.pk] = min(room.licensed_capacity, staff * per_staff)
    return result


def status_text(room: RoomRatio) -> str:
    """The status in words, so the board never relies on colour alone."""
    if room.status == "out":
        return f"Out of ratio: needs {room.required - len(room.staff)} more staff"
    if room.status == "warn":
        names = {shift.user_id: shift.user for shift in room.staff}
        leaving = ", ".join(
            f"{_person(names.get(user_id))} leaves at {end:%H:%M}"
            for user_id, end in sorted(room.leaving_soon, key=lambda item: item[1])
        )
        return f"Warning: {leaving}"
    return "In ratio"


def _person(user) -> str:
    return (user.get_full_name() or user.email) if user else "A staff member"
