"""Reads of the communications plan that pages, the API and the CLI share. Objects named by
request input are loaded only through the `access_*` helpers here, which answer 404 alike for
"missing" and "not yours"."""

from __future__ import annotations

import calendar
import zoneinfo
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from ccms.communications.models import (
    Audience,
    Delivery,
    EmailStatus,
    Message,
    MessageStatus,
    OutboundEmail,
    Reply,
    Stakeholder,
)
from ccms.core.dates import add_months
from ccms.tenancy.models import Alliance, Provider


@dataclass(frozen=True)
class Owner:
    """Who sends: the alliance itself, or one of its providers (to its own families)."""

    alliance: Alliance
    provider: Provider | None = None

    @property
    def name(self) -> str:
        return self.provider.name if self.provider else self.alliance.name

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return self.provider.tz if self.provider else timezone.get_default_timezone()

    @property
    def scope(self) -> str:
        return "provider" if self.provider else "alliance"

    @property
    def slug(self) -> str:
        return self.provider.slug if self.provider else self.alliance.slug


def messages_of(owner: Owner) -> QuerySet[Message]:
    """The owner's messages with their delivery, read and reply counts."""
    return (
        Message.objects.filter(alliance=owner.alliance, provider=owner.provider)
        .select_related("audience", "author", "approver")
        .annotate(
            delivered=Count("deliveries", distinct=True),
            read=Count("deliveries", filter=Q(deliveries__read_at__isnull=False), distinct=True),
            reply_count=Count("replies", distinct=True),
        )
        .order_by("-release_at", "-pk")
    )


def access_message(owner: Owner, message_id: int) -> Message:
    message = messages_of(owner).filter(pk=message_id).first()
    if message is None:
        raise Http404("No such message.")
    return message


def deliveries_of(message: Message) -> QuerySet[Delivery]:
    return message.deliveries.select_related("outbound").order_by("name", "email")


def replies_of(message: Message) -> QuerySet[Reply]:
    return message.replies.select_related("delivery", "author").order_by("created_at", "pk")


def audiences_of(owner: Owner) -> QuerySet[Audience]:
    return Audience.objects.filter(alliance=owner.alliance, provider=owner.provider).order_by(
        "name"
    )


def access_audience(alliance: Alliance, audience_id: int) -> Audience:
    audience = Audience.objects.filter(alliance=alliance, provider=None, pk=audience_id).first()
    if audience is None:
        raise Http404("No such audience.")
    return audience


def stakeholders_of(alliance: Alliance) -> QuerySet[Stakeholder]:
    return Stakeholder.objects.filter(alliance=alliance).order_by("name")


def access_stakeholder(alliance: Alliance, stakeholder_id: int) -> Stakeholder:
    stakeholder = stakeholders_of(alliance).filter(pk=stakeholder_id).first()
    if stakeholder is None:
        raise Http404("No such stakeholder.")
    return stakeholder


def outbox_of(alliance: Alliance, provider: Provider | None = None) -> QuerySet[OutboundEmail]:
    """The e-mail log of the alliance's own messages (or one provider's)."""
    return OutboundEmail.objects.filter(alliance=alliance, provider=provider).select_related(
        "message"
    )


def outbox_counts(emails: QuerySet[OutboundEmail]) -> dict[str, int]:
    counts = dict(emails.values_list("status").annotate(n=Count("pk")).order_by())
    return {status: counts.get(status, 0) for status in EmailStatus.values}


# The recipient's side ----------------------------------------------------------------------------


def inbox(user) -> QuerySet[Delivery]:
    """Everything delivered to this user, newest first; nothing of anyone else's."""
    return (
        Delivery.objects.filter(user=user)
        .select_related("message__alliance", "message__provider")
        .order_by("-delivered_at", "-pk")
    )


def unread_count(user) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    return Delivery.objects.filter(user=user, read_at=None).count()


def access_delivery(user, delivery_id: int) -> Delivery:
    delivery = (
        inbox(user)
        .filter(pk=delivery_id)
        .prefetch_related(Prefetch("replies", queryset=Reply.objects.order_by("created_at", "pk")))
        .first()
    )
    if delivery is None:
        raise Http404("No such message.")
    return delivery


def news(alliance: Alliance) -> QuerySet[Message]:
    """What the alliance and its providers released to the public news page."""
    return (
        Message.objects.filter(alliance=alliance, on_news=True, status=MessageStatus.RELEASED)
        .select_related("provider")
        .order_by("-released_at", "-pk")
    )


# The release calendar ----------------------------------------------------------------------------


@dataclass
class CalendarDay:
    day: date
    in_month: bool
    today: bool
    messages: list[Message] = field(default_factory=list)


@dataclass
class ReleaseCalendar:
    month: date
    previous: date
    next: date
    weeks: list[list[CalendarDay]]
    weekdays: list[str]

    @property
    def busy_days(self) -> list[CalendarDay]:
        return [d for week in self.weeks for d in week if d.in_month and d.messages]


def pick_month(text: str | None, today: date) -> date:
    try:
        return datetime.strptime(text or "", "%Y-%m").date()  # noqa: DTZ007 (a month, no time)
    except ValueError:
        return today.replace(day=1)


def release_calendar(owner: Owner, month: date, today: date) -> ReleaseCalendar:
    """A month of the owner's messages on their release day (in the owner's time zone): released
    ones on the day they went out, the others on the day they are set to. Weeks start on Sunday."""
    weeks_of_days = calendar.Calendar(firstweekday=6).monthdatescalendar(month.year, month.month)
    first, last = weeks_of_days[0][0], weeks_of_days[-1][-1]
    tz = owner.tz
    start = datetime.combine(first, datetime.min.time(), tzinfo=tz)
    end = datetime.combine(last, datetime.max.time(), tzinfo=tz)
    shown = messages_of(owner).exclude(status=MessageStatus.CANCELLED)
    shown = shown.filter(
        Q(released_at__range=(start, end)) | Q(released_at=None, release_at__range=(start, end))
    ).order_by("release_at", "pk")
    by_day: dict[date, list[Message]] = {}
    for message in shown:
        when = timezone.localtime(message.released_at or message.release_at, tz)
        by_day.setdefault(when.date(), []).append(message)
    weeks = [
        [
            CalendarDay(day, day.month == month.month, day == today, by_day.get(day, []))
            for day in week
        ]
        for week in weeks_of_days
    ]
    return ReleaseCalendar(
        month=month,
        previous=add_months(month, -1),
        next=add_months(month, 1),
        weeks=weeks,
        weekdays=[calendar.day_abbr[(6 + i) % 7] for i in range(7)],
    )
