"""Check-in pages: the kiosk at the door, the classroom roster, the guardian's phone, closures,
corrections, and the kiosk PINs and QR cards. Views load objects through attendance.queries,
write through attendance.services, and run in the provider's time zone."""

import time
from datetime import date
from functools import wraps
from urllib.parse import urlencode

import qrcode
import qrcode.image.svg
from django.contrib import messages
from django.core import signing
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ccms.attendance import queries, services
from ccms.attendance.forms_checkin import (
    AbsenceAheadForm,
    AbsenceForm,
    ClosureForm,
    CorrectionForm,
    KioskEntryForm,
    KioskPinSetForm,
    KioskRecordForm,
    MissedPairForm,
    MoveForm,
    PickupForm,
)
from ccms.attendance.models import AbsenceReason, Method
from ccms.core.access import ProviderAccess
from ccms.core.dates import provider_today
from ccms.core.decorators import provider_view
from ccms.families.models import Guardian
from ccms.tenancy.models import Classroom

# Wrong PINs (or codes) a kiosk session may try per window before it must wait.
KIOSK_MAX_FAILURES = 5
KIOSK_WINDOW_SECONDS = 60
# A family has this long between their PIN and the Check in / Check out tap.
KIOSK_STEP_SECONDS = 180
KIOSK_STEP_SALT = "ccms.attendance.kiosk-step"
KIOSK_FAILURES = "kiosk_failures"
KIOSK_SIGNATURE = "kiosk_signature"


def in_provider_time(view):
    """Show and parse times in the provider's time zone."""

    @wraps(view)
    def wrapper(request, access: ProviderAccess, *args, **kwargs):
        with timezone.override(access.provider.tz):
            return view(request, access, *args, **kwargs)

    return wrapper


def _error_text(error: ValidationError) -> str:
    return " ".join(error.messages)


def _names(children) -> str:
    names = [child.first_name for child in children]
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def _form_error_text(form) -> str:
    return " ".join(e for errors in form.errors.values() for e in errors)


# --- Kiosk ----------------------------------------------------------------------------------


def _kiosk(request: HttpRequest, access: ProviderAccess, step: str, **context) -> HttpResponse:
    """A kiosk step: the partial alone for htmx, else the whole kiosk page around it."""
    context.update(access=access, step_template=f"attendance/checkin/_kiosk_{step}.html")
    template = context["step_template"] if request.htmx else "attendance/checkin/kiosk.html"
    return render(request, template, context)


def _asks_signature(request: HttpRequest) -> bool:
    return bool(request.session.get(KIOSK_SIGNATURE, False))


def _recent_failures(request: HttpRequest) -> list[float]:
    now = time.time()
    return [t for t in request.session.get(KIOSK_FAILURES, []) if now - t < KIOSK_WINDOW_SECONDS]


def _wait_seconds(request: HttpRequest) -> int:
    """Seconds until this kiosk may try again, or 0."""
    failures = _recent_failures(request)
    if len(failures) < KIOSK_MAX_FAILURES:
        return 0
    return max(1, int(KIOSK_WINDOW_SECONDS - (time.time() - failures[-KIOSK_MAX_FAILURES])) + 1)


def _identify(request: HttpRequest, access: ProviderAccess, text: str):
    """(guardian, error) for a typed PIN or a QR card's code. Wrong tries are counted per kiosk
    session: after a few in a minute the kiosk waits, which stops guessing PINs. Only wrong
    tries count (a busy morning has many families a minute), and a right PIN does not clear
    them, or someone knowing one PIN could keep guessing others between their own."""
    wait = _wait_seconds(request)
    if wait:
        return None, (
            f"Too many wrong tries. Please wait {wait} seconds, or ask a staff member for help."
        )
    text = text.strip()
    if not text:
        return None, "Enter your PIN, or scan your family's QR card."
    if text.isdigit():
        guardian = services.guardian_for_pin(access.provider, text)
    else:
        guardian = queries.guardian_for_code(access.provider, queries.code_in(text))
    if guardian is None:
        failures = [*_recent_failures(request), time.time()]
        request.session[KIOSK_FAILURES] = failures
        left = KIOSK_MAX_FAILURES - len(failures)
        kind = "PIN" if text.isdigit() else "QR card"
        if left > 0:
            return None, f"That {kind} was not recognized. Please try again."
        return None, (
            f"That {kind} was not recognized. Too many wrong tries: please wait a minute, or ask "
            "a staff member for help."
        )
    return guardian, ""


