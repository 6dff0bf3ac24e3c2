"""Reads of attendance, narrowed to what the caller's role may see. Objects named by an id in a
URL are loaded here, scoped to the provider in the URL and to the role, so that another
provider's id and an id the role may not see both give 404."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from urllib.parse import parse_qs, urlsplit

from django.core import signing
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.crypto import constant_time_compare, salted_hmac

from ccms.attendance.models import Absence, Closure, KioskPin, Presence
from ccms.core.access import ProviderAccess
from ccms.core.models import AuditEvent
from ccms.enrollment.models import WEEKDAYS, Enrollment
from ccms.enrollment.queries import in_effect
from ccms.families.models import Child, Guardian
from ccms.tenancy.models import Classroom, Provider

# --- Check-in: the kiosk, the classroom roster and the guardian's phone -------------------------

PRESENT, CHECKED_OUT, ABSENT, EXPECTED, NOT_SCHEDULED = (
    "present",
    "checked_out",
    "absent",
    "expected",
    "not_scheduled",
)


@dataclass
class ChildDay:
    """One child's attendance on one day, as the check-in pages show it."""

    child: Child
    day: date
    presences: list[Presence]  # the day's pairs, oldest first
    open_presence: Presence | None  # the open pair, possibly left open on an earlier day
    absence: Absence | None
    enrollment: Enrollment | None  # the enrollment in effect that day

    @property
    def scheduled(self) -> bool:
        """Enrolled that day and the day's weekday letter is in the schedule."""
        letter = weekday_letter(self.day)
        return bool(letter) and self.enrollment is not None and letter in self.enrollment.days

    @property
    def state(self) -> str:
        if self.open_presence is not None:
            return PRESENT
        if self.presences:
            return CHECKED_OUT
        if self.absence is not None:
            return ABSENT
        return EXPECTED if self.scheduled else NOT_SCHEDULED

    @property
    def classroom(self) -> Classroom | None:
        """Where the child is (or was last) that day, else where the child is enrolled."""
        if self.open_presence is not None:
            return self.open_presence.classroom
        if self.presences:
            return self.presences[-1].classroom
        if self.enrollment is not None:
            return self.enrollment.classroom
        return self.child.classroom

    @property
    def classroom_id(self) -> int | None:
        room = self.classroom
        return room.pk if room else None

    @property
    def last_out(self) -> Presence | None:
        closed = [p for p in self.presences if p.check_out is not None]
        return closed[-1] if closed else None

    @property
    def pickup_names(self) -> list[str]:
        return pickup_names(self.child)

    @property
    def missing_check_out(self) -> bool:
        """Still open from an earlier day: someone forgot the check-out."""
        return self.open_presence is not None and self.open_presence.service_date < self.day


def weekday_letter(day: date) -> str:
    return WEEKDAYS[day.weekday()] if day.weekday() < len(WEEKDAYS) else ""


def _with_day(children: QuerySet[Child], day: date) -> QuerySet[Child]:
    """Everything a ChildDay reads, in a fixed number of queries."""
    return children.select_related("classroom", "family").prefetch_related(
        Prefetch(
            "presences",
            queryset=Presence.objects.filter(
                Q(service_date=day) | Q(service_date__lt=day, check_out__isnull=True)
            )
            .select_related("classroom")
            .order_by("check_in"),
            to_attr="day_presences",
        ),
        Prefetch(
            "absences", queryset=Absence.objects.filter(service_date=day), to_attr="day_absences"
        ),
        Prefetch(
            "enrollments",
            queryset=Enrollment.objects.filter(in_effect(day))
            .select_related("classroom")
            .order_by("-start_date", "-pk"),
            to_attr="day_enrollments",
        ),
    )


def child_days(children: QuerySet[Child], day: date) -> list[ChildDay]:
    rows = []
    for child in _with_day(children, day):
        open_pairs = [p for p in child.day_presences if p.check_out is None]
        rows.append(
            ChildDay(
                child=child,
                day=day,
                presences=[p for p in child.day_presences if p.service_date == day],
                open_presence=open_pairs[0] if open_pairs else None,
                absence=child.day_absences[0] if child.day_absences else None,
                enrollment=child.day_enrollments[0] if child.day_enrollments else None,
            )
        )
    return rows


