"""The communications pages and API through HTTP: compose and approve, who may do what, the
inbox with read tracking and replies, the release calendar and the public news page."""

import json
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from ccms.communications import services
from ccms.communications.models import Message, MessageStatus, Stakeholder
from ccms.tenancy.models import Role

CHICAGO = ZoneInfo("America/Chicago")
NINE = datetime(2026, 12, 1, 9, 0, tzinfo=CHICAGO)


@pytest.fixture
def admin(world):
    return world.alliance_users[("alpha", Role.ALLIANCE_ADMIN)]


@pytest.fixture
def center_directors(world, admin):
    return services.save_audience(
        alliance=world.alliance_a,
        data={"name": "All center directors", "roles": ["director"], "provider_kinds": ["center"]},
        actor=admin,
    )


def compose_form(audience, **extra):
    """The compose form's fields; `audience` is an Audience, or a provider's "families"."""
    return {
        "subject": "Quarterly check-in",
        "body": "Confirm your vacancies by Friday.",
        "audience": audience if isinstance(audience, str) else str(audience.pk),
        "in_app": "on",
        "release_at": "2026-12-01T09:00",
        **extra,
    }


def test_the_alliance_admin_composes_approves_and_sees_reads_and_replies(
    client, world, admin, center_directors
):
    client.force_login(admin)
    response = client.post("/alliance/alpha/comms/new/", compose_form(center_directors))
    message = Message.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/comms/{message.pk}/")
    assert message.status == MessageStatus.DRAFT and message.release_at == NINE  # Central time
    page = client.get(f"/alliance/alpha/comms/{message.pk}/").content.decode()
    assert "Who it would reach now" in page and "director@a1.test" in page

    client.post(f"/alliance/alpha/comms/{message.pk}/act/", {"action": "approve"})
    message.refresh_from_db()
    assert message.status == MessageStatus.SCHEDULED and message.approver == admin

    with time_machine.travel(NINE, tick=False):
        services.release_due()
    director = world.a1.users[Role.DIRECTOR]
    delivery = message.deliveries.get(user=director)
    client.force_login(director)
    assert "Quarterly check-in" in client.get("/inbox/").content.decode()
    client.post(f"/inbox/{delivery.pk}/", {"body": "All confirmed."})

    client.force_login(admin)
    page = client.get(f"/alliance/alpha/comms/{message.pk}/").content.decode()
    assert "Read 1 of 1" in page and "All confirmed." in page


def test_hub_staff_write_but_only_the_admin_approves(client, world, center_directors):
    client.force_login(world.alliance_users[("alpha", Role.HUB_STAFF)])
    client.post("/alliance/alpha/comms/new/", compose_form(center_directors))
    message = Message.objects.get()
    response = client.post(
        f"/alliance/alpha/comms/{message.pk}/act/", {"action": "approve"}, follow=True
    )
    assert "Only an approver may approve" in response.content.decode()
    client.post(f"/alliance/alpha/comms/{message.pk}/act/", {"action": "submit"})
    message.refresh_from_db()
    assert message.status == MessageStatus.AWAITING_APPROVAL and message.approver is None


@pytest.mark.parametrize(
    "role, url, status",
    [
        (Role.GUARDIAN, "/p/a1/comms/new/", 403),
        (Role.STAFF, "/p/a1/comms/", 403),
        (Role.CONSULTANT, "/p/a1/comms/", 403),
        (Role.DIRECTOR, "/alliance/alpha/comms/", 404),  # no alliance-wide role
        (Role.DIRECTOR, "/p/a1/comms/new/", 200),
    ],
)
def test_who_may_write_messages(client, world, role, url, status):
    client.force_login(world.a1.users[role])
    assert client.get(url).status_code == status


def test_a_provider_cannot_message_another_providers_families(client, world):
    client.force_login(world.a2.users[Role.DIRECTOR])
    assert client.get("/p/a1/comms/new/").status_code == 404
    response = client.post("/p/a1/comms/new/", compose_form("families"))
    assert response.status_code == 404 and not Message.objects.exists()


def test_a_director_messages_the_families_and_a_guardian_reads_and_replies(client, world):
    director = world.a1.users[Role.DIRECTOR]
    client.force_login(director)
    client.post("/p/a1/comms/new/", compose_form("families"))
    message = Message.objects.get()
    assert message.provider == world.a1.provider and message.audience.families
    client.post(f"/p/a1/comms/{message.pk}/act/", {"action": "approve"})
    with time_machine.travel(NINE, tick=False):
        services.release_due()

    guardian = world.a1.users[Role.GUARDIAN]
    client.force_login(guardian)
    inbox = client.get("/inbox/").content.decode()
    assert "Quarterly check-in" in inbox and "Provider a1" in inbox
    delivery = message.deliveries.get()
    assert delivery.user == guardian and delivery.read_at is None
    page = client.get(f"/inbox/{delivery.pk}/").content.decode()
    assert "Reply to Provider a1" in page
    delivery.refresh_from_db()
    assert delivery.read_at is not None

    # The other provider's guardian has nothing, and cannot open this one.
    client.force_login(world.a2.users[Role.GUARDIAN])
    assert "Quarterly check-in" not in client.get("/inbox/").content.decode()
    assert client.get(f"/inbox/{delivery.pk}/").status_code == 404
    assert client.post(f"/inbox/{delivery.pk}/", {"body": "Hi"}).status_code == 404
    assert not message.replies.exists()


