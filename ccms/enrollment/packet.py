"""The enrollment packet: a link e-mailed to a guardian, who completes the child file, the
authorized pick-up list, an emergency contact, the consents and the tuition agreement, and signs
it all electronically. The signature keeps the exact text signed and its SHA-256."""

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import partial

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from ccms.core.models import AuditAction, AuditEvent
from ccms.core.services import save_audited
from ccms.enrollment.models import (
    WEEKDAYS,
    Enrollment,
    EnrollmentStatus,
    Inquiry,
    PacketInvitation,
    PacketSignature,
    Stage,
)
from ccms.families.models import (
    AuthorizedPickup,
    Child,
    ChildDocument,
    DocumentKind,
    EmergencyContact,
    Guardian,
)
from ccms.tenancy.models import Provider

# How long a packet link works. A new link for the same inquiry ends the older ones.
INVITATION_DAYS = 14
DAY_NAMES = {"M": "Monday", "T": "Tuesday", "W": "Wednesday", "R": "Thursday", "F": "Friday"}
SIGNED_NOTE = "Signed in the enrollment packet"
TUITION_UNKNOWN = "Tuition as agreed with the director."


class PacketClosed(Exception):
    """The link was already used or has expired; the message says which, for the guardian."""


# --- reading the state of a link ----------------------------------------------------------


def invitation_state(invitation: PacketInvitation, now: datetime | None = None) -> str:
    """ "signed", "expired" or "open"."""
    if invitation.completed_at is not None:
        return "signed"
    if invitation.expires_at <= (now or timezone.now()):
        return "expired"
    return "open"


def closed_message(invitation: PacketInvitation) -> str:
    """Why this link no longer opens a packet, in the guardian's words."""
    provider_tz = invitation.provider.tz
    if invitation.completed_at is not None:
        signed_on = timezone.localtime(invitation.completed_at, provider_tz).date()
        return f"This enrollment packet was already signed on {long_date(signed_on)}."
    expired_on = timezone.localtime(invitation.expires_at, provider_tz).date()
    return (
        f"This link expired on {long_date(expired_on)}. Ask the director for a new link; "
        "it will come by e-mail."
    )


def long_date(day: date) -> str:
    return f"{day:%B} {day.day}, {day.year}"


def local_today(provider: Provider) -> date:
    return timezone.localtime(timezone.now(), provider.tz).date()


def day_names(days: str) -> str:
    names = [DAY_NAMES[d] for d in WEEKDAYS if d in (days or "")]
    if len(names) == 5:
        return "Monday to Friday"
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def primary_guardian(inquiry: Inquiry, email: str = "") -> Guardian | None:
    """The guardian the packet is for: the one with the invitation's e-mail, else the first."""
    guardians = list(inquiry.family.guardians.all())
    for guardian in guardians:
        if email and guardian.email.lower() == email.lower():
            return guardian
    return guardians[0] if guardians else None


# --- the texts shown for signing and kept with the signature ------------------------------


def medical_consent_text(provider: Provider, child: Child) -> str:
    return (
        f"I authorize {provider.name} and its staff to obtain emergency medical care and "
        f"transportation for {child.first_name} {child.last_name} when I or the other guardians "
        "cannot be reached, and to share the child's health information with the treating "
        "medical staff. The family is responsible for the cost of that care."
    )


def photo_consent_text(provider: Provider, child: Child) -> str:
    return (
        f"{provider.name} may photograph {child.first_name} during activities and share the "
        "photos with the child's family and in the classroom. Photos are never published with "
        "the child's name."
    )


def tuition_terms(inquiry: Inquiry) -> str:
    """The tuition the family agrees to: the enrollment's rate when the director has set one."""
    enrollment = (
        Enrollment.objects.filter(
            child_id=inquiry.child_id,
            status=EnrollmentStatus.ACTIVE,
            tuition_amount__isnull=False,
        )
        .order_by("-start_date")
        .first()
    )
    if enrollment is None:
        return TUITION_UNKNOWN
    frequency = enrollment.get_tuition_frequency_display().lower() or "per period"
    return f"Tuition: ${enrollment.tuition_amount:,.2f} {frequency}."