def roster_classrooms(access: ProviderAccess) -> QuerySet[Classroom]:
    """The rooms whose roster the user may open: staff their own, other roles all."""
    rooms = Classroom.objects.filter(provider=access.provider)
    if not access.sees_whole_provider:
        rooms = rooms.filter(pk__in=access.classroom_ids)
    return rooms.order_by("min_age_months", "name")


def roster(access: ProviderAccess, *, day: date, rooms: list[Classroom]) -> list[ChildDay]:
    """The children of `rooms` on `day`: enrolled there that day (scheduled or not), or checked
    in there. A child moved to another room shows in the room the child is in."""
    access.require("attendance.view")
    room_ids = {room.pk for room in rooms}
    enrolled = Enrollment.objects.filter(provider=access.provider, classroom_id__in=room_ids)
    pairs = Presence.objects.filter(provider=access.provider, classroom_id__in=room_ids).filter(
        Q(service_date=day) | Q(service_date__lt=day, check_out__isnull=True)
    )
    children = Child.objects.filter(provider=access.provider).filter(
        Q(pk__in=enrolled.filter(in_effect(day)).values("child_id"))
        | Q(pk__in=pairs.values("child_id"))
    )
    if access.can("attendance.edit"):
        children = children.prefetch_related("family__guardians", "authorized_pickups")
    order = {room.pk: index for index, room in enumerate(rooms)}
    rows = [row for row in child_days(children, day) if row.classroom_id in room_ids]
    return sorted(
        rows,
        key=lambda r: (order[r.classroom_id], r.child.last_name.lower(), r.child.first_name),
    )


def roster_row(provider: Provider, child_id: int, day: date) -> ChildDay:
    """One child's row, whoever's room the child is in now (after a move, say)."""
    children = Child.objects.filter(provider=provider, pk=child_id).prefetch_related(
        "family__guardians", "authorized_pickups"
    )
    rows = child_days(children, day)
    if not rows:
        raise Http404("No such child.")
    return rows[0]


def may_work(access: ProviderAccess, row: ChildDay) -> bool:
    """Directors work every child; staff a child placed in, enrolled in or checked in to one of
    their classrooms."""
    if access.sees_whole_provider:
        return True
    rooms = access.classroom_ids
    return row.classroom_id in rooms or row.child.classroom_id in rooms


def access_roster_child(access: ProviderAccess, child_id: int, day: date) -> ChildDay:
    """A child on a roster the user may work, else 404 (like a missing child)."""
    row = roster_row(access.provider, child_id, day)
    if not may_work(access, row):
        raise Http404("No such child.")
    return row


def pickup_names(child: Child) -> list[str]:
    """Who may take the child home: guardians allowed to pick up, then the signed list (from
    prefetched rows)."""
    names = [f"{g.first_name} {g.last_name}" for g in child.family.guardians.all() if g.can_pick_up]
    names += [p.name for p in child.authorized_pickups.all() if p.name not in names]
    return names


def closure_on(provider: Provider, day: date) -> Closure | None:
    return Closure.objects.filter(provider=provider, service_date=day).first()


def own_children_days(access: ProviderAccess, day: date) -> list[ChildDay]:
    """The guardian's own children at this provider (the guardian's phone)."""
    access.require("attendance.own_children")
    children = Child.objects.filter(
        provider=access.provider, family__guardians__user=access.user
    ).distinct()
    return sorted(child_days(children, day), key=lambda r: r.child.birth_date)


def access_own_child(access: ProviderAccess, child_id: int) -> Child:
    """One of the signed-in guardian's own children. Anyone else's child, or any child for a
    user who is no guardian of it, is 404 like a missing one; the role is checked after."""
    child = get_object_or_404(
        Child.objects.filter(
            provider=access.provider, family__guardians__user=access.user
        ).distinct(),
        pk=child_id,
    )
    access.require("attendance.own_children")
    return child


def own_guardian(access: ProviderAccess, child: Child) -> Guardian:
    """The signed-in guardian's record in the child's family."""
    return get_object_or_404(
        Guardian.objects.select_related("family"),
        provider=access.provider,
        family_id=child.family_id,
        user=access.user,
    )


def upcoming_absences(access: ProviderAccess, children: list[Child], since: date):
    return (
        Absence.objects.filter(
            provider=access.provider, child__in=children, service_date__gte=since
        )
        .select_related("child")
        .order_by("service_date")
    )