def _children_step(request, access, guardian: Guardian, *, form=None, error=""):
    today = provider_today(access.provider)
    rows = queries.family_day(access.provider, guardian, today)
    token = signing.dumps({"p": access.provider.pk, "g": guardian.pk}, salt=KIOSK_STEP_SALT)
    chosen = None
    if form is not None and form.is_bound:
        chosen = {str(pk) for pk in form.data.getlist("children")}
    return _kiosk(
        request,
        access,
        "children",
        guardian=guardian,
        rows=rows,
        token=token,
        form=form,
        chosen=chosen,
        error=error,
        ask_signature=_asks_signature(request),
        idle_seconds=KIOSK_STEP_SECONDS - 30,
    )


def _step_guardian(access: ProviderAccess, token: str) -> Guardian | None:
    try:
        payload = signing.loads(token, salt=KIOSK_STEP_SALT, max_age=KIOSK_STEP_SECONDS)
    except signing.BadSignature:
        return None
    if payload.get("p") != access.provider.pk:
        return None
    return (
        Guardian.objects.filter(provider=access.provider, pk=payload.get("g"))
        .select_related("family")
        .first()
    )


@provider_view("attendance.kiosk")
@in_provider_time
@require_GET
def kiosk(request: HttpRequest, access: ProviderAccess) -> HttpResponse:
    """The PIN pad. `?code=` (from a QR card opened by the tablet's camera) goes straight to the
    family's children; `?signature=on|off` sets whether this kiosk asks for a typed name."""
    if request.GET.get("signature") in ("on", "off"):
        request.session[KIOSK_SIGNATURE] = request.GET["signature"] == "on"
    code = request.GET.get("code", "")
    if code:
        guardian, error = _identify(request, access, code)
        if guardian is not None:
            return _children_step(request, access, guardian)
        return _kiosk(request, access, "pad", error=error)
    return _kiosk(request, access, "pad")


@provider_view("attendance.kiosk")
@in_provider_time
@require_POST
def kiosk_identify(request: HttpRequest, access: ProviderAccess) -> HttpResponse:
    form = KioskEntryForm(request.POST)
    text = form.cleaned_data["pin"] if form.is_valid() else ""
    guardian, error = _identify(request, access, text)
    if guardian is None:
        return _kiosk(request, access, "pad", error=error)
    return _children_step(request, access, guardian)


@provider_view("attendance.kiosk")
@in_provider_time
@require_POST
def kiosk_record(request: HttpRequest, access: ProviderAccess) -> HttpResponse:
    """Check the chosen children in or out, in a fixed number of queries however many."""
    guardian = _step_guardian(access, request.POST.get("token", ""))
    if guardian is None:
        return _kiosk(
            request, access, "pad", error="That took a while; please enter your PIN again."
        )
    today = provider_today(access.provider)
    rows = queries.family_day(access.provider, guardian, today)
    form = KioskRecordForm(
        request.POST,
        child_ids=[row.child.pk for row in rows],
        ask_signature=_asks_signature(request),
    )
    if not form.is_valid():
        return _children_step(request, access, guardian, form=form, error=_form_error_text(form))
    picked = set(form.cleaned_data["children"])
    chosen = [row for row in rows if row.child.pk in picked]
    checking_in = form.cleaned_data["action"] == "in"
    if checking_in:
        ready = [row for row in chosen if row.state != queries.PRESENT]
    else:
        ready = [
            row for row in chosen if row.state == queries.PRESENT and not row.missing_check_out
        ]
    skipped = [row for row in chosen if row not in ready]
    if not ready:
        names = _names([row.child for row in skipped])
        verb = "is" if len(skipped) == 1 else "are"
        state = "already checked in" if checking_in else "not checked in"
        error = f"{names} {verb} {state}."
        return _children_step(request, access, guardian, form=form, error=error)
    children = [row.child for row in ready]
    try:
        if checking_in:
            services.check_in_children(
                provider=access.provider,
                children=children,
                actor=request.user,
                method=Method.KIOSK,
                dropped_off_by=guardian,
                signature=form.cleaned_data["signature"],
            )
        else:
            services.check_out_children(
                provider=access.provider,
                children=children,
                guardian=guardian,
                actor=request.user,
                method=Method.KIOSK,
            )
    except ValidationError as error:
        return _children_step(request, access, guardian, form=form, error=_error_text(error))
    return _kiosk(
        request,
        access,
        "done",
        guardian=guardian,
        checking_in=checking_in,
        done=children,
        skipped=skipped,
        at=timezone.now(),
    )


