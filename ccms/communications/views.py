"""The communications pages: the alliance's and each provider's messages (compose, approve,
release calendar, who read and what they replied), the alliance's stakeholders and audiences,
every user's inbox and the alliance's public news page. Views parse, call a service or a query,
and render; the alliance and provider pages share one implementation through `Owner`."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from ccms.communications import queries, services
from ccms.communications.forms import AudienceForm, MessageForm, ReplyForm, StakeholderForm
from ccms.communications.models import EmailStatus, MessageStatus
from ccms.communications.queries import Owner
from ccms.core.access import AllianceAccess, ProviderAccess
from ccms.core.decorators import alliance_view, provider_view
from ccms.core.forms import show_validation_error
from ccms.tenancy.models import Alliance

# The comms area's own menu, by scope: (label, page, other pages under the same item).
MENU = {
    "alliance": [
        ("Messages", "messages", ("compose", "message", "edit")),
        ("Release calendar", "calendar", ()),
        ("Stakeholders", "stakeholders", ("stakeholder_edit",)),
        ("Audiences", "audiences", ("audience_edit",)),
        ("E-mail log", "outbox", ()),
    ],
    "provider": [
        ("Messages", "messages", ("compose", "message", "edit")),
        ("Release calendar", "calendar", ()),
    ],
}
# Pages only the alliance has; the others exist once per scope (comms_alliance_*, comms_provider_*).
ALLIANCE_PAGES = {"stakeholders", "stakeholder_edit", "audiences", "audience_edit", "outbox"}


def _url_name(owner: Owner, page: str) -> str:
    return f"comms_{page}" if page in ALLIANCE_PAGES else f"comms_{owner.scope}_{page}"


def _url(owner: Owner, page: str, *args) -> str:
    return reverse(_url_name(owner, page), args=[owner.slug, *args])


def _render(request, owner: Owner, can_approve: bool, template: str, context: dict):
    current = request.resolver_match.url_name if request.resolver_match else ""
    menu = [
        {
            "label": label,
            "url": _url(owner, page),
            "current": current in {_url_name(owner, p) for p in (page, *also)},
        }
        for label, page, also in MENU[owner.scope]
    ]
    context = {
        "owner": owner,
        "comms_menu": menu,
        "can_approve": can_approve,
        "tz": owner.tz,
        "messages_url": _url(owner, "messages"),
        "compose_url": _url(owner, "compose"),
        **context,
    }
    return render(request, template, context)


def _alliance_owner(access: AllianceAccess) -> tuple[Owner, bool]:
    return Owner(access.alliance), access.can("comms.approve")


def _provider_owner(access: ProviderAccess) -> tuple[Owner, bool]:
    return Owner(access.provider.alliance, access.provider), access.can("comms.approve")


# Messages (shared by the alliance and provider pages) --------------------------------------------


def _message_list(request, owner: Owner, can_approve: bool) -> HttpResponse:
    services.release_due()
    all_messages = list(queries.messages_of(owner))
    waiting = [m for m in all_messages if m.status == MessageStatus.AWAITING_APPROVAL]
    return _render(
        request,
        owner,
        can_approve,
        "communications/messages.html",
        {"message_list": all_messages, "waiting": waiting},
    )


def _compose(request, owner: Owner, can_approve: bool, message=None) -> HttpResponse:
    if message is not None and not message.editable:
        flash.error(request, "This message can no longer be changed; return it to draft first.")
        return redirect(_url(owner, "message", message.pk))
    if request.method == "POST":
        form = MessageForm(request.POST, owner=owner)
        if form.is_valid():
            try:
                if message is None:
                    message = services.compose_message(
                        alliance=owner.alliance,
                        provider=owner.provider,
                        author=request.user,
                        data=form.service_data(),
                        audience=form.audience_value(),
                    )
                else:
                    message = services.update_message(
                        message=message,
                        actor=request.user,
                        data=form.service_data(),
                        audience=form.audience_value(),
                    )
            except ValidationError as error:
                show_validation_error(form, error)
            else:
                flash.success(request, f"“{message.subject}” saved as a draft.")
                return redirect(_url(owner, "message", message.pk))
    else:
        initial = (
            MessageForm.initial_for(message, owner)
            if message
            else {"in_app": True, "release_at": _tomorrow_nine(owner)}
        )
        form = MessageForm(initial=initial, owner=owner)
    return _render(
        request,
        owner,
        can_approve,
        "communications/compose.html",
        {"form": form, "message": message},
    )


def _tomorrow_nine(owner: Owner) -> datetime:
    """The form's first suggestion: tomorrow at 9 a.m. where the sender is."""
    tomorrow = timezone.localtime(timezone.now(), owner.tz).date() + timedelta(days=1)
    return datetime.combine(tomorrow, time(9, 0))


