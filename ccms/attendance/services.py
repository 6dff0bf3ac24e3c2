"""Every write of attendance: check-in, check-out, absences, closures, corrections, staff time."""

import hashlib
import hmac
from datetime import date, datetime

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from ccms.attendance.models import (
    Absence,
    Closure,
    KioskPin,
    Method,
    Presence,
    StaffBreak,
    StaffSchedule,
    StaffShift,
)
from ccms.core.services import save_audited
from ccms.families.models import AuthorizedPickup, Child, Guardian
from ccms.tenancy.models import Classroom, Provider


def service_date(provider: Provider, moment: datetime) -> date:
    """The provider-local day a moment falls on."""
    return timezone.localtime(moment, provider.tz).date()


def ensure_day_open(*, child: Child, day: date) -> None:
    """A day submitted for CCA is locked; changing it takes a recall (the subsidy capability
    registers the check here when it is installed)."""
    for check in DAY_LOCK_CHECKS:
        check(child=child, day=day)


def ensure_days_open(*, children: list[Child], days: dict[int, date]) -> None:
    """ensure_day_open for several children at once (child id -> day), in a fixed number of
    queries: a check with a `many` form is asked once for all of them."""
    for check in DAY_LOCK_CHECKS:
        many = getattr(check, "many", None)
        if many is not None:
            many(children=children, days=days)
            continue
        for child in children:
            check(child=child, day=days[child.pk])


# Functions (child, day) -> None that raise ValidationError when a day may no longer change;
# one may carry a `many(children, days)` form for the kiosk's several children at once.
DAY_LOCK_CHECKS: list = []


def check_in(
    *,
    child: Child,
    actor=None,
    method: str = Method.ROSTER,
    at: datetime | None = None,
    classroom: Classroom | None = None,
    dropped_off_by: Guardian | None = None,
    signature: str = "",
) -> Presence:
    """Open a presence for the child. Refused if the child is already checked in: the database
    allows one open presence per child, so two staff tapping at once make one check-in."""
    at = at or timezone.now()
    day = service_date(child.provider, at)
    ensure_day_open(child=child, day=day)
    if Closure.objects.filter(provider_id=child.provider_id, service_date=day).exists():
        raise ValidationError(f"{child.provider} is closed on {day:%b %-d}; no check-ins.")
    presence = Presence(
        provider=child.provider,
        child=child,
        classroom=classroom or child.classroom,
        service_date=day,
        check_in=at,
        checked_in_by=_user(actor),
        check_in_method=method,
        dropped_off_by=dropped_off_by,
        signature=signature,
    )
    try:
        with transaction.atomic():
            # The child and classroom come scoped from the caller; the database's one-open-
            # presence constraint is the guard against a double check-in.
            save_audited(presence, actor=actor, validate=False)
            Absence.objects.filter(child=child, service_date=day).delete()
    except (IntegrityError, ValidationError) as error:
        if Presence.objects.filter(child=child, check_out__isnull=True).exists():
            raise ValidationError(f"{child.first_name} is already checked in.") from None
        raise error
    return presence


@transaction.atomic
def check_out(
    *,
    child: Child,
    actor=None,
    method: str = Method.ROSTER,
    at: datetime | None = None,
    picked_up_by: str = "",
) -> Presence:
    """Close the child's open presence. Someone not on the authorized list may not pick up."""
    presence = (
        Presence.objects.select_for_update().filter(child=child, check_out__isnull=True).first()
    )
    if presence is None:
        raise ValidationError(
            f"{child.first_name} is not checked in, so cannot be checked out. "
            "If the check-in was missed, add it as a correction with a reason."
        )
    if picked_up_by and not may_pick_up(child, picked_up_by):
        raise ValidationError(
            f"{picked_up_by} is not on {child.first_name}'s authorized pick-up list. Do not "
            "release the child; call a guardian or the director."
        )
    at = at or timezone.now()
    if at <= presence.check_in:
        raise ValidationError("Check-out must be after the check-in.")
    ensure_day_open(child=child, day=presence.service_date)
    presence.check_out = at
    presence.checked_out_by = _user(actor)
    presence.check_out_method = method
    presence.picked_up_by = picked_up_by
    presence.provider = child.provider
    save_audited(presence, actor=actor, validate=False)
    return presence