# --- Classroom roster -----------------------------------------------------------------------


def _roster_day(request: HttpRequest, today: date) -> date:
    day = parse_date(request.GET.get("day", "") or "") if request.GET.get("day") else None
    return day if day is not None and day <= today else today


@provider_view("attendance.view")
@in_provider_time
@require_GET
def roster(request: HttpRequest, access: ProviderAccess) -> HttpResponse:
    """Every child expected today (or on `?day=`) in the chosen classroom, with their status;
    staff see their own classrooms (the first by default), directors all."""
    today = provider_today(access.provider)
    day = _roster_day(request, today)
    rooms = list(queries.roster_classrooms(access))
    wanted = request.GET.get("classroom", "")
    chosen = None
    if wanted.isdigit():
        chosen = next((room for room in rooms if room.pk == int(wanted)), None)
        if chosen is None:
            raise Http404("No such classroom.")
    elif not access.sees_whole_provider and rooms:
        chosen = rooms[0]
    shown = [chosen] if chosen else rooms
    rows = queries.roster(access, day=day, rooms=shown)
    groups = [
        (
            room,
            [r for r in rows if r.classroom_id == room.pk and r.state != queries.NOT_SCHEDULED],
            [r for r in rows if r.classroom_id == room.pk and r.state == queries.NOT_SCHEDULED],
        )
        for room in shown
    ]
    counts = {state: 0 for state in ("present", "checked_out", "absent", "expected")}
    for row in rows:
        if row.state in counts:
            counts[row.state] += 1
    context = {
        "access": access,
        "rooms": rooms,
        "chosen": chosen,
        "groups": groups,
        "counts": counts,
        "day": day,
        "today": today,
        "is_today": day == today,
        "closure": queries.closure_on(access.provider, day),
        **_row_context(access),
    }
    return render(request, "attendance/checkin/roster.html", context)


def _row_context(access: ProviderAccess) -> dict:
    return {
        "can_edit": access.can("attendance.edit"),
        "can_correct": access.can("attendance.correct"),
        "move_rooms": list(
            Classroom.objects.filter(provider=access.provider).order_by("min_age_months", "name")
        ),
        "absence_reasons": AbsenceReason.choices,
        "other": "__other__",
    }


def _row_done(request, access, child_id: int, *, error: str = "", done: str = "") -> HttpResponse:
    """After a roster action: the row again (htmx), or back to the roster with a message."""
    if not request.htmx:
        if error:
            messages.error(request, error)
        elif done:
            messages.success(request, done)
        url = reverse("roster", args=[access.provider.slug])
        room = request.POST.get("classroom_filter", "")
        return redirect(f"{url}?classroom={room}" if room.isdigit() else url)
    today = provider_today(access.provider)
    row = queries.roster_row(access.provider, child_id, today)
    context = {
        "access": access,
        "row": row,
        "error": error,
        "done": done,
        "is_today": True,
        "workable": queries.may_work(access, row),
        "classroom_filter": request.POST.get("classroom_filter", ""),
        **_row_context(access),
    }
    return render(request, "attendance/checkin/_roster_row.html", context)


