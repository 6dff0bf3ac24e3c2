"""The demo's communications plan: the alliance's stakeholders and audiences, a message released
three days ago that directors read and answered, one approved for tomorrow at 9 a.m. to every
center director, a news item, and Sunrise's director writing to the center's families."""

from datetime import date, datetime, time, timedelta

from django.utils import timezone

from ccms.communications import services
from ccms.communications.models import EmailStatus, OutboundEmail
from ccms.tenancy.models import Alliance, Provider, User

STAKEHOLDERS = [
    (
        "Early Childhood Iowa",
        "agency",
        "eci@partners.demo",
        "State and local early childhood board.",
    ),
    ("Iowa HHS, Child Care Assistance", "agency", "cca@partners.demo", "Pays CCA claims."),
    ("Opportunities Exchange", "partner", "hello@partners.demo", "Shared services coaching."),
    ("United Way of Central Iowa", "partner", "grants@partners.demo", "Funds the substitute pool."),
    ("The public", "public", "", "Reached through the news page."),
]


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=timezone.get_default_timezone())


def load_communications_demo(today: date) -> None:
    alliance = Alliance.objects.get(slug="prairie")
    admin = User.objects.get(email="admin@prairie.demo")
    hub = User.objects.get(email="hub@prairie.demo")
    stakeholders = {
        name: services.save_stakeholder(
            alliance=alliance,
            data={"name": name, "kind": kind, "email": email, "notes": notes},
            actor=admin,
        )
        for name, kind, email, notes in STAKEHOLDERS
    }
    center_directors = services.save_audience(
        alliance=alliance,
        data={
            "name": "All center directors",
            "description": "Directors of the alliance's licensed centers.",
            "roles": ["director"],
            "provider_kinds": ["center"],
        },
        actor=admin,
    )
    directors = services.save_audience(
        alliance=alliance,
        data={
            "name": "All directors",
            "description": "Every center director and home owner.",
            "roles": ["director"],
        },
        actor=admin,
    )
    services.save_audience(
        alliance=alliance,
        data={
            "name": "Funders and agencies",
            "stakeholders": [
                stakeholders[n]
                for n in (
                    "Early Childhood Iowa",
                    "Iowa HHS, Child Care Assistance",
                    "United Way of Central Iowa",
                )
            ],
        },
        actor=admin,
    )

    # Released three days ago: most directors read it, two answered.
    sent_on = _at(today - timedelta(days=3), 9)
    pool = _released(
        alliance=alliance,
        provider=None,
        author=hub,
        approver=admin,
        audience=directors,
        at=sent_on,
        subject="The shared substitute pool opens next month",
        body=(
            "From the first of next month, members can request a substitute teacher from the "
            "alliance's shared pool, up to 5 days a month per provider.\n\n"
            "Reply to tell us how many days you expect to need in the first month."
        ),
        by_email=True,
    )
    readers = [
        "director@sunrise.demo",
        "director@littleoaks.demo",
        "owner@maplestreet.demo",
        "owner@happyhands.demo",
    ]
    for n, delivery in enumerate(pool.deliveries.filter(user__email__in=readers)):
        services.read_delivery(delivery, now=sent_on + timedelta(hours=2 + 5 * n))
    for hours, email, body in (
        (7, "director@sunrise.demo", "Sunrise and Sunrise West will need about 6 days in all."),
        (18, "owner@maplestreet.demo", "Two days, for my CPR recertification."),
    ):
        delivery = pool.deliveries.get(user__email=email)
        services.reply_to_message(
            delivery=delivery, author=delivery.user, body=body, now=sent_on + timedelta(hours=hours)
        )

    _released(
        alliance=alliance,
        provider=None,
        author=admin,
        approver=admin,
        audience=None,
        at=_at(today - timedelta(days=6), 10),
        subject="Openings for infants and toddlers across Prairie",
        body=(
            "Prairie's member centers and homes have openings for infants and toddlers this "
            "season. Ask any member provider for a tour."
        ),
        on_news=True,
        in_app=False,
    )

    # Approved for tomorrow at 9 a.m., Central time: the release calendar shows it waiting.
    tomorrow = timezone.localdate() + timedelta(days=1)
    message = services.compose_message(
        alliance=alliance,
        provider=None,
        author=admin,
        audience=center_directors,
        data={
            "subject": "Quarterly enrollment check-in",
            "body": (
                "Please confirm your vacancies by Friday so that the alliance's enrollment "
                "figures and the state's vacancy feed are current."
            ),
            "in_app": True,
            "by_email": True,
            "release_at": _at(tomorrow, 9),
        },
    )
    services.approve_message(message=message, actor=admin)
    services.compose_message(
        alliance=alliance,
        provider=None,
        author=hub,
        audience=directors,
        data={
            "subject": "Save the date: fall director meet-up",
            "body": "An afternoon to compare notes on enrollment and collections.",
            "in_app": True,
            "release_at": _at(tomorrow + timedelta(days=7), 13),
        },
    )

    # Sunrise's director writes to the center's families.
    sunrise = Provider.objects.get(slug="sunrise")
    director = User.objects.get(email="director@sunrise.demo")
    _released(
        alliance=alliance,
        provider=sunrise,
        author=director,
        approver=director,
        audience="families",
        at=_at(today - timedelta(days=1), 16),
        subject="Picture day is Friday",
        body="Class pictures are this Friday morning. Order forms are in your child's cubby.",
        by_email=True,
    )


def _released(*, alliance, provider, author, approver, audience, at, **data):
    fields = {"body": "", "in_app": True, "by_email": False, "on_news": False, **data}
    message = services.compose_message(
        alliance=alliance,
        provider=provider,
        author=author,
        audience=audience,
        data={**fields, "release_at": at},
    )
    services.approve_message(message=message, actor=approver, now=at - timedelta(hours=20))
    message = services.release_message(message_id=message.pk, now=at)
    # The demo's past e-mails went out when the message did.
    OutboundEmail.objects.filter(message=message).update(
        status=EmailStatus.SENT, attempts=1, sent_at=at
    )
    return message