def may_pick_up(child: Child, name: str) -> bool:
    """Guardians marked "may pick up" and the signed authorized pick-up list."""
    wanted = " ".join(name.lower().split())
    guardians = Guardian.objects.filter(family_id=child.family_id, can_pick_up=True)
    names = {f"{g.first_name} {g.last_name}".lower() for g in guardians}
    names |= {
        " ".join(p.lower().split())
        for p in AuthorizedPickup.objects.filter(child=child).values_list("name", flat=True)
    }
    return wanted in names


@transaction.atomic
def record_absence(*, child: Child, day: date, reason: str, actor, note: str = "") -> Absence:
    ensure_day_open(child=child, day=day)
    if Presence.objects.filter(child=child, service_date=day).exists():
        raise ValidationError(f"{child.first_name} was in care on {day:%b %-d}; not absent.")
    absence = Absence.objects.filter(child=child, service_date=day).first() or Absence(
        provider_id=child.provider_id, child=child, service_date=day
    )
    absence.reason, absence.note, absence.entered_by = reason, note, _user(actor)
    save_audited(absence, actor=actor)
    return absence


@transaction.atomic
def record_closure(*, provider: Provider, day: date, reason: str, actor) -> Closure:
    closure = Closure(provider=provider, service_date=day, reason=reason)
    save_audited(closure, actor=actor)
    return closure


@transaction.atomic
def correct_presence(
    *, presence: Presence, check_in: datetime, check_out: datetime | None, actor, reason: str
) -> Presence:
    """Fix a wrong time or a missing check-out. The original stays in the audit trail."""
    if not reason.strip():
        raise ValidationError("Give a reason for the correction.")
    ensure_day_open(child=presence.child, day=presence.service_date)
    if service_date(presence.child.provider, check_in) != presence.service_date:
        raise ValidationError("A correction keeps the pair on its own day.")
    if check_out is not None and check_out <= check_in:
        raise ValidationError("Check-out must be after the check-in.")
    presence.check_in, presence.check_out = check_in, check_out
    if check_out is not None and not presence.check_out_method:
        presence.check_out_method = Method.CORRECTION
    save_audited(presence, actor=actor, reason=reason)
    return presence


@transaction.atomic
def add_missed_presence(
    *, child: Child, check_in: datetime, check_out: datetime, actor, reason: str
) -> Presence:
    """A pair staff forgot to record, added afterwards with a reason."""
    if not reason.strip():
        raise ValidationError("Give a reason for the correction.")
    if check_out <= check_in:
        raise ValidationError("Check-out must be after the check-in.")
    day = service_date(child.provider, check_in)
    ensure_day_open(child=child, day=day)
    presence = Presence(
        provider_id=child.provider_id,
        child=child,
        classroom=child.classroom,
        service_date=day,
        check_in=check_in,
        check_out=check_out,
        checked_in_by=_user(actor),
        checked_out_by=_user(actor),
        check_in_method=Method.CORRECTION,
        check_out_method=Method.CORRECTION,
    )
    save_audited(presence, actor=actor, reason=reason)
    return presence


# Kiosk PINs ---------------------------------------------------------------------------------


def _pin_lookup(provider: Provider, pin: str) -> str:
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, f"{provider.pk}:{pin}".encode(), hashlib.sha256).hexdigest()


@transaction.atomic
def set_kiosk_pin(*, guardian: Guardian, pin: str, actor) -> KioskPin:
    if not (pin.isdigit() and 4 <= len(pin) <= 8):
        raise ValidationError("A kiosk PIN is 4 to 8 digits.")
    lookup = _pin_lookup(guardian.family.provider, pin)
    taken = KioskPin.objects.filter(provider_id=guardian.provider_id, lookup=lookup)
    if taken.exclude(guardian=guardian).exists():
        raise ValidationError("Another family uses this PIN here; choose another.")
    record, _ = KioskPin.objects.update_or_create(
        guardian=guardian,
        defaults={
            "provider_id": guardian.provider_id,
            "lookup": lookup,
            "pin_hash": make_password(pin),
        },
    )
    return record