def tuition_agreement_text(inquiry: Inquiry) -> str:
    provider, child = inquiry.provider, inquiry.child
    days = day_names(inquiry.desired_days) or "days to be agreed with the director"
    start = f" starting {long_date(inquiry.desired_start)}" if inquiry.desired_start else ""
    lines = [
        f"{provider.name} will care for {child.first_name} {child.last_name} on {days}{start}.",
        tuition_terms(inquiry),
        f"The family pays tuition for the scheduled days as billed by {provider.name}, under "
        "its written policies.",
    ]
    if inquiry.cca_family:
        lines.append(
            "Iowa Child Care Assistance: the family pays the family fee (co-pay) set by Iowa HHS. "
            "The difference between the private rate and the state rate is charged only under a "
            "separate written agreement signed before care."
        )
    return " ".join(lines)


SIGNATURE_STATEMENT = (
    "By typing my full name and checking “I agree” I sign this enrollment packet electronically. "
    "The information I gave is true and complete, and I agree to the consents and the tuition "
    "agreement above. My typed name has the same effect as a handwritten signature."
)


@dataclass
class PacketEntries:
    """What the guardian entered, already validated by the forms."""

    allergies: str = ""
    special_needs: bool = False
    health_care_source: str = ""
    medical_notes: str = ""
    guardian_relationship: str = ""
    guardian_address: str = ""
    guardian_phone: str = ""
    guardian_work_phone: str = ""
    pickups: list[dict] = field(default_factory=list)  # name, phone, relationship
    emergency_name: str = ""
    emergency_phone: str = ""
    emergency_relationship: str = ""
    medical_consent: bool = False
    photo_consent: bool = False


def build_packet_text(*, invitation: PacketInvitation, entries: PacketEntries) -> str:
    """The whole packet as one plain text: what the guardian signs and what is kept."""
    inquiry = invitation.inquiry
    provider, child = inquiry.provider, inquiry.child
    guardian = primary_guardian(inquiry, invitation.email)
    guardian_name = str(guardian) if guardian else ""
    place = ", ".join(p for p in (provider.get_kind_display(), provider.city) if p)

    def yes_no(value: bool) -> str:
        return "Yes" if value else "No"

    lines = [
        f"ENROLLMENT PACKET — {provider.name}",
        place,
        f"Child: {child.first_name} {child.last_name}, born {long_date(child.birth_date)}",
        f"Family: {inquiry.family.name}",
        "",
        "1. CHILD FILE",
        f"Allergies: {entries.allergies or 'None reported'}",
        f"Special needs: {yes_no(entries.special_needs)}",
        f"Regular health care source: {entries.health_care_source}",
        # Medical notes are encrypted in the child file; the signed text must not copy them.
        "Medical notes: "
        + ("given, kept in the child file" if entries.medical_notes.strip() else "none"),
        f"Guardian: {guardian_name}"
        + (f" ({entries.guardian_relationship})" if entries.guardian_relationship else ""),
        f"Address: {entries.guardian_address}",
        f"Phone: {entries.guardian_phone}",
        f"Work contact: {entries.guardian_work_phone or 'None given'}",
        "",
        "2. AUTHORIZED PICK-UP LIST",
        f"Besides the guardians, I authorize these people to pick up {child.first_name}:",
        *(f"- {p['name']} ({p['relationship']}), {p['phone']}" for p in entries.pickups),
        "",
        "3. EMERGENCY CONTACT",
        f"{entries.emergency_name} ({entries.emergency_relationship}), {entries.emergency_phone}",
        "",
        "4. CONSENTS",
        f"Medical consent: {medical_consent_text(provider, child)}",
        f"Given: {yes_no(entries.medical_consent)}",
        f"Photo consent: {photo_consent_text(provider, child)}",
        f"Given: {yes_no(entries.photo_consent)}",
        "",
        "5. TUITION AGREEMENT",
        tuition_agreement_text(inquiry),
        "",
        "6. SIGNATURE",
        SIGNATURE_STATEMENT,
    ]
    return "\n".join(lines) + "\n"


