"""The public inquiry page, sending the packet link, and the guardian completing and signing the
enrollment packet, all through the HTTP layer."""

import hashlib
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from ccms.enrollment import packet as packet_services
from ccms.enrollment import registration
from ccms.enrollment.models import Inquiry, PacketInvitation, PacketSignature, Stage
from ccms.enrollment.services import enroll_child, move_inquiry, record_inquiry
from ccms.families.models import (
    AuthorizedPickup,
    Child,
    ChildDocument,
    EmergencyContact,
    Family,
    Guardian,
)
from ccms.tenancy.models import Role

TODAY = date.today()  # noqa: DTZ011 (tests run in the provider's zone)


@pytest.fixture(autouse=True)
def empty_rate_limit_counters():
    cache.clear()
    yield
    cache.clear()


def inquiry_form(**overrides) -> dict:
    data = {
        "intent": "inquiry",
        "guardian_first_name": "Dana",
        "guardian_last_name": "Rivera",
        "email": "dana@example.org",
        "phone": "515-555-0142",
        "child_first_name": "Lio",
        "child_last_name": "Rivera",
        "birth_date": (TODAY - timedelta(days=400)).isoformat(),
        "desired_start": (TODAY + timedelta(days=30)).isoformat(),
        "desired_days": ["M", "W", "F"],
        "desired_classroom": "",
        "cca_family": "yes",
        "message": "Mornings only if possible.",
        "website": "",
    }
    data.update(overrides)
    return data


def counts() -> tuple[int, ...]:
    return tuple(m.objects.count() for m in (Family, Guardian, Child, Inquiry))


# --- the public page ----------------------------------------------------------------------


def test_public_page_shows_the_provider_and_its_classrooms_but_no_children(client, world):
    world.a1.provider.city = "Ames"
    world.a1.provider.public_intro = "A warm place to grow."
    world.a1.provider.save()
    response = client.get("/enroll/a1/")
    body = response.content.decode()
    assert response.status_code == 200
    for text in ("Provider a1", "Licensed center", "Ames", "A warm place to grow.", "Toddlers"):
        assert text in body
    assert "ages 12 mo to 2 y 11 mo" in body
    assert world.a1.child.first_name not in body
    assert world.a1.other_child.first_name not in body
    assert 'name="csrfmiddlewaretoken"' in body


def test_unknown_provider_is_404(client, world):
    assert client.get("/enroll/no-such-provider/").status_code == 404
    assert client.post("/enroll/no-such-provider/", inquiry_form()).status_code == 404
    assert client.get("/enroll/no-such-provider/thanks/").status_code == 404


def test_inquiry_creates_the_family_guardian_child_and_inquiry(client, world):
    room = world.a1.classroom
    response = client.post("/enroll/a1/", inquiry_form(desired_classroom=room.pk))
    assert response.status_code == 302
    assert response["Location"] == "/enroll/a1/thanks/"

    inquiry = Inquiry.objects.get(child__first_name="Lio")
    assert inquiry.provider == world.a1.provider
    assert inquiry.stage == Stage.INQUIRY
    assert inquiry.source == "web"
    assert inquiry.desired_days == "MWF"
    assert inquiry.desired_classroom == room
    assert inquiry.cca_family is True
    assert inquiry.notes == "Mornings only if possible."
    assert inquiry.applied_on is None
    guardian = inquiry.family.guardians.get()
    assert (guardian.first_name, guardian.last_name) == ("Dana", "Rivera")
    assert guardian.email == "dana@example.org"
    assert guardian.phone == "(515) 555-0142"
    assert inquiry.child.family == inquiry.family
    assert inquiry.family.provider == world.a1.provider

    thanks = client.get(response["Location"]).content.decode()
    assert "Your <strong>inquiry</strong> has reached Provider a1" in thanks


def test_apply_now_records_an_application(client, world):
    response = client.post("/enroll/a1/", inquiry_form(intent="application", cca_family="no"))
    assert response["Location"] == "/enroll/a1/thanks/?applied=1"
    inquiry = Inquiry.objects.get(child__first_name="Lio")
    assert inquiry.stage == Stage.APPLICATION
    assert inquiry.applied_on is not None
    assert inquiry.cca_family is False
    assert list(inquiry.stage_changes.values_list("to_stage", flat=True)) == [
        Stage.INQUIRY,
        Stage.APPLICATION,
    ]
    assert "Your <strong>application</strong>" in client.get(response["Location"]).content.decode()