def family_day(provider: Provider, guardian: Guardian, day: date) -> list[ChildDay]:
    """The kiosk: the family's children enrolled at this provider that day, or checked in."""
    enrolled = Enrollment.objects.filter(child=OuterRef("pk")).filter(in_effect(day))
    open_pair = Presence.objects.filter(child=OuterRef("pk"), check_out__isnull=True)
    children = Child.objects.filter(provider=provider, family_id=guardian.family_id).filter(
        Exists(enrolled) | Exists(open_pair)
    )
    return sorted(child_days(children, day), key=lambda r: r.child.birth_date)


def kiosk_children(provider: Provider, guardian: Guardian, ids: list[int]) -> list[Child]:
    """The children picked at the kiosk, only ever from the guardian's own family."""
    return list(
        Child.objects.filter(provider=provider, family_id=guardian.family_id, pk__in=ids)
        .select_related("classroom")
        .order_by("birth_date")
    )


def access_presence(access: ProviderAccess, presence_id: int) -> Presence:
    """A check-in/check-out pair: directors any of the provider, staff those of their rooms."""
    pairs = Presence.objects.filter(provider=access.provider).select_related(
        "child__provider", "classroom", "checked_in_by", "checked_out_by", "dropped_off_by"
    )
    if not access.sees_whole_provider:
        rooms = access.classroom_ids
        pairs = pairs.filter(Q(classroom_id__in=rooms) | Q(child__classroom_id__in=rooms))
    return get_object_or_404(pairs, pk=presence_id)


def presence_history(presence: Presence) -> QuerySet[AuditEvent]:
    """Every change to a pair, oldest first, so the original times stay visible."""
    return AuditEvent.objects.filter(
        provider_id=presence.provider_id, object_type="Presence", object_id=str(presence.pk)
    ).order_by("at", "id")


def closures(provider: Provider, since: date) -> QuerySet[Closure]:
    return Closure.objects.filter(provider=provider, service_date__gte=since)


def recent_closures(provider: Provider, today: date) -> QuerySet[Closure]:
    return closures(provider, today - timedelta(days=60)).order_by("service_date")


# --- Kiosk PINs and QR cards ---------------------------------------------------------------

QR_SALT = "ccms.attendance.kiosk-card"


def kiosk_guardians(provider: Provider) -> QuerySet[Guardian]:
    """Every guardian of the provider, with whether a kiosk PIN is set."""
    return (
        Guardian.objects.filter(provider=provider)
        .select_related("family")
        .annotate(has_pin=Exists(KioskPin.objects.filter(guardian=OuterRef("pk"))))
        .order_by("family__name", "last_name", "first_name")
    )


def access_kiosk_guardian(access: ProviderAccess, guardian_id: int) -> Guardian:
    access.require("attendance.kiosk")
    access.require("families.edit")
    return get_object_or_404(
        Guardian.objects.filter(provider=access.provider).select_related("family"),
        pk=guardian_id,
    )


def _card_fingerprint(record: KioskPin) -> str:
    # A new PIN changes the hash, so setting a PIN also retires the family's old QR card.
    return salted_hmac(QR_SALT, record.pin_hash).hexdigest()[:16]


def kiosk_card_code(guardian: Guardian) -> str | None:
    """The signed token a guardian's QR card carries; None until the guardian has a PIN."""
    record = KioskPin.objects.filter(guardian=guardian).first()
    if record is None:
        return None
    payload = {"p": record.provider_id, "g": guardian.pk, "f": _card_fingerprint(record)}
    return signing.dumps(payload, salt=QR_SALT)


def code_in(text: str) -> str:
    """The token in what the kiosk received: the token itself, or the card's whole kiosk URL
    (a scanner types it into the PIN field; a camera app opens it)."""
    if "code=" in text:
        return parse_qs(urlsplit(text).query).get("code", [""])[0]
    return text


def guardian_for_code(provider: Provider, code: str) -> Guardian | None:
    try:
        payload = signing.loads(code, salt=QR_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(payload, dict) or payload.get("p") != provider.pk:
        return None
    record = (
        KioskPin.objects.filter(provider=provider, guardian_id=payload.get("g"))
        .select_related("guardian__family")
        .first()
    )
    if record is None or not constant_time_compare(
        _card_fingerprint(record), str(payload.get("f", ""))
    ):
        return None
    return record.guardian