def _message_detail(request, owner: Owner, can_approve: bool, message_id: int) -> HttpResponse:
    services.release_due()
    message = queries.access_message(owner, message_id)
    deliveries = list(queries.deliveries_of(message))
    context = {
        "message": message,
        "deliveries": deliveries,
        "replies": list(queries.replies_of(message)),
        "read_percent": round(100 * message.read / message.delivered) if message.delivered else 0,
        "preview": (
            services.resolve_recipients(message.audience)
            if message.audience_id and message.status != MessageStatus.RELEASED
            else None
        ),
        "act_url": _url(owner, "act", message.pk),
        "edit_url": _url(owner, "edit", message.pk),
    }
    return _render(request, owner, can_approve, "communications/message.html", context)


ACTIONS = {
    "submit": (services.submit_message, "sent for approval", False),
    "approve": (services.approve_message, "approved and scheduled", True),
    "draft": (services.return_to_draft, "returned to draft", False),
    "cancel": (services.cancel_message, "cancelled", False),
}


def _act(request, owner: Owner, can_approve: bool, message_id: int) -> HttpResponse:
    message = queries.access_message(owner, message_id)
    action = request.POST.get("action", "")
    if action not in ACTIONS:
        flash.error(request, "Choose what to do with the message: submit, approve or cancel.")
        return redirect(_url(owner, "message", message.pk))
    service, done, needs_approver = ACTIONS[action]
    if needs_approver and not can_approve:
        flash.error(request, "Only an approver may approve this message; send it for approval.")
        return redirect(_url(owner, "message", message.pk))
    try:
        service(message=message, actor=request.user)
    except ValidationError as error:
        flash.error(request, " ".join(error.messages))
    else:
        flash.success(request, f"“{message.subject}” {done}.")
        if action == "approve":
            services.release_due()  # a release time already past goes out now
    return redirect(_url(owner, "message", message.pk))


def _calendar(request, owner: Owner, can_approve: bool) -> HttpResponse:
    services.release_due()
    today = timezone.localtime(timezone.now(), owner.tz).date()
    month = queries.pick_month(request.GET.get("month"), today)
    cal = queries.release_calendar(owner, month, today)
    return _render(
        request,
        owner,
        can_approve,
        "communications/calendar.html",
        {"cal": cal, "calendar_url": _url(owner, "calendar")},
    )


# Alliance pages ---------------------------------------------------------------------------------


@alliance_view("comms.manage")
def comms_alliance_messages(request: HttpRequest, access: AllianceAccess) -> HttpResponse:
    return _message_list(request, *_alliance_owner(access))


@alliance_view("comms.manage")
@require_http_methods(["GET", "POST"])
def comms_alliance_compose(request: HttpRequest, access: AllianceAccess) -> HttpResponse:
    return _compose(request, *_alliance_owner(access))


@alliance_view("comms.manage")
def comms_alliance_message(
    request: HttpRequest, access: AllianceAccess, message_id: int
) -> HttpResponse:
    return _message_detail(request, *_alliance_owner(access), message_id)


@alliance_view("comms.manage")
@require_http_methods(["GET", "POST"])
def comms_alliance_edit(
    request: HttpRequest, access: AllianceAccess, message_id: int
) -> HttpResponse:
    owner, can_approve = _alliance_owner(access)
    return _compose(request, owner, can_approve, queries.access_message(owner, message_id))


@alliance_view("comms.manage")
@require_POST
def comms_alliance_act(
    request: HttpRequest, access: AllianceAccess, message_id: int
) -> HttpResponse:
    return _act(request, *_alliance_owner(access), message_id)


@alliance_view("comms.manage")
def comms_alliance_calendar(request: HttpRequest, access: AllianceAccess) -> HttpResponse:
    return _calendar(request, *_alliance_owner(access))


@alliance_view("comms.manage")
@require_http_methods(["GET", "POST"])
def comms_stakeholders(request: HttpRequest, access: AllianceAccess) -> HttpResponse:
    return _stakeholder_form(request, access, None)


@alliance_view("comms.manage")
@require_http_methods(["GET", "POST"])
def comms_stakeholder_edit(
    request: HttpRequest, access: AllianceAccess, stakeholder_id: int
) -> HttpResponse:
    stakeholder = queries.access_stakeholder(access.alliance, stakeholder_id)
    return _stakeholder_form(request, access, stakeholder)


def _stakeholder_form(request, access: AllianceAccess, stakeholder) -> HttpResponse:
    owner, can_approve = _alliance_owner(access)
    form = StakeholderForm(request.POST or None, instance=stakeholder)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.save_stakeholder(
                alliance=access.alliance,
                data=form.cleaned_data,
                actor=request.user,
                stakeholder=stakeholder,
            )
        except ValidationError as error:
            show_validation_error(form, error)
        else:
            flash.success(request, f"Stakeholder “{saved.name}” saved.")
            return redirect(reverse("comms_stakeholders", args=[access.alliance.slug]))
    context = {
        "form": form,
        "stakeholder": stakeholder,
        "stakeholders": queries.stakeholders_of(access.alliance),
    }
    return _render(request, owner, can_approve, "communications/stakeholders.html", context)