def guardian_for_pin(provider: Provider, pin: str) -> Guardian | None:
    record = (
        KioskPin.objects.filter(provider=provider, lookup=_pin_lookup(provider, pin))
        .select_related("guardian__family")
        .first()
    )
    if record is None or not check_password(pin, record.pin_hash):
        return None
    return record.guardian


# Staff time ---------------------------------------------------------------------------------


def clock_in(*, provider: Provider, user, classroom: Classroom | None, at=None) -> StaffShift:
    at = at or timezone.now()
    if classroom is not None and classroom.provider_id != provider.pk:
        raise ValidationError("Choose a classroom of this provider.")
    shift = StaffShift(
        provider=provider,
        user=user,
        classroom=classroom,
        service_date=service_date(provider, at),
        clock_in=at,
    )
    try:
        with transaction.atomic():
            save_audited(shift, actor=user)
    except (IntegrityError, ValidationError):
        if StaffShift.objects.filter(provider=provider, user=user, clock_out__isnull=True).exists():
            raise ValidationError("You are already clocked in.") from None
        raise
    return shift


@transaction.atomic
def clock_out(*, provider: Provider, user, at=None) -> StaffShift:
    shift = (
        StaffShift.objects.select_for_update()
        .filter(provider=provider, user=user, clock_out__isnull=True)
        .first()
    )
    if shift is None:
        raise ValidationError("You are not clocked in.")
    at = at or timezone.now()
    for open_break in StaffBreak.objects.filter(shift=shift, end__isnull=True):
        open_break.end = at
        save_audited(open_break, actor=user, reason="Break ended at clock-out")
    shift.clock_out = at
    save_audited(shift, actor=user)
    return shift


@transaction.atomic
def move_shift(*, provider: Provider, user, classroom: Classroom, at=None) -> StaffShift:
    """A staff member moves to another classroom: the shift ends and a new one starts."""
    clock_out(provider=provider, user=user, at=at)
    return clock_in(provider=provider, user=user, classroom=classroom, at=at)


@transaction.atomic
def start_break(*, provider: Provider, user, at=None) -> StaffBreak:
    shift = StaffShift.objects.filter(provider=provider, user=user, clock_out__isnull=True).first()
    if shift is None:
        raise ValidationError("Clock in before taking a break.")
    if shift.breaks.filter(end__isnull=True).exists():
        raise ValidationError("You are already on a break.")
    brk = StaffBreak(provider=provider, shift=shift, start=at or timezone.now())
    save_audited(brk, actor=user)
    return brk


@transaction.atomic
def end_break(*, provider: Provider, user, at=None) -> StaffBreak:
    brk = StaffBreak.objects.filter(
        provider=provider, shift__user=user, shift__clock_out__isnull=True, end__isnull=True
    ).first()
    if brk is None:
        raise ValidationError("You are not on a break.")
    brk.end = at or timezone.now()
    save_audited(brk, actor=user)
    return brk


def _user(actor):
    return actor if getattr(actor, "pk", None) else None


# Check-in pages: a child moving rooms, and a family's children at once ------------------------


@transaction.atomic
def move_child_to_classroom(*, child: Child, classroom: Classroom, actor) -> Presence:
    """The child spends the rest of the day in another room. The open pair follows the child so
    that the roster and the live ratios count the child where the child is; the audit trail keeps
    the room the pair started in and the moment of the move."""
    if classroom.provider_id != child.provider_id:
        raise ValidationError("Choose a classroom of this provider.")
    presence = (
        Presence.objects.select_for_update(of=("self",))
        .select_related("classroom")
        .filter(child=child, check_out__isnull=True)
        .first()
    )
    if presence is None:
        raise ValidationError(
            f"{child.first_name} is not checked in; check the child in to a classroom instead."
        )
    if presence.classroom_id == classroom.pk:
        raise ValidationError(f"{child.first_name} is already in {classroom.name}.")
    ensure_day_open(child=child, day=presence.service_date)
    before = presence.classroom.name if presence.classroom else "no classroom"
    presence.classroom = classroom
    save_audited(
        presence,
        actor=actor,
        reason=f"Moved from {before} to {classroom.name}",
        update_fields=["classroom"],
    )
    return presence


