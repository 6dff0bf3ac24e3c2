"""A guardian opens the packet link on a phone, fills it in, signs and sees the confirmation;
and a family sends an inquiry from the public page. Headless Chromium against a live server."""

import re
from datetime import date, timedelta

import pytest

from ccms.enrollment.models import Inquiry, PacketSignature, Stage
from ccms.enrollment.packet import invite_guardian_to_packet
from ccms.enrollment.services import record_inquiry
from ccms.families.models import AuthorizedPickup
from ccms.tenancy.models import Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def phone(browser, live_server):
    context = browser.new_context(viewport=PHONE, base_url=live_server.url, is_mobile=True)
    context.set_default_timeout(5000)
    yield context.new_page()
    context.close()


def fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_guardian_completes_and_signs_the_packet_on_a_phone(phone, world):
    inquiry = record_inquiry(
        provider=world.a1.provider,
        guardian_first_name="Dana",
        guardian_last_name="Rivera",
        email="dana@example.org",
        child_first_name="Lio",
        child_last_name="Rivera",
        birth_date=date(2024, 9, 1),
        desired_days="MWF",
        source="web",
    )
    invitation = invite_guardian_to_packet(
        inquiry=inquiry,
        email="dana@example.org",
        actor=world.a1.users[Role.DIRECTOR],
        base_url="http://testserver",
    )
    page = phone
    page.goto(f"/packet/{invitation.token}/")
    assert page.get_by_role("heading", level=1).inner_text() == "Enrollment packet for Lio Rivera"
    assert fits_the_screen(page)

    page.get_by_label("Allergies").fill("None")
    page.get_by_label("Regular health care source").fill("Ames Family Clinic")
    page.get_by_label("Home address").fill("12 Elm St, Ames IA")
    page.get_by_label("Your phone").fill("515-555-0142")
    person = page.get_by_role("group", name="Person 1")
    person.get_by_label("Name").fill("Rosa Rivera")
    person.get_by_label("Relationship").fill("Grandmother")
    person.get_by_label("Phone").fill("515-555-0177")
    emergency = page.locator("section", has=page.get_by_role("heading", name="Emergency contact"))
    emergency.get_by_label("Name").fill("Sam Lee")
    emergency.get_by_label("Relationship").fill("Neighbour")
    emergency.get_by_label("Phone").fill("515-555-0166")

    # Signing without the medical consent is refused, and what was typed is kept.
    page.get_by_label("Type your full name").fill("Dana Rivera")
    page.get_by_label("I agree, and sign this packet electronically").check()
    page.get_by_role("button", name="Sign the enrollment packet").click()
    assert "Please fix the 1 highlighted field below." in page.get_by_role("alert").inner_text()
    assert page.get_by_text("The medical consent is required for care.").is_visible()
    assert page.get_by_label("Home address").input_value() == "12 Elm St, Ames IA"

    page.get_by_label("I give the medical consent").check()
    page.get_by_label("I agree, and sign this packet electronically").check()
    page.get_by_role("button", name="Sign the enrollment packet").click()
    page.wait_for_url(re.compile(r"/packet/[\w-]+/signed/$"))
    assert page.get_by_role("heading", level=1).inner_text() == "Thank you, the packet is signed"
    assert fits_the_screen(page)
    page.get_by_text("What you signed").click()
    assert (
        "- Rosa Rivera (Grandmother), (515) 555-0177" in page.locator("pre.document").inner_text()
    )

    signature = PacketSignature.objects.get(invitation=invitation)
    assert signature.typed_name == "Dana Rivera"
    assert "Rosa Rivera" in signature.document_text
    assert AuthorizedPickup.objects.filter(child=inquiry.child, name="Rosa Rivera").exists()


def test_family_applies_from_the_public_page_on_a_phone(phone, world):
    page = phone
    page.goto("/enroll/a1/")
    assert page.get_by_role("heading", level=1).inner_text() == "Provider a1"
    assert fits_the_screen(page)
    page.get_by_label("Apply now for a place").check()
    page.get_by_label("Your first name").fill("Dana")
    page.get_by_label("Your last name").fill("Rivera")
    page.get_by_label("E-mail").fill("dana@example.org")
    page.get_by_label("Child's first name").fill("Lio")
    page.get_by_label("Child's last name").fill("Rivera")
    page.get_by_label("Child's birth date").fill((date.today() - timedelta(days=500)).isoformat())  # noqa: DTZ011
    page.get_by_label("Tue").uncheck()
    page.get_by_label("Thu").uncheck()
    page.get_by_label("Classroom wanted").select_option(label="Toddlers (12 mo to 2 y 11 mo)")
    page.get_by_role("group", name=re.compile("Child Care Assistance")).get_by_label("No").check()
    page.get_by_role("button", name="Send to Provider a1").click()
    page.wait_for_url("**/enroll/a1/thanks/?applied=1")
    assert page.get_by_role("heading", level=1).inner_text() == "Thank you!"

    inquiry = Inquiry.objects.get(child__first_name="Lio")
    assert inquiry.stage == Stage.APPLICATION
    assert inquiry.desired_days == "MWF"
    assert inquiry.desired_classroom == world.a1.classroom
