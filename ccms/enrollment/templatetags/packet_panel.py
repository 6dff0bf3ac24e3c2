"""`{% packet_panel inquiry as panel %}`: the packet links of an inquiry, for the invite panel
that the inquiry page includes with only `access` and `inquiry` in its context."""

from dataclasses import dataclass
from datetime import timedelta

from django import template
from django.utils import timezone

from ccms.enrollment.models import Inquiry, PacketInvitation
from ccms.enrollment.packet import INVITATION_DAYS, invitation_state, primary_guardian

register = template.Library()

STATE_LABELS = {"signed": "Signed", "expired": "Expired", "open": "Waiting for the guardian"}
STATE_BADGES = {"signed": "good", "expired": "bad", "open": "warn"}


@dataclass
class InvitationRow:
    invitation: PacketInvitation
    state: str
    label: str
    badge: str


@dataclass
class PacketPanel:
    rows: list[InvitationRow]
    default_email: str
    any_signed: bool


def _replaced(invitation: PacketInvitation) -> bool:
    """A resend ends the open link early; one that ran its full time simply expired."""
    full_term = invitation.created_at + timedelta(days=INVITATION_DAYS)
    return invitation.expires_at < full_term - timedelta(minutes=1)


@register.simple_tag
def packet_panel(inquiry: Inquiry) -> PacketPanel:
    now = timezone.now()
    invitations = inquiry.invitations.select_related("signature", "created_by").order_by(
        "-created_at"
    )
    rows = []
    for invitation in invitations:
        state = invitation_state(invitation, now)
        label = STATE_LABELS[state]
        if state == "expired" and _replaced(invitation):
            label = "Replaced by a newer link"
        rows.append(InvitationRow(invitation, state, label, STATE_BADGES[state]))
    guardian = primary_guardian(inquiry)
    email = (guardian.email if guardian else "") or inquiry.family.email
    if rows:
        email = rows[0].invitation.email
    return PacketPanel(rows, email, any(r.state == "signed" for r in rows))
