"""Staff time (clock in and out, moves between rooms, breaks, schedules, timesheets), the live
ratio board and the attendance reports, under /p/<provider>/. Views read through
attendance.reports and attendance.ratios and write through attendance.services."""

import calendar
from datetime import date, datetime
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_http_methods, require_POST

from ccms.attendance import reports, services
from ccms.attendance.forms_staff import (
    ClockInForm,
    DayForm,
    MonthForm,
    MoveForm,
    PeriodForm,
    StaffScheduleForm,
    TimesheetFilterForm,
    last_days,
)
from ccms.attendance.models import StaffSchedule, StaffShift
from ccms.attendance.ratios import ratio_board, staffed_capacity_from_schedules, status_text
from ccms.core.access import ProviderAccess
from ccms.core.dates import provider_today
from ccms.core.decorators import provider_view
from ccms.tenancy.models import Classroom

# The ratio board refreshes itself this often; `?every=N` changes it, never below the floor.
RATIO_POLL_SECONDS = 15
RATIO_POLL_FLOOR = 2
RATIO_POLL_CEILING = 300
STATUS_ORDER = {"out": 0, "warn": 1, "ok": 2}
TIMESHEET_DAYS = 14
LATE_PICKUP_DAYS = 14


def _require_any(access: ProviderAccess, *permissions: str) -> None:
    if not any(access.can(p) for p in permissions):
        raise PermissionDenied(f"Your role ({access.role.label}) may not do this here.")


def _errors(error: ValidationError) -> str:
    return " ".join(error.messages)


def _local(access: ProviderAccess, moment: datetime) -> datetime:
    return timezone.localtime(moment, access.provider.tz)