@provider_view("attendance.edit")
@in_provider_time
@require_POST
def roster_check_in(request: HttpRequest, access: ProviderAccess, child_id: int) -> HttpResponse:
    row = queries.access_roster_child(access, child_id, provider_today(access.provider))
    try:
        presence = services.check_in(
            child=row.child, actor=request.user, method=Method.ROSTER, classroom=row.classroom
        )
    except ValidationError as error:
        return _row_done(request, access, child_id, error=_error_text(error))
    at = timezone.localtime(presence.check_in)
    return _row_done(request, access, child_id, done=f"{row.child} checked in at {at:%-I:%M %p}.")


@provider_view("attendance.edit")
@in_provider_time
@require_POST
def roster_check_out(request: HttpRequest, access: ProviderAccess, child_id: int) -> HttpResponse:
    row = queries.access_roster_child(access, child_id, provider_today(access.provider))
    form = PickupForm(request.POST, names=queries.pickup_names(row.child))
    if not form.is_valid():
        return _row_done(request, access, child_id, error=_form_error_text(form))
    try:
        presence = services.check_out(
            child=row.child,
            actor=request.user,
            method=Method.ROSTER,
            picked_up_by=form.picked_up_by(),
        )
    except ValidationError as error:
        return _row_done(request, access, child_id, error=_error_text(error))
    at = timezone.localtime(presence.check_out)
    done = f"{row.child} checked out at {at:%-I:%M %p} to {presence.picked_up_by}."
    return _row_done(request, access, child_id, done=done)


@provider_view("attendance.edit")
@in_provider_time
@require_POST
def roster_absent(request: HttpRequest, access: ProviderAccess, child_id: int) -> HttpResponse:
    today = provider_today(access.provider)
    row = queries.access_roster_child(access, child_id, today)
    form = AbsenceForm(request.POST)
    if not form.is_valid():
        return _row_done(request, access, child_id, error="Choose a reason for the absence.")
    try:
        absence = services.record_absence(
            child=row.child,
            day=today,
            reason=form.cleaned_data["reason"],
            note=form.cleaned_data["note"],
            actor=request.user,
        )
    except ValidationError as error:
        return _row_done(request, access, child_id, error=_error_text(error))
    done = f"{row.child} marked absent ({absence.get_reason_display().lower()})."
    return _row_done(request, access, child_id, done=done)


@provider_view("attendance.edit")
@in_provider_time
@require_POST
def roster_move(request: HttpRequest, access: ProviderAccess, child_id: int) -> HttpResponse:
    row = queries.access_roster_child(access, child_id, provider_today(access.provider))
    form = MoveForm(request.POST, provider=access.provider)
    if not form.is_valid():
        return _row_done(request, access, child_id, error="Choose a classroom to move to.")
    room = form.cleaned_data["classroom"]
    try:
        services.move_child_to_classroom(child=row.child, classroom=room, actor=request.user)
    except ValidationError as error:
        return _row_done(request, access, child_id, error=_error_text(error))
    return _row_done(request, access, child_id, done=f"{row.child} moved to {room.name}.")


# --- Corrections ----------------------------------------------------------------------------


# What the history on the correction page shows of each change; ids of related rows say
# nothing to a reader, and the reason names a move between rooms.
HISTORY_FIELDS = {
    "check in": "Check-in",
    "check out": "Check-out",
    "picked up by": "Picked up by",
    "signature": "Signature",
    "check in method": "Checked in with",
    "check out method": "Checked out with",
}
ACTION_LABELS = {"created": "Recorded", "updated": "Changed", "deleted": "Deleted"}


def _shown_value(value: str) -> str:
    moment = parse_datetime(value) if value else None
    if moment is not None:
        return f"{timezone.localtime(moment):%a %b %-d, %-I:%M %p}"
    return dict(Method.choices).get(value, value)


def _history_entries(events) -> list[dict]:
    entries = []
    for event in events:
        changes = [
            (HISTORY_FIELDS[name], _shown_value(old), _shown_value(new))
            for name, (old, new) in event.changes.items()
            if name in HISTORY_FIELDS
        ]
        entries.append(
            {
                "action": event.action,
                "label": ACTION_LABELS.get(event.action, event.action),
                "at": event.at,
                "who": event.actor_label,
                "changes": changes,
                "reason": event.reason,
            }
        )
    return entries