def check_in_children(
    *,
    provider: Provider,
    children: list[Child],
    actor,
    method: str = Method.KIOSK,
    at: datetime | None = None,
    dropped_off_by: Guardian | None = None,
    signature: str = "",
) -> list[Presence]:
    """Check in several children at once (siblings at the kiosk) in a fixed number of queries,
    however many children. All or none: refused if one of them is already checked in."""
    if not children:
        raise ValidationError("Choose at least one child.")
    if any(child.provider_id != provider.pk for child in children):
        raise ValidationError("Choose children of this provider.")
    if len(signature) > 200:
        raise ValidationError("The signature is too long (200 characters at most).")
    at = at or timezone.now()
    day = service_date(provider, at)
    ensure_days_open(children=children, days={child.pk: day for child in children})
    if Closure.objects.filter(provider=provider, service_date=day).exists():
        raise ValidationError(f"{provider} is closed on {day:%b %-d}; no check-ins.")
    ids = [child.pk for child in children]
    _refuse_already_in(children, ids)
    presences = [
        Presence(
            provider=provider,
            child=child,
            classroom_id=child.classroom_id,
            service_date=day,
            check_in=at,
            checked_in_by=_user(actor),
            check_in_method=method,
            dropped_off_by=dropped_off_by,
            signature=signature,
        )
        for child in children
    ]
    try:
        with transaction.atomic():
            Presence.objects.bulk_create(presences)
            _audit_bulk(provider, presences, actor=actor, reason=_kiosk_reason(dropped_off_by))
            Absence.objects.filter(child_id__in=ids, service_date=day).delete()
    except IntegrityError:
        # Someone checked one of them in a moment ago; the database kept one open pair.
        _refuse_already_in(children, ids)
        raise
    return presences


@transaction.atomic
def check_out_children(
    *,
    provider: Provider,
    children: list[Child],
    guardian: Guardian,
    actor,
    method: str = Method.KIOSK,
    at: datetime | None = None,
) -> list[Presence]:
    """A guardian takes several children home at once, in a fixed number of queries. All or
    none: refused when one is not checked in, or when the guardian may not pick up."""
    if not children:
        raise ValidationError("Choose at least one child.")
    if not guardian.can_pick_up or any(c.family_id != guardian.family_id for c in children):
        raise ValidationError(
            f"{guardian} is not on {_names(children)}'s authorized pick-up list. Do not release "
            "the child; call a guardian or the director."
        )
    by_child = {child.pk: child for child in children}
    presences = list(
        Presence.objects.select_for_update().filter(
            provider=provider, child_id__in=by_child, check_out__isnull=True
        )
    )
    open_ids = {p.child_id for p in presences}
    missing = [child for child in children if child.pk not in open_ids]
    if missing:
        verb = "is" if len(missing) == 1 else "are"
        raise ValidationError(
            f"{_names(missing)} {verb} not checked in, so cannot be checked out. If the check-in "
            "was missed, add it as a correction with a reason."
        )
    at = at or timezone.now()
    fields = ["check_out", "checked_out_by", "check_out_method", "picked_up_by"]
    before = []
    ensure_days_open(
        children=[by_child[p.child_id] for p in presences],
        days={p.child_id: p.service_date for p in presences},
    )
    for presence in presences:
        presence.child = by_child[presence.child_id]
        if at <= presence.check_in:
            raise ValidationError("Check-out must be after the check-in.")
        before.append({name: getattr(presence, _attname(name)) for name in fields})
        presence.check_out = at
        presence.checked_out_by = _user(actor)
        presence.check_out_method = method
        presence.picked_up_by = str(guardian)
    Presence.objects.bulk_update(presences, fields)
    _audit_bulk(provider, presences, actor=actor, reason=_kiosk_reason(guardian), before=before)
    return presences


