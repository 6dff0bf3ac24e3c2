"""CCA pages: a provider's billing periods (units, errors, the feed, submission, recall and
reconciliation), authorizations and settings; and the hub's subsidy work queue. Views parse
input, call subsidy.services or read subsidy.queries, and render."""

from __future__ import annotations

from datetime import date, timedelta
from functools import wraps

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ccms.core.access import AllianceAccess, ProviderAccess, accessible_providers
from ccms.core.dates import provider_today
from ccms.core.decorators import alliance_view, provider_view
from ccms.core.forms import show_validation_error
from ccms.families.models import Child
from ccms.subsidy import feed as feeds
from ccms.subsidy import overview, queries, services
from ccms.subsidy.forms import (
    AuthorizationForm,
    CcaSettingsForm,
    PaymentFileForm,
    PaymentsForm,
    RecallForm,
    TransportForm,
    UploadedForm,
)
from ccms.subsidy.models import PaymentSource, TransmissionStatus, TransportMethod
from ccms.subsidy.periods import Period, following, parse_period, period_containing, preceding
from ccms.subsidy.reconcile import reconcile
from ccms.tenancy.models import Role

HOME_PERIODS = 6


def in_provider_time(view):
    """Show and parse times in the provider's time zone."""

    @wraps(view)
    def wrapper(request, access: ProviderAccess, *args, **kwargs):
        with timezone.override(access.provider.tz):
            return view(request, access, *args, **kwargs)

    return wrapper


def _period(access: ProviderAccess, text: str) -> Period:
    """The period named in the URL. A day inside a period (not its first) is sent to the
    period's own address by the caller; anything that is not a date is not found."""
    try:
        return parse_period(access.provider, text)
    except ValidationError:
        try:
            day = date.fromisoformat(text)
        except ValueError:
            raise Http404("No such billing period.") from None
        raise _Elsewhere(period_containing(access.provider, day)) from None


class _Elsewhere(Exception):
    def __init__(self, period: Period):
        self.period = period


def period_view(view):
    """Resolve the period in the URL; a day inside a period redirects to the period."""

    @wraps(view)
    def wrapper(request, access: ProviderAccess, period: str, *args, **kwargs):
        try:
            found = _period(access, period)
        except _Elsewhere as moved:
            return redirect("cca_period", access.provider.slug, moved.period.slug)
        return view(request, access, found, *args, **kwargs)

    return wrapper


def _error_text(error: ValidationError) -> str:
    return " ".join(error.messages)


# Home and periods ---------------------------------------------------------------------------


@provider_view("subsidy.view")
@in_provider_time
@require_GET
def cca_home(request: HttpRequest, access: ProviderAccess) -> HttpResponse:
    provider = access.provider
    today = provider_today(provider)
    statuses = overview.period_statuses(provider, today=today, count=HOME_PERIODS)
    current = statuses[0].result
    rows = queries.authorization_rows(provider, today, current)
    context = {
        "access": access,
        "today": today,
        "statuses": statuses,
        "warnings": [row for row in rows if row.warnings],
        "authorization_count": sum(1 for row in rows if row.status == "current"),
        "settings": queries.settings_on(provider, today),
        "transport": queries.transport_of(provider),
    }
    return render(request, "subsidy/home.html", context)


@provider_view("subsidy.view")
@in_provider_time
@period_view
@require_GET
def period_page(request: HttpRequest, access: ProviderAccess, period: Period) -> HttpResponse:
    provider = access.provider
    today = provider_today(provider)
    result, unavailable = None, ""
    try:
        result = queries.period_result(provider, period, today=today)
    except ValidationError as error:
        unavailable = _error_text(error)
    submissions = queries.submissions_of(provider, period)
    live = next((s for s in submissions if s.is_live), None)
    names = overview.child_names(result)
    issues = []
    if result is not None:
        for issue in [*result.problems, *result.errors]:
            url, label = overview.fix_link(provider, issue)
            blocking = getattr(issue, "blocking", True)
            issues.append(
                {
                    "text": overview.issue_text(issue, names),
                    "code": issue.code,
                    "url": url,
                    "label": label,
                    "blocking": blocking,
                }
            )
    in_force = queries.settings_on(provider, period.start)
    context = {
        "access": access,
        "period": period,
        "previous": preceding(provider, period),
        "next": following(provider, period),
        "today": today,
        "ended": period.end < today,
        "submit_from": period.end + timedelta(days=1),
        "result": result,
        "unavailable": unavailable,
        "issues": issues,
        "blocking_count": sum(1 for i in issues if i["blocking"]),
        "submissions": submissions,
        "live": live,
        "settings": in_force,
        "reconciliation": reconcile(provider, period, today=today) if submissions else None,
        "recall_form": RecallForm(),
        "uploaded_form": UploadedForm(),
        "over_allowance": in_force.absence_allowance_per_month,
        "csv_pairs": feeds.CSV_PAIRS,
    }
    return render(request, "subsidy/period.html", context)


