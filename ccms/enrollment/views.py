from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from ccms.core.access import ProviderAccess
from ccms.core.dates import provider_today
from ccms.core.decorators import provider_view
from ccms.core.forms import show_validation_error
from ccms.enrollment import queries, services
from ccms.enrollment.forms import EnrollForm, InquiryForm, MoveForm, TransferForm, WithdrawForm
from ccms.enrollment.models import STAGE_MOVES, Enrollment, Inquiry, Stage
from ccms.tenancy.models import Classroom


def _inquiry(access: ProviderAccess, inquiry_id: int) -> Inquiry:
    return get_object_or_404(
        Inquiry.objects.select_related("child", "family", "desired_classroom"),
        pk=inquiry_id,
        provider=access.provider,
    )


def _enrollment(access: ProviderAccess, enrollment_id: int) -> Enrollment:
    return get_object_or_404(
        Enrollment.objects.select_related("child", "classroom"),
        pk=enrollment_id,
        provider=access.provider,
    )


@provider_view("enrollment.view")
def pipeline_board(request: HttpRequest, access: ProviderAccess) -> HttpResponse:
    context = {"access": access, **queries.pipeline(access)}
    return render(request, "enrollment/pipeline.html", context)


@provider_view("enrollment.edit")
@require_http_methods(["GET", "POST"])
def inquiry_create(request: HttpRequest, access: ProviderAccess) -> HttpResponse:
    form = InquiryForm(request.POST or None, provider=access.provider)
    if request.method == "POST" and form.is_valid():
        try:
            inquiry = services.record_inquiry(
                provider=access.provider, actor=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            show_validation_error(form, error)
        else:
            messages.success(request, f"Inquiry for {inquiry.child} recorded.")
            return redirect("inquiry_detail", access.provider.slug, inquiry.pk)
    return render(request, "enrollment/inquiry_form.html", {"access": access, "form": form})


@provider_view("enrollment.view")
def inquiry_detail(request: HttpRequest, access: ProviderAccess, inquiry_id: int) -> HttpResponse:
    inquiry = _inquiry(access, inquiry_id)
    next_stages = [Stage(s) for s in Stage.values if s in STAGE_MOVES[inquiry.stage]]
    context = {
        "access": access,
        "inquiry": inquiry,
        "history": inquiry.stage_changes.select_related("by"),
        "next_stages": [s for s in next_stages if s != Stage.ENROLLED],
        "can_enroll": Stage.ENROLLED in next_stages,
        "move_form": MoveForm(),
        "invite_panel": "enrollment/packet/_invite_panel.html",
    }
    return render(request, "enrollment/inquiry_detail.html", context)


@provider_view("enrollment.edit")
@require_POST
def inquiry_move(request: HttpRequest, access: ProviderAccess, inquiry_id: int) -> HttpResponse:
    inquiry = _inquiry(access, inquiry_id)
    form = MoveForm(request.POST)
    if not form.is_valid():
        messages.error(request, "That move was not understood; please try again.")
        return redirect("inquiry_detail", access.provider.slug, inquiry.pk)
    data = form.cleaned_data
    try:
        services.move_inquiry(
            inquiry=inquiry,
            to_stage=data["to_stage"],
            actor=request.user,
            note=data["note"],
            tour_at=data["tour_at"],
            offer_expires_on=data["offer_expires_on"],
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"{inquiry.child} moved to {Stage(data['to_stage']).label}.")
    return redirect("inquiry_detail", access.provider.slug, inquiry.pk)


@provider_view("enrollment.edit")
@require_http_methods(["GET", "POST"])
def inquiry_enroll(request: HttpRequest, access: ProviderAccess, inquiry_id: int) -> HttpResponse:
    inquiry = _inquiry(access, inquiry_id)
    initial = {
        "classroom": inquiry.desired_classroom,
        "start_date": inquiry.desired_start,
        "days": inquiry.desired_days,
    }
    form = EnrollForm(request.POST or None, provider=access.provider, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.enroll_from_inquiry(inquiry=inquiry, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            show_validation_error(form, error)
        else:
            messages.success(request, f"{inquiry.child} is enrolled.")
            return redirect("enrollment_list", access.provider.slug)
    context = {"access": access, "inquiry": inquiry, "form": form}
    return render(request, "enrollment/enroll_form.html", context)


@provider_view("enrollment.view")
def waitlist(request: HttpRequest, access: ProviderAccess) -> HttpResponse:
    rooms = list(Classroom.objects.filter(provider=access.provider).order_by("min_age_months"))
    room_id = request.GET.get("classroom", "")
    chosen = next((r for r in rooms if str(r.pk) == room_id), None)
    sections = queries.waitlist_by_classroom(access.provider, [chosen] if chosen else rooms)
    rules = [
        queries.PRIORITY_RULES[name][0]
        for name in access.provider.waitlist_priorities
        if name in queries.PRIORITY_RULES
    ]
    context = {
        "access": access,
        "sections": sections,
        "rooms": rooms,
        "chosen": chosen,
        "rules": rules,
    }
    return render(request, "enrollment/waitlist.html", context)


@provider_view("enrollment.view")
def enrollment_list(request: HttpRequest, access: ProviderAccess) -> HttpResponse:
    today = provider_today(access.provider)
    enrollments = (
        Enrollment.objects.filter(provider=access.provider)
        .filter(queries.in_effect(today) | Q(start_date__gt=today))
        .select_related("child", "classroom")
        .order_by("classroom__min_age_months", "classroom__name", "child__last_name")
    )
    context = {"access": access, "enrollments": enrollments, "today": today}
    return render(request, "enrollment/enrollment_list.html", context)


@provider_view("enrollment.view")
def age_outs(request: HttpRequest, access: ProviderAccess) -> HttpResponse:
    days = request.GET.get("days", "90")
    days = int(days) if days in ("30", "60", "90") else 90
    context = {
        "access": access,
        "days": days,
        "age_outs": queries.age_out_forecast(access.provider, days),
    }
    return render(request, "enrollment/age_outs.html", context)


@provider_view("enrollment.edit")
@require_http_methods(["GET", "POST"])
def enrollment_withdraw(
    request: HttpRequest, access: ProviderAccess, enrollment_id: int
) -> HttpResponse:
    enrollment = _enrollment(access, enrollment_id)
    form = WithdrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.withdraw_child(enrollment=enrollment, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            show_validation_error(form, error)
        else:
            messages.success(
                request,
                f"{enrollment.child} leaves after {form.cleaned_data['last_day']:%b %-d, %Y}.",
            )
            return redirect("enrollment_list", access.provider.slug)
    context = {
        "access": access,
        "enrollment": enrollment,
        "form": form,
        "title": f"Withdraw {enrollment.child}",
    }
    return render(request, "enrollment/enrollment_action.html", context)


@provider_view("enrollment.edit")
@require_http_methods(["GET", "POST"])
def enrollment_transfer(
    request: HttpRequest, access: ProviderAccess, enrollment_id: int
) -> HttpResponse:
    enrollment = _enrollment(access, enrollment_id)
    form = TransferForm(
        request.POST or None, provider=access.provider, exclude_classroom=enrollment.classroom
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.transfer_child(enrollment=enrollment, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            show_validation_error(form, error)
        else:
            messages.success(
                request, f"{enrollment.child} moves to {form.cleaned_data['to_classroom']}."
            )
            return redirect("enrollment_list", access.provider.slug)
    context = {
        "access": access,
        "enrollment": enrollment,
        "form": form,
        "title": f"Move {enrollment.child} to another classroom",
    }
    return render(request, "enrollment/enrollment_action.html", context)


@provider_view("vacancies.view")
@require_http_methods(["GET", "POST"])
def vacancies(request: HttpRequest, access: ProviderAccess) -> HttpResponse:
    report = queries.vacancy_report(access.provider)
    if request.method == "POST":
        access.require("enrollment.edit")
        services.confirm_vacancies(
            provider=access.provider, actor=request.user, figures=queries.vacancy_figures(report)
        )
        messages.success(request, "Vacancies confirmed. The state feed shows them as current.")
        return redirect("vacancies", access.provider.slug)
    weekly = report.vacancies_by_week
    top = max([v for v in weekly if v > 0], default=1)
    forecast = [
        ({"day": day, "height": int(max(v, 0) * 100 / top)}, v)
        for day, v in zip(report.weeks, weekly, strict=True)
    ]
    context = {"access": access, "report": report, "forecast": forecast}
    return render(request, "enrollment/vacancies.html", context)