def test_filled_honeypot_is_refused_and_writes_nothing(client, world):
    before = counts()
    response = client.post("/enroll/a1/", inquiry_form(website="http://spam.example"))
    assert response.status_code == 400
    assert "the form looked automated" in response.content.decode()
    assert counts() == before


def test_bad_input_shows_each_error_and_writes_nothing(client, world):
    before = counts()
    response = client.post(
        "/enroll/a1/",
        inquiry_form(
            guardian_first_name="",
            email="not-an-email",
            phone="12",
            desired_days=[],
            birth_date=(TODAY + timedelta(days=400)).isoformat(),
            desired_start=(TODAY - timedelta(days=1)).isoformat(),
            cca_family="",
        ),
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert "Please fix the 7 highlighted fields below." in body
    for message in (
        "This field is required.",
        "Enter a valid email address.",
        "Enter a phone number with area code",
        "Choose at least one day.",
        "give the birth date or the due date",
        "The start date cannot be in the past.",
    ):
        assert message in body
    # What was typed is kept.
    assert 'value="Rivera"' in body
    assert counts() == before


def test_another_providers_classroom_cannot_be_chosen(client, world):
    before = counts()
    response = client.post("/enroll/a1/", inquiry_form(desired_classroom=world.b1.classroom.pk))
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert counts() == before


def test_posts_beyond_the_hourly_allowance_are_refused(client, world, monkeypatch):
    monkeypatch.setattr(registration, "PUBLIC_POSTS_PER_HOUR", 2)
    assert client.post("/enroll/a1/", inquiry_form()).status_code == 302
    assert client.post("/enroll/a1/", inquiry_form(child_first_name="Mia")).status_code == 302
    before = counts()
    response = client.post("/enroll/a1/", inquiry_form(child_first_name="Noa"))
    assert response.status_code == 429
    assert "Too many tries" in response.content.decode()
    assert counts() == before
    # Another connection still gets through.
    other = client.post("/enroll/a1/", inquiry_form(), REMOTE_ADDR="192.0.2.7")
    assert other.status_code == 302


def test_the_public_form_needs_its_csrf_token(world):
    response = Client(enforce_csrf_checks=True).post("/enroll/a1/", inquiry_form())
    assert response.status_code == 403
    assert not Inquiry.objects.filter(child__first_name="Lio").exists()


# --- sending the packet link --------------------------------------------------------------


def web_inquiry(tenant, **overrides) -> Inquiry:
    arguments = {
        "provider": tenant.provider,
        "guardian_first_name": "Dana",
        "guardian_last_name": "Rivera",
        "email": "dana@example.org",
        "phone": "(515) 555-0142",
        "child_first_name": "Lio",
        "child_last_name": "Rivera",
        "birth_date": TODAY - timedelta(days=400),
        "desired_start": TODAY + timedelta(days=30),
        "desired_days": "MWF",
        "source": "web",
    }
    arguments.update(overrides)
    return record_inquiry(**arguments)


def invite_url(inquiry) -> str:
    return f"/p/{inquiry.provider.slug}/enrollment/inquiries/{inquiry.pk}/invite/"


@pytest.mark.parametrize("who", ["director", "hub_staff"])
def test_director_or_hub_staff_sends_the_packet_link(
    client, world, who, django_capture_on_commit_callbacks, mailoutbox
):
    inquiry = web_inquiry(world.a1)
    user = (
        world.a1.users[Role.DIRECTOR]
        if who == "director"
        else world.alliance_users[("alpha", Role.HUB_STAFF)]
    )
    client.force_login(user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(invite_url(inquiry), {"email": "dana@example.org"})
    assert response.status_code == 302
    assert response["Location"] == f"/p/a1/enrollment/inquiries/{inquiry.pk}/"

    invitation = PacketInvitation.objects.get(inquiry=inquiry)
    assert invitation.provider == world.a1.provider
    assert invitation.created_by == user
    assert len(invitation.token) >= 43
    assert invitation.completed_at is None
    lifetime = invitation.expires_at - timezone.now()
    assert timedelta(days=13, hours=23) < lifetime <= timedelta(days=14)

    (mail,) = mailoutbox
    assert mail.to == ["dana@example.org"]
    assert mail.subject == "Enrollment packet for Lio at Provider a1"
    assert f"http://testserver/packet/{invitation.token}/" in mail.body


def test_no_mail_leaves_before_the_invitation_is_committed(
    client, world, django_capture_on_commit_callbacks, mailoutbox
):
    inquiry = web_inquiry(world.a1)
    client.force_login(world.a1.users[Role.DIRECTOR])
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        client.post(invite_url(inquiry), {"email": "dana@example.org"})
    assert mailoutbox == []
    assert len(callbacks) == 1


def test_htmx_invite_answers_with_the_panel(client, world, django_capture_on_commit_callbacks):
    inquiry = web_inquiry(world.a1)
    client.force_login(world.a1.users[Role.DIRECTOR])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            invite_url(inquiry), {"email": "dana@example.org"}, HTTP_HX_REQUEST="true"
        )
    body = response.content.decode()
    assert response.status_code == 200
    assert 'id="packet-panel"' in body
    assert "Link sent to dana@example.org." in body
    assert "Waiting for the guardian" in body
    assert "Send a new link" in body


def test_invitation_needs_a_director_or_hub_staff_of_that_provider(client, world):
    inquiry = web_inquiry(world.a1)
    for outsider in (
        world.a2.users[Role.DIRECTOR],
        world.b1.users[Role.DIRECTOR],
        world.alliance_users[("beta", Role.HUB_STAFF)],
    ):
        client.force_login(outsider)
        assert client.post(invite_url(inquiry), {"email": "x@example.org"}).status_code == 404
    for role in (Role.STAFF, Role.CONSULTANT, Role.GUARDIAN):
        client.force_login(world.a1.users[role])
        assert client.post(invite_url(inquiry), {"email": "x@example.org"}).status_code == 403
    client.logout()
    response = client.post(invite_url(inquiry), {"email": "x@example.org"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert not PacketInvitation.objects.exists()


def test_invite_is_post_only_and_checks_the_email(client, world):
    inquiry = web_inquiry(world.a1)
    client.force_login(world.a1.users[Role.DIRECTOR])
    assert client.get(invite_url(inquiry)).status_code == 405
    response = client.post(invite_url(inquiry), {"email": "nope"}, follow=True)
    assert "The link was not sent: Enter a valid email address." in response.content.decode()
    assert not PacketInvitation.objects.exists()


def test_a_new_link_ends_the_earlier_unsigned_one(client, world):
    inquiry = web_inquiry(world.a1)
    client.force_login(world.a1.users[Role.DIRECTOR])
    client.post(invite_url(inquiry), {"email": "dana@exmaple.org"})
    panel = client.post(invite_url(inquiry), {"email": "dana@example.org"}, HTTP_HX_REQUEST="true")
    assert "Replaced by a newer link" in panel.content.decode()
    first, second = PacketInvitation.objects.order_by("pk")
    assert packet_services.invitation_state(first) == "expired"
    assert packet_services.invitation_state(second) == "open"
    assert client.get(f"/packet/{first.token}/").status_code == 410


def test_a_closed_inquiry_gets_no_packet_link(client, world):
    inquiry = web_inquiry(world.a1)
    move_inquiry(inquiry=inquiry, to_stage=Stage.CLOSED, actor=None)
    client.force_login(world.a1.users[Role.DIRECTOR])
    response = client.post(invite_url(inquiry), {"email": "dana@example.org"}, follow=True)
    assert "reopen it before sending" in response.content.decode()
    assert not PacketInvitation.objects.exists()


# --- the guardian completes the packet -----------------------------------------------------


def invitation_for(tenant, **overrides) -> PacketInvitation:
    inquiry = web_inquiry(tenant, **overrides)
    return packet_services.invite_guardian_to_packet(
        inquiry=inquiry,
        email="dana@example.org",
        actor=tenant.users[Role.DIRECTOR],
        base_url="http://testserver",
    )


def packet_post(**overrides) -> dict:
    data = {
        "child-allergies": "Peanuts",
        "child-special_needs": "",
        "child-health_care_source": "Ames Family Clinic, 515-555-0100",
        "child-medical_notes": "Inhaler in the backpack",
        "guardian-relationship": "Mother",
        "guardian-address": "12 Elm St, Ames IA 50010",
        "guardian-phone": "515 555 0142",
        "guardian-work_phone": "Iowa State University, 515-555-0190",
        "pickup-TOTAL_FORMS": "3",
        "pickup-INITIAL_FORMS": "0",
        "pickup-MIN_NUM_FORMS": "0",
        "pickup-MAX_NUM_FORMS": "3",
        "pickup-0-name": "Rosa Rivera",
        "pickup-0-relationship": "Grandmother",
        "pickup-0-phone": "515-555-0177",
        "pickup-1-name": "",
        "pickup-1-relationship": "",
        "pickup-1-phone": "",
        "pickup-2-name": "",
        "pickup-2-relationship": "",
        "pickup-2-phone": "",
        "emergency-name": "Sam Lee",
        "emergency-relationship": "Neighbour",
        "emergency-phone": "515-555-0166",
        "consent-medical_consent": "on",
        "consent-photo_consent": "on",
        "sign-typed_name": "Dana M. Rivera",
        "sign-agree": "on",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def written_rows() -> tuple[int, ...]:
    return tuple(
        m.objects.count()
        for m in (AuthorizedPickup, EmergencyContact, ChildDocument, PacketSignature)
    )


def test_the_packet_shows_the_child_the_texts_and_no_other_family(client, world):
    invitation = invitation_for(world.a1)
    response = client.get(f"/packet/{invitation.token}/")
    body = response.content.decode()
    assert response.status_code == 200
    assert response["Cache-Control"].startswith("max-age=0")
    assert "Enrollment packet for Lio Rivera" in body
    assert "Monday, Wednesday and Friday" in body
    assert packet_services.TUITION_UNKNOWN in body
    assert "I authorize Provider a1" in body
    assert world.a1.child.first_name not in body


def test_completing_the_packet_writes_the_child_file_and_the_signature(
    client, world, django_capture_on_commit_callbacks, mailoutbox
):
    invitation = invitation_for(world.a1)
    url = f"/packet/{invitation.token}/"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, packet_post(), HTTP_USER_AGENT="PhoneBrowser/1.0")
    assert response.status_code == 302
    assert response["Location"] == f"{url}signed/"

    child = Child.objects.get(pk=invitation.inquiry.child_id)
    assert child.allergies == "Peanuts"
    assert child.health_care_source == "Ames Family Clinic, 515-555-0100"
    assert child.medical_notes == "Inhaler in the backpack"
    guardian = child.family.guardians.get()
    assert guardian.address == "12 Elm St, Ames IA 50010"
    assert guardian.phone == "(515) 555-0142"
    assert guardian.relationship == "Mother"
    assert guardian.work_phone == "Iowa State University, 515-555-0190"
    today = packet_services.local_today(world.a1.provider)
    (pickup,) = child.authorized_pickups.all()
    assert (pickup.name, pickup.relationship, pickup.phone, pickup.signed_on) == (
        "Rosa Rivera",
        "Grandmother",
        "(515) 555-0177",
        today,
    )
    (contact,) = child.family.emergency_contacts.all()
    assert (contact.name, contact.relationship, contact.phone) == (
        "Sam Lee",
        "Neighbour",
        "(515) 555-0166",
    )
    documents = {d.kind: d for d in child.documents.all()}
    assert set(documents) == {"medical_consent", "pickup_list"}
    for document in documents.values():
        assert document.issued_on == today
        assert document.note == "Signed in the enrollment packet"
        assert document.provider == world.a1.provider

    signature = PacketSignature.objects.get(invitation=invitation)
    assert signature.typed_name == "Dana M. Rivera"
    assert signature.ip_address == "127.0.0.1"
    assert signature.user_agent == "PhoneBrowser/1.0"
    assert signature.signed_at.utcoffset() == timedelta(0)
    text = signature.document_text
    assert signature.document_version == hashlib.sha256(text.encode("utf-8")).hexdigest()
    for entered in (
        "Lio Rivera",
        "Peanuts",
        "12 Elm St, Ames IA 50010",
        "- Rosa Rivera (Grandmother), (515) 555-0177",
        "Sam Lee (Neighbour), (515) 555-0166",
        "Medical consent: I authorize Provider a1",
        packet_services.TUITION_UNKNOWN,
    ):
        assert entered in text
    # Medical notes stay encrypted in the child file, never copied into the signed text.
    assert "Inhaler" not in text
    invitation.refresh_from_db()
    assert invitation.completed_at == signature.signed_at

    confirmation = client.get(response["Location"]).content.decode()
    assert "Thank you, the packet is signed" in confirmation
    assert signature.document_version in confirmation
    copy = mailoutbox[-1]
    assert copy.to == ["dana@example.org"]
    assert signature.document_text in copy.body


def test_the_same_link_cannot_sign_twice(client, world):
    invitation = invitation_for(world.a1)
    url = f"/packet/{invitation.token}/"
    assert client.post(url, packet_post()).status_code == 302
    before = written_rows()
    again = client.post(url, packet_post(**{"pickup-0-name": "Someone Else"}))
    signed_on = packet_services.long_date(packet_services.local_today(world.a1.provider))
    assert again.status_code == 410
    assert f"already signed on {signed_on}" in again.content.decode()
    assert written_rows() == before
    assert client.get(url).status_code == 410


def test_the_confirmation_is_shown_only_to_the_browser_that_signed(client, world):
    invitation = invitation_for(world.a1)
    client.post(f"/packet/{invitation.token}/", packet_post())
    stranger = Client().get(f"/packet/{invitation.token}/signed/")
    assert stranger.status_code == 410
    assert "12 Elm St" not in stranger.content.decode()


def test_an_expired_link_is_refused(client, world):
    invitation = invitation_for(world.a1)
    invitation.expires_at = timezone.now() - timedelta(minutes=1)
    invitation.save(update_fields=["expires_at"])
    url = f"/packet/{invitation.token}/"
    response = client.get(url)
    assert response.status_code == 410
    assert "This link expired on" in response.content.decode()
    assert "Lio" not in response.content.decode()
    before = written_rows()
    assert client.post(url, packet_post()).status_code == 410
    assert written_rows() == before


def test_an_unknown_link_is_404(client, world):
    assert client.get("/packet/not-a-real-token/").status_code == 404
    assert client.post("/packet/not-a-real-token/", packet_post()).status_code == 404
    assert client.get("/packet/not-a-real-token/signed/").status_code == 404


def test_a_name_that_is_no_guardians_is_refused(client, world):
    invitation = invitation_for(world.a1)
    before = written_rows()
    response = client.post(
        f"/packet/{invitation.token}/", packet_post(**{"sign-typed_name": "Chris Smith"})
    )
    assert response.status_code == 400
    assert "This name does not match a guardian on file." in response.content.decode()
    assert written_rows() == before
    assert Child.objects.get(pk=invitation.inquiry.child_id).allergies == ""


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"pickup-0-name": "", "pickup-0-relationship": "", "pickup-0-phone": ""}, "at least one"),
        ({"pickup-1-name": "Half Row"}, "Fill this in, or clear the whole row."),
        ({"consent-medical_consent": None}, "The medical consent is required for care."),
        ({"sign-agree": None}, "Check “I agree” to sign."),
        ({"emergency-phone": ""}, "This field is required."),
        ({"child-health_care_source": ""}, "This field is required."),
    ],
)
def test_an_incomplete_packet_saves_nothing(client, world, overrides, message):
    invitation = invitation_for(world.a1)
    before = written_rows()
    response = client.post(f"/packet/{invitation.token}/", packet_post(**overrides))
    body = response.content.decode()
    assert response.status_code == 400
    assert message in body
    assert "Nothing was saved yet." in body
    assert written_rows() == before
    invitation.refresh_from_db()
    assert invitation.completed_at is None