def _csv(text: str, filename: str) -> HttpResponse:
    response = HttpResponse(text, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _csv_refused(form) -> HttpResponse:
    """A download with a bad period says so instead of quietly exporting another one."""
    errors = " ".join(e for errors in form.errors.values() for e in errors)
    return HttpResponse(errors, status=400, content_type="text/plain; charset=utf-8")


def _report_classrooms(access: ProviderAccess):
    """Staff report on their own classrooms; every other role on all of the provider's."""
    rooms = Classroom.objects.filter(provider=access.provider).order_by("min_age_months", "name")
    if not access.sees_whole_provider:
        rooms = rooms.filter(pk__in=access.classroom_ids)
    return rooms


def _schedule(access: ProviderAccess, schedule_id: int) -> StaffSchedule:
    schedule = get_object_or_404(
        StaffSchedule.objects.select_related("user", "classroom"),
        pk=schedule_id,
        provider=access.provider,
    )
    schedule.day_name = _day_name(schedule)
    return schedule


def _day_name(schedule: StaffSchedule) -> str:
    return calendar.day_name[schedule.weekday] if schedule.weekday < 7 else str(schedule.weekday)


# Staff time ---------------------------------------------------------------------------------


def _open_shift(access: ProviderAccess) -> StaffShift | None:
    return (
        StaffShift.objects.filter(
            provider=access.provider, user=access.user, clock_out__isnull=True
        )
        .select_related("classroom")
        .prefetch_related("breaks")
        .first()
    )


def _default_classroom(access: ProviderAccess) -> int | None:
    """Where the user is scheduled right now, else their first assigned classroom."""
    now = _local(access, timezone.now())
    scheduled = StaffSchedule.objects.filter(
        provider=access.provider,
        user=access.user,
        weekday=now.weekday(),
        start__lte=now.time(),
        end__gt=now.time(),
    ).first()
    if scheduled is not None:
        return scheduled.classroom_id
    own = _report_classrooms(access).filter(pk__in=access.classroom_ids).first()
    return own.pk if own else None


def _warn_if_out_of_ratio(request: HttpRequest, access: ProviderAccess, classroom_id) -> None:
    """Leaving a room can put it out of ratio: say so at once, not only on the board."""
    if classroom_id is None:
        return
    room = next((r for r in ratio_board(access.provider) if r.classroom.pk == classroom_id), None)
    if room is not None and room.status == "out":
        children = len(room.children)
        messages.warning(
            request,
            f"{room.classroom.name} is now out of ratio: it needs "
            f"{room.required - len(room.staff)} more staff for {children} "
            f"{'child' if children == 1 else 'children'}.",
        )


@provider_view()
def staff_time(request: HttpRequest, access: ProviderAccess) -> HttpResponse:
    _require_any(access, "staff_time.clock", "staff_time.manage")
    provider = access.provider
    today = provider_today(provider)
    # Today's shifts, and any still open from an earlier day (a night shift, a forgotten clock-out).
    shifts = (
        StaffShift.objects.filter(provider=provider)
        .filter(Q(service_date=today) | Q(clock_out__isnull=True))
        .select_related("user", "classroom")
        .prefetch_related("breaks")
    )
    if not access.can("staff_time.manage"):
        shifts = shifts.filter(user=access.user)
    lines = [reports.shift_line(shift) for shift in shifts]
    context = {
        "access": access,
        "today": today,
        "lines": lines,
        "everyone": access.can("staff_time.manage"),
        "can_clock": access.can("staff_time.clock"),
    }
    if context["can_clock"]:
        current = _open_shift(access)
        own_ids = access.classroom_ids
        context.update(
            current=current,
            on_break=next((b for b in current.breaks.all() if b.end is None), None)
            if current
            else None,
            clock_form=ClockInForm(
                provider=provider,
                own_ids=own_ids,
                initial={"classroom": _default_classroom(access)},
            ),
            move_form=MoveForm(
                provider=provider,
                own_ids=own_ids,
                exclude=current.classroom_id if current else None,
            ),
        )
    return render(request, "attendance/staff/time.html", context)


@provider_view("staff_time.clock")
@require_POST
def staff_clock_in(request: HttpRequest, access: ProviderAccess) -> HttpResponse:
    form = ClockInForm(request.POST, provider=access.provider)
    if not form.is_valid():
        messages.error(request, "Choose one of this provider's classrooms.")
        return redirect("staff_time", access.provider.slug)
    try:
        shift = services.clock_in(
            provider=access.provider, user=request.user, classroom=form.cleaned_data["classroom"]
        )
    except ValidationError as error:
        messages.error(request, _errors(error))
    else:
        where = f" in {shift.classroom.name}" if shift.classroom else ""
        messages.success(request, f"Clocked in{where} at {_local(access, shift.clock_in):%H:%M}.")
    return redirect("staff_time", access.provider.slug)


@provider_view("staff_time.clock")
@require_POST
def staff_move(request: HttpRequest, access: ProviderAccess) -> HttpResponse:
    current = _open_shift(access)
    form = MoveForm(request.POST, provider=access.provider)
    if not form.is_valid():
        messages.error(request, "Choose the classroom you are moving to.")
        return redirect("staff_time", access.provider.slug)
    room = form.cleaned_data["classroom"]
    try:
        services.move_shift(provider=access.provider, user=request.user, classroom=room)
    except ValidationError as error:
        messages.error(request, _errors(error))
    else:
        messages.success(request, f"You are now in {room.name}.")
        _warn_if_out_of_ratio(request, access, current.classroom_id if current else None)
    return redirect("staff_time", access.provider.slug)


@provider_view("staff_time.clock")
@require_POST
def staff_break_start(request: HttpRequest, access: ProviderAccess) -> HttpResponse:
    current = _open_shift(access)
    try:
        brk = services.start_break(provider=access.provider, user=request.user)
    except ValidationError as error:
        messages.error(request, _errors(error))
    else:
        messages.success(request, f"Break started at {_local(access, brk.start):%H:%M}.")
        _warn_if_out_of_ratio(request, access, current.classroom_id if current else None)
    return redirect("staff_time", access.provider.slug)


@provider_view("staff_time.clock")
@require_POST
def staff_break_end(request: HttpRequest, access: ProviderAccess) -> HttpResponse:
    try:
        brk = services.end_break(provider=access.provider, user=request.user)
    except ValidationError as error:
        messages.error(request, _errors(error))
    else:
        minutes = reports.whole_minutes(brk.end - brk.start)
        messages.success(request, f"Welcome back: a {minutes}-minute break.")
    return redirect("staff_time", access.provider.slug)


@provider_view("staff_time.clock")
@require_POST
def staff_clock_out(request: HttpRequest, access: ProviderAccess) -> HttpResponse:
    try:
        shift = services.clock_out(provider=access.provider, user=request.user)
    except ValidationError as error:
        messages.error(request, _errors(error))
    else:
        worked = reports.shift_line(shift).worked_hours
        messages.success(
            request,
            f"Clocked out at {_local(access, shift.clock_out):%H:%M}: {worked} hours this shift.",
        )
        _warn_if_out_of_ratio(request, access, shift.classroom_id)
    return redirect("staff_time", access.provider.slug)


# Staff schedules ----------------------------------------------------------------------------


def _save_schedule(request, access, form, schedule=None) -> bool:
    try:
        services.save_staff_schedule(
            provider=access.provider, actor=request.user, schedule=schedule, **form.cleaned_data
        )
    except ValidationError as error:
        form.add_error(None, error.messages)
        return False
    return True


@provider_view("staff_time.manage")
@require_http_methods(["GET", "POST"])
def staff_schedules(request: HttpRequest, access: ProviderAccess) -> HttpResponse:
    form = StaffScheduleForm(request.POST or None, provider=access.provider)
    if request.method == "POST" and form.is_valid() and _save_schedule(request, access, form):
        messages.success(request, "Schedule added.")
        return redirect("staff_schedules", access.provider.slug)
    schedules = list(
        StaffSchedule.objects.filter(provider=access.provider)
        .select_related("user", "classroom")
        .order_by("user__last_name", "user__first_name", "user__email", "weekday", "start")
    )
    for block in schedules:
        block.day_name = _day_name(block)
    rooms = Classroom.objects.filter(provider=access.provider).order_by("min_age_months", "name")
    from_schedules = staffed_capacity_from_schedules(access.provider)
    capacity = [(room, from_schedules.get(room.pk)) for room in rooms]
    context = {"access": access, "form": form, "schedules": schedules, "capacity": capacity}
    return render(request, "attendance/staff/schedules.html", context)


@provider_view("staff_time.manage")
@require_http_methods(["GET", "POST"])
def staff_schedule_edit(request: HttpRequest, access: ProviderAccess, schedule_id: int):
    schedule = _schedule(access, schedule_id)
    initial = {
        "user": schedule.user,
        "classroom": schedule.classroom,
        "weekday": schedule.weekday,
        "start": schedule.start,
        "end": schedule.end,
    }
    form = StaffScheduleForm(request.POST or None, provider=access.provider, initial=initial)
    if (
        request.method == "POST"
        and form.is_valid()
        and _save_schedule(request, access, form, schedule)
    ):
        messages.success(request, "Schedule saved.")
        return redirect("staff_schedules", access.provider.slug)
    context = {"access": access, "form": form, "schedule": schedule}
    return render(request, "attendance/staff/schedule_form.html", context)


@provider_view("staff_time.manage")
@require_POST
def staff_schedule_delete(request: HttpRequest, access: ProviderAccess, schedule_id: int):
    schedule = _schedule(access, schedule_id)
    services.delete_staff_schedule(schedule=schedule, actor=request.user)
    messages.success(
        request,
        f"Removed {schedule.user}'s {schedule.day_name} block in {schedule.classroom.name}.",
    )
    return redirect("staff_schedules", access.provider.slug)


# Timesheets ---------------------------------------------------------------------------------


@provider_view()
def timesheet(request: HttpRequest, access: ProviderAccess) -> HttpResponse:
    """Everyone's hours for those who manage staff time; one's own for everyone else."""
    _require_any(access, "staff_time.clock", "staff_time.manage")
    manage = access.can("staff_time.manage")
    start, end = last_days(provider_today(access.provider), TIMESHEET_DAYS)
    form_args = {"default_start": start, "default_end": end}
    if manage:
        form_args["provider"] = access.provider
    form = TimesheetFilterForm(request.GET, **form_args)
    chosen = None
    if form.is_valid():
        start, end = form.cleaned_data["start"], form.cleaned_data["end"]
        chosen = form.cleaned_data.get("staff")
    users = [chosen] if chosen else None if manage else [request.user]
    sheet = reports.timesheet(access.provider, start, end, users)
    query = {"start": start.isoformat(), "end": end.isoformat()}
    if chosen:
        query["staff"] = chosen.pk
    if request.GET.get("format") == "csv":
        if form.errors:
            return _csv_refused(form)
        text = reports.csv_text(reports.TIMESHEET_COLUMNS, reports.timesheet_rows(sheet))
        return _csv(text, f"timesheet-{access.provider.slug}-{start}-{end}.csv")
    context = {
        "access": access,
        "form": form,
        "sheet": sheet,
        "manage": manage,
        "start": start,
        "end": end,
        "chosen": chosen,
        "staff_options": form.fields["staff"].queryset if manage else [],
        "csv_query": urlencode({**query, "format": "csv"}),
    }
    return render(request, "attendance/staff/timesheet.html", context)


# Live ratio board ---------------------------------------------------------------------------


def _poll_seconds(value: str | None) -> int:
    try:
        seconds = int(value) if value else RATIO_POLL_SECONDS
    except ValueError:
        seconds = RATIO_POLL_SECONDS
    return max(RATIO_POLL_FLOOR, min(RATIO_POLL_CEILING, seconds))


@provider_view("ratios.view")
def ratio_board_page(request: HttpRequest, access: ProviderAccess) -> HttpResponse:
    """Every classroom now, out of ratio first. htmx polls this URL for the board alone."""
    rooms = sorted(ratio_board(access.provider), key=lambda r: STATUS_ORDER[r.status])
    cards = [(room, status_text(room)) for room in rooms]
    every = _poll_seconds(request.GET.get("every"))
    context = {
        "access": access,
        "cards": cards,
        "out_rooms": [room for room in rooms if room.status == "out"],
        "warn_rooms": [room for room in rooms if room.status == "warn"],
        "children": sum(len(room.children) for room in rooms),
        "staff": sum(len(room.staff) for room in rooms),
        "updated": _local(access, timezone.now()),
        "every": every,
    }
    template = (
        "attendance/staff/_ratio_board.html"
        if request.htmx
        else "attendance/staff/ratio_board.html"
    )
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


# Reports ------------------------------------------------------------------------------------


@provider_view("attendance.view")
def reports_index(request: HttpRequest, access: ProviderAccess) -> HttpResponse:
    return render(request, "attendance/reports/index.html", {"access": access})


@provider_view("attendance.view")
def report_daily(request: HttpRequest, access: ProviderAccess) -> HttpResponse:
    """The daily attendance sheet of one classroom, or of each in turn: the licensing record."""
    rooms = _report_classrooms(access)
    form = DayForm(request.GET, default=provider_today(access.provider), classrooms=rooms)
    day, chosen = form.default, None
    if form.is_valid():
        day, chosen = form.cleaned_data["date"], form.cleaned_data.get("classroom")
    sheets = reports.daily_sheets(access.provider, day, [chosen] if chosen else list(rooms))
    context = {
        "access": access,
        "form": form,
        "day": day,
        "rooms": rooms,
        "chosen": chosen,
        "sheets": sheets,
    }
    return render(request, "attendance/reports/daily.html", context)


@provider_view("attendance.reports")
def report_monthly(request: HttpRequest, access: ProviderAccess) -> HttpResponse:
    form = MonthForm(request.GET, default=provider_today(access.provider))
    month = form.cleaned_data["month"] if form.is_valid() else form.default.replace(day=1)
    report = reports.monthly_attendance(access.provider, month)
    if request.GET.get("format") == "csv":
        if form.errors:
            return _csv_refused(form)
        text = reports.csv_text(reports.MONTHLY_COLUMNS, reports.monthly_rows(report))
        return _csv(text, f"attendance-{access.provider.slug}-{month:%Y-%m}.csv")
    context = {
        "access": access,
        "form": form,
        "month": month,
        "report": report,
        "csv_query": urlencode({"month": f"{month:%Y-%m}", "format": "csv"}),
    }
    return render(request, "attendance/reports/monthly.html", context)


@provider_view("attendance.reports")
def report_late_pickups(request: HttpRequest, access: ProviderAccess) -> HttpResponse:
    start, end = last_days(provider_today(access.provider), LATE_PICKUP_DAYS)
    form = PeriodForm(request.GET, default_start=start, default_end=end)
    if form.is_valid():
        start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    late = reports.late_pickups(access.provider, start, end)
    context = {
        "access": access,
        "form": form,
        "start": start,
        "end": end,
        "late": late,
        "total_minutes": sum(item.minutes_late for item in late),
        "closing_time": reports.CLOSING_TIME,
    }
    return render(request, "attendance/reports/late_pickups.html", context)


@provider_view("attendance.view")
def report_no_shows(request: HttpRequest, access: ProviderAccess) -> HttpResponse:
    form = DayForm(request.GET, default=provider_today(access.provider))
    day: date = form.cleaned_data["date"] if form.is_valid() else form.default
    room_ids = None if access.sees_whole_provider else access.classroom_ids
    missing, closure = reports.no_shows(access.provider, day, room_ids)
    context = {
        "access": access,
        "form": form,
        "day": day,
        "missing": missing,
        "closure": closure,
        "weekend": not reports.weekday_letter(day),
    }
    return render(request, "attendance/reports/no_shows.html", context)
