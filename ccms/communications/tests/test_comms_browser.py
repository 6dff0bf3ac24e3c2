"""The demo's communications story in a real browser: the alliance admin writes to every center
director for tomorrow at 9 a.m. and approves it; at 9:00 (a controlled clock) it is released; a
director reads it in the inbox and replies; the admin sees the read count and the reply."""

import re
from datetime import datetime, time, timedelta

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from ccms.communications import services
from ccms.communications.models import Message, MessageStatus
from ccms.core.demo import load_demo
from ccms.core.tests.test_browser import DESKTOP, PHONE, page_at  # noqa: F401 (a fixture)
from ccms.insights.tests.test_insights_browser import sign_in
from ccms.subsidy.tests.conftest import rate_tables  # noqa: F401  (the demo needs them)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SUBJECT = "Vacancy figures due Friday"


def test_an_admin_schedules_a_message_that_directors_read_and_answer(page_at):  # noqa: F811
    load_demo()
    tomorrow = timezone.localdate() + timedelta(days=1)
    nine = datetime.combine(tomorrow, time(9, 0), tzinfo=timezone.get_default_timezone())

    admin = page_at(DESKTOP)
    sign_in(admin, "admin@prairie.demo", code=True)
    admin.goto("/alliance/prairie/comms/")
    admin.get_by_role("link", name="Write a message").click()
    admin.get_by_label("Subject").fill(SUBJECT)
    admin.get_by_label("Message", exact=True).fill("Please confirm your vacancies by Friday noon.")
    admin.get_by_role("combobox", name=re.compile("^To")).select_option(
        label="All center directors"
    )
    expect(admin.get_by_label("In-app notice")).to_be_checked()
    admin.get_by_label("E-mail").check()
    admin.get_by_label("Release time").fill(f"{tomorrow.isoformat()}T09:00")
    admin.get_by_role("button", name="Save draft").click()
    expect(admin.get_by_role("heading", level=1)).to_have_text(SUBJECT)
    expect(admin.get_by_text("Who it would reach now")).to_be_visible()
    admin.get_by_role("button", name="Approve and schedule").click()
    expect(admin.get_by_role("status")).to_contain_text("approved and scheduled")
    expect(admin.locator(".comms-status")).to_have_text("Approved, scheduled")
    message = Message.objects.get(subject=SUBJECT)
    assert message.release_at == nine and message.approver.email == "admin@prairie.demo"

    # The release calendar shows it on tomorrow's date at 9:00.
    admin.get_by_role("link", name="Release calendar").click()
    admin.wait_for_url("**/comms/calendar/")
    admin.goto(f"/alliance/prairie/comms/calendar/?month={tomorrow:%Y-%m}")
    day = admin.locator(".cal-day", has_text=tomorrow.strftime("%A, %B %-d"))
    expect(day.get_by_role("link", name=f"9:00 AM {SUBJECT}")).to_be_visible()

    # The clock: nothing at 8:59; at 9:00 it goes out, once, with an e-mail to each director.
    assert services.release_due(nine - timedelta(minutes=1)) == []
    released = services.release_due(nine)
    assert message.pk in [m.pk for m in released]
    assert services.release_due(nine + timedelta(minutes=1)) == []
    message.refresh_from_db()
    assert message.status == MessageStatus.RELEASED and message.released_at == nine
    directors = set(message.deliveries.values_list("user__email", flat=True))
    assert directors == {
        "director@sunrise.demo",
        "director@littleoaks.demo",
        "director@cedarvalley.demo",
    }  # center directors only: no home owners
    assert sorted(e.to[0] for e in mail.outbox if SUBJECT in e.subject) == sorted(directors)

    # A director reads it on a phone and replies.
    director = page_at(PHONE)
    sign_in(director, "director@sunrise.demo")
    inbox_link = director.get_by_role("link", name="Inbox")
    expect(inbox_link).to_contain_text("unread")
    inbox_link.click()
    director.get_by_role("link", name=SUBJECT).click()
    expect(director.get_by_role("heading", level=1)).to_have_text(SUBJECT)
    director.get_by_label("Your reply").fill("Sunrise: 2 infant seats, 1 toddler seat open.")
    director.get_by_role("button", name="Send reply").click()
    expect(director.get_by_role("status")).to_have_text("Reply sent. Thank you for your feedback.")
    assert director.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    # The admin sees who read it and what they said.
    admin.goto(f"/alliance/prairie/comms/{message.pk}/")
    expect(admin.locator(".comms-reads .value")).to_have_text("Read 1 of 3")
    replies = admin.locator(".comms-reply")
    expect(replies).to_have_count(1)
    expect(replies.first).to_contain_text("Sunrise: 2 infant seats, 1 toddler seat open.")
    expect(replies.first).to_contain_text("Director")