@alliance_view("comms.manage")
@require_http_methods(["GET", "POST"])
def comms_audiences(request: HttpRequest, access: AllianceAccess) -> HttpResponse:
    return _audience_form(request, access, None)


@alliance_view("comms.manage")
@require_http_methods(["GET", "POST"])
def comms_audience_edit(
    request: HttpRequest, access: AllianceAccess, audience_id: int
) -> HttpResponse:
    return _audience_form(request, access, queries.access_audience(access.alliance, audience_id))


def _audience_form(request, access: AllianceAccess, audience) -> HttpResponse:
    owner, can_approve = _alliance_owner(access)
    initial = AudienceForm.initial_for(audience) if audience else None
    form = AudienceForm(request.POST or None, initial=initial, alliance=access.alliance)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.save_audience(
                alliance=access.alliance,
                data=form.cleaned_data,
                actor=request.user,
                audience=audience,
            )
        except ValidationError as error:
            show_validation_error(form, error)
        else:
            count = len(services.resolve_recipients(saved))
            flash.success(request, f"Audience “{saved.name}” saved: it reaches {count} now.")
            return redirect(reverse("comms_audiences", args=[access.alliance.slug]))
    audiences = [
        (a, len(services.resolve_recipients(a)))
        for a in queries.audiences_of(owner).prefetch_related("providers", "stakeholders")
    ]
    context = {"form": form, "audience": audience, "audiences": audiences}
    return _render(request, owner, can_approve, "communications/audiences.html", context)


@alliance_view("comms.manage")
def comms_outbox(request: HttpRequest, access: AllianceAccess) -> HttpResponse:
    owner, can_approve = _alliance_owner(access)
    emails = queries.outbox_of(access.alliance)
    status = request.GET.get("status", "")
    shown = emails.filter(status=status) if status in EmailStatus.values else emails
    context = {
        "emails": shown[:200],
        "counts": queries.outbox_counts(emails),
        "status": status,
        "statuses": EmailStatus.choices,
    }
    return _render(request, owner, can_approve, "communications/outbox.html", context)


# Provider pages ---------------------------------------------------------------------------------


@provider_view("comms.send")
def comms_provider_messages(request: HttpRequest, access: ProviderAccess) -> HttpResponse:
    return _message_list(request, *_provider_owner(access))


@provider_view("comms.send")
@require_http_methods(["GET", "POST"])
def comms_provider_compose(request: HttpRequest, access: ProviderAccess) -> HttpResponse:
    return _compose(request, *_provider_owner(access))


@provider_view("comms.send")
def comms_provider_message(
    request: HttpRequest, access: ProviderAccess, message_id: int
) -> HttpResponse:
    return _message_detail(request, *_provider_owner(access), message_id)


@provider_view("comms.send")
@require_http_methods(["GET", "POST"])
def comms_provider_edit(
    request: HttpRequest, access: ProviderAccess, message_id: int
) -> HttpResponse:
    owner, can_approve = _provider_owner(access)
    return _compose(request, owner, can_approve, queries.access_message(owner, message_id))


@provider_view("comms.send")
@require_POST
def comms_provider_act(
    request: HttpRequest, access: ProviderAccess, message_id: int
) -> HttpResponse:
    return _act(request, *_provider_owner(access), message_id)


@provider_view("comms.send")
def comms_provider_calendar(request: HttpRequest, access: ProviderAccess) -> HttpResponse:
    return _calendar(request, *_provider_owner(access))


# The recipient's inbox and the public news page --------------------------------------------------


@login_required
def comms_inbox(request: HttpRequest) -> HttpResponse:
    services.release_due()
    deliveries = list(queries.inbox(request.user)[:200])
    return render(request, "communications/inbox.html", {"deliveries": deliveries})


@login_required
@require_http_methods(["GET", "POST"])
def comms_inbox_message(request: HttpRequest, delivery_id: int) -> HttpResponse:
    delivery = queries.access_delivery(request.user, delivery_id)
    services.read_delivery(delivery)
    form = ReplyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.reply_to_message(
                delivery=delivery, author=request.user, body=form.cleaned_data["body"]
            )
        except ValidationError as error:
            show_validation_error(form, error)
        else:
            flash.success(request, "Reply sent. Thank you for your feedback.")
            return redirect(reverse("comms_inbox_message", args=[delivery.pk]))
    message = delivery.message
    context = {
        "delivery": delivery,
        "message": message,
        "sender": message.provider.name if message.provider_id else message.alliance.name,
        "form": form,
        "replies": list(delivery.replies.all()),
    }
    return render(request, "communications/inbox_message.html", context)


def comms_news(request: HttpRequest, alliance: str) -> HttpResponse:
    """The alliance's public news: no sign-in, released news-page messages only."""
    found = get_object_or_404(Alliance, slug=alliance)
    services.release_due()
    items = list(queries.news(found)[:50])
    return render(request, "communications/news.html", {"alliance": found, "items": items})