@provider_view("subsidy.view")
@in_provider_time
@period_view
@require_GET
def period_feed(request: HttpRequest, access: ProviderAccess, period: Period) -> HttpResponse:
    """The feed as JSON or CSV: as submitted when the period is submitted, else a draft of the
    attendance as it stands."""
    fmt = request.GET.get("format", "json")
    if fmt not in feeds.FORMATS:
        raise Http404("The feed comes as format=json or format=csv.")
    live = queries.live_submission(access.provider, period)
    if live is not None:
        data = live.feed
    else:
        try:
            result = queries.period_result(access.provider, period)
        except ValidationError as error:
            messages.error(request, _error_text(error))
            return redirect("cca_period", access.provider.slug, period.slug)
        data = feeds.feed_json(result)
    response = HttpResponse(feeds.render(data, fmt), content_type=feeds.CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{feeds.filename(data, fmt)}"'
    return response


@provider_view("subsidy.submit")
@in_provider_time
@period_view
@require_POST
def period_submit(request: HttpRequest, access: ProviderAccess, period: Period) -> HttpResponse:
    try:
        submission = services.submit_and_transmit(
            provider=access.provider, period=period, actor=request.user
        )
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        status = TransmissionStatus(submission.transmission_status)
        if status in (TransmissionStatus.FAILED, TransmissionStatus.REJECTED):
            messages.warning(
                request,
                f"Submission {submission.number} is recorded, but {status.label.lower()}: "
                f"{submission.last_error}",
            )
        else:
            messages.success(
                request,
                f"Period {period.label} submitted (submission {submission.number}). "
                f"{status.label}.",
            )
    return redirect("cca_period", access.provider.slug, period.slug)


@provider_view("subsidy.submit")
@in_provider_time
@period_view
@require_http_methods(["GET", "POST"])
def period_recall(request: HttpRequest, access: ProviderAccess, period: Period) -> HttpResponse:
    live = queries.live_submission(access.provider, period)
    if live is None:
        messages.info(request, f"The period {period.label} is not submitted; nothing to recall.")
        return redirect("cca_period", access.provider.slug, period.slug)
    form = RecallForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.recall_submission(
                submission=live, actor=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            messages.success(
                request,
                f"Submission {live.number} recalled. Correct the attendance, then submit the "
                f"period again as submission {live.number + 1}.",
            )
            return redirect("cca_period", access.provider.slug, period.slug)
    context = {"access": access, "period": period, "submission": live, "form": form}
    return render(request, "subsidy/recall.html", context)


@provider_view("subsidy.submit")
@in_provider_time
@period_view
@require_POST
def period_transmit(request: HttpRequest, access: ProviderAccess, period: Period) -> HttpResponse:
    """Send a submission again (HTTP), or record its upload to the portal (file)."""
    live = queries.live_submission(access.provider, period)
    if live is None:
        messages.error(request, f"The period {period.label} is not submitted.")
        return redirect("cca_period", access.provider.slug, period.slug)
    try:
        if live.transport == TransportMethod.FILE:
            form = UploadedForm(request.POST)
            reference = form.cleaned_data["reference"] if form.is_valid() else ""
            services.record_upload(submission=live, actor=request.user, reference=reference)
            messages.success(request, "Recorded: the feed is uploaded to KinderTrack.")
        else:
            services.queue_transmission(submission=live, actor=request.user)
            live.refresh_from_db()
            if live.transmission_status == TransmissionStatus.ACKNOWLEDGED:
                messages.success(request, "KinderTrack acknowledged the submission.")
            elif live.transmission_status in (
                TransmissionStatus.FAILED,
                TransmissionStatus.REJECTED,
            ):
                messages.warning(request, f"Not delivered: {live.last_error}")
            else:
                messages.info(request, "Sending to KinderTrack; this page shows the answer.")
    except ValidationError as error:
        messages.error(request, _error_text(error))
    return redirect("cca_period", access.provider.slug, period.slug)


@provider_view("subsidy.view")
@in_provider_time
@period_view
@require_http_methods(["GET", "POST"])
def period_reconcile(request: HttpRequest, access: ProviderAccess, period: Period) -> HttpResponse:
    provider = access.provider
    today = provider_today(provider)
    rec = reconcile(provider, period, today=today)
    billed = [(row.child, row.billed) for row in rec.rows if row.billed is not None]
    action = request.POST.get("action") if request.method == "POST" else None
    if action:
        access.require("subsidy.edit")
    form = PaymentsForm(
        request.POST if action == "enter" else None,
        children=billed,
        today=today,
        initial={"paid_on": today},
    )
    upload = PaymentFileForm(
        request.POST if action == "import" else None,
        request.FILES if action == "import" else None,
        today=today,
        initial={"paid_on": today},
    )
    file_errors: list[str] = []
    if action == "enter" and form.is_valid():
        lines = [services.PaymentLine(child, amount) for child, amount in form.amounts()]
        try:
            services.record_state_payments(
                provider=provider,
                period=period,
                lines=lines,
                paid_on=form.cleaned_data["paid_on"],
                reference=form.cleaned_data["reference"],
                actor=request.user,
            )
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            messages.success(request, f"State payment recorded for {len(lines)} children.")
            return redirect("cca_reconcile", provider.slug, period.slug)
    if action == "import" and upload.is_valid():
        try:
            lines = services.parse_state_payments(
                provider=provider, data=upload.cleaned_data["file"].read()
            )
            services.record_state_payments(
                provider=provider,
                period=period,
                lines=lines,
                paid_on=upload.cleaned_data["paid_on"],
                reference=upload.cleaned_data["reference"],
                actor=request.user,
                source=PaymentSource.IMPORT,
            )
        except ValidationError as error:
            file_errors = error.messages
        else:
            messages.success(request, f"Imported the state's payment for {len(lines)} children.")
            return redirect("cca_reconcile", provider.slug, period.slug)
    context = {
        "access": access,
        "period": period,
        "rec": rec,
        "form": form,
        "upload": upload,
        "file_errors": file_errors,
        "payments": queries.payments_of(provider, period),
        "today": today,
    }
    status = 400 if (action and (form.errors or upload.errors or file_errors)) else 200
    return render(request, "subsidy/reconcile.html", context, status=status)


# Authorizations -----------------------------------------------------------------------------


@provider_view("subsidy.view")
@in_provider_time
@require_GET
def authorization_list(request: HttpRequest, access: ProviderAccess) -> HttpResponse:
    provider = access.provider
    today = provider_today(provider)
    try:
        current = queries.period_result(provider, period_containing(provider, today), today=today)
    except ValidationError:
        current = None
    rows = queries.authorization_rows(provider, today, current)
    show = request.GET.get("show", "current")
    if show != "all":
        rows = [row for row in rows if row.status != "ended"]
    context = {"access": access, "rows": rows, "show": show, "today": today}
    return render(request, "subsidy/authorizations.html", context)


@provider_view("subsidy.edit")
@in_provider_time
@require_http_methods(["GET", "POST"])
def authorization_create(request: HttpRequest, access: ProviderAccess) -> HttpResponse:
    initial = {}
    child_id = request.GET.get("child", "")
    if child_id.isdigit():
        child = Child.objects.filter(provider=access.provider, pk=int(child_id)).first()
        if child is not None:
            initial = {"child": child, "special_needs": child.special_needs}
    form = AuthorizationForm(
        request.POST or None, initial=initial, provider=access.provider, editing=False
    )
    if request.method == "POST" and form.is_valid():
        try:
            authorization = services.save_authorization(
                provider=access.provider, actor=request.user, data=form.cleaned_data
            )
        except ValidationError as error:
            show_validation_error(form, error)
        else:
            messages.success(request, f"Authorization added for {authorization.child}.")
            return redirect("cca_authorizations", access.provider.slug)
    context = {"access": access, "form": form, "authorization": None}
    return render(request, "subsidy/authorization_form.html", context)


@provider_view("subsidy.edit")
@in_provider_time
@require_http_methods(["GET", "POST"])
def authorization_edit(
    request: HttpRequest, access: ProviderAccess, authorization_id: int
) -> HttpResponse:
    authorization = queries.access_authorization(access, authorization_id)
    form = AuthorizationForm(
        request.POST or None, instance=authorization, provider=access.provider, editing=True
    )
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k not in ("child", "reason")}
        try:
            # The form wrote the new values on the instance; the service compares with the
            # stored row.
            stored = queries.access_authorization(access, authorization_id)
            services.save_authorization(
                provider=access.provider,
                actor=request.user,
                data=data,
                authorization=stored,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            show_validation_error(form, error)
        else:
            messages.success(request, f"Authorization of {stored.child} saved.")
            return redirect("cca_authorizations", access.provider.slug)
    context = {"access": access, "form": form, "authorization": authorization}
    return render(request, "subsidy/authorization_form.html", context)


# Settings -----------------------------------------------------------------------------------


@provider_view("subsidy.view")
@in_provider_time
@require_http_methods(["GET", "POST"])
def cca_settings(request: HttpRequest, access: ProviderAccess) -> HttpResponse:
    provider = access.provider
    today = provider_today(provider)
    in_force = queries.settings_on(provider, today)
    transport = queries.transport_of(provider)
    action = request.POST.get("action") if request.method == "POST" else None
    if action:
        access.require("subsidy.edit")
    settings_form = CcaSettingsForm(
        request.POST if action == "settings" else None,
        initial={
            "effective_from": following(provider, period_containing(provider, today)).start,
            "max_units_per_day": in_force.max_units_per_day,
            "absence_allowance_per_month": in_force.absence_allowance_per_month,
        },
    )
    transport_form = TransportForm(
        request.POST if action == "transport" else None,
        initial={
            "method": transport.method,
            "endpoint_url": transport.endpoint_url,
            "token_url": transport.token_url,
            "client_id": transport.client_id,
        },
    )
    if action == "settings" and settings_form.is_valid():
        data = settings_form.cleaned_data
        try:
            services.save_cca_settings(provider=provider, actor=request.user, **data)
        except ValidationError as error:
            show_validation_error(settings_form, error)
        else:
            messages.success(
                request, f"CCA settings saved, in force from {data['effective_from']:%b %-d, %Y}."
            )
            return redirect("cca_settings", provider.slug)
    if action == "transport" and transport_form.is_valid():
        data = transport_form.cleaned_data
        try:
            services.save_transport(
                provider=provider,
                actor=request.user,
                method=data["method"],
                endpoint_url=data["endpoint_url"],
                token_url=data["token_url"],
                client_id=data["client_id"],
                client_secret=data["client_secret"] or None,
                reason=data["reason"],
            )
        except ValidationError as error:
            show_validation_error(transport_form, error)
        else:
            messages.success(request, "KinderTrack transport saved.")
            return redirect("cca_settings", provider.slug)
    table = queries.rate_table_on(today)
    context = {
        "access": access,
        "today": today,
        "history": queries.settings_history(provider),
        "in_force": in_force,
        "settings_form": settings_form,
        "transport": transport,
        "transport_form": transport_form,
        "table": table,
        "rates": queries.provider_rates(provider, table) if table else [],
        "chart": queries.fee_chart_on(today),
    }
    status = 400 if action and (settings_form.errors or transport_form.errors) else 200
    return render(request, "subsidy/settings.html", context, status=status)


# The hub's work queue -----------------------------------------------------------------------


@alliance_view("subsidy.queue")
@require_GET
def work_queue(request: HttpRequest, access: AllianceAccess) -> HttpResponse:
    providers = list(
        accessible_providers(request.user).filter(alliance=access.alliance).order_by("name")
    )
    items = overview.work_queue(providers)
    chosen = request.GET.get("provider", "")
    if chosen:
        items = [item for item in items if item.provider.slug == chosen]
    context = {
        "alliance_access": access,
        "items": items,
        "providers": providers,
        "chosen": chosen,
        "counts": {s: sum(1 for i in items if i.severity == s) for s in ("bad", "warn", "info")},
        "is_hub": Role.HUB_STAFF in access.roles,
    }
    return render(request, "subsidy/queue.html", context)