@provider_view("attendance.correct")
@in_provider_time
@require_http_methods(["GET", "POST"])
def presence_correct(
    request: HttpRequest, access: ProviderAccess, presence_id: int
) -> HttpResponse:
    presence = queries.access_presence(access, presence_id)
    initial = {"check_in": presence.check_in, "check_out": presence.check_out}
    form = CorrectionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.correct_presence(
                presence=presence,
                check_in=data["check_in"],
                check_out=data["check_out"],
                actor=request.user,
                reason=data["reason"],
            )
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            messages.success(request, "Correction saved. The original times stay in the history.")
            return redirect("presence_correct", access.provider.slug, presence.pk)
    context = {
        "access": access,
        "presence": presence,
        "form": form,
        "history": _history_entries(queries.presence_history(presence)),
    }
    return render(request, "attendance/checkin/correct.html", context)


@provider_view("attendance.correct")
@in_provider_time
@require_http_methods(["GET", "POST"])
def presence_add(request: HttpRequest, access: ProviderAccess, child_id: int) -> HttpResponse:
    today = provider_today(access.provider)
    child = queries.access_roster_child(access, child_id, today).child
    day = _roster_day(request, today)
    form = MissedPairForm(request.POST or None, initial={"day": day})
    if request.method == "POST" and form.is_valid():
        check_in, check_out = form.moments(access.provider.tz)
        try:
            presence = services.add_missed_presence(
                child=child,
                check_in=check_in,
                check_out=check_out,
                actor=request.user,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            messages.success(
                request,
                f"Added {child.first_name}'s missed pair on {presence.service_date:%b %-d}.",
            )
            return redirect("presence_correct", access.provider.slug, presence.pk)
    return render(
        request,
        "attendance/checkin/add_pair.html",
        {"access": access, "child": child, "form": form},
    )


# --- Closures -------------------------------------------------------------------------------


@provider_view("closures.edit")
@in_provider_time
@require_http_methods(["GET", "POST"])
def closure_list(request: HttpRequest, access: ProviderAccess) -> HttpResponse:
    today = provider_today(access.provider)
    form = ClosureForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        day = form.cleaned_data["day"]
        try:
            services.record_closure(
                provider=access.provider,
                day=day,
                reason=form.cleaned_data["reason"],
                actor=request.user,
            )
        except ValidationError:
            form.add_error("day", f"{access.provider} is already closed on {day:%b %-d, %Y}.")
        else:
            messages.success(request, f"Closed on {day:%A, %b %-d, %Y}. No check-ins that day.")
            return redirect("closures", access.provider.slug)
    context = {
        "access": access,
        "form": form,
        "closures": queries.recent_closures(access.provider, today),
        "today": today,
    }
    return render(request, "attendance/checkin/closures.html", context)


# --- Guardian's phone -----------------------------------------------------------------------


def _my_page(request, access, *, bound: tuple[int, AbsenceAheadForm] | None = None, status=200):
    today = provider_today(access.provider)
    rows = queries.own_children_days(access, today)
    cards = []
    for row in rows:
        if bound and bound[0] == row.child.pk:
            form = bound[1]
        else:
            form = AbsenceAheadForm(prefix=f"c{row.child.pk}", today=today, initial={"day": today})
        cards.append((row, form))
    context = {
        "access": access,
        "cards": cards,
        "today": today,
        "absences": queries.upcoming_absences(access, [row.child for row in rows], today),
        "closures": queries.closures(access.provider, today).order_by("service_date")[:5],
        "open_absence_form": bound[0] if bound else None,
    }
    return render(request, "attendance/checkin/my_attendance.html", context, status=status)


@provider_view("attendance.own_children")
@in_provider_time
@require_GET
def my_attendance(request: HttpRequest, access: ProviderAccess) -> HttpResponse:
    """The guardian's phone: check their own children in and out, report absences ahead."""
    return _my_page(request, access)


@provider_view()  # the child's lookup answers 404 first, then the role is checked
@in_provider_time
@require_POST
def my_check_in(request: HttpRequest, access: ProviderAccess, child_id: int) -> HttpResponse:
    child = queries.access_own_child(access, child_id)
    guardian = queries.own_guardian(access, child)
    try:
        presence = services.check_in(
            child=child, actor=request.user, method=Method.PHONE, dropped_off_by=guardian
        )
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        at = timezone.localtime(presence.check_in)
        messages.success(request, f"{child.first_name} checked in at {at:%-I:%M %p}.")
    return redirect("my_attendance", access.provider.slug)


@provider_view()  # the child's lookup answers 404 first, then the role is checked
@in_provider_time
@require_POST
def my_check_out(request: HttpRequest, access: ProviderAccess, child_id: int) -> HttpResponse:
    child = queries.access_own_child(access, child_id)
    guardian = queries.own_guardian(access, child)
    try:
        presence = services.check_out(
            child=child, actor=request.user, method=Method.PHONE, picked_up_by=str(guardian)
        )
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        at = timezone.localtime(presence.check_out)
        messages.success(request, f"{child.first_name} checked out at {at:%-I:%M %p}.")
    return redirect("my_attendance", access.provider.slug)


@provider_view()  # the child's lookup answers 404 first, then the role is checked
@in_provider_time
@require_POST
def my_absence(request: HttpRequest, access: ProviderAccess, child_id: int) -> HttpResponse:
    child = queries.access_own_child(access, child_id)
    today = provider_today(access.provider)
    form = AbsenceAheadForm(request.POST, prefix=f"c{child.pk}", today=today)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.record_absence(
                child=child,
                day=data["day"],
                reason=data["reason"],
                note=data["note"],
                actor=request.user,
            )
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            messages.success(
                request,
                f"Thank you. {child.first_name} is expected away on {data['day']:%A, %b %-d}.",
            )
            return redirect("my_attendance", access.provider.slug)
    return _my_page(request, access, bound=(child.pk, form), status=400)


# --- Kiosk PINs and QR cards ----------------------------------------------------------------


@provider_view("attendance.kiosk")
@require_GET
def kiosk_cards(request: HttpRequest, access: ProviderAccess) -> HttpResponse:
    """Directors set each guardian's PIN and print the families' QR cards."""
    access.require("families.edit")
    guardians = list(queries.kiosk_guardians(access.provider))
    context = {
        "access": access,
        "guardians": guardians,
        "carded": [guardian for guardian in guardians if guardian.has_pin],
    }
    return render(request, "attendance/checkin/kiosk_cards.html", context)


@provider_view("attendance.kiosk")
@require_http_methods(["GET", "POST"])
def guardian_pin(request: HttpRequest, access: ProviderAccess, guardian_id: int) -> HttpResponse:
    guardian = queries.access_kiosk_guardian(access, guardian_id)
    form = KioskPinSetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.set_kiosk_pin(
                guardian=guardian, pin=form.cleaned_data["pin"], actor=request.user
            )
        except ValidationError as error:
            form.add_error("pin", error.messages)
        else:
            messages.success(request, f"Kiosk PIN set for {guardian}. Their QR card is new too.")
            return redirect("kiosk_cards", access.provider.slug)
    return render(
        request,
        "attendance/checkin/pin_form.html",
        {"access": access, "guardian": guardian, "form": form},
    )


@provider_view("attendance.kiosk")
@require_GET
def guardian_qr(request: HttpRequest, access: ProviderAccess, guardian_id: int) -> HttpResponse:
    """The QR card's image: the kiosk's address with the guardian's signed code."""
    guardian = queries.access_kiosk_guardian(access, guardian_id)
    code = queries.kiosk_card_code(guardian)
    if code is None:
        raise Http404("This guardian has no kiosk PIN yet.")
    kiosk_url = request.build_absolute_uri(reverse("kiosk", args=[access.provider.slug]))
    image = qrcode.make(
        f"{kiosk_url}?{urlencode({'code': code})}",
        image_factory=qrcode.image.svg.SvgPathImage,
        box_size=8,
        border=2,
    )
    return HttpResponse(image.to_string(encoding="unicode"), content_type="image/svg+xml")