def test_tuition_agreement_uses_the_enrollment_rate_once_set(world):
    invitation = invitation_for(world.a1, desired_days="MTWRF")
    inquiry = invitation.inquiry
    enroll_child(
        child=inquiry.child,
        classroom=world.a1.classroom,
        start_date=TODAY,
        tuition_amount=Decimal("245.00"),
        tuition_frequency="weekly",
    )
    text = packet_services.tuition_agreement_text(inquiry)
    assert "Provider a1 will care for Lio Rivera on Monday to Friday" in text
    assert "Tuition: $245.00 weekly." in text
    assert packet_services.TUITION_UNKNOWN not in text


def test_cca_families_are_told_how_the_difference_is_charged(world):
    invitation = invitation_for(world.a1, cca_family=True)
    text = packet_services.tuition_agreement_text(invitation.inquiry)
    assert "only under a separate written agreement" in text


def test_staff_see_the_signed_packet_and_whether_its_text_is_intact(client, world):
    invitation = invitation_for(world.a1)
    client.post(f"/packet/{invitation.token}/", packet_post())
    director = Client()
    director.force_login(world.a1.users[Role.DIRECTOR])
    url = f"/p/a1/enrollment/inquiries/{invitation.inquiry_id}/packet/"
    body = director.get(url).content.decode()
    assert "Signed by Dana M. Rivera" in body
    assert "text unchanged" in body
    PacketSignature.objects.update(document_text="tampered")
    assert "text does not match" in director.get(url).content.decode()
    director.force_login(world.a1.users[Role.STAFF])
    assert director.get(url).status_code == 403