def document_version(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def name_matches_guardian(typed_name: str, guardians) -> bool:
    """Loose: the typed name contains a guardian's first or last name, ignoring case."""
    typed = " ".join(typed_name.split()).casefold()
    if not typed:
        return False
    for guardian in guardians:
        for part in (guardian.first_name, guardian.last_name):
            part = part.strip().casefold()
            if part and part in typed:
                return True
    return False


# --- writes -------------------------------------------------------------------------------


def _audit(
    *, provider: Provider, actor, object_type: str, object_id: int, object_repr: str, reason: str
) -> None:
    """Invitations and signatures keep no history rows, so they write their audit entry here."""
    user = actor if getattr(actor, "pk", None) else None
    AuditEvent.objects.create(
        at=timezone.now(),
        actor=user,
        actor_label=user.email if user else "guardian (packet link)",
        alliance_id=provider.alliance_id,
        provider_id=provider.pk,
        action=AuditAction.CREATED,
        object_type=object_type,
        object_id=str(object_id),
        object_repr=object_repr[:200],
        reason=reason,
    )


@transaction.atomic
def invite_guardian_to_packet(
    *, inquiry: Inquiry, email: str, actor, base_url: str
) -> PacketInvitation:
    """Create a packet link for the inquiry's family and e-mail it once the row is committed.
    `base_url` is the site's scheme and host, e.g. https://ccms.example.org."""
    inquiry = (
        Inquiry.objects.select_for_update(of=("self",))
        .select_related("provider", "child")
        .get(pk=inquiry.pk)
    )
    if inquiry.stage in (Stage.CLOSED, Stage.WITHDRAWN):
        raise ValidationError(
            f"This inquiry is {inquiry.get_stage_display().lower()}; reopen it before sending "
            "the enrollment packet."
        )
    now = timezone.now()
    # Only the newest link works, so a link sent to a mistyped address dies with the resend.
    PacketInvitation.objects.filter(
        inquiry=inquiry, completed_at__isnull=True, expires_at__gt=now
    ).update(expires_at=now)
    invitation = PacketInvitation(
        provider_id=inquiry.provider_id,
        inquiry=inquiry,
        email=email,
        token=secrets.token_urlsafe(32),
        created_by=actor if getattr(actor, "pk", None) else None,
        expires_at=now + timedelta(days=INVITATION_DAYS),
    )
    invitation.full_clean()
    invitation.save()
    _audit(
        provider=inquiry.provider,
        actor=actor,
        object_type="Packet invitation",
        object_id=invitation.pk,
        object_repr=f"Enrollment packet link for {inquiry.child}",
        reason=f"Enrollment packet link for {inquiry.child} sent to {email}",
    )
    link = base_url.rstrip("/") + reverse("packet", args=[invitation.token])
    # robust: a mail server that is down must not turn a saved invitation into an error page.
    transaction.on_commit(
        partial(send_packet_email, invitation_id=invitation.pk, link=link), robust=True
    )
    return invitation


def send_packet_email(*, invitation_id: int, link: str) -> None:
    invitation = PacketInvitation.objects.select_related(
        "provider", "inquiry__child", "inquiry__provider"
    ).get(pk=invitation_id)
    provider, child = invitation.provider, invitation.inquiry.child
    expires_on = timezone.localtime(invitation.expires_at, provider.tz).date()
    body = (
        f"Hello,\n\n{provider.name} invites you to complete the enrollment packet for "
        f"{child.first_name}: the child file, the people who may pick {child.first_name} up, "
        "an emergency contact, the consents and the tuition agreement, signed online.\n\n"
        f"Open this link on your phone or computer (no account needed):\n{link}\n\n"
        f"The link works until {long_date(expires_on)} and only for you: please do not "
        f"forward it.\n\n{provider.name}\n"
    )
    send_mail(
        subject=f"Enrollment packet for {child.first_name} at {provider.name}",
        message=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[invitation.email],
    )


def _upsert_pickup(child: Child, row: dict, signed_on: date, reason: str) -> None:
    pickup = AuthorizedPickup.objects.filter(child=child, name__iexact=row["name"]).first()
    pickup = pickup or AuthorizedPickup(provider_id=child.provider_id, child=child)
    pickup.name = row["name"]
    pickup.phone = row["phone"]
    pickup.relationship = row["relationship"]
    pickup.signed_on = signed_on
    save_audited(pickup, actor=None, reason=reason)


@transaction.atomic
def complete_packet(
    *,
    invitation: PacketInvitation,
    entries: PacketEntries,
    typed_name: str,
    ip_address: str,
    user_agent: str = "",
) -> PacketSignature:
    """Write the child file from the packet and keep the signature with the exact text signed.
    Refuses a link that was used or has expired (PacketClosed)."""
    invitation = (
        PacketInvitation.objects.select_for_update(of=("self",))
        .select_related("provider", "inquiry__provider", "inquiry__child", "inquiry__family")
        .get(pk=invitation.pk)
    )
    if invitation_state(invitation) != "open":
        raise PacketClosed(closed_message(invitation))
    inquiry = invitation.inquiry
    provider, child, family = inquiry.provider, inquiry.child, inquiry.family
    guardians = list(family.guardians.all())
    typed_name = " ".join(typed_name.split())
    if not name_matches_guardian(typed_name, guardians):
        raise ValidationError(
            {"typed_name": "Type your full name as it is on file as a guardian of this child."}
        )
    if not entries.medical_consent:
        raise ValidationError({"medical_consent": "The medical consent is required for care."})
    if not entries.pickups:
        raise ValidationError("List at least one person who may pick the child up.")

    reason = f"Enrollment packet signed by {typed_name}"
    today = local_today(provider)

    child.allergies = entries.allergies
    child.special_needs = entries.special_needs
    child.health_care_source = entries.health_care_source
    child.medical_notes = entries.medical_notes
    save_audited(
        child,
        actor=None,
        reason=reason,
        update_fields=["allergies", "special_needs", "health_care_source", "medical_notes"],
    )
    guardian = primary_guardian(inquiry, invitation.email)
    if guardian is not None:
        guardian.relationship = entries.guardian_relationship or guardian.relationship
        guardian.address = entries.guardian_address
        guardian.phone = entries.guardian_phone
        guardian.work_phone = entries.guardian_work_phone
        save_audited(
            guardian,
            actor=None,
            reason=reason,
            update_fields=["relationship", "address", "phone", "work_phone"],
        )
    for row in entries.pickups:
        _upsert_pickup(child, row, today, reason)
    contact = EmergencyContact.objects.filter(
        family=family, name__iexact=entries.emergency_name
    ).first() or EmergencyContact(provider_id=provider.pk, family=family)
    contact.name = entries.emergency_name
    contact.phone = entries.emergency_phone
    contact.relationship = entries.emergency_relationship
    save_audited(contact, actor=None, reason=reason)
    for kind in (DocumentKind.MEDICAL_CONSENT, DocumentKind.PICKUP_LIST):
        document = ChildDocument(
            provider_id=provider.pk, child=child, kind=kind, issued_on=today, note=SIGNED_NOTE
        )
        save_audited(document, actor=None, reason=reason)

    text = build_packet_text(invitation=invitation, entries=entries)
    signature = PacketSignature(
        provider_id=provider.pk,
        invitation=invitation,
        typed_name=typed_name,
        signed_at=timezone.now(),
        ip_address=ip_address,
        user_agent=user_agent[:300],
        document_text=text,
        document_version=document_version(text),
    )
    signature.full_clean()
    signature.save()
    invitation.completed_at = signature.signed_at
    invitation.save(update_fields=["completed_at"])
    _audit(
        provider=provider,
        actor=None,
        object_type="Packet signature",
        object_id=signature.pk,
        object_repr=f"Enrollment packet for {child}, signed by {typed_name}",
        reason=f"{reason} (document {signature.document_version[:12]})",
    )
    transaction.on_commit(partial(send_signed_copy, signature_id=signature.pk), robust=True)
    return signature


def send_signed_copy(*, signature_id: int) -> None:
    """The guardian keeps a copy of what they signed."""
    signature = PacketSignature.objects.select_related(
        "provider", "invitation__inquiry__child"
    ).get(pk=signature_id)
    provider = signature.provider
    child = signature.invitation.inquiry.child
    signed_at = timezone.localtime(signature.signed_at, provider.tz)
    body = (
        f"Thank you. This is your copy of the enrollment packet for {child.first_name}, signed "
        f"by {signature.typed_name} on {long_date(signed_at.date())} at {signed_at:%H:%M}.\n"
        f"Document fingerprint (SHA-256): {signature.document_version}\n\n"
        f"{signature.document_text}"
    )
    send_mail(
        subject=f"Your signed enrollment packet for {child.first_name} at {provider.name}",
        message=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[signature.invitation.email],
    )