def test_the_release_calendar_shows_messages_on_their_day(client, world, admin, center_directors):
    services.compose_message(
        alliance=world.alliance_a,
        provider=None,
        author=admin,
        audience=center_directors,
        data={"subject": "Quarterly check-in", "body": "B", "in_app": True, "release_at": NINE},
    )
    client.force_login(admin)
    page = client.get("/alliance/alpha/comms/calendar/?month=2026-12").content.decode()
    assert "December 2026" in page and "Tuesday, December 1" in page
    assert "Quarterly check-in" in page and "9:00 AM" in page
    other = client.get("/alliance/alpha/comms/calendar/?month=2027-01").content.decode()
    assert "Quarterly check-in" not in other


def test_the_news_page_shows_only_released_news_of_its_alliance(client, world, admin):
    def news(subject, *, alliance=world.alliance_a, released=True, on_news=True):
        message = services.compose_message(
            alliance=alliance,
            provider=None,
            author=admin,
            data={
                "subject": subject,
                "body": "B",
                "on_news": on_news,
                "in_app": False,
                "release_at": NINE,
            },
        )
        if released:
            services.approve_message(message=message, actor=admin)
            services.release_message(message_id=message.pk, now=NINE)

    news("Openings this fall")
    news("Not yet approved", released=False)
    news("Beta's news", alliance=world.alliance_b)
    page = client.get("/news/alpha/")  # no sign-in
    body = page.content.decode()
    assert page.status_code == 200 and "Openings this fall" in body
    assert "Not yet approved" not in body and "Beta" not in body
    assert client.get("/news/no-such-alliance/").status_code == 404


def test_stakeholders_and_audiences_pages(client, world, admin):
    client.force_login(admin)
    client.post(
        "/alliance/alpha/comms/stakeholders/",
        {"name": "Early Childhood Iowa", "kind": "agency", "email": "eci@example.test"},
    )
    response = client.post(
        "/alliance/alpha/comms/stakeholders/",
        {"name": "early childhood iowa", "kind": "agency"},
    )
    assert "exists: edit that one instead" in response.content.decode()
    stakeholder = Stakeholder.objects.get()
    response = client.post(
        "/alliance/alpha/comms/audiences/",
        {"name": "Funders", "stakeholders": [stakeholder.pk], "roles": ["director"]},
        follow=True,
    )
    assert "Audience “Funders” saved: it reaches 3 now." in response.content.decode()
    response = client.post("/alliance/alpha/comms/audiences/", {"name": "Nobody"})
    assert "An audience must reach someone" in response.content.decode()


def test_the_inbox_api_lists_and_replies(client, world, admin, center_directors):
    message = services.compose_message(
        alliance=world.alliance_a,
        provider=None,
        author=admin,
        audience=center_directors,
        data={"subject": "Check-in", "body": "B", "in_app": True, "release_at": NINE},
    )
    services.approve_message(message=message, actor=admin)
    services.release_message(message_id=message.pk, now=NINE)
    delivery = message.deliveries.get()
    client.force_login(world.a1.users[Role.DIRECTOR])
    items = client.get("/api/me/inbox").json()
    assert [i["subject"] for i in items] == ["Check-in"] and items[0]["read_at"] is None
    url = f"/api/me/inbox/{delivery.pk}/replies"
    response = client.post(url, json.dumps({"body": "Done."}), content_type="application/json")
    assert response.status_code == 201 and response.json()["body"] == "Done."
    assert client.get("/api/me/inbox?unread=true").json() == []
    bad = client.post(url, json.dumps({"body": " "}), content_type="application/json")
    assert bad.status_code == 400
    client.force_login(world.a2.users[Role.DIRECTOR])
    other = client.post(url, json.dumps({"body": "x"}), content_type="application/json")
    assert other.status_code == 404 and message.replies.count() == 1


def test_the_header_shows_the_unread_count(client, world, admin, center_directors):
    message = services.compose_message(
        alliance=world.alliance_a,
        provider=None,
        author=admin,
        audience=center_directors,
        data={"subject": "Check-in", "body": "B", "in_app": True, "release_at": NINE},
    )
    services.approve_message(message=message, actor=admin)
    services.release_message(message_id=message.pk, now=NINE)
    client.force_login(world.a1.users[Role.DIRECTOR])
    page = client.get("/p/a1/").content.decode()
    assert '<span class="inbox-count">1<span class="visually-hidden"> unread</span>' in page
