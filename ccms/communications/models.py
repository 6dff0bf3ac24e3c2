"""The communications plan: stakeholders, audiences, messages with their channels, approval and
release time, who each message reached and read, the replies that come back, and the e-mail log.

A message belongs to its alliance, and to one provider when that provider wrote it (a provider
messages its own families). Recipients are resolved when the message is released, never before."""

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from simple_history.models import HistoricalRecords

from ccms.tenancy.models import Alliance, Provider, ProviderKind, Role


class StakeholderKind(models.TextChoices):
    AGENCY = "agency", "Agency"
    PARTNER = "partner", "Partner"
    PROVIDER = "provider", "Provider"
    FAMILY = "family", "Family"
    PUBLIC = "public", "Public"


class Stakeholder(models.Model):
    """Someone the alliance keeps informed: a state agency, a funder, a partner, the public."""

    alliance = models.ForeignKey(Alliance, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=10, choices=StakeholderKind.choices)
    email = models.EmailField("contact e-mail", blank=True)
    notes = models.TextField(blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint("alliance", Lower("name"), name="comms_stakeholder_name_unique")
        ]

    def __str__(self):
        return self.name


# Roles an audience may name. Guardians are reached through "families", with their e-mails.
AUDIENCE_ROLES = [
    (Role.DIRECTOR.value, "Directors and owners"),
    (Role.STAFF.value, "Staff and teachers"),
    (Role.HUB_STAFF.value, "Hub staff"),
    (Role.CONSULTANT.value, "Financial consultants"),
    (Role.ALLIANCE_ADMIN.value, "Alliance admins"),
]


class Audience(models.Model):
    """A named audience defined by rules, resolved to people when a message is released.

    An alliance audience (provider empty) reaches people at the alliance's providers: those
    holding one of `roles` at providers of one of `provider_kinds` (all kinds when empty) or at
    the chosen `providers`, the families of those providers, and the chosen stakeholders.
    A provider's audience reaches only that provider's people."""

    alliance = models.ForeignKey(Alliance, on_delete=models.CASCADE, related_name="+")
    provider = models.ForeignKey(
        Provider, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    name = models.CharField(max_length=120)
    description = models.CharField(max_length=300, blank=True)
    roles = models.JSONField(default=list, blank=True)
    provider_kinds = models.JSONField(default=list, blank=True)
    providers = models.ManyToManyField(Provider, blank=True, related_name="+")
    families = models.BooleanField(
        "families", default=False, help_text="Guardians of the children at these providers."
    )
    stakeholders = models.ManyToManyField(Stakeholder, blank=True, related_name="audiences")
    history = HistoricalRecords(m2m_fields=[providers, stakeholders])

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                "alliance", "provider", Lower("name"), name="comms_audience_name_unique"
            )
        ]

    def __str__(self):
        return self.name

    def role_labels(self) -> list[str]:
        labels = dict(AUDIENCE_ROLES)
        return [labels.get(r, r) for r in self.roles]

    def kind_labels(self) -> list[str]:
        labels = dict(ProviderKind.choices)
        return [labels.get(k, k) for k in self.provider_kinds]


class MessageStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    AWAITING_APPROVAL = "awaiting_approval", "Awaiting approval"
    SCHEDULED = "scheduled", "Approved, scheduled"
    RELEASED = "released", "Released"
    CANCELLED = "cancelled", "Cancelled"


class Message(models.Model):
    """What the alliance (or one provider) tells an audience, on one or more channels, at a
    release time. Only an approved (scheduled) message is ever released."""

    alliance = models.ForeignKey(Alliance, on_delete=models.CASCADE, related_name="+")
    provider = models.ForeignKey(
        Provider,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text="The provider that sends it; empty for the alliance's own messages.",
    )
    audience = models.ForeignKey(
        Audience, null=True, blank=True, on_delete=models.PROTECT, related_name="messages"
    )
    subject = models.CharField(max_length=200)
    body = models.TextField()
    by_email = models.BooleanField("e-mail", default=False)
    in_app = models.BooleanField("in-app notice", default=True)
    on_news = models.BooleanField("public news page", default=False)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(
        max_length=20, choices=MessageStatus.choices, default=MessageStatus.DRAFT
    )
    release_at = models.DateTimeField("release time")
    released_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-release_at", "-pk"]
        indexes = [
            models.Index(fields=["status", "release_at"], name="comms_message_due"),
            models.Index(
                fields=["alliance", "provider", "-release_at"], name="comms_message_owner"
            ),
        ]

    def __str__(self):
        return self.subject

    @property
    def channels(self) -> list[str]:
        return [
            label
            for on, label in (
                (self.by_email, "E-mail"),
                (self.in_app, "In-app notice"),
                (self.on_news, "Public news page"),
            )
            if on
        ]

    @property
    def editable(self) -> bool:
        return self.status in {MessageStatus.DRAFT, MessageStatus.AWAITING_APPROVAL}


class Delivery(models.Model):
    """One recipient of a released message: a user (in the inbox) and/or an e-mail address.
    `read_at` is set the first time the recipient opens it."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="deliveries")
    provider = models.ForeignKey(
        Provider, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="comms_deliveries",
    )
    email = models.EmailField(blank=True)
    name = models.CharField(max_length=200, blank=True)
    delivered_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name", "email"]
        verbose_name_plural = "deliveries"
        constraints = [
            models.UniqueConstraint(
                fields=["message", "user"],
                condition=models.Q(user__isnull=False),
                name="comms_delivery_user_once",
            ),
            models.UniqueConstraint(
                "message",
                Lower("email"),
                condition=~models.Q(email=""),
                name="comms_delivery_email_once",
            ),
        ]
        indexes = [models.Index(fields=["user", "-delivered_at"], name="comms_inbox")]

    def __str__(self):
        return f"{self.message} → {self.name or self.email}"


class Reply(models.Model):
    """Feedback on a message from one of its recipients: the feedback loop."""

    alliance = models.ForeignKey(Alliance, on_delete=models.CASCADE, related_name="+")
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="replies")
    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="replies")
    provider = models.ForeignKey(
        Provider, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField()
    created_at = models.DateTimeField()
    history = HistoricalRecords()

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name_plural = "replies"

    def __str__(self):
        return f"Reply to {self.message}"


class EmailStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"


class OutboundEmail(models.Model):
    """The e-mail log and outbox: every e-mail a message sends, queued in the same transaction
    that released the message, then sent (and retried) by a background task."""

    alliance = models.ForeignKey(Alliance, on_delete=models.CASCADE, related_name="+")
    provider = models.ForeignKey(
        Provider, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    message = models.ForeignKey(
        Message, null=True, blank=True, on_delete=models.CASCADE, related_name="emails"
    )
    delivery = models.OneToOneField(
        Delivery, null=True, blank=True, on_delete=models.CASCADE, related_name="outbound"
    )
    to = models.EmailField()
    subject = models.CharField(max_length=250)
    body = models.TextField()
    status = models.CharField(
        max_length=10, choices=EmailStatus.choices, default=EmailStatus.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField()
    next_attempt_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="comms_email_due")]

    def __str__(self):
        return f"{self.subject} → {self.to} ({self.status})"
