"""Release at a controlled clock, approval, audiences resolved at release, reads, replies and
the e-mail outbox (queued, sent through Django's backend, retried and logged)."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.management import call_command

from ccms.communications import services
from ccms.communications.models import Delivery, EmailStatus, MessageStatus, OutboundEmail
from ccms.core import tasks
from ccms.families.models import Guardian
from ccms.tenancy import services as tenancy
from ccms.tenancy.models import Role

CHICAGO = ZoneInfo("America/Chicago")
NINE = datetime(2026, 12, 1, 9, 0, tzinfo=CHICAGO)


def admin(world):
    return world.alliance_users[("alpha", Role.ALLIANCE_ADMIN)]


def center_directors(world):
    return services.save_audience(
        alliance=world.alliance_a,
        data={"name": "All center directors", "roles": ["director"], "provider_kinds": ["center"]},
        actor=admin(world),
    )


def draft(world, audience=None, *, release_at=NINE, **channels):
    data = {
        "subject": "Quarterly check-in",
        "body": "Confirm your vacancies by Friday.",
        "in_app": True,
        "by_email": False,
        "on_news": False,
        "release_at": release_at,
        **channels,
    }
    return services.compose_message(
        alliance=world.alliance_a,
        provider=None,
        author=admin(world),
        data=data,
        audience=audience if audience is not None else center_directors(world),
    )


def scheduled(world, audience=None, **kwargs):
    message = draft(world, audience, **kwargs)
    return services.approve_message(message=message, actor=admin(world))


def release_at(moment):
    with time_machine.travel(moment, tick=False):
        return services.release_due()


@pytest.mark.parametrize(
    "clock, released",
    [
        (NINE - timedelta(minutes=1), False),
        (NINE - timedelta(seconds=1), False),
        (NINE, True),
        (NINE + timedelta(hours=3), True),
    ],
)
def test_a_scheduled_message_goes_out_at_its_release_time_and_not_before(world, clock, released):
    message = scheduled(world)
    assert [m.pk for m in release_at(clock)] == ([message.pk] if released else [])
    message.refresh_from_db()
    assert (message.status == MessageStatus.RELEASED) is released
    assert message.deliveries.exists() is released
    if released:
        assert message.released_at == clock


def test_releasing_twice_releases_once(world):
    message = scheduled(world)
    assert len(release_at(NINE)) == 1
    assert release_at(NINE + timedelta(minutes=1)) == []
    assert services.release_message(message_id=message.pk, now=NINE) is None
    assert message.deliveries.count() == 1


@pytest.mark.parametrize(
    "steps, released",
    [
        ([], False),  # a draft
        (["submit"], False),  # awaiting approval
        (["approve"], True),
        (["submit", "approve"], True),
        (["approve", "draft"], False),  # approval withdrawn
        (["approve", "cancel"], False),
    ],
)
def test_only_approved_messages_are_released(world, steps, released):
    message = draft(world)
    actions = {
        "submit": services.submit_message,
        "approve": services.approve_message,
        "draft": services.return_to_draft,
        "cancel": services.cancel_message,
    }
    for step in steps:
        message = actions[step](message=message, actor=admin(world))
    assert bool(release_at(NINE)) is released


def test_an_author_who_may_approve_is_recorded_as_author_and_approver(world):
    message = scheduled(world)
    assert message.author == message.approver == admin(world)
    assert message.approved_at is not None


def test_all_center_directors_reaches_only_directors_of_centers_of_the_alliance(world):
    message = scheduled(world)
    release_at(NINE)
    reached = set(message.deliveries.values_list("user__email", flat=True))
    # a2 is a home (cdh_b), b1 is in the other alliance; staff and guardians are not directors.
    assert reached == {"director@a1.test"}


def test_the_audience_is_resolved_at_release_not_when_scheduled(world):
    message = scheduled(world)
    tenancy.add_user(email="new.director@a1.test", role=Role.DIRECTOR, provider=world.a1.provider)
    release_at(NINE)
    reached = set(message.deliveries.values_list("user__email", flat=True))
    assert reached == {"director@a1.test", "new.director@a1.test"}


def test_reading_is_recorded_once(world):
    message = scheduled(world)
    release_at(NINE)
    delivery = message.deliveries.get()
    services.read_delivery(delivery, now=NINE + timedelta(hours=1))
    services.read_delivery(delivery, now=NINE + timedelta(hours=2))
    delivery.refresh_from_db()
    assert delivery.read_at == NINE + timedelta(hours=1)


def test_replies_are_kept_with_the_message_and_mark_it_read(world):
    message = scheduled(world)
    release_at(NINE)
    delivery = message.deliveries.get()
    reply = services.reply_to_message(delivery=delivery, author=delivery.user, body=" Six days. ")
    assert list(message.replies.all()) == [reply] and reply.body == "Six days."
    delivery.refresh_from_db()
    assert delivery.read_at is not None
    with pytest.raises(ValidationError, match="Write your reply"):
        services.reply_to_message(delivery=delivery, author=delivery.user, body="  ")


@pytest.mark.parametrize(
    "channels, error_field",
    [
        ({"in_app": False, "by_email": False, "on_news": False}, "by_email"),
        ({"in_app": True, "audience": "none"}, "audience"),
    ],
)
def test_a_message_needs_a_channel_and_an_audience_to_reach(world, channels, error_field):
    audience = channels.pop("audience", None)
    with pytest.raises(ValidationError) as error:
        services.compose_message(
            alliance=world.alliance_a,
            provider=None,
            author=admin(world),
            data={"subject": "S", "body": "B", "release_at": NINE, **channels},
            audience=None if audience == "none" else center_directors(world),
        )
    assert error_field in error.value.message_dict


def test_a_news_only_message_needs_no_audience_and_reaches_nobody_directly(world):
    message = services.compose_message(
        alliance=world.alliance_a,
        provider=None,
        author=admin(world),
        data={
            "subject": "Openings",
            "body": "Tour us.",
            "on_news": True,
            "in_app": False,
            "release_at": NINE,
        },
    )
    services.approve_message(message=message, actor=admin(world))
    release_at(NINE)
    message.refresh_from_db()
    assert message.status == MessageStatus.RELEASED and not message.deliveries.exists()


def test_a_provider_messages_its_own_families_in_app_and_by_email(world):
    tenant = world.a1
    Guardian.objects.create(
        provider=tenant.provider,
        family=tenant.family,
        first_name="Lee",
        last_name="Email",
        email="Lee@Example.test",
    )
    director = tenant.users[Role.DIRECTOR]
    message = services.compose_message(
        alliance=world.alliance_a,
        provider=tenant.provider,
        author=director,
        audience="families",
        data={
            "subject": "Picture day",
            "body": "Friday.",
            "in_app": True,
            "by_email": True,
            "release_at": NINE,
        },
    )
    assert message.audience.name == "Families of Provider a1"
    services.approve_message(message=message, actor=director)
    release_at(NINE)
    deliveries = {(d.user.email if d.user else None, d.email) for d in message.deliveries.all()}
    assert deliveries == {("guardian@a1.test", "guardian@a1.test"), (None, "lee@example.test")}
    assert all(d.provider_id == tenant.provider.pk for d in message.deliveries.all())
    # Another provider's guardians are never reached.
    assert not Delivery.objects.filter(user=world.a2.users[Role.GUARDIAN]).exists()


def test_a_provider_cannot_address_another_providers_audience(world):
    other = services.provider_audience(world.a2.provider, "families")
    with pytest.raises(ValidationError, match="your own audiences"):
        services.compose_message(
            alliance=world.alliance_a,
            provider=world.a1.provider,
            author=world.a1.users[Role.DIRECTOR],
            audience=other,
            data={"subject": "S", "body": "B", "in_app": True, "release_at": NINE},
        )


def test_emails_are_queued_at_release_and_sent_through_the_email_backend(
    world, django_capture_on_commit_callbacks
):
    message = scheduled(world, by_email=True)
    with time_machine.travel(NINE, tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            services.release_due()
    email = OutboundEmail.objects.get(message=message)
    assert email.status == EmailStatus.SENT and email.attempts == 1 and email.sent_at
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.to == ["director@a1.test"] and "Quarterly check-in" in sent.subject
    assert f"/inbox/{email.delivery_id}/" in sent.body
    assert sent.reply_to == [admin(world).email]


def test_a_failed_send_is_logged_and_retried_with_backoff_until_it_gives_up(world, monkeypatch):
    scheduled(world, by_email=True)
    release_at(NINE)  # the e-mail is queued; nothing sent yet (the test keeps the transaction)
    email = OutboundEmail.objects.get()
    calls = []

    def refuse(self, fail_silently=False):
        calls.append(self.to)
        raise ConnectionRefusedError("mail server down")

    monkeypatch.setattr("django.core.mail.EmailMessage.send", refuse)
    moment = NINE
    for attempt in range(1, services.MAX_EMAIL_ATTEMPTS + 1):
        sent = services.send_due_emails(moment)
        email.refresh_from_db()
        assert [e.pk for e in sent] == [email.pk]
        assert email.attempts == attempt
        assert email.last_error == "ConnectionRefusedError: mail server down"
        if attempt < services.MAX_EMAIL_ATTEMPTS:
            assert email.status == EmailStatus.QUEUED
            # Not retried before the backoff has passed.
            assert services.send_due_emails(moment + timedelta(seconds=30)) == []
            moment = email.next_attempt_at
    assert email.status == EmailStatus.FAILED
    assert services.send_due_emails(moment + timedelta(days=1)) == []
    assert len(calls) == services.MAX_EMAIL_ATTEMPTS

    # The mail server is back: `ccms comms outbox --retry` sends it.
    monkeypatch.undo()
    call_command("comms", "outbox", "--retry")
    email.refresh_from_db()
    assert email.status == EmailStatus.SENT and len(mail.outbox) == 1


def test_the_worker_releases_due_messages_on_its_periodic_call(world):
    message = scheduled(world)
    with time_machine.travel(NINE + timedelta(seconds=5), tick=False):
        tasks.run_periodic()
    message.refresh_from_db()
    assert message.status == MessageStatus.RELEASED


def test_ccms_comms_release_releases_what_is_due(world, capsys):
    message = scheduled(world)
    call_command("comms", "release", "--at", (NINE - timedelta(minutes=5)).isoformat())
    assert "0 message(s) released" in capsys.readouterr().out
    call_command("comms", "release", "--at", NINE.isoformat())
    assert f"Released #{message.pk}" in capsys.readouterr().out
    message.refresh_from_db()
    assert message.status == MessageStatus.RELEASED