def _refuse_already_in(children: list[Child], ids: list[int]) -> None:
    already = set(
        Presence.objects.filter(child_id__in=ids, check_out__isnull=True).values_list(
            "child_id", flat=True
        )
    )
    if already:
        names = _names([child for child in children if child.pk in already])
        verb = "is" if len(already) == 1 else "are"
        raise ValidationError(f"{names} {verb} already checked in.")


def _names(children: list[Child]) -> str:
    names = [child.first_name for child in children]
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def _kiosk_reason(guardian: Guardian | None) -> str:
    return f"Guardian {guardian} at the kiosk" if guardian else ""


def _attname(name: str) -> str:
    return Presence._meta.get_field(name).attname


def _audit_bulk(provider: Provider, presences: list[Presence], *, actor, reason, before=None):
    """History rows and audit events for pairs written in bulk: bulk writes send no signals, so
    the trail is written here, in one query each, with the same content the signal would give."""
    from ccms.core.audit import build_audit_event, display_value
    from ccms.core.models import AuditAction, AuditEvent

    user = _user(actor)
    now = timezone.now()
    Presence.history.bulk_history_create(
        presences,
        update=before is not None,
        default_user=user,
        default_change_reason=reason,
        default_date=now,
    )
    tracked = [f for f in Presence._meta.concrete_fields if f.attname != "id"]
    events = []
    for index, presence in enumerate(presences):
        old = before[index] if before is not None else {}
        changes = {}
        for field in tracked:
            if before is not None and field.name not in old:
                continue
            was = display_value(old.get(field.name))
            new = display_value(getattr(presence, field.attname))
            if was != new:
                changes[field.verbose_name] = [was, new]
        events.append(
            build_audit_event(
                presence,
                action=AuditAction.UPDATED if before is not None else AuditAction.CREATED,
                changes=changes,
                actor=user,
                reason=reason,
                at=now,
                owners=(provider.alliance_id, provider.pk),
            )
        )
    AuditEvent.objects.bulk_create(events)


# Staff schedules ----------------------------------------------------------------------------

SCHEDULE_WEEKDAYS = range(5)  # Monday to Friday, as StaffSchedule.weekday counts them


@transaction.atomic
def save_staff_schedule(
    *,
    provider: Provider,
    actor,
    user,
    classroom: Classroom,
    weekday: int,
    start,
    end,
    schedule: StaffSchedule | None = None,
) -> StaffSchedule:
    """Add or change one weekly block of a staff member's schedule. Blocks of one person on one
    day may not overlap: the ratio board would count them twice."""
    from ccms.tenancy.models import Membership, Role

    if classroom.provider_id != provider.pk:
        raise ValidationError("Choose a classroom of this provider.")
    if schedule is not None and schedule.provider_id != provider.pk:
        raise ValidationError("This schedule belongs to another provider.")
    works_here = Membership.objects.filter(
        user=user, provider=provider, role__in=[Role.STAFF, Role.DIRECTOR]
    ).exists()
    if not works_here:
        raise ValidationError("Choose a staff member of this provider.")
    if weekday not in SCHEDULE_WEEKDAYS:
        raise ValidationError("Choose a day from Monday to Friday.")
    if end <= start:
        raise ValidationError("The end must be after the start.")
    overlapping = StaffSchedule.objects.filter(
        provider=provider, user=user, weekday=weekday, start__lt=end, end__gt=start
    )
    if schedule is not None:
        overlapping = overlapping.exclude(pk=schedule.pk)
    clash = overlapping.select_related("classroom").first()
    if clash is not None:
        raise ValidationError(
            f"{user} is already scheduled {clash.start:%H:%M}–{clash.end:%H:%M} in "
            f"{clash.classroom} that day."
        )
    schedule = schedule or StaffSchedule(provider=provider)
    schedule.user, schedule.classroom, schedule.weekday = user, classroom, weekday
    schedule.start, schedule.end = start, end
    save_audited(schedule, actor=actor)
    return schedule


@transaction.atomic
def delete_staff_schedule(*, schedule: StaffSchedule, actor) -> None:
    schedule._history_user = actor
    schedule._change_reason = "Removed from the staff schedule"
    schedule.delete()
